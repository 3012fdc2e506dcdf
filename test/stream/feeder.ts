// The correlator as the streaming tests and the soak benchmark see it: copies groups of subband
// files into a watched directory the way the real writer does, subband after subband a short
// while apart (the timing compressed), each file written under a temporary name then renamed
// (rsync's `.NAME.XXXXXX`, or the correlator's `NAME_incomplete.hdf5`), some written slowly in
// place in several pieces.
import { closeSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export type WriteMode = 'rsync' | 'incomplete' | 'slow';

export interface FeedOptions {
  /** Pause between two subband files (ms). */
  gapMs: number;
  /** Pause between two groups (ms), after the last file of one. */
  groupGapMs: number;
  /** How the n-th file (over the whole feed) is written (default: rsync, incomplete, slow, rsync, ...). */
  modeOf?: (n: number) => WriteMode;
  /** A slow file is written in this many pieces... */
  slowPieces?: number;
  /** ...this far apart (ms; below the daemon's settle time, as a live writer's pauses are). */
  slowPieceMs?: number;
  /** Called after each file is in place under its final name, with the time (ms since epoch). */
  onFile?: (dest: string, atMs: number) => void;
  signal?: AbortSignal;
}

const defaultMode = (n: number): WriteMode => (['rsync', 'incomplete', 'slow'] as const)[n % 3] ?? 'rsync';

function tempSuffix(n: number): string {
  return (0x100000 + ((n * 7919) % 0xeffff)).toString(36).slice(-6).padStart(6, 'x');
}

/** Write one file into `dir` as the correlator would. */
export async function writeLikeCorrelator(
  src: string,
  dir: string,
  mode: WriteMode,
  n: number,
  o: Pick<FeedOptions, 'slowPieces' | 'slowPieceMs'> = {},
): Promise<string> {
  const name = path.basename(src);
  const dest = path.join(dir, name);
  const data = readFileSync(src);
  if (mode === 'slow') {
    const pieces = o.slowPieces ?? 4;
    const fd = openSync(dest, 'w');
    try {
      const step = Math.ceil(data.length / pieces);
      for (let off = 0; off < data.length; off += step) {
        writeSync(fd, data, off, Math.min(step, data.length - off), off);
        if (off + step < data.length) await sleep(o.slowPieceMs ?? 100);
      }
    } finally {
      closeSync(fd);
    }
    return dest;
  }
  const temp =
    mode === 'rsync'
      ? path.join(dir, `.${name}.${tempSuffix(n)}`)
      : path.join(dir, name.replace(/\.hdf5$/, '_incomplete.hdf5'));
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, data, 0, data.length, 0);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, dest);
  return dest;
}

/** Feed groups (each a list of subband files) into `dir`, in order. */
export async function feed(groups: string[][], dir: string, o: FeedOptions): Promise<void> {
  let n = 0;
  for (const files of groups) {
    for (const f of files) {
      if (o.signal?.aborted) return;
      const dest = await writeLikeCorrelator(f, dir, (o.modeOf ?? defaultMode)(n), n, o);
      o.onFile?.(dest, Date.now());
      n++;
      await sleep(o.gapMs);
    }
    await sleep(o.groupGapMs);
  }
}
