// Shared by the streaming tests and the soak benchmark: small simulated groups, the daemon as a
// child process, and read-only looks at its database.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { runChild, startChild } from '../integrity/cli';

/** Tiny images: the streaming tests are about the flow, not the science. */
export const SMALL_CONFIG = { imaging: { size: 256, cellArcsec: 20, niter: 100 } };

/** A workspace with the small imaging configuration. */
export function makeWorkspace(ws: string): void {
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, 'config.json'), JSON.stringify(SMALL_CONFIG));
}

/** Simulate `chunks` 5-minute groups into `out` (12 antennas, 2 channels per subband, no noise). */
export function simulateGroups(
  cwd: string,
  out: string,
  o: { start: string; chunks: number; decDeg?: number; antennas?: number },
): string[][] {
  const r = runChild(
    cwd,
    path.join(cwd, 'sim-ws'),
    'simulate',
    '--out',
    out,
    '--start',
    o.start,
    '--minutes',
    // Whole chunks of 309.24 s (5 minutes each would drift to one chunk fewer per 60).
    String((o.chunks * 309.237645312 - 1) / 60),
    '--dec',
    String(o.decDeg ?? 55.57),
    '--antennas',
    String(o.antennas ?? 12),
    '--channels-per-subband',
    '2',
    '--no-noise',
    '--dead',
    '0',
    '--min-flux',
    '0.2',
  );
  if (r.code !== 0) throw new Error(`simulate failed: ${r.stderr}`);
  return groupFiles(out);
}

/** The subband files of a directory grouped by observation (names within 60 s), oldest first. */
export function groupFiles(dir: string): string[][] {
  const names = readdirSync(dir)
    .filter((n) => /_sb\d\d\.hdf5$/.test(n))
    .sort();
  const groups: string[][] = [];
  let lastMs = -Infinity;
  for (const n of names) {
    const ms = Date.parse(`${n.slice(0, 19)}Z`);
    if (ms - lastMs > 60_000) groups.push([]);
    groups[groups.length - 1]!.push(path.join(dir, n));
    lastMs = Math.max(lastMs, ms);
  }
  // Within a group, subband order (the correlator writes them about together).
  for (const g of groups) g.sort((a, b) => a.slice(-7).localeCompare(b.slice(-7)));
  return groups;
}

/** Read-only queries on the workspace database (the daemon owns the writes). */
export function query<T>(ws: string, sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.join(ws, 'dsa110.sqlite'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

export function streamCounts(ws: string): Record<string, number> {
  try {
    const rows = query<{ state: string; n: number }>(
      ws,
      'SELECT state, COUNT(*) AS n FROM stream_groups GROUP BY state',
    );
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  } catch {
    return {};
  }
}

export async function waitFor(
  what: string,
  cond: () => boolean,
  timeoutMs: number,
  output?: () => string,
): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${output ? `\n${output().slice(-4000)}` : ''}`,
      );
    await sleep(200);
  }
}

/** Daemon flags for compressed timing. */
export function fastFlags(inputDir: string, extra: string[] = []): string[] {
  return [
    'stream',
    '--input-dir',
    inputDir,
    '--settle',
    '0.5',
    '--poll-interval',
    '0.25',
    '--min-free-gb',
    '0',
    '--backoff',
    '0.5',
    ...extra,
  ];
}

export function startDaemon(
  cwd: string,
  ws: string,
  inputDir: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  return startChild(cwd, ws, fastFlags(inputDir, extra), env);
}
