// What every command gets: the global options, the resolved configuration (loaded on first use),
// a logger (created on first use, so read-only commands never create the workspace), output helpers.
// The configuration and logging code (zod, pino) is imported by ready(), which buildProgram
// awaits before running a command, so `dsa110 --help` and `dsa110 version` never load it.
import type { Command } from 'commander';
import type { ConfigOrigin, LoadedConfig, WorkspacePaths } from '../engine/config';
import type { AppLogger, LogLevel } from '../engine/log';
import { createProgress, type Progress, type ProgressStream } from './progress';

type ConfigModule = typeof import('../engine/config');
type LogModule = typeof import('../engine/log');

export interface CliIO {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

export interface GlobalOptions {
  workspace?: string;
  config?: string;
  json: boolean;
  quiet: boolean;
  logLevel?: LogLevel;
  threads?: number;
  set: string[];
}

export interface CliContext {
  readonly io: CliIO;
  /** Imports the configuration and logging code; config(), configFile(), paths() and logger() need it. */
  ready(): Promise<void>;
  globals(): GlobalOptions;
  /** The configuration from defaults, file, environment and flags; memoised. */
  config(): LoadedConfig;
  paths(): WorkspacePaths;
  /** The config file that applies, located without loading it (it may be missing or broken). */
  configFile(): string;
  /** The application logger writing `<workspace>/logs`; creates that directory. */
  logger(): AppLogger;
  /** Print a command's result: JSON on stdout under --json, else the human rendering. */
  result(data: unknown, human: () => string): void;
  /** A note for the user on stderr (suppressed by --quiet; never on stdout). */
  note(message: string): void;
  progress(label: string): Progress;
  /** Flush and close what this invocation opened. */
  close(): void;
}

/** Flag names that set configuration keys directly, for origins and error messages. */
const FLAG_FOR_KEY: Record<string, string> = {
  workspace: '--workspace',
  threads: '--threads',
  logLevel: '--log-level',
};

const VERBOSE = new Set<LogLevel>(['trace', 'debug']);

export function createContext(program: Command, io: CliIO): CliContext {
  let loaded: LoadedConfig | undefined;
  let logger: AppLogger | undefined;
  let modules: { config: ConfigModule; log: LogModule } | undefined;
  const need = (): { config: ConfigModule; log: LogModule } => {
    if (!modules)
      throw new Error(
        'CLI context: the configuration is used before ctx.ready() (a command listed as bare in commands/index.ts?)',
      );
    return modules;
  };

  const globals = (): GlobalOptions => {
    const o = program.opts<Partial<GlobalOptions>>();
    return { ...o, json: o.json === true, quiet: o.quiet === true, set: o.set ?? [] };
  };

  const ctx: CliContext = {
    io,
    async ready() {
      if (modules) return;
      const [config, log] = await Promise.all([import('../engine/config'), import('../engine/log')]);
      modules = { config, log };
    },
    globals,
    config() {
      if (loaded) return loaded;
      const { loadConfig } = need().config;
      const g = globals();
      const overrides: Record<string, unknown> = {};
      // --set comes first so the dedicated flags win when both name the same key.
      for (const assignment of g.set) {
        const eq = assignment.indexOf('=');
        overrides[assignment.slice(0, eq).trim()] = assignment.slice(eq + 1);
      }
      if (g.threads !== undefined) overrides.threads = g.threads;
      if (g.logLevel !== undefined) overrides.logLevel = g.logLevel;
      loaded = loadConfig({
        workspace: g.workspace,
        configFile: g.config,
        env: io.env,
        cwd: io.cwd,
        overrides,
        overrideOrigin: (key): ConfigOrigin => ({ kind: 'flag', detail: FLAG_FOR_KEY[key] ?? `--set ${key}` }),
      });
      for (const w of loaded.warnings) ctx.note(`warning: ${w}`);
      return loaded;
    },
    configFile() {
      const g = globals();
      return need().config.locateConfigFile({ workspace: g.workspace, configFile: g.config, env: io.env, cwd: io.cwd });
    },
    paths() {
      return need().config.workspacePaths(ctx.config().config);
    },
    logger() {
      if (logger) return logger;
      const { config } = ctx.config();
      const g = globals();
      // stderr shows warnings and errors, or everything the user asked for with a verbose --log-level.
      const consoleLevel: LogLevel = g.quiet
        ? 'error'
        : VERBOSE.has(config.logLevel)
          ? config.logLevel
          : config.logLevel === 'info'
            ? 'warn'
            : config.logLevel;
      logger = need().log.createLogger({
        logsDir: ctx.paths().logs,
        level: config.logLevel,
        console: { level: consoleLevel, stream: io.stderr },
      });
      return logger;
    },
    result(data, human) {
      if (globals().json) io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      else {
        const text = human();
        io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      }
    },
    note(message) {
      if (!globals().quiet) io.stderr.write(`${message}\n`);
    },
    progress(label) {
      const g = globals();
      return createProgress({ label, stream: io.stderr, enabled: !g.json && !g.quiet });
    },
    close() {
      logger?.close();
    },
  };
  return ctx;
}
