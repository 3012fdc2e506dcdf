// Progress display for long CLI work: a redrawn bar on a terminal's stderr, occasional plain
// lines when stderr is a file or pipe, nothing under --json or --quiet. Feed it job progress events.
import type { JobEvent } from '../../shared/model/jobs';

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** What is being done, e.g. "convert 2025-01-01T00:00:00". */
  label: string;
  stream: ProgressStream;
  /** False under --json or --quiet: nothing is written. */
  enabled: boolean;
  /** Clock in ms (injectable so tests need no real time). */
  now?: () => number;
  /** Least time between plain lines when not on a terminal (default 10 s). */
  plainIntervalMs?: number;
}

/** The shape of a job progress event this helper understands (a fraction 0..1, or unknown). */
export interface ProgressEvent {
  fraction?: number | null;
  message?: string;
}

export interface Progress {
  /** fraction in 0..1, or null when the total is unknown. */
  update(fraction: number | null, message?: string): void;
  event(e: ProgressEvent): void;
  done(message?: string): void;
  fail(message?: string): void;
}

const BAR_REDRAW_MS = 100;

function clamp01(f: number): number {
  return Math.min(1, Math.max(0, f));
}

export function renderBar(label: string, fraction: number | null, message: string, columns: number): string {
  const pct = fraction === null ? '  ?%' : `${Math.floor(clamp01(fraction) * 100)}%`.padStart(4);
  const width = Math.max(10, Math.min(30, columns - label.length - 20));
  const filled = fraction === null ? 0 : Math.round(clamp01(fraction) * width);
  const line = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}${message ? ` ${message}` : ''}`;
  return line.length > columns - 1 ? `${line.slice(0, Math.max(0, columns - 4))}...` : line;
}

export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const tty = opts.stream.isTTY === true;
  const plainInterval = opts.plainIntervalMs ?? 10_000;
  let lastWrite = -Infinity;
  let lastDecile = -1;
  let finished = false;
  let drawn = false;
  let fraction: number | null = null;
  let message = '';

  const draw = () => {
    const columns = opts.stream.columns ?? 80;
    opts.stream.write(`\r\x1b[2K${renderBar(opts.label, fraction, message, columns)}`);
    drawn = true;
  };
  const finish = (status: string, msg: string | undefined) => {
    if (finished || !opts.enabled) return;
    finished = true;
    if (tty && drawn) opts.stream.write('\r\x1b[2K');
    opts.stream.write(`${opts.label}: ${status}${msg ? ` (${msg})` : ''}\n`);
  };

  const progress: Progress = {
    update(f, msg) {
      if (finished || !opts.enabled) return;
      fraction = f === null || !Number.isFinite(f) ? null : clamp01(f);
      if (msg !== undefined) message = msg;
      const t = now();
      if (tty) {
        if (t - lastWrite >= BAR_REDRAW_MS) {
          lastWrite = t;
          draw();
        }
        return;
      }
      // A plain line only when a new tenth is reached and a while has passed, so logs stay short.
      const decile = fraction === null ? lastDecile : Math.floor(fraction * 10);
      if (decile > lastDecile && t - lastWrite >= plainInterval) {
        lastDecile = decile;
        lastWrite = t;
        const pct = fraction === null ? '' : ` ${Math.floor(fraction * 100)}%`;
        opts.stream.write(`${opts.label}:${pct}${message ? ` ${message}` : ''}\n`);
      }
    },
    event(e) {
      progress.update(e.fraction ?? null, e.message);
    },
    done(msg) {
      finish('done', msg);
    },
    fail(msg) {
      finish('failed', msg);
    },
  };
  return progress;
}

/**
 * Drive a progress display from the job runner's events (`runner.on('event', ...)` style): the
 * whole job's fraction with the running stage's message, then done / failed / cancelled.
 * Events of other jobs are ignored when `jobId` is given.
 */
export function followJob(progress: Progress, e: JobEvent, jobId?: string): void {
  if (jobId !== undefined && e.jobId !== jobId) return;
  if (e.type === 'progress') {
    progress.update(e.jobProgress, e.message ? `${e.stageId}: ${e.message}` : e.stageId);
  } else if (e.type === 'job') {
    if (e.state === 'succeeded') progress.done(e.message ?? undefined);
    else if (e.state === 'failed') progress.fail(e.error ?? e.message ?? undefined);
    else if (e.state === 'cancelled') progress.fail('cancelled');
    else progress.update(e.progress, e.message ?? undefined);
  }
}
