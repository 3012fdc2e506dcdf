// Structured logs (pino, JSON lines): the application log `<logs>/dsa110.log` and one file per
// job `<logs>/jobs/<jobId>.log` (job lines also reach the application log, tagged with jobId).
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { formatLine } from './format';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface LogMethod {
  (msg: string): void;
  (obj: object, msg?: string): void;
}

/** The logging surface the engine depends on; pino satisfies it, tests may fake it. */
export interface Logger {
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  child(bindings: Record<string, unknown>): Logger;
}

export interface JobLogger extends Logger {
  /** `<logs>/jobs/<jobId>.log`. */
  readonly file: string;
  /** Flush and close the job's file; later calls log nowhere. */
  close(): void;
}

export interface AppLogger extends Logger {
  /** `<logs>/dsa110.log`. */
  readonly file: string;
  readonly level: LogLevel;
  jobLogger(jobId: string | number): JobLogger;
  /** Write everything buffered, synchronously. */
  flush(): void;
  /** Flush and close the application log and every job log still open. */
  close(): void;
}

export interface CreateLoggerOptions {
  logsDir: string;
  level?: LogLevel;
  /** Also write one readable line per record at or above `level` to `stream` (the CLI uses stderr). */
  console?: { level: LogLevel; stream: { write(chunk: string): unknown } };
}

type Destination = ReturnType<typeof pino.destination>;

// Open destinations. pino.destination() itself flushes each one synchronously when the process
// exits (on-exit-leak-free), so the last lines before an early exit are not lost.
const open = new Set<Destination>();
function track(dest: Destination): void {
  open.add(dest);
}

function safeFlush(d: Destination): void {
  try {
    d.flushSync();
  } catch {
    // Nothing buffered yet, or already closed: there is nothing left to lose.
  }
}

function closeDestination(d: Destination): void {
  if (!open.delete(d)) return;
  safeFlush(d);
  d.end();
}

/**
 * Open a file for appending, written synchronously: every line is on disk when the call returns,
 * even if the process is then killed, and lines keep their order (an asynchronous destination
 * can reorder a line in flight with a later one flushed synchronously at close). Log volume is
 * low (stage transitions and messages, not per-sample), so the synchronous writes cost nothing
 * measurable.
 */
function fileDestination(file: string): Destination {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const dest = pino.destination({ fd: openSync(file, 'a'), sync: true });
    track(dest);
    return dest;
  } catch (err) {
    throw new Error(`cannot open log file ${file}: ${(err as Error).message}`, { cause: err });
  }
}

const LEVEL_VALUES: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Infinity,
};

function minLevel(levels: LogLevel[]): LogLevel {
  return levels.reduce((a, b) => (LEVEL_VALUES[b] < LEVEL_VALUES[a] ? b : a), 'silent');
}

type StreamEntry = { level: LogLevel; stream: { write(chunk: string): unknown } };

/** A closed destination silently drops lines instead of throwing into the caller's work. */
function guarded(d: Destination): { write(chunk: string): unknown } {
  return { write: (chunk: string) => (open.has(d) ? d.write(chunk) : false) };
}

function makePino(entries: StreamEntry[], base: Record<string, unknown>): pino.Logger {
  const live = entries.filter((e) => e.level !== 'silent');
  const level = minLevel(live.map((e) => e.level));
  return pino(
    {
      level,
      base,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.multistream(live.map((e) => ({ level: e.level as pino.Level, stream: e.stream }))),
  );
}

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function createLogger(opts: CreateLoggerOptions): AppLogger {
  const level = opts.level ?? 'info';
  const file = path.join(opts.logsDir, 'dsa110.log');
  const main = fileDestination(file);
  // Stack traces on the terminal only when debugging; the log file keeps them.
  const stacks = opts.console?.level === 'debug' || opts.console?.level === 'trace';
  const consoleEntry: StreamEntry[] = opts.console
    ? [
        {
          level: opts.console.level,
          stream: { write: (line: string) => opts.console?.stream.write(formatLine(line, { stacks })) },
        },
      ]
    : [];
  const root = makePino([{ level, stream: guarded(main) }, ...consoleEntry], { pid: process.pid });
  const jobs = new Set<Destination>();

  const app: AppLogger = {
    file,
    level,
    debug: root.debug.bind(root),
    info: root.info.bind(root),
    warn: root.warn.bind(root),
    error: root.error.bind(root),
    child: (bindings) => root.child(bindings),
    jobLogger(jobId) {
      const id = String(jobId);
      if (!JOB_ID.test(id)) {
        throw new Error(
          `jobLogger: job id ${JSON.stringify(id)} cannot name a log file; expected letters, digits, ".", "_" or "-" (at most 128)`,
        );
      }
      const jobFile = path.join(opts.logsDir, 'jobs', `${id}.log`);
      const dest = fileDestination(jobFile);
      jobs.add(dest);
      // Every stream of a closed job goes quiet, the application log included.
      const live = (e: StreamEntry): StreamEntry => ({
        level: e.level,
        stream: { write: (c: string) => (open.has(dest) ? e.stream.write(c) : false) },
      });
      const entries = [{ level, stream: guarded(dest) }, { level, stream: guarded(main) }, ...consoleEntry].map(live);
      const log = makePino(entries, { pid: process.pid, jobId: typeof jobId === 'number' ? jobId : id });
      return {
        file: jobFile,
        debug: log.debug.bind(log),
        info: log.info.bind(log),
        warn: log.warn.bind(log),
        error: log.error.bind(log),
        child: (bindings) => log.child(bindings),
        close() {
          jobs.delete(dest);
          closeDestination(dest);
        },
      };
    },
    flush() {
      safeFlush(main);
      for (const d of jobs) safeFlush(d);
    },
    close() {
      for (const d of jobs) closeDestination(d);
      jobs.clear();
      closeDestination(main);
    },
  };
  return app;
}

/** A logger that drops everything, for callers that were given none. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
