// A Measurement Set as the solvers see it: per spectral window a CalBlock (visibilities, flags,
// antennas, times) in shared buffers plus the rows' UVW; rotation of a block to a calibrator
// (the MS phase centre and UVW are J2000, so the calibrator's J2000 direction cosines about
// the phase centre give the fringe to cancel) and the calibrator's beam-attenuated point
// model (the beam follows the drift-scan pointing: the meridian at the pointing declination
// of date). Writing corrected rows back goes through the same row runs.
import { ARRAY_CENTRE, beamModel } from '../../../shared/instrument';
import type { PrimaryBeamModel } from '../../../shared/instrument';
import { directionCosines, lastRad, msTimeToMjd, rotatePhases } from '../../../shared/astro';
import type { MeasurementSet, MsAntennaSummary } from '../ms';
import type { Table } from '../casacore';
import { apparentDirection, fluxAt } from './model';
import type { ModelSource } from './model';
import type { CalBlock } from './solve';

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

function shared<T extends Float32Array | Uint8Array>(src: T): T {
  const ctor = src.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const out = new ctor(new SharedArrayBuffer(src.length * ctor.BYTES_PER_ELEMENT));
  out.set(src);
  return out;
}

/** The layout of an open MS (one summary pass over MAIN). */
export function msLayout(ms: MeasurementSet): MsLayout {
  const s = ms.summary({ flags: false });
  const field = s.fields[0];
  if (!field) throw new Error(`${ms.path}: FIELD: no rows; expected the phase centre in row 0`);
  const phaseCentre = { raRad: (field.raDeg * Math.PI) / 180, decRad: (field.decDeg * Math.PI) / 180 };
  const startMjd = msTimeToMjd(s.startS);
  const endMjd = msTimeToMjd(s.endS);
  const midMjd = (startMjd + endMjd) / 2;
  const npol = s.correlations.length;
  if (npol < 1) throw new Error(`${ms.path}: POLARIZATION: no correlations`);
  return {
    path: ms.path, nant: s.antennas.length, antennas: s.antennas, npol, spws: ms.spectralWindows(), phaseCentre, fieldName: field.name,
    pointingDecOfDateRad: apparentDirection({ raDeg: field.raDeg, decDeg: field.decDeg }, midMjd).decRad,
    startMjd, endMjd, midMjd, intervalS: s.intervalS,
  };
}

/** One spectral window of `column` (DATA by default) with FLAG, as a CalBlock in shared buffers. */
export function readSpwBlock(ms: MeasurementSet, layout: MsLayout, spw: number, column = 'DATA'): MsSpwBlock {
  const sp = layout.spws[spw];
  if (!sp) throw new Error(`${ms.path}: spectral window ${spw} does not exist (${layout.spws.length} windows)`);
  const { rows, data } = ms.readSpw(column, spw);
  const flags = ms.readSpw('FLAG', spw).data as Uint8Array;
  const n = rows.length;
  const time = new Float64Array(n);
  const ant1 = new Int32Array(n);
  const ant2 = new Int32Array(n);
  const uvw = new Float64Array(3 * n);
  // Rows of one window come in runs (time-major MS); read the scalars run by run.
  let k = 0;
  while (k < n) {
    let m = 1;
    while (k + m < n && rows[k + m] === (rows[k] as number) + m) m++;
    const r0 = rows[k] as number;
    time.set(ms.main.getColumn('TIME', r0, m) as Float64Array, k);
    ant1.set(ms.main.getColumn('ANTENNA1', r0, m) as Int32Array, k);
    ant2.set(ms.main.getColumn('ANTENNA2', r0, m) as Int32Array, k);
    uvw.set(ms.main.getColumn('UVW', r0, m) as Float64Array, 3 * k);
    k += m;
  }
  const uniq = [...new Set(time)].sort((a, b) => a - b);
  const index = new Map(uniq.map((t, i) => [t, i]));
  const block: CalBlock = {
    vis: shared(data as Float32Array), flags: shared(flags), weights: null, ant1, ant2, nant: layout.nant,
    freqsHz: sp.freqsHz, npol: layout.npol, timesMjd: Float64Array.from(uniq, msTimeToMjd),
    rowTime: Int32Array.from(time, (t) => index.get(t) as number),
  };
  return { spw, block, rows, uvw };
}

/**
 * Rotate a block in place so a J2000 source sits at the phase centre: multiply by
 * exp(-2 pi i nu (u l + v m + w (n - 1)) / c), with (l, m, n) of the source about the J2000
 * phase centre and the rows' J2000 uvw.
 */
export function rotateToSource(b: MsSpwBlock, layout: MsLayout, src: { raDeg: number; decDeg: number }): void {
  const [l, m, nn] = directionCosines((src.raDeg * Math.PI) / 180, (src.decDeg * Math.PI) / 180, layout.phaseCentre.raRad, layout.phaseCentre.decRad);
  const rows = b.rows.length;
  const dw = new Float64Array(rows);
  for (let r = 0; r < rows; r++) dw[r] = (b.uvw[3 * r] as number) * l + (b.uvw[3 * r + 1] as number) * m + (b.uvw[3 * r + 2] as number) * (nn - 1);
  rotatePhases(b.block.vis, { nbl: rows, nchan: b.block.freqsHz.length, npol: b.block.npol }, dw, b.block.freqsHz);
}

/** Angle (rad) between a J2000 source and the drift-scan pointing at each time. */
export function pointingOffsets(timesMjd: Float64Array, layout: MsLayout, src: { raDeg: number; decDeg: number }): Float64Array {
  return Float64Array.from(timesMjd, (t) => {
    const app = apparentDirection(src, t);
    const n = directionCosines(app.raRad, app.decRad, lastRad(t, ARRAY_CENTRE.longitudeDeg), layout.pointingDecOfDateRad)[2];
    return Math.acos(Math.min(1, Math.max(-1, n)));
  });
}

/** The point model of a source at the phase centre after rotateToSource: flux per [time][chan] (Jy). */
export function pointModel(b: CalBlock, layout: MsLayout, src: ModelSource, beam: PrimaryBeamModel | string): Float32Array {
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

/** Write a block's visibilities to `column` and its flags to FLAG, run by run of MAIN rows. */
export function writeSpwBlock(t: Table, b: MsSpwBlock, column: string): void {
  const per = b.block.freqsHz.length * b.block.npol;
  const n = b.rows.length;
  let k = 0;
  while (k < n) {
    let m = 1;
    while (k + m < n && b.rows[k + m] === (b.rows[k] as number) + m) m++;
    const r0 = b.rows[k] as number;
    t.putColumnRange(column, r0, m, b.block.vis.slice(2 * k * per, 2 * (k + m) * per));
    t.putColumnRange('FLAG', r0, m, b.block.flags.slice(k * per, (k + m) * per));
    k += m;
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
