// Readable one-line rendering of a pino JSON record, for a terminal (the CLI's stderr).
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

/**
 * `{"level":"warn","time":"...T12:00:01.5Z","msg":"slow","jobId":3}` -> `12:00:01 WARN  slow jobId=3`.
 * An error record shows the error's message (unless the message already says it); its stack
 * trace only with `stacks` (the CLI: at --log-level debug or trace; the log file keeps it always).
 */
export function formatLine(jsonLine: string, { stacks = false }: { stacks?: boolean } = {}): string {
  let rec: unknown;
  try {
    rec = JSON.parse(jsonLine);
  } catch {
    return jsonLine.endsWith('\n') ? jsonLine : `${jsonLine}\n`;
  }
  if (typeof rec !== 'object' || rec === null) return `${jsonLine.trimEnd()}\n`;
  const r = rec as Record<string, unknown>;
  const time = typeof r.time === 'string' ? r.time.slice(11, 19) : '';
  const level = String(r.level ?? '')
    .toUpperCase()
    .padEnd(5);
  const err = r.err as { message?: unknown; stack?: unknown } | undefined;
  const fields = Object.entries(r)
    .filter(([k]) => !SKIP.has(k) && k !== 'err')
    .map(([k, v]) => `${k}=${value(v)}`);
  const parts = [time, level, typeof r.msg === 'string' ? r.msg : '', ...fields].filter((p) => p !== '');
  const msg = typeof r.msg === 'string' ? r.msg : '';
  const stack =
    stacks && err && typeof err.stack === 'string'
      ? `\n${err.stack}`
      : err && typeof err.message === 'string' && !(err.message !== '' && msg.includes(err.message))
        ? ` error=${value(err.message)}`
        : '';
  return `${parts.join(' ')}${stack}\n`;
}
