// Bandpass and gain solves on an in-memory visibility block, and their application, as the
// operational pipeline does them (DSA110.md): bandpass per antenna, channel and pol over the
// whole scan (fails above 25 % flagged), then a phase-only and an amplitude+phase gain per
// solution interval on bandpass-corrected data; apply with gains interpolated in time.
// CONVENTION (CASA's, the simulator's): V_ij = g_i conj(g_j) M_ij, corrected = V / (g_i conj(g_j)).
import type { CalJonesTerm, CalSolveOutput, CalVisData } from '../native/addon';
import type { NativePool } from '../native/pool';

/** A block of visibilities as the solvers take it (the Measurement Set layer fills one per scan). */
export interface CalBlock {
  /** Interleaved complex64 [row][chan][pol]. Back it with a SharedArrayBuffer to avoid copies to the workers. */
  vis: Float32Array;
  /** [row][chan][pol], nonzero = flagged; shared buffer when it is to be flagged in place. */
  flags: Uint8Array;
  /** [row][chan][pol]; null/absent: unit weights. */
  weights?: Float32Array | null;
  /** Antenna numbers per row (0-based, as UVH5/MS store them: station - 1 for DSA-110). */
  ant1: Int32Array;
  ant2: Int32Array;
  /** Antenna numbers are < nant. */
  nant: number;
  freqsHz: Float64Array;
  npol: number;
  /** Unique mid-integration times (MJD UTC), ascending. */
  timesMjd: Float64Array;
  /** Per row: index into timesMjd. */
  rowTime: Int32Array;
}

/**
 * The model: a point source (flux per [time][chan]) at the phase centre, or away from it with
 * `phase` (per row phi0, dphi: phase phi0 + c dphi at channel c, see sourcePhases), or full
 * visibilities.
 */
export type CalModel =
  | { kind: 'point'; flux: Float32Array; phase?: Float64Array | null }
  | { kind: 'visibilities'; model: Float32Array };

export type JonesType = 'B' | 'G';

/** Solutions [slot][group][ant][pol] (complex), with their flags (1 low SNR, 2 no data) and SNR. */
export interface JonesTable {
  type: JonesType;
  phaseOnly: boolean;
  nslot: number;
  chanGroup: number;
  ngroup: number;
  nant: number;
  npol: number;
  /** Per slot: mean time of its integrations (MJD). */
  slotTimesMjd: Float64Array;
  /** Per group: mean frequency of its channels (Hz). */
  groupFreqsHz: Float64Array;
  gains: Float64Array;
  flags: Uint8Array;
  snr: Float32Array;
  /** Per cell [slot][group][pol]. */
  iterations: Int32Array;
  refant: Int32Array;
  sigma: Float64Array;
  /** Antennas present in the block's cross-correlations. */
  antennas: number[];
  /** Flagged solutions over those antennas' solutions. */
  flaggedFraction: number;
}

export class CalibrationError extends Error {
  override name = 'CalibrationError';
}

/** DSA-110's reference-antenna chain (stations 104 ... 116, 103, 117: outriggers) as antenna numbers (station - 1). */
export const DSA110_REFANT_STATIONS = Object.freeze([
  104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 103, 117,
]);
export const DSA110_REFANTS = Object.freeze(DSA110_REFANT_STATIONS.map((s) => s - 1));

export interface SolveCommon {
  /** Solutions with SNR below this are flagged (CASA minsnr); default 3. */
  minSnr?: number;
  /** Reference antennas (antenna numbers) in order of preference; default DSA110_REFANTS, then the best antenna. */
  refants?: readonly number[];
  maxIter?: number;
  tol?: number;
  /** Threads inside the kernel; default the pool's worker count. */
  threads?: number;
}

export interface BandpassOptions extends SolveCommon {
  /** Channels per solution; default 1. */
  chanGroup?: number;
  /** Fail when more than this fraction of solutions is flagged; default 0.25. */
  maxFlaggedFraction?: number;
}

export interface GainOptions extends SolveCommon {
  /** Bandpass to correct the data by (folded into the model). */
  bandpass?: JonesTable;
  /** Solution interval (s); default Infinity: the whole block. */
  solintS?: number;
  phaseOnly?: boolean;
  /** Starting solutions (same slots), e.g. the phase-only solve before an amplitude+phase one. */
  initial?: JonesTable;
  /** Fail when more than this fraction of solutions is flagged; default 1 (never). */
  maxFlaggedFraction?: number;
}

function shared<T extends Float64Array | Float32Array | Uint8Array | Int32Array>(
  ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
): T {
  return new ctor(new SharedArrayBuffer(n * ctor.BYTES_PER_ELEMENT));
}

function checkBlock(b: CalBlock, what: string): number {
  const rows = b.ant1.length;
  const nchan = b.freqsHz.length;
  const n = rows * nchan * b.npol;
  if (b.ant2.length !== rows) throw new RangeError(`${what}: block.ant2 has ${b.ant2.length} rows, ant1 ${rows}`);
  if (b.rowTime.length !== rows)
    throw new RangeError(`${what}: block.rowTime has ${b.rowTime.length} rows, ant1 ${rows}`);
  if (b.vis.length !== 2 * n)
    throw new RangeError(
      `${what}: block.vis: expected rows x nchan x npol complex = ${2 * n} floats, got ${b.vis.length}`,
    );
  if (b.flags.length !== n) throw new RangeError(`${what}: block.flags: expected ${n} values, got ${b.flags.length}`);
  if (b.weights && b.weights.length !== n)
    throw new RangeError(`${what}: block.weights: expected ${n} values, got ${b.weights.length}`);
  return rows;
}

function visData(b: CalBlock, model: CalModel, prior: { gains: Float64Array; flags: Uint8Array } | null): CalVisData {
  return {
    vis: b.vis,
    flags: b.flags,
    weights: b.weights ?? null,
    ant1: b.ant1,
    ant2: b.ant2,
    nant: b.nant,
    nchan: b.freqsHz.length,
    npol: b.npol,
    model: model.kind === 'visibilities' ? model.model : null,
    modelFlux: model.kind === 'point' ? model.flux : null,
    modelPhase: model.kind === 'point' ? (model.phase ?? null) : null,
    rowTime: b.rowTime,
    prior: prior?.gains ?? null,
    priorFlags: prior?.flags ?? null,
  };
}

/** Antennas that appear in cross-correlation rows. */
export function crossAntennas(b: CalBlock): number[] {
  const seen = new Uint8Array(b.nant);
  for (let r = 0; r < b.ant1.length; r++) {
    const a1 = b.ant1[r] as number;
    const a2 = b.ant2[r] as number;
    if (a1 !== a2) seen[a1] = seen[a2] = 1;
  }
  const out: number[] = [];
  seen.forEach((s, a) => {
    if (s) out.push(a);
  });
  return out;
}

/**
 * Solution slots for an interval: consecutive integrations from the first time, a new slot
 * every solintS seconds (Infinity: one slot); a time within 1e-6 of a boundary (in units of
 * solintS: rounding of MJD times) starts the next slot, so solintS = the integration gives one
 * slot per integration. Returns the slot per row and per slot the mean time.
 */
export function solutionSlots(
  b: CalBlock,
  solintS: number,
): { rowSlot: Int32Array; nslot: number; slotTimesMjd: Float64Array } {
  if (!(solintS > 0))
    throw new RangeError(`solintS: expected a positive number of seconds (or Infinity), got ${solintS}`);
  const t0 = b.timesMjd[0] ?? 0;
  const slotOfTime = Array.from(b.timesMjd, (t) =>
    Number.isFinite(solintS) ? Math.floor(((t - t0) * 86400) / solintS + 1e-6) : 0,
  );
  const ids = [...new Set(slotOfTime)].sort((x, y) => x - y);
  const index = new Map(ids.map((s, i) => [s, i]));
  const sum = new Float64Array(ids.length);
  const cnt = new Float64Array(ids.length);
  slotOfTime.forEach((s, k) => {
    const i = index.get(s) as number;
    sum[i] = (sum[i] as number) + (b.timesMjd[k] as number);
    cnt[i] = (cnt[i] as number) + 1;
  });
  const rowSlot = shared(Int32Array, b.rowTime.length);
  for (let r = 0; r < rowSlot.length; r++)
    rowSlot[r] = index.get(slotOfTime[b.rowTime[r] as number] as number) as number;
  return { rowSlot, nslot: ids.length, slotTimesMjd: sum.map((s, i) => s / (cnt[i] as number)) };
}

function groupFreqs(freqs: Float64Array, chanGroup: number): Float64Array {
  const ngroup = Math.ceil(freqs.length / chanGroup);
  return Float64Array.from({ length: ngroup }, (_, g) => {
    const part = freqs.subarray(g * chanGroup, Math.min(freqs.length, (g + 1) * chanGroup));
    return part.reduce((a, x) => a + x, 0) / part.length;
  });
}

function solveOutput(nsol: number, ncell: number): CalSolveOutput {
  return {
    gains: shared(Float64Array, 2 * nsol),
    flags: shared(Uint8Array, nsol),
    snr: shared(Float32Array, nsol),
    iterations: shared(Int32Array, ncell),
    refant: shared(Int32Array, ncell),
    sigma: shared(Float64Array, ncell),
  };
}

/**
 * One solve of the block's cells; with `thenAmplitude` also the amplitude+phase solve started
 * from its solutions, on the same pass over the data (two tables, else one).
 */
async function runSolve(
  pool: NativePool,
  b: CalBlock,
  model: CalModel,
  type: JonesType,
  cells: { rowSlot: Int32Array | null; nslot: number; slotTimesMjd: Float64Array; chanGroup: number },
  opts: SolveCommon & {
    phaseOnly: boolean;
    prior: { gains: Float64Array; flags: Uint8Array } | null;
    initial: Float64Array | null;
    thenAmplitude?: boolean;
  },
): Promise<JonesTable[]> {
  const nchan = b.freqsHz.length;
  const ngroup = Math.ceil(nchan / cells.chanGroup);
  const nsol = cells.nslot * ngroup * b.nant * b.npol;
  const ncell = cells.nslot * ngroup * b.npol;
  const out = solveOutput(nsol, ncell);
  const thenOut = opts.thenAmplitude ? solveOutput(nsol, ncell) : null;
  await pool.solveJones(
    visData(b, model, opts.prior),
    { rowSlot: cells.rowSlot, nslot: cells.nslot, chanGroup: cells.chanGroup },
    {
      phaseOnly: opts.phaseOnly,
      maxIter: opts.maxIter ?? 100,
      tol: opts.tol ?? 1e-7,
      minSnr: opts.minSnr ?? 3,
      refants: Int32Array.from(opts.refants ?? DSA110_REFANTS),
      initial: opts.initial,
      threads: opts.threads ?? pool.workers,
      thenOut,
    },
    out,
  );
  const antennas = crossAntennas(b);
  const table = (o: CalSolveOutput, phaseOnly: boolean): JonesTable => {
    let flagged = 0;
    for (let s = 0; s < cells.nslot * ngroup; s++) {
      for (const a of antennas) for (let p = 0; p < b.npol; p++) if (o.flags[(s * b.nant + a) * b.npol + p]) flagged++;
    }
    const total = cells.nslot * ngroup * antennas.length * b.npol;
    return {
      type,
      phaseOnly,
      nslot: cells.nslot,
      chanGroup: cells.chanGroup,
      ngroup,
      nant: b.nant,
      npol: b.npol,
      slotTimesMjd: cells.slotTimesMjd,
      groupFreqsHz: groupFreqs(b.freqsHz, cells.chanGroup),
      ...o,
      antennas,
      flaggedFraction: total > 0 ? flagged / total : 1,
    };
  };
  return thenOut ? [table(out, opts.phaseOnly), table(thenOut, false)] : [table(out, opts.phaseOnly)];
}

/**
 * Bandpass: per antenna, channel group and pol, over the whole block (solution interval = the
 * scan). Throws CalibrationError when more than maxFlaggedFraction (default 25 %) of the
 * solutions of the antennas present are flagged.
 */
export async function solveBandpass(
  pool: NativePool,
  b: CalBlock,
  model: CalModel,
  opts: BandpassOptions = {},
): Promise<JonesTable> {
  checkBlock(b, 'solveBandpass');
  const chanGroup = opts.chanGroup ?? 1;
  if (!Number.isInteger(chanGroup) || chanGroup < 1 || chanGroup > b.freqsHz.length) {
    throw new RangeError(`solveBandpass: chanGroup: expected an integer in [1, ${b.freqsHz.length}], got ${chanGroup}`);
  }
  const mean = b.timesMjd.reduce((a, t) => a + t, 0) / Math.max(1, b.timesMjd.length);
  const [table] = (await runSolve(
    pool,
    b,
    model,
    'B',
    { rowSlot: null, nslot: 1, slotTimesMjd: Float64Array.of(mean), chanGroup },
    {
      ...opts,
      phaseOnly: false,
      prior: null,
      initial: null,
    },
  )) as [JonesTable];
  const limit = opts.maxFlaggedFraction ?? 0.25;
  if (table.flaggedFraction > limit) {
    throw new CalibrationError(
      `bandpass: ${(100 * table.flaggedFraction).toFixed(1)} % of the solutions are flagged (SNR < ${opts.minSnr ?? 3} or no data), ` +
        `more than the ${(100 * limit).toFixed(0)} % allowed; check the calibrator model, the flags and the dead antennas`,
    );
  }
  return table;
}

/** A bandpass table expanded to [chan][ant][pol] (complex, flags) for use as a prior. */
export function bandpassPerChannel(bp: JonesTable, nchan: number): { gains: Float64Array; flags: Uint8Array } {
  if (bp.nslot !== 1) throw new RangeError(`bandpassPerChannel: expected a table with one time slot, got ${bp.nslot}`);
  const per = bp.nant * bp.npol;
  const gains = shared(Float64Array, 2 * nchan * per);
  const flags = shared(Uint8Array, nchan * per);
  for (let c = 0; c < nchan; c++) {
    const g = Math.floor(c / bp.chanGroup);
    if (g >= bp.ngroup)
      throw new RangeError(
        `bandpassPerChannel: channel ${c} is beyond the table's ${bp.ngroup} groups of ${bp.chanGroup}`,
      );
    gains.set(bp.gains.subarray(2 * g * per, 2 * (g + 1) * per), 2 * c * per);
    flags.set(bp.flags.subarray(g * per, (g + 1) * per), c * per);
  }
  return { gains, flags };
}

/**
 * Gains per solution interval over all channels, on data corrected by `bandpass` when given
 * (folded into the model, which keeps the noise white): phase-only or amplitude+phase.
 */
export async function solveGains(
  pool: NativePool,
  b: CalBlock,
  model: CalModel,
  opts: GainOptions = {},
): Promise<JonesTable> {
  return (await gainSolves(pool, b, model, opts, false))[0] as JonesTable;
}

/**
 * Phase-only gains, then amplitude+phase gains started from them, on one pass over the data
 * (the operational sequence after the bandpass; opts.phaseOnly and opts.initial are ignored).
 */
export async function solveGainPair(
  pool: NativePool,
  b: CalBlock,
  model: CalModel,
  opts: GainOptions = {},
): Promise<[JonesTable, JonesTable]> {
  return (await gainSolves(pool, b, model, { ...opts, phaseOnly: true, initial: undefined }, true)) as [
    JonesTable,
    JonesTable,
  ];
}

/** solveGains; with `thenAmplitude` also the amplitude+phase solve from its solutions (one data pass). */
async function gainSolves(
  pool: NativePool,
  b: CalBlock,
  model: CalModel,
  opts: GainOptions,
  thenAmplitude: boolean,
): Promise<JonesTable[]> {
  checkBlock(b, 'solveGains');
  const nchan = b.freqsHz.length;
  const slots = solutionSlots(b, opts.solintS ?? Infinity);
  let initial: Float64Array | null = null;
  if (opts.initial) {
    const i = opts.initial;
    if (i.nslot !== slots.nslot || i.ngroup !== 1 || i.nant !== b.nant || i.npol !== b.npol) {
      throw new RangeError(
        `solveGains: initial: expected ${slots.nslot} slots x 1 group x ${b.nant} antennas x ${b.npol} pols, got ${i.nslot} x ${i.ngroup} x ${i.nant} x ${i.npol}`,
      );
    }
    initial = i.gains;
  }
  const tables = await runSolve(
    pool,
    b,
    model,
    'G',
    { ...slots, chanGroup: nchan },
    {
      ...opts,
      phaseOnly: opts.phaseOnly ?? false,
      prior: opts.bandpass ? bandpassPerChannel(opts.bandpass, nchan) : null,
      initial,
      thenAmplitude,
    },
  );
  const limit = opts.maxFlaggedFraction ?? 1;
  for (const table of tables) {
    if (table.flaggedFraction > limit) {
      throw new CalibrationError(
        `gains: ${(100 * table.flaggedFraction).toFixed(1)} % of the solutions are flagged, more than the ${(100 * limit).toFixed(0)} % allowed`,
      );
    }
  }
  return tables;
}

export interface CalibrationSolution {
  bandpass: JonesTable;
  phase: JonesTable;
  gains: JonesTable;
}

/**
 * Bandpass, then phase-only gains, then amplitude+phase gains started from them (the
 * operational sequence); both gain solves use one pass over the data (the same sums).
 */
export async function solveCalibration(
  pool: NativePool,
  b: CalBlock,
  model: CalModel,
  opts: SolveCommon & { bandpass?: BandpassOptions; solintS?: number } = {},
): Promise<CalibrationSolution> {
  const bandpass = await solveBandpass(pool, b, model, { ...opts, ...opts.bandpass });
  const [phase, gains] = await solveGainPair(pool, b, model, { ...opts, bandpass, solintS: opts.solintS });
  return { bandpass, phase, gains };
}

/**
 * Gains of a one-group table at the given times: amplitude and phase interpolated linearly
 * between the nearest unflagged solutions before and after (held beyond the ends); flagged
 * where an antenna/pol has no unflagged solution. Output [time][ant][pol].
 */
export function gainsAt(table: JonesTable, timesMjd: Float64Array): { jones: Float64Array; flags: Uint8Array } {
  if (table.ngroup !== 1) throw new RangeError(`gainsAt: expected a table with one channel group, got ${table.ngroup}`);
  const per = table.nant * table.npol;
  const jones = shared(Float64Array, 2 * timesMjd.length * per);
  const flags = shared(Uint8Array, timesMjd.length * per);
  for (let q = 0; q < per; q++) {
    const good: number[] = [];
    for (let s = 0; s < table.nslot; s++) if (!table.flags[s * per + q]) good.push(s);
    for (let k = 0; k < timesMjd.length; k++) {
      const o = k * per + q;
      if (good.length === 0) {
        flags[o] = 1;
        jones[2 * o] = 1;
        continue;
      }
      const t = timesMjd[k] as number;
      let hi = good.findIndex((s) => (table.slotTimesMjd[s] as number) >= t);
      if (hi < 0) hi = good.length - 1;
      const lo = hi > 0 && (table.slotTimesMjd[good[hi] as number] as number) > t ? hi - 1 : hi;
      const s0 = good[lo] as number;
      const s1 = good[hi] as number;
      const g0r = table.gains[2 * (s0 * per + q)] as number;
      const g0i = table.gains[2 * (s0 * per + q) + 1] as number;
      const g1r = table.gains[2 * (s1 * per + q)] as number;
      const g1i = table.gains[2 * (s1 * per + q) + 1] as number;
      const t0 = table.slotTimesMjd[s0] as number;
      const t1 = table.slotTimesMjd[s1] as number;
      const x = s0 === s1 || t1 === t0 ? 0 : Math.min(1, Math.max(0, (t - t0) / (t1 - t0)));
      const a0 = Math.hypot(g0r, g0i);
      const a1 = Math.hypot(g1r, g1i);
      const p0 = Math.atan2(g0i, g0r);
      let dp = Math.atan2(g1i, g1r) - p0;
      dp = Math.atan2(Math.sin(dp), Math.cos(dp));
      const a = a0 + x * (a1 - a0);
      const ph = p0 + x * dp;
      jones[2 * o] = a * Math.cos(ph);
      jones[2 * o + 1] = a * Math.sin(ph);
    }
  }
  return { jones, flags };
}

/**
 * Corrects the block in place: V / (J_i conj(J_j)) with J = gains(t) x bandpass(nu); samples
 * whose solution is flagged become flagged. vis, flags (and weights) must be backed by
 * SharedArrayBuffers. Resolves to the number of samples newly flagged.
 */
export async function applyCalibration(
  pool: NativePool,
  b: CalBlock,
  tables: { bandpass?: JonesTable; gains?: JonesTable },
  opts: { threads?: number } = {},
): Promise<number> {
  checkBlock(b, 'applyCalibration');
  const terms: CalJonesTerm[] = [];
  if (tables.bandpass) {
    const bp = tables.bandpass;
    if (
      bp.nslot !== 1 ||
      bp.nant !== b.nant ||
      bp.npol !== b.npol ||
      bp.ngroup !== Math.ceil(b.freqsHz.length / bp.chanGroup)
    ) {
      throw new RangeError(
        `applyCalibration: bandpass table (${bp.nslot} slots, ${bp.ngroup} groups of ${bp.chanGroup}, ${bp.nant} antennas, ${bp.npol} pols) does not fit the block`,
      );
    }
    terms.push({ jones: bp.gains, flags: bp.flags, rowSlot: null, nslot: 1, chanGroup: bp.chanGroup });
  }
  if (tables.gains) {
    const g = tables.gains;
    if (g.nant !== b.nant || g.npol !== b.npol)
      throw new RangeError(
        `applyCalibration: gain table has ${g.nant} antennas x ${g.npol} pols, the block ${b.nant} x ${b.npol}`,
      );
    const at = gainsAt(g, b.timesMjd);
    terms.push({
      jones: at.jones,
      flags: at.flags,
      rowSlot: b.rowTime,
      nslot: b.timesMjd.length,
      chanGroup: b.freqsHz.length,
    });
  }
  return pool.applyJones(
    {
      vis: b.vis,
      flags: b.flags,
      weights: b.weights ?? null,
      ant1: b.ant1,
      ant2: b.ant2,
      nchan: b.freqsHz.length,
      npol: b.npol,
      nant: b.nant,
    },
    terms,
    { threads: opts.threads ?? pool.workers },
  );
}
