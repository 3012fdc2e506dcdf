// The contract of a CLI command module: it adds itself (and any subcommands) to the program.
// And the entry that lists it in commands/index.ts, cheap to build, loading the module on demand.
import type { Command } from 'commander';
import type { CliContext } from '../context';

export interface CliCommand {
  /** Top-level command name, for listings and tests. */
  readonly name: string;
  register(program: Command, ctx: CliContext): void;
}

/** One top-level command in the explicit list (commands/index.ts). */
export interface CommandEntry {
  /** The top-level command name, as the module registers it. */
  readonly name: string;
  /** What `dsa110 --help` shows after the name: '[options]' when it has options, then its arguments. */
  readonly usage?: string;
  /** The description the module gives the command (shown by `dsa110 --help`). */
  readonly description: string;
  /** Imports the command's module; called only when this command runs or shows its own help. */
  load(): Promise<CliCommand>;
  /**
   * The command reads no configuration and writes no log (ctx.config() and ctx.logger() throw),
   * so running it loads neither (version: it must start fast).
   */
  readonly bare?: boolean;
}
