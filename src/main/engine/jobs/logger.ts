// The minimal logger interface the engine codes against (pino's logger satisfies it), a
// silent one, and the job logger that persists lines per job and reports them as events.
import type { JsonObject } from '../../../shared/model/common';
import type { LogLevel } from '../../../shared/model/jobs';

export interface LogFn {
  (msg: string): void;
  (obj: object, msg?: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

/** Make a value JSON-safe for the log table (errors become {name, message, stack}). */
function toJson(value: unknown, depth = 0): JsonObject[string] {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack ?? null };
  if (depth > 6) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => toJson(v, depth + 1));
  if (typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      if (v !== undefined) out[k] = toJson(v, depth + 1);
    return out;
  }
  return String(value);
}

export interface LogSink {
  (level: LogLevel, message: string, data: JsonObject | null, bindings: Record<string, unknown>): void;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A Logger that forwards every call to `base` and hands lines at or above `minLevel` to
 * `sink` (the runner persists them and emits `log` events).
 */
export function teeLogger(
  base: Logger,
  sink: LogSink,
  minLevel: LogLevel,
  bindings: Record<string, unknown> = {},
): Logger {
  const make = (level: LogLevel): LogFn =>
    ((a: object | string, msg?: string) => {
      if (typeof a === 'string') base[level](a);
      else base[level](a, msg);
      if (LEVEL_RANK[level] < LEVEL_RANK[minLevel]) return;
      const message = typeof a === 'string' ? a : (msg ?? (a instanceof Error ? a.message : ''));
      const data = typeof a === 'string' ? null : toJson(a);
      sink(
        level,
        message,
        data !== null && typeof data === 'object' && !Array.isArray(data)
          ? data
          : data === null
            ? null
            : { value: data },
        bindings,
      );
    }) as LogFn;
  return {
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    child: (b) => teeLogger(base.child(b), sink, minLevel, { ...bindings, ...b }),
  };
}
