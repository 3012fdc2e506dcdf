// The contract of a CLI command module: it adds itself (and any subcommands) to the program.
import type { Command } from 'commander';
import type { CliContext } from '../context';

export interface CliCommand {
  /** Top-level command name, for listings and tests. */
  readonly name: string;
  register(program: Command, ctx: CliContext): void;
}
