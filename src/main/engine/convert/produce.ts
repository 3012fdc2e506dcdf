// Reading one subband file and turning each of its integrations into MS rows (the kernel's
// output): the caller supplies where each integration's rows go (a slot of the ring shared with
// the writer thread, or one buffer written at once) and is told when they are complete.
import { close, fstatSync, openSync, read } from 'node:fs';
import { basename } from 'node:path';
import { openUvh5 } from '../uvh5/reader';
import { convertIntegration } from './kernel';
import type { KernelOutput } from './kernel';
import { fileRowMap } from './rowmap';

/** What producing rows needs from a plan: plain data, so it can cross to a worker thread. */
export interface ProduceJob {
  spws: { path: string; freqsHz: Float64Array; widthsHz: Float64Array; reverse: boolean }[];
  nbl: number;
  nchan: number;
  npol: number;
  ntimes: number;
  /** MS baselines as ANTENNA rows (the plan's order). */
  ant1: Int32Array;
  ant2: Int32Array;
  /** w_new - w_old per integration and MS baseline, ntimes x nbl (m). */
  dw: Float64Array;
  integrationS: number;
}

/** Where one integration's rows go: `rows` before the kernel runs (may wait), `done` after. */
export interface RowSink {
  rows(): KernelOutput | Promise<KernelOutput>;
  done(t: number, flagged: number): void;
  /** Throws to stop (cancellation); called between integrations. */
  check(where: string): void;
}

/** Where prefetch reads land (never looked at: concurrent reads may overwrite each other). */
let prefetchSink: Buffer | null = null;
const PREFETCH_CHUNK = 4 << 20;

/**
 * Read a file once in the background, on libuv's threads, so its pages are in the page cache
 * when h5wasm reads it: paging in a cold file costs ~2.3 s of system time per GB on the VMs this
 * runs on, which would otherwise fall on the converting thread. Every chunk read is queued at
 * once (no callbacks needed from a busy event loop); the data are discarded. Failures are left
 * to the real read to report. A file already cached costs a memory copy (~20 ms per 150 MB).
 */
export function prefetchFile(path: string): void {
  let fd: number;
  let size: number;
  try {
    fd = openSync(path, 'r');
    size = fstatSync(fd).size;
  } catch {
    return;
  }
  prefetchSink ??= Buffer.allocUnsafe(PREFETCH_CHUNK);
  const sink = prefetchSink;
  let pending = Math.ceil(size / PREFETCH_CHUNK);
  const done = (): void => {
    if (--pending === 0) close(fd, () => undefined);
  };
  if (pending === 0) close(fd, () => undefined);
  for (let at = 0; at < size; at += PREFETCH_CHUNK) read(fd, sink, 0, Math.min(PREFETCH_CHUNK, size - at), at, done);
}

/** Largest visibility amplitude (per real or imaginary part) taken as data; beyond it, a value is absurd. */
export const ABSURD_VISIBILITY = 1e15;

/**
 * Flag (and zero) every non-finite or absurd visibility of a block in place: such values would
 * reach CLEAN as infinite thresholds. Returns how many values (complex) were flagged this way.
 */
export function flagBadValues(vis: Float32Array, flags: Uint8Array, values: number): number {
  let bad = 0;
  for (let i = 0; i < values; i++) {
    const re = vis[2 * i] as number;
    const im = vis[2 * i + 1] as number;
    // NaN fails both comparisons, as do the infinities.
    if (!(Math.abs(re) <= ABSURD_VISIBILITY && Math.abs(im) <= ABSURD_VISIBILITY)) {
      vis[2 * i] = 0;
      vis[2 * i + 1] = 0;
      if (flags[i] === 0) bad++;
      flags[i] = 1;
    }
  }
  return bad;
}

/**
 * Read subband `s` of the job and convert each integration in turn into sink.rows(); returns the
 * flagged count. Whole integrations are read per block, as views on the reader's heap consumed
 * before the next read. Non-finite or absurd values are flagged and counted in `stats.badValues`.
 */
export async function produceSubband(
  job: ProduceJob,
  s: number,
  sink: RowSink,
  stats?: { badValues: number },
): Promise<number> {
  const { nbl, nchan, npol, ntimes } = job;
  const per = nchan * npol;
  const sp = job.spws[s];
  if (!sp) throw new RangeError(`produceSubband: no spectral window ${s} (the job has ${job.spws.length})`);
  sink.check(`before ${basename(sp.path)}`);
  const f = await openUvh5(sp.path);
  let flagged = 0;
  try {
    const h = f.header;
    if (h.Nfreqs !== nchan || h.Npols !== npol || h.Nbls !== nbl || h.Ntimes !== ntimes) {
      throw new Error(
        `${sp.path}: Header: shape changed since planning (Nfreqs ${h.Nfreqs}, Npols ${h.Npols}, Nbls ${h.Nbls}, Ntimes ${h.Ntimes})`,
      );
    }
    const map = fileRowMap(h, sp.path, job.ant1, job.ant2, new Map(Array.from(h.antenna_numbers, (n, i) => [n, i])));
    const weightScale = Float64Array.from(sp.widthsHz, (dnu) => 2 * Math.abs(dnu) * job.integrationS);
    const auto = Uint8Array.from({ length: nbl }, (_, b) => (job.ant1[b] === job.ant2[b] ? 1 : 0));
    const perRead = Math.max(1, Math.floor((64 * 1024 * 1024) / (nbl * per * 13)));
    for (let t0 = 0; t0 < ntimes; t0 += perRead) {
      const n = Math.min(perRead, ntimes - t0);
      // Views on the reader's heap, consumed before the next read of this file.
      let block = f.readBlock(t0 * nbl, n * nbl);
      const bad = flagBadValues(block.vis, block.flags, n * nbl * per);
      if (stats) stats.badValues += bad;
      for (let i = 0; i < n; i++) {
        const t = t0 + i;
        sink.check(`in ${basename(sp.path)}`);
        const out = await sink.rows();
        // Another h5wasm user during the wait may have grown the heap (detaching the views): read again.
        if (block.vis.length === 0) {
          block = f.readBlock(t0 * nbl, n * nbl);
          flagBadValues(block.vis, block.flags, n * nbl * per);
        }
        const k = convertIntegration(
          {
            vis: block.vis,
            flags: block.flags,
            nsamples: block.nsamples,
            rowOffset: i * nbl,
            perm: map.perm,
            conj: map.conj,
            permOffset: t * nbl,
            auto,
            dw: job.dw.subarray(t * nbl, (t + 1) * nbl),
            freqsHz: sp.freqsHz,
            reverse: sp.reverse,
            nchan,
            npol,
            weightScale,
          },
          out,
        );
        flagged += k;
        sink.done(t, k);
      }
    }
  } finally {
    f.close();
  }
  return flagged;
}
