// The commander program: global options, usage-error behaviour, and every command from one list.
import { Command, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS } from '../engine/config';
import { appInfo } from './app-info';
import { commands } from './commands';
import { createContext, type CliContext, type CliIO } from './context';

function parseThreads(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}".`);
  return n;
}

function collectAssignment(value: string, previous: string[] | undefined): string[] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE with a dotted key such as imaging.niter=500, got "${value}".`);
  return [...(previous ?? []), value];
}

export function buildProgram(io: CliIO): { program: Command; ctx: CliContext } {
  const program = new Command('dsa110');
  const ctx = createContext(program, io);
  program
    .description('DSA-110 continuum imaging: raw UVH5 to calibrated, quality-checked sky mosaics (headless).')
    .version(appInfo().version, '-V, --version', 'print the version number')
    .option('-w, --workspace <dir>', 'workspace directory (database, products, logs); env DSA110_WORKSPACE')
    .option('-c, --config <file>', 'configuration file (default <workspace>/config.json)')
    .option('--set <key=value>', 'set any configuration key, e.g. --set imaging.niter=500 (repeatable)', collectAssignment)
    .option('--threads <n>', 'worker threads (default: all cores); env DSA110_THREADS', parseThreads)
    .addOption(new Option('--log-level <level>', 'log level of <workspace>/logs/dsa110.log; env DSA110_LOG_LEVEL').choices(LOG_LEVELS))
    .option('--json', 'machine-readable output on stdout (logs and progress never go to stdout)')
    .option('-q, --quiet', 'no progress or notes on stderr, only errors')
    // Usage errors become exceptions so main() can give them exit code 2.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .showHelpAfterError('(run "dsa110 --help" or "dsa110 <command> --help" for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 failure, 2 usage error.
Configuration precedence: defaults < config file < DSA110_* environment < flags
(nested keys: DSA110_IMAGING__NITER=500 or --set imaging.niter=500).`,
    );
  for (const command of commands) command.register(program, ctx);
  return { program, ctx };
}
