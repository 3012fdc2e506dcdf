// A Measurement Set as the solvers see it: per spectral window a CalBlock (visibilities, flags,
// antennas, times) in shared buffers plus the rows' UVW; rotation of a block to a calibrator
// (the MS phase centre and UVW are J2000, so the calibrator's J2000 direction cosines about
// the phase centre give the fringe to cancel) and the calibrator's beam-attenuated point
// model (the beam follows the drift-scan pointing: the meridian at the pointing declination
// of date). Writing corrected rows back goes through the same row runs.
import { ARRAY_CENTRE, beamModel } from '../../../shared/instrument';
import type { PrimaryBeamModel } from '../../../shared/instrument';
import { C_M_S, directionCosines, lastRad, msTimeToMjd, rotatePhases } from '../../../shared/astro';
import type { MeasurementSet, MsAntennaSummary } from '../ms';
import { TILED_COLUMNS, visibilityColumn } from '../ms/schema';
import { openTable } from '../casacore';
import type { Table } from '../casacore';
import { apparentDirection, fluxAt } from './model';
import type { ModelSource } from './model';
import type { CalBlock } from './solve';
import { sharedOf } from '../native/pool';

/** What every block of one MS shares. */
export interface MsLayout {
  path: string;
  nant: number;
  antennas: MsAntennaSummary[];
  npol: number;
  spws: { id: number; name: string; freqsHz: Float64Array; widthsHz: Float64Array; refFreqHz: number }[];
  /** FIELD 0 phase centre, J2000 (rad). */
  phaseCentre: { raRad: number; decRad: number };
  fieldName: string;
  /** Declination of date the dishes point at (that of the phase centre at the mid-time). */
  pointingDecOfDateRad: number;
  startMjd: number;
  endMjd: number;
  midMjd: number;
  intervalS: number;
}

export interface MsSpwBlock {
  spw: number;
  block: CalBlock;
  /** MAIN row numbers of the block's rows, ascending. */
  rows: Int32Array;
  /** Per row uvw (m), J2000, towards the phase centre. */
  uvw: Float64Array;
}

/** The layout of an open MS (one summary pass over MAIN). */
export function msLayout(ms: MeasurementSet): MsLayout {
  const s = ms.summary({ flags: false, counts: false });
  const field = s.fields[0];
  if (!field) throw new Error(`${ms.path}: FIELD: no rows; expected the phase centre in row 0`);
  const phaseCentre = { raRad: (field.raDeg * Math.PI) / 180, decRad: (field.decDeg * Math.PI) / 180 };
  const startMjd = msTimeToMjd(s.startS);
  const endMjd = msTimeToMjd(s.endS);
  const midMjd = (startMjd + endMjd) / 2;
  const npol = s.correlations.length;
  if (npol < 1) throw new Error(`${ms.path}: POLARIZATION: no correlations`);
  return {
    path: ms.path,
    nant: s.antennas.length,
    antennas: s.antennas,
    npol,
    spws: ms.spectralWindows(),
    phaseCentre,
    fieldName: field.name,
    pointingDecOfDateRad: apparentDirection({ raDeg: field.raDeg, decDeg: field.decDeg }, midMjd).decRad,
    startMjd,
    endMjd,
    midMjd,
    intervalS: s.intervalS,
  };
}

export interface ReadSpwOptions {
  /** Visibility column; default DATA. */
  column?: string;
  /** Read UVW (rotations need it; applying does not); default true. */
  uvw?: boolean;
  /**
   * Shared buffers to read into (see windowBuffers); the block's vis and flags are views of
   * their start. Default: new buffers for this window. Reusing buffers across windows spares
   * the ~100 MB of fresh pages (and their page faults) every full-size window costs.
   */
  buffers?: WindowBuffers;
}

/** A window's worth of shared visibility and flag memory, reused from window to window. */
export interface WindowBuffers {
  vis: Float32Array;
  flags: Uint8Array;
}

/** Buffers large enough for the largest spectral window of the MS. */
export function windowBuffers(ms: MeasurementSet, layout: MsLayout): WindowBuffers {
  let most = 0;
  for (const sp of layout.spws) {
    const rows = ms.spwRowRuns(sp.id).reduce((a, r) => a + r.count, 0);
    most = Math.max(most, rows * sp.freqsHz.length * layout.npol);
  }
  return { vis: sharedOf(Float32Array, 2 * most), flags: sharedOf(Uint8Array, most) };
}

/**
 * Reads one window run by run of MAIN rows straight into shared buffers (one copy from the
 * decoded tiles), yielding between runs so a caller can interleave other work (the event loop
 * of a pipelined solve keeps the native workers fed while the next window is read).
 */
function* spwBlockSteps(
  ms: MeasurementSet,
  layout: MsLayout,
  spw: number,
  opts: ReadSpwOptions,
): Generator<void, MsSpwBlock> {
  const sp = layout.spws[spw];
  if (!sp) throw new Error(`${ms.path}: spectral window ${spw} does not exist (${layout.spws.length} windows)`);
  const column = opts.column ?? 'DATA';
  const runs = ms.spwRowRuns(spw);
  const n = runs.reduce((a, r) => a + r.count, 0);
  const per = sp.freqsHz.length * layout.npol;
  const buf = opts.buffers;
  if (buf && (buf.vis.length < 2 * n * per || buf.flags.length < n * per)) {
    throw new RangeError(
      `${ms.path}: spectral window ${spw} needs ${n * per} samples; the window buffers hold ${buf.flags.length}`,
    );
  }
  const vis = buf ? buf.vis.subarray(0, 2 * n * per) : sharedOf(Float32Array, 2 * n * per);
  const complexColumn = ms.main.columnDesc(column).type === 'Complex';
  const flags = buf ? buf.flags.subarray(0, n * per) : sharedOf(Uint8Array, n * per);
  const rows = new Int32Array(n);
  const time = new Float64Array(n);
  const ant1 = new Int32Array(n);
  const ant2 = new Int32Array(n);
  const uvw = new Float64Array(opts.uvw === false ? 0 : 3 * n);
  let k = 0;
  for (const run of runs) {
    const { start: r0, count: m } = run;
    // Decoded straight into the shared buffers (the table checks the length); DComplex data is converted.
    if (complexColumn) ms.main.getColumnInto(column, r0, m, vis.subarray(2 * k * per, 2 * (k + m) * per));
    else vis.set(ms.main.getColumn(column, r0, m) as Float64Array, 2 * k * per);
    ms.main.getColumnInto('FLAG', r0, m, flags.subarray(k * per, (k + m) * per));
    for (let i = 0; i < m; i++) rows[k + i] = r0 + i;
    time.set(ms.main.getColumn('TIME', r0, m) as Float64Array, k);
    ant1.set(ms.main.getColumn('ANTENNA1', r0, m) as Int32Array, k);
    ant2.set(ms.main.getColumn('ANTENNA2', r0, m) as Int32Array, k);
    if (opts.uvw !== false) uvw.set(ms.main.getColumn('UVW', r0, m) as Float64Array, 3 * k);
    k += m;
    yield;
  }
  const uniq = [...new Set(time)].sort((a, b) => a - b);
  const index = new Map(uniq.map((t, i) => [t, i]));
  // Rows come in runs of one time: look a time up only when it changes.
  const rowTime = new Int32Array(n);
  for (let r = 0, last = NaN, at = 0; r < n; r++) {
    const t = time[r] as number;
    if (t !== last) {
      last = t;
      at = index.get(t) as number;
    }
    rowTime[r] = at;
  }
  const block: CalBlock = {
    vis,
    flags,
    weights: null,
    ant1,
    ant2,
    nant: layout.nant,
    freqsHz: sp.freqsHz,
    npol: layout.npol,
    timesMjd: Float64Array.from(uniq, msTimeToMjd),
    rowTime,
  };
  return { spw, block, rows, uvw };
}

/** One spectral window of `column` (DATA by default) with FLAG, as a CalBlock in shared buffers. */
export function readSpwBlock(
  ms: MeasurementSet,
  layout: MsLayout,
  spw: number,
  column = 'DATA',
  opts: Omit<ReadSpwOptions, 'column'> = {},
): MsSpwBlock {
  const steps = spwBlockSteps(ms, layout, spw, { ...opts, column });
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
  }
}

/**
 * Runs fn on every spectral window in order, reading window k + 1 (between the event loop's
 * turns) while fn works on window k. With `finish` (e.g. writing the window back), window k's
 * finish runs while fn works on window k + 1 and window k + 2 is read. The window buffers (two,
 * three with finish) are allocated once and reused: fn and finish must be done with a block
 * when their promises settle.
 */
export async function forEachWindow(
  ms: MeasurementSet,
  layout: MsLayout,
  opts: Omit<ReadSpwOptions, 'buffers'>,
  fn: (b: MsSpwBlock, index: number) => Promise<void>,
  finish?: (b: MsSpwBlock) => Promise<void>,
): Promise<void> {
  const bufs = Array.from({ length: finish ? 3 : 2 }, () => windowBuffers(ms, layout));
  const read = (i: number): Promise<MsSpwBlock> | null => {
    const sp = layout.spws[i];
    if (!sp) return null;
    const p = readSpwBlockAsync(ms, layout, sp.id, { ...opts, buffers: bufs[i % bufs.length] as WindowBuffers });
    // Handled here so a failure while this window is in flight is not an unhandled
    // rejection; it is raised where the window is awaited.
    p.catch(() => undefined);
    return p;
  };
  let next = read(0);
  let finishing: Promise<void> | null = null;
  let prev: MsSpwBlock | null = null;
  try {
    for (let i = 0; next; i++) {
      const b = await next;
      // Window i + 1 goes into the buffer of window i - 2, whose finish must be over.
      await finishing;
      next = read(i + 1);
      finishing = prev && finish ? finish(prev) : null;
      finishing?.catch(() => undefined);
      await fn(b, i);
      prev = b;
    }
    await finishing;
    finishing = prev && finish ? finish(prev) : null;
    await finishing;
  } finally {
    // Work still under way must end before the caller closes the MS (its failure is moot by then).
    await next?.catch(() => undefined);
    await finishing?.catch(() => undefined);
  }
}

/** readSpwBlock, giving the event loop a turn after each run of rows. */
export async function readSpwBlockAsync(
  ms: MeasurementSet,
  layout: MsLayout,
  spw: number,
  opts: ReadSpwOptions = {},
): Promise<MsSpwBlock> {
  const steps = spwBlockSteps(ms, layout, spw, opts);
  for (;;) {
    const s = steps.next();
    if (s.done) return s.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Rotate a block in place so a J2000 source sits at the phase centre: multiply by
 * exp(-2 pi i nu (u l + v m + w (n - 1)) / c), with (l, m, n) of the source about the J2000
 * phase centre and the rows' J2000 uvw.
 */
export function rotateToSource(b: MsSpwBlock, layout: MsLayout, src: { raDeg: number; decDeg: number }): void {
  rotate(b, layout, src, -1);
}

/**
 * Undo rotateToSource: the block is phased to the MS phase centre again (two float32
 * roundings of each visibility, ~1e-7 relative, away from never having been rotated).
 */
export function rotateFromSource(b: MsSpwBlock, layout: MsLayout, src: { raDeg: number; decDeg: number }): void {
  rotate(b, layout, src, 1);
}

/** Per row, the extra path (m) to a J2000 source relative to the phase centre: u l + v m + w (n - 1). */
function pathDifferences(b: MsSpwBlock, layout: MsLayout, src: { raDeg: number; decDeg: number }): Float64Array {
  const [l, m, nn] = directionCosines(
    (src.raDeg * Math.PI) / 180,
    (src.decDeg * Math.PI) / 180,
    layout.phaseCentre.raRad,
    layout.phaseCentre.decRad,
  );
  const rows = b.rows.length;
  if (b.uvw.length !== 3 * rows) throw new Error(`rotateToSource: spectral window ${b.spw} was read without UVW`);
  const dw = new Float64Array(rows);
  for (let r = 0; r < rows; r++)
    dw[r] = (b.uvw[3 * r] as number) * l + (b.uvw[3 * r + 1] as number) * m + (b.uvw[3 * r + 2] as number) * (nn - 1);
  return dw;
}

/** First channel and spacing when the channels are evenly spaced (to 1e-9 of the spacing), else null. */
function evenChannels(f: Float64Array): { f0: number; df: number } | null {
  const nchan = f.length;
  const f0 = f[0] ?? 0;
  const df = nchan > 1 ? ((f[nchan - 1] as number) - f0) / (nchan - 1) : 0;
  let uniform = nchan > 1;
  for (let c = 0; c < nchan && uniform; c++)
    uniform = Math.abs((f[c] as number) - (f0 + c * df)) <= 1e-9 * Math.abs(df);
  return uniform ? { f0, df } : null;
}

/**
 * The phase of a J2000 source's visibilities relative to the phase centre, per row (phi0,
 * dphi): phi0 + c dphi at channel c, 2 pi nu (u l + v m + w (n - 1)) / c: what rotateToSource
 * takes out, for a point model at the source (CalModel.phase) instead of rotating the data.
 * Null when the channels are not evenly spaced (rotate the data then).
 */
export function sourcePhases(
  b: MsSpwBlock,
  layout: MsLayout,
  src: { raDeg: number; decDeg: number },
): Float64Array | null {
  const even = evenChannels(b.block.freqsHz);
  if (!even) return null;
  const dw = pathDifferences(b, layout, src);
  const out = new Float64Array(2 * dw.length);
  for (let r = 0; r < dw.length; r++) {
    const k = (2 * Math.PI * (dw[r] as number)) / C_M_S;
    out[2 * r] = k * even.f0;
    out[2 * r + 1] = k * even.df;
  }
  return out;
}

function rotate(b: MsSpwBlock, layout: MsLayout, src: { raDeg: number; decDeg: number }, sign: 1 | -1): void {
  const dw = pathDifferences(b, layout, src);
  const rows = dw.length;
  const f = b.block.freqsHz;
  const nchan = f.length;
  const even = evenChannels(f);
  if (!even) {
    // rotatePhases multiplies by exp(-2 pi i nu dw / c): negate dw to turn the other way.
    if (sign > 0) for (let r = 0; r < rows; r++) dw[r] = -(dw[r] as number);
    rotatePhases(b.block.vis, { nbl: rows, nchan, npol: b.block.npol }, dw, f);
    return;
  }
  // Evenly spaced channels: the per-channel factor is exp(i k f0) exp(i k df)^c, a complex
  // recurrence in double (error ~nchan ulp) instead of a sine and cosine per channel.
  const { f0, df } = even;
  const vis = b.block.vis;
  const npol = b.block.npol;
  for (let r = 0; r < rows; r++) {
    const k = (sign * 2 * Math.PI * (dw[r] as number)) / C_M_S;
    let cr = Math.cos(k * f0);
    let ci = Math.sin(k * f0);
    const sr = Math.cos(k * df);
    const si = Math.sin(k * df);
    let i = r * nchan * npol * 2;
    for (let c = 0; c < nchan; c++) {
      for (let p = 0; p < npol; p++, i += 2) {
        const re = vis[i] as number;
        const im = vis[i + 1] as number;
        vis[i] = re * cr - im * ci;
        vis[i + 1] = re * ci + im * cr;
      }
      const t = cr * sr - ci * si;
      ci = cr * si + ci * sr;
      cr = t;
    }
  }
}

/** Angle (rad) between a J2000 source and the drift-scan pointing at each time. */
export function pointingOffsets(
  timesMjd: Float64Array,
  layout: MsLayout,
  src: { raDeg: number; decDeg: number },
): Float64Array {
  return Float64Array.from(timesMjd, (t) => {
    const app = apparentDirection(src, t);
    const n = directionCosines(
      app.raRad,
      app.decRad,
      lastRad(t, ARRAY_CENTRE.longitudeDeg),
      layout.pointingDecOfDateRad,
    )[2];
    return Math.acos(Math.min(1, Math.max(-1, n)));
  });
}

/** The point model of a source at the phase centre after rotateToSource: flux per [time][chan] (Jy). */
export function pointModel(
  b: CalBlock,
  layout: MsLayout,
  src: ModelSource,
  beam: PrimaryBeamModel | string,
): Float32Array {
  const bm = typeof beam === 'string' ? beamModel(beam) : beam;
  const nchan = b.freqsHz.length;
  const out = new Float32Array(b.timesMjd.length * nchan);
  pointingOffsets(b.timesMjd, layout, src).forEach((off, t) => {
    for (let c = 0; c < nchan; c++) {
      const f = b.freqsHz[c] as number;
      out[t * nchan + c] = fluxAt(src, f) * bm.response(off, f);
    }
  });
  return out;
}

function* writeSteps(t: Table, b: MsSpwBlock, column: string): Generator<void, void> {
  const per = b.block.freqsHz.length * b.block.npol;
  const n = b.rows.length;
  let k = 0;
  while (k < n) {
    let m = 1;
    while (k + m < n && b.rows[k + m] === (b.rows[k] as number) + m) m++;
    const r0 = b.rows[k] as number;
    t.putColumnRange(column, r0, m, b.block.vis.subarray(2 * k * per, 2 * (k + m) * per));
    t.putColumnRange('FLAG', r0, m, b.block.flags.subarray(k * per, (k + m) * per));
    k += m;
    yield;
  }
}

/** Write a block's visibilities to `column` and its flags to FLAG, run by run of MAIN rows. */
export function writeSpwBlock(t: Table, b: MsSpwBlock, column: string): void {
  for (const _ of writeSteps(t, b, column)) continue;
}

/** writeSpwBlock, giving the event loop a turn after each run of rows. */
export async function writeSpwBlockAsync(t: Table, b: MsSpwBlock, column: string): Promise<void> {
  for (const _ of writeSteps(t, b, column)) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Adds CORRECTED_DATA to an MS that lacks it: a tiled column whose tile file is created at its
 * full size as a sparse file, so it reads as zeros (what addVisibilityColumn's 'zero' writes
 * out explicitly) at no cost. Tiles hold whole fractions of the first row run (one time of one
 * window, e.g. 4656 rows for 96 antennas) of at most 1 MiB, so window writes cover whole tiles.
 */
export function ensureCorrectedColumn(ms: MeasurementSet): void {
  if (ms.main.columnNames().includes('CORRECTED_DATA')) return;
  const t = openTable(ms.path, { writable: true });
  try {
    const shape = t.getCellShape('DATA', 0);
    if (!shape || shape.length !== 2)
      throw new Error(`${ms.path}: DATA has no fixed [npol, nchan] cell shape; cannot size CORRECTED_DATA`);
    const [npol, nchan] = shape as [number, number];
    const cellBytes = 8 * npol * nchan;
    const run = ms.spwRowRuns(0)[0]?.count ?? 0;
    let tileRows = Math.max(1, Math.floor(2 ** 20 / cellBytes));
    for (let k = 1; run > 0 && k <= run; k++) {
      if (run % k === 0 && (run / k) * cellBytes <= 2 ** 20) {
        if (run / k >= 64) tileRows = run / k;
        break;
      }
    }
    tileRows = Math.min(tileRows, Math.max(1, t.nrows));
    t.addColumn(visibilityColumn('CORRECTED_DATA', { npol, nchan }), {
      type: 'TiledShapeStMan',
      name: TILED_COLUMNS.CORRECTED_DATA,
      columns: ['CORRECTED_DATA'],
      tileShape: [npol, nchan, tileRows],
    });
  } finally {
    t.close();
  }
}

/** Antenna indices of the MS for DSA station numbers (names or stations ending in the number). */
export function antennaIndicesOfStations(antennas: readonly MsAntennaSummary[], stations: readonly number[]): number[] {
  const byStation = new Map<number, number>();
  for (const a of antennas) {
    const m = /(\d+)\s*$/.exec(a.name) ?? /(\d+)\s*$/.exec(a.station);
    if (m) byStation.set(Number(m[1]), a.id);
  }
  return stations.map((s) => byStation.get(s)).filter((i): i is number => i !== undefined);
}
