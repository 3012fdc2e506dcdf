// Flagging before calibration: autocorrelations, zeros and non-finite values, dead antennas
// (no coherent signal from a bright calibrator on their baselines), RFI (SumThreshold on the
// amplitude minus a smooth time-frequency surface, per baseline and pol), with statistics per
// antenna, per channel and per reason.
import type { RfiKernelOptions } from '../native/addon';
import { type NativePool, sharedFloat64Array } from '../native/pool';
import type { CalBlock, CalModel } from './solve';

export type FlagReason = 'prior' | 'autocorrelation' | 'zero' | 'nonfinite' | 'deadAntenna' | 'rfi';

export interface FlagStats {
  samples: number;
  flagged: number;
  fraction: number;
  /** Samples flagged by each step (those already flagged are counted under the first reason). */
  byReason: Record<FlagReason, number>;
  /** Per antenna number: fraction of the samples of its cross-correlations that are flagged (NaN: no data). */
  perAntenna: Float64Array;
  /** Per channel: fraction of cross-correlation samples flagged. */
  perChannel: Float64Array;
  deadAntennas: number[];
}

/** Nonzero bytes among four packed in a 32-bit word. */
function nonzeroBytes(w: number): number {
  // Fold each byte onto its lowest bit (the masks keep bits inside their byte), then add the
  // four 0/1 bytes with one multiply.
  let t = w | ((w >>> 4) & 0x0f0f0f0f);
  t |= (t >>> 2) & 0x03030303;
  t |= (t >>> 1) & 0x01010101;
  return Math.imul(t & 0x01010101, 0x01010101) >>> 24;
}

/** The flags as 32-bit words when their start is 4-aligned (else null): view once, count many ranges. */
function wordsOf(flags: Uint8Array): Uint32Array | null {
  return flags.byteOffset % 4 === 0 ? new Uint32Array(flags.buffer, flags.byteOffset, flags.length >>> 2) : null;
}

/** Nonzero bytes of flags[start, end), four at a time where a word view (wordsOf) is given. */
export function countFlags(
  flags: Uint8Array,
  start = 0,
  end = flags.length,
  words: Uint32Array | null = start === 0 && end === flags.length ? wordsOf(flags) : null,
): number {
  let n = 0;
  let i = start;
  if (words) {
    for (; i < end && i % 4 !== 0; i++) n += flags[i] ? 1 : 0;
    const w1 = Math.min(words.length, end >>> 2);
    for (let k = i >>> 2; k < w1; k++) n += nonzeroBytes(words[k] as number);
    i = Math.max(i, w1 * 4);
  }
  for (; i < end; i++) n += flags[i] ? 1 : 0;
  return n;
}

/** Per baseline and time, the row holding it (or -1): the plane the RFI detector works on. */
export function baselineGrid(b: CalBlock): { grid: Int32Array; nbl: number; ntime: number } {
  const key = new Map<number, number>();
  for (let r = 0; r < b.ant1.length; r++) {
    const k = (b.ant1[r] as number) * b.nant + (b.ant2[r] as number);
    if (!key.has(k)) key.set(k, key.size);
  }
  const nbl = key.size;
  const ntime = b.timesMjd.length;
  const grid = new Int32Array(nbl * ntime).fill(-1);
  for (let r = 0; r < b.ant1.length; r++) {
    const bl = key.get((b.ant1[r] as number) * b.nant + (b.ant2[r] as number)) as number;
    grid[bl * ntime + (b.rowTime[r] as number)] = r;
  }
  return { grid, nbl, ntime };
}

export interface DeadAntennaOptions {
  /** Channels summed coherently per group; default: about 10 MHz of band (delays decohere wider groups). */
  chanGroup?: number;
  /** An antenna is dead when the median SNR of its baselines' coherent sums is below this; default 5. */
  minSnr?: number;
  threads?: number;
}

/**
 * Antennas with no coherent signal from the model: for each baseline, channel group and pol,
 * the coherent sum S = sum V conj(M) over the scan against its noise sqrt(sigma^2 P), sigma^2
 * from the residual power; an antenna whose median over its baselines is below minSnr carries
 * noise only. Works on a bright calibrator field (after phaseToSource) where a live baseline
 * reaches SNR ~ (S / sigma_vis) sqrt(samples) >> minSnr.
 */
export async function findDeadAntennas(
  pool: NativePool,
  b: CalBlock,
  model: CalModel,
  opts: DeadAntennaOptions = {},
): Promise<{ dead: number[]; medianSnr: Float64Array }> {
  const nchan = b.freqsHz.length;
  const width = nchan > 1 ? Math.abs((b.freqsHz[1] as number) - (b.freqsHz[0] as number)) : 1e7;
  const chanGroup = opts.chanGroup ?? Math.max(1, Math.min(nchan, Math.round(10e6 / width)));
  const ngroup = Math.ceil(nchan / chanGroup);
  const nant = b.nant;
  const out = sharedFloat64Array(ngroup * b.npol * nant * nant * 5);
  await pool.baselineStats(
    {
      vis: b.vis,
      flags: b.flags,
      weights: b.weights ?? null,
      ant1: b.ant1,
      ant2: b.ant2,
      nant,
      nchan,
      npol: b.npol,
      model: model.kind === 'visibilities' ? model.model : null,
      modelFlux: model.kind === 'point' ? model.flux : null,
      modelPhase: model.kind === 'point' ? (model.phase ?? null) : null,
      rowTime: b.rowTime,
    },
    { rowSlot: null, nslot: 1, chanGroup },
    out,
    { threads: opts.threads ?? pool.workers },
  );
  const snrs: number[][] = Array.from({ length: nant }, () => []);
  for (let cell = 0; cell < ngroup * b.npol; cell++) {
    for (let a1 = 0; a1 < nant; a1++) {
      for (let a2 = a1 + 1; a2 < nant; a2++) {
        const o = ((cell * nant + a1) * nant + a2) * 5;
        const n = out[o + 4] as number;
        const p = out[o + 2] as number;
        if (!(n > 1) || !(p > 0)) continue;
        const sr = out[o] as number;
        const si = out[o + 1] as number;
        const s2 = sr * sr + si * si;
        const noise = Math.max((out[o + 3] as number) - s2 / p, 1e-30) / n;
        const snr = Math.sqrt(s2 / (noise * p));
        (snrs[a1] as number[]).push(snr);
        (snrs[a2] as number[]).push(snr);
      }
    }
  }
  const medianSnr = new Float64Array(nant).fill(NaN);
  const dead: number[] = [];
  const minSnr = opts.minSnr ?? 5;
  snrs.forEach((list, a) => {
    if (list.length === 0) return;
    list.sort((x, y) => x - y);
    const m = list[list.length >> 1] as number;
    medianSnr[a] = m;
    if (m < minSnr) dead.push(a);
  });
  return { dead, medianSnr };
}

/** Flags every sample of the rows involving the given antennas; returns the samples newly flagged. */
export function flagAntennas(b: CalBlock, antennas: readonly number[]): number {
  const set = new Set(antennas);
  const per = b.freqsHz.length * b.npol;
  let n = 0;
  for (let r = 0; r < b.ant1.length; r++) {
    if (!set.has(b.ant1[r] as number) && !set.has(b.ant2[r] as number)) continue;
    for (let i = r * per; i < (r + 1) * per; i++) {
      if (!b.flags[i]) {
        b.flags[i] = 1;
        n++;
      }
    }
  }
  return n;
}

/** Statistics of the block's flags (per antenna and channel over cross-correlations). */
export function flagStatistics(b: CalBlock, byReason: Record<FlagReason, number>, deadAntennas: number[]): FlagStats {
  const nchan = b.freqsHz.length;
  const npol = b.npol;
  const per = nchan * npol;
  const antFlag = new Float64Array(b.nant);
  const antTot = new Float64Array(b.nant);
  const chFlag = new Float64Array(nchan);
  // Rows wholly clean or wholly flagged (dead antennas, most rows) add the same to every
  // channel: counted, and only the partly flagged rows are walked channel by channel.
  let crossRows = 0;
  let fullRows = 0;
  const words = wordsOf(b.flags);
  for (let r = 0; r < b.ant1.length; r++) {
    const a1 = b.ant1[r] as number;
    const a2 = b.ant2[r] as number;
    if (a1 === a2) continue;
    crossRows++;
    const rowFlagged = countFlags(b.flags, r * per, (r + 1) * per, words);
    if (rowFlagged === per) fullRows++;
    else if (rowFlagged > 0) {
      for (let c = 0; c < nchan; c++) {
        let f = 0;
        for (let p = 0; p < npol; p++) f += b.flags[(r * nchan + c) * npol + p] ? 1 : 0;
        chFlag[c] = (chFlag[c] as number) + f;
      }
    }
    antFlag[a1] = (antFlag[a1] as number) + rowFlagged;
    antFlag[a2] = (antFlag[a2] as number) + rowFlagged;
    antTot[a1] = (antTot[a1] as number) + per;
    antTot[a2] = (antTot[a2] as number) + per;
  }
  const flagged = countFlags(b.flags);
  return {
    samples: b.flags.length,
    flagged,
    fraction: b.flags.length > 0 ? flagged / b.flags.length : 0,
    byReason,
    perAntenna: antFlag.map((f, a) => ((antTot[a] as number) > 0 ? f / (antTot[a] as number) : NaN)),
    perChannel: chFlag.map((f) => (crossRows > 0 ? (f + fullRows * npol) / (crossRows * npol) : NaN)),
    deadAntennas,
  };
}

export interface FlagOptions {
  /** Flag autocorrelations (default true). */
  autos?: boolean;
  /** Dead-antenna detection against this model (a bright calibrator field); skipped when absent. */
  model?: CalModel;
  dead?: DeadAntennaOptions;
  /** RFI detection (default on); false to skip. */
  rfi?: RfiKernelOptions | false;
  threads?: number;
}

/**
 * The pre-calibration flagging sequence on a block, in place (flags must be backed by a
 * SharedArrayBuffer): autocorrelations, zeros and non-finite values, RFI, then dead antennas
 * (with a model; RFI first so it does not inflate the noise of the coherence test). Returns the statistics.
 */
export async function flagBlock(pool: NativePool, b: CalBlock, opts: FlagOptions = {}): Promise<FlagStats> {
  const threads = opts.threads ?? pool.workers;
  const nchan = b.freqsHz.length;
  const byReason: Record<FlagReason, number> = {
    prior: countFlags(b.flags),
    autocorrelation: 0,
    zero: 0,
    nonfinite: 0,
    deadAntenna: 0,
    rfi: 0,
  };
  const basic = await pool.flagBasic(
    { vis: b.vis, flags: b.flags, ant1: b.ant1, ant2: b.ant2, nchan, npol: b.npol },
    { autos: opts.autos ?? true, threads },
  );
  byReason.autocorrelation = basic.autocorrelation;
  byReason.zero = basic.zero;
  byReason.nonfinite = basic.nonfinite;
  if (opts.rfi !== false) {
    const { grid, nbl, ntime } = baselineGrid(b);
    byReason.rfi = await pool.flagRfi(
      { vis: b.vis, flags: b.flags, grid, nbl, ntime, nchan, npol: b.npol },
      { threads, ...(opts.rfi ?? {}) },
    );
  }
  let dead: number[] = [];
  if (opts.model) {
    dead = (await findDeadAntennas(pool, b, opts.model, { threads, ...opts.dead })).dead;
    byReason.deadAntenna = flagAntennas(b, dead);
  }
  return flagStatistics(b, byReason, dead);
}
