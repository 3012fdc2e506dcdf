// The calibrator-field model: rotate the visibilities so the calibrator sits at the phase
// centre (the operational pipeline found ~100 deg of phase scatter without it), then the model
// is a point source there, S(nu) = S_1.4 (nu / 1.4 GHz)^alpha times the primary-beam power at
// the calibrator's offset from the pointing; or several sources through the native predictor.
// Positions are apparent (of date), the frame of the drift-scan uvw the correlator writes.
import { ARRAY_CENTRE, type PrimaryBeamModel } from '../../../shared/instrument';
import {
  apparentContext,
  apparentVector,
  directionCosines,
  lastRad,
  raDecOf,
  rotatePhases,
  unitVector,
} from '../../../shared/astro';
import { type NativePool, sharedFloat64Array } from '../native/pool';

/** A model source: J2000 position, flux at 1.4 GHz and spectral index. */
export interface ModelSource {
  name: string;
  raDeg: number;
  decDeg: number;
  fluxJy: number;
  /** S(nu) = fluxJy (nu / 1.4 GHz)^spectralIndex; -0.7 where none is known (DSA110.md). */
  spectralIndex: number;
}

export const MODEL_REF_FREQ_HZ = 1.4e9;

/** Where each integration of a block looks: phase centre and pointing, apparent (of date). */
export interface FieldGeometry {
  /** Unique mid-integration times (MJD UTC); rows refer to them through rowTime. */
  timesMjd: Float64Array;
  /** Per row: index into timesMjd. */
  rowTime: Int32Array;
  /** Per row uvw (m, rows x 3), uvw(ant2) - uvw(ant1), towards the row's phase centre. */
  uvw: Float64Array;
  freqsHz: Float64Array;
  npol: number;
  /** Per time: the phase centre (apparent RA/Dec of date, rad). */
  phaseCentres: { raRad: number; decRad: number }[];
  /** Per time: the antennas' pointing (apparent), where the primary beam is centred. */
  pointings: { raRad: number; decRad: number }[];
}

/**
 * Phase centres and pointings of a DSA-110 drift scan: the meridian (RA = LAST) at the
 * pointing declination of date, per integration; the correlator phases to the pointing.
 */
export function driftScanCentres(timesMjd: Float64Array, decOfDateRad: number): { raRad: number; decRad: number }[] {
  return Array.from(timesMjd, (t) => ({ raRad: lastRad(t, ARRAY_CENTRE.longitudeDeg), decRad: decOfDateRad }));
}

/** Apparent direction of a J2000 source at an instant. */
export function apparentDirection(
  src: { raDeg: number; decDeg: number },
  mjd: number,
): { raRad: number; decRad: number } {
  return raDecOf(
    apparentVector(unitVector((src.raDeg * Math.PI) / 180, (src.decDeg * Math.PI) / 180), apparentContext(mjd)),
  );
}

/** Per time: direction cosines of the source about the phase centre and its offset from the pointing (rad). */
export function sourceOffsets(
  geom: FieldGeometry,
  src: { raDeg: number; decDeg: number },
): { lmn: [number, number, number]; offsetRad: number }[] {
  return Array.from(geom.timesMjd, (t, k) => {
    const app = apparentDirection(src, t);
    const pc = geom.phaseCentres[k];
    const pt = geom.pointings[k];
    if (!pc || !pt)
      throw new RangeError(
        `sourceOffsets: geometry has ${geom.timesMjd.length} times but ${geom.phaseCentres.length} phase centres and ${geom.pointings.length} pointings`,
      );
    const lmn = directionCosines(app.raRad, app.decRad, pc.raRad, pc.decRad);
    const toPointing = directionCosines(app.raRad, app.decRad, pt.raRad, pt.decRad);
    return { lmn, offsetRad: Math.acos(Math.min(1, Math.max(-1, toPointing[2]))) };
  });
}

function checkGeometry(vis: Float32Array, geom: FieldGeometry, what: string): number {
  const rows = geom.rowTime.length;
  if (geom.uvw.length !== rows * 3)
    throw new RangeError(`${what}: geometry.uvw: expected ${rows} x 3 values (one per row), got ${geom.uvw.length}`);
  const expected = rows * geom.freqsHz.length * geom.npol * 2;
  if (vis.length !== expected)
    throw new RangeError(`${what}: vis: expected rows x nchan x npol complex = ${expected} floats, got ${vis.length}`);
  for (let r = 0; r < rows; r++) {
    const t = geom.rowTime[r] as number;
    if (!(t >= 0 && t < geom.timesMjd.length))
      throw new RangeError(`${what}: geometry.rowTime[${r}] = ${t} is outside [0, ${geom.timesMjd.length})`);
  }
  return rows;
}

/**
 * Rotates `vis` in place so the source is at the phase centre: multiplies row r by
 * exp(-2 pi i nu (u l + v m + w (n - 1)) / c) with the source's (l, m, n) at the row's time,
 * which cancels the source's own fringe. The uvw are not changed: the point-source model at
 * the new centre does not depend on them.
 */
export function phaseToSource(vis: Float32Array, geom: FieldGeometry, src: { raDeg: number; decDeg: number }): void {
  const rows = checkGeometry(vis, geom, 'phaseToSource');
  const offsets = sourceOffsets(geom, src);
  const dw = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const [l, m, n] = (offsets[geom.rowTime[r] as number] as { lmn: [number, number, number] }).lmn;
    dw[r] =
      (geom.uvw[3 * r] as number) * l + (geom.uvw[3 * r + 1] as number) * m + (geom.uvw[3 * r + 2] as number) * (n - 1);
  }
  rotatePhases(vis, { nbl: rows, nchan: geom.freqsHz.length, npol: geom.npol }, dw, geom.freqsHz);
}

export function fluxAt(src: ModelSource, freqHz: number): number {
  return src.fluxJy * Math.pow(freqHz / MODEL_REF_FREQ_HZ, src.spectralIndex);
}

/**
 * The point-source model after phaseToSource: apparent flux per [time][chan] (Jy), the
 * source's spectrum times the beam's power response at its offset from the pointing.
 */
export function pointModelFlux(geom: FieldGeometry, src: ModelSource, beam: PrimaryBeamModel): Float32Array {
  const nchan = geom.freqsHz.length;
  const out = new Float32Array(geom.timesMjd.length * nchan);
  sourceOffsets(geom, src).forEach(({ offsetRad }, t) => {
    for (let c = 0; c < nchan; c++) {
      const f = geom.freqsHz[c] as number;
      out[t * nchan + c] = fluxAt(src, f) * beam.response(offsetRad, f);
    }
  });
  return out;
}

/**
 * Full complex model visibilities ([row][chan][pol], every pol the same: XX = YY = I) of
 * several sources at their positions about the rows' phase centres (no rotation of the data),
 * through the native predictor, one integration at a time. Use for fields where more than
 * the calibrator matters.
 */
export async function predictModel(
  pool: NativePool,
  geom: FieldGeometry,
  sources: readonly ModelSource[],
  beam: PrimaryBeamModel,
  opts: { threads?: number; channelWidthHz?: number } = {},
): Promise<Float32Array> {
  const rows = geom.rowTime.length;
  const nchan = geom.freqsHz.length;
  const npol = geom.npol;
  const out = new Float32Array(rows * nchan * npol * 2);
  const offsets = sources.map((s) => sourceOffsets(geom, s));
  const byTime: number[][] = Array.from(geom.timesMjd, () => []);
  for (let r = 0; r < rows; r++) (byTime[geom.rowTime[r] as number] as number[]).push(r);
  for (let t = 0; t < geom.timesMjd.length; t++) {
    const rs = byTime[t] as number[];
    if (rs.length === 0) continue;
    const visible = sources
      .map((s, i) => ({ s, o: (offsets[i] as { lmn: [number, number, number]; offsetRad: number }[])[t]! }))
      .filter((x) => x.o.lmn[2] > 0);
    if (visible.length === 0) continue;
    const uvw = new Float64Array(rs.length * 3);
    rs.forEach((r, k) => uvw.set(geom.uvw.subarray(3 * r, 3 * r + 3), 3 * k));
    const lmn1 = new Float64Array(visible.length * 3);
    const amp = new Float64Array(visible.length * nchan);
    visible.forEach(({ s, o }, i) => {
      lmn1.set([o.lmn[0], o.lmn[1], o.lmn[2] - 1], 3 * i);
      for (let c = 0; c < nchan; c++) {
        const f = geom.freqsHz[c] as number;
        amp[i * nchan + c] = fluxAt(s, f) * beam.response(o.offsetRad, f);
      }
    });
    const model = sharedFloat64Array(rs.length * nchan * 2);
    await pool.predictPoints({ uvw, freqs: geom.freqsHz, lmn1, amp, channelWidthHz: opts.channelWidthHz ?? 0 }, model, {
      threads: opts.threads ?? 1,
    });
    rs.forEach((r, k) => {
      for (let c = 0; c < nchan; c++) {
        const re = model[2 * (k * nchan + c)] as number;
        const im = model[2 * (k * nchan + c) + 1] as number;
        for (let p = 0; p < npol; p++) {
          const o = 2 * ((r * nchan + c) * npol + p);
          out[o] = re;
          out[o + 1] = im;
        }
      }
    });
  }
  return out;
}
