// The commander program: global options, usage-error behaviour, and every command from one list.
// Only the command being run is imported (commands/index.ts); the others are listed by name,
// usage and description, so `dsa110 --help` loads no engine code.
import { Command, Help, InvalidArgumentError, Option } from 'commander';
import { LOG_LEVELS } from '../engine/config/levels';
import { appInfo } from './app-info';
import { commandFromSpec, readCommandSpecs, type CommandSpec } from './command-spec';
import { commands as commandList, type CliCommand, type CommandEntry } from './commands';
import { createContext, type CliContext, type CliIO } from './context';

function parseThreads(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}".`);
  return n;
}

function collectAssignment(value: string, previous: string[] | undefined): string[] {
  const eq = value.indexOf('=');
  if (eq <= 0)
    throw new InvalidArgumentError(`expected KEY=VALUE with a dotted key such as imaging.niter=500, got "${value}".`);
  return [...(previous ?? []), value];
}

/**
 * The top-level command `args` (the arguments after node and the script) run, or ask help for
 * (`help NAME`): the first operand once the program's global options and their values are
 * skipped; undefined when there is none.
 */
export function invokedCommand(program: Command, args: readonly string[]): string | undefined {
  const takesValue = (flag: string): boolean => {
    const o = program.options.find((opt) => opt.short === flag || opt.long === flag);
    return o !== undefined && (o.required || o.optional);
  };
  const operands: string[] = [];
  for (let i = 0; i < args.length && operands.length < 2; i++) {
    const a = args[i]!;
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') operands.push(a);
    else if (a.startsWith('--')) {
      if (!a.includes('=') && takesValue(a)) i++;
    } else {
      // Short flags, possibly combined (-qw DIR): the first one taking a value takes the rest or the next argument.
      for (let k = 1; k < a.length; k++) {
        if (!takesValue(`-${a[k]}`)) continue;
        if (k === a.length - 1) i++;
        break;
      }
    }
  }
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/** Whether `args` (after node and the script) only ask for help: `help NAME`, or -h/--help before any `--`. */
export function helpRequested(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  const opts = end < 0 ? args : args.slice(0, end);
  return opts.includes('--help') || opts.includes('-h') || opts.find((a) => !a.startsWith('-')) === 'help';
}

/**
 * The program for `argv` (as process.argv): the global options, the command `argv` runs loaded
 * and registered, every other command of `entries` as a stub carrying its name and description.
 * When `argv` only asks for a command's help and `specs` (out/cli/commands.json, written by the
 * build from the modules themselves) declares it, that command is built from its declaration
 * instead, so its help imports no engine code.
 */
export async function buildProgram(
  io: CliIO,
  argv: readonly string[] = [],
  entries: readonly CommandEntry[] = commandList,
  specs: readonly CommandSpec[] | null = readCommandSpecs(),
): Promise<{ program: Command; ctx: CliContext }> {
  const program = new Command('dsa110');
  const ctx = createContext(program, io);
  const stubUsage = new WeakMap<Command, string>();
  program
    .description('DSA-110 continuum imaging: raw UVH5 to calibrated, quality-checked sky mosaics (headless).')
    .version(appInfo().version, '-V, --version', 'print the version number')
    .option('-w, --workspace <dir>', 'workspace directory (database, products, logs); env DSA110_WORKSPACE')
    .option('-c, --config <file>', 'configuration file (default <workspace>/config.json)')
    .option(
      '--set <key=value>',
      'set any configuration key, e.g. --set imaging.niter=500 (repeatable)',
      collectAssignment,
    )
    .option('--threads <n>', 'worker threads (default: all cores); env DSA110_THREADS', parseThreads)
    .addOption(
      new Option('--log-level <level>', 'log level of <workspace>/logs/dsa110.log; env DSA110_LOG_LEVEL').choices(
        LOG_LEVELS,
      ),
    )
    .option('--json', 'machine-readable output on stdout (logs and progress never go to stdout)')
    .option('-q, --quiet', 'no progress or notes on stderr, only errors')
    // Usage errors become exceptions so main() can give them exit code 2.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .configureHelp({
      showGlobalOptions: true,
      sortSubcommands: false,
      // A stub shows its entry's usage, as the loaded command would.
      subcommandTerm(this: Help, cmd: Command): string {
        const usage = stubUsage.get(cmd);
        return usage === undefined
          ? Help.prototype.subcommandTerm.call(this, cmd)
          : usage
            ? `${cmd.name()} ${usage}`
            : cmd.name();
      },
    })
    .showHelpAfterError('(run "dsa110 --help" or "dsa110 <command> --help" for usage)')
    .addHelpText(
      'after',
      `
Exit codes: 0 success, 1 failure, 2 usage error.
Configuration precedence: defaults < config file < DSA110_* environment < flags
(nested keys: DSA110_IMAGING__NITER=500 or --set imaging.niter=500).`,
    );
  const name = invokedCommand(program, argv.slice(2));
  const run = entries.find((e) => e.name === name);
  const runSpec = run && helpRequested(argv.slice(2)) ? specs?.find((s) => s.name === run.name) : undefined;
  const loaded = new Set<CommandEntry['load']>();
  for (const entry of entries) {
    if (program.commands.some((c) => c.name() === entry.name)) continue; // registered by its module already
    if (runSpec && entry === run) commandFromSpec(runSpec, program);
    else if (run && !runSpec && entry.load === run.load && !loaded.has(entry.load)) {
      loaded.add(entry.load);
      let command: CliCommand;
      try {
        [command] = await Promise.all([entry.load(), run.bare ? undefined : ctx.ready()]);
      } catch (err) {
        throw new Error(`cannot load the '${run.name}' command: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        });
      }
      command.register(program, ctx);
      if (!program.commands.some((c) => c.name() === entry.name)) {
        throw new Error(
          `src/main/cli/commands/index.ts: the module loaded for command '${entry.name}' registered no command of that name (its CliCommand is '${command.name}')`,
        );
      }
    } else {
      stubUsage.set(program.command(entry.name).description(entry.description), entry.usage ?? '');
    }
  }
  return { program, ctx };
}
