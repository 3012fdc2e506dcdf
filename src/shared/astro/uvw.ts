// Baseline (u, v, w) coordinates and direction cosines.
// CONVENTIONS (CASA / WSClean / pyuvdata):
// - a baseline is b = x(ant2) - x(ant1) in ECEF metres (polar motion neglected);
// - w points to the phase centre, v toward the north celestial pole, u east: the basis of
//   Thompson, Moran & Swenson (TMS) eq. 4.1, DATA = S exp(+2 pi i (u l + v m + w (n - 1)) / lambda);
// - w is always the projection on the geocentric APPARENT direction of the phase centre (the
//   physical delay); frame 'date' takes u, v along the true equator of date, frame 'j2000'
//   (default; what a Measurement Set with a J2000 phase centre needs, as pyuvdata and CASA do)
//   turns u, v about w so v points along the J2000 north at the source, so that l, m computed
//   from J2000 coordinates match. Skipping that turn rotates images by the precession angle
//   (~0.2 deg at Dec 55 after 25 years). The remaining mismatch, the differential annual
//   aberration (a 1e-4 plate-scale term, < 0.7" at 1.75 deg from the centre), is neglected, as
//   CASA and pyuvdata neglect it.
import {
  type ApparentContext,
  type Vec3,
  apparentContext,
  apparentVector,
  cross,
  dot,
  matVec,
  normalize,
  unitVector,
} from './frames';
import { type TimeOptions, gastRad } from './sidereal';

export type UvwFrame = 'j2000' | 'date';

function checkBaselines(b: Float64Array, what: string): number {
  if (b.length % 3 !== 0)
    throw new RangeError(`${what}: expected a row-major n x 3 array of ECEF metres, got length ${b.length}`);
  return b.length / 3;
}

/**
 * TMS eq. 4.1: uvw (m, row-major n x 3) of ECEF baselines for a phase centre at GREENWICH hour
 * angle `ghaRad` and declination `decRad`, both of date (X of ECEF is the Greenwich meridian).
 */
export function uvwFromGreenwichHourAngle(
  baselinesEcef: Float64Array,
  ghaRad: number,
  decRad: number,
  out?: Float64Array,
): Float64Array {
  const n = checkBaselines(baselinesEcef, 'uvwFromGreenwichHourAngle(baselinesEcef)');
  const res = out ?? new Float64Array(n * 3);
  if (res.length !== n * 3)
    throw new RangeError(`uvwFromGreenwichHourAngle(out): expected length ${n * 3}, got ${res.length}`);
  const sh = Math.sin(ghaRad);
  const ch = Math.cos(ghaRad);
  const sd = Math.sin(decRad);
  const cd = Math.cos(decRad);
  for (let i = 0; i < n; i++) {
    const x = baselinesEcef[3 * i] as number;
    const y = baselinesEcef[3 * i + 1] as number;
    const z = baselinesEcef[3 * i + 2] as number;
    res[3 * i] = sh * x + ch * y;
    res[3 * i + 1] = -sd * ch * x + sd * sh * y + cd * z;
    res[3 * i + 2] = cd * ch * x - cd * sh * y + sd * z;
  }
  return res;
}

/**
 * TMS eq. 4.1 with a LOCAL hour angle at an east-positive longitude: the Greenwich hour angle
 * is HA - longitude. The correlator's drift-scan uvw are this with HA = 0, Dec = pointing.
 */
export function uvwFromHourAngle(
  baselinesEcef: Float64Array,
  haRad: number,
  decRad: number,
  longitudeDeg: number,
  out?: Float64Array,
): Float64Array {
  return uvwFromGreenwichHourAngle(baselinesEcef, haRad - (longitudeDeg * Math.PI) / 180, decRad, out);
}

/** The (u, v, w) unit vectors (TOD axes) for a J2000 phase centre, for either uvw frame. */
export function uvwBasis(
  raJ2000Rad: number,
  decJ2000Rad: number,
  ctx: ApparentContext,
  frame: UvwFrame = 'j2000',
): [Vec3, Vec3, Vec3] {
  const pJ = unitVector(raJ2000Rad, decJ2000Rad);
  const w = apparentVector(pJ, ctx);
  // North: the pole of date for 'date'; the J2000 north tangent at the source carried into TOD for 'j2000'.
  const north: Vec3 =
    frame === 'date'
      ? [0, 0, 1]
      : matVec(ctx.pn, [
          -Math.sin(decJ2000Rad) * Math.cos(raJ2000Rad),
          -Math.sin(decJ2000Rad) * Math.sin(raJ2000Rad),
          Math.cos(decJ2000Rad),
        ]);
  const nw = dot(north, w);
  const v = normalize([north[0] - nw * w[0], north[1] - nw * w[1], north[2] - nw * w[2]]);
  return [cross(v, w), v, w];
}

export interface UvwOptions extends TimeOptions {
  /** 'j2000' (default, for J2000 images) or 'date' (u, v along the true equator of date). */
  frame?: UvwFrame;
  /** Reuse a context built for this instant (apparentContext(mjd, opts)) across calls. */
  context?: ApparentContext;
}

/** uvw (m, row-major n x 3) of ECEF baselines for a J2000 phase centre at an instant (MJD UTC). */
export function uvwForJ2000(
  baselinesEcef: Float64Array,
  raJ2000Rad: number,
  decJ2000Rad: number,
  mjdUtc: number,
  opts: UvwOptions = {},
  out?: Float64Array,
): Float64Array {
  const n = checkBaselines(baselinesEcef, 'uvwForJ2000(baselinesEcef)');
  const res = out ?? new Float64Array(n * 3);
  if (res.length !== n * 3) throw new RangeError(`uvwForJ2000(out): expected length ${n * 3}, got ${res.length}`);
  const ctx = opts.context ?? apparentContext(mjdUtc, opts);
  if (ctx.mjdUtc !== mjdUtc)
    throw new RangeError(`uvwForJ2000(opts.context): built for MJD ${ctx.mjdUtc}, used at MJD ${mjdUtc}`);
  const [eu, ev, ew] = uvwBasis(raJ2000Rad, decJ2000Rad, ctx, opts.frame ?? 'j2000');
  // ECEF -> TOD is a rotation by GAST about the pole (ECEF x lies at RA = GAST); fold it into the basis.
  const g = gastRad(mjdUtc, opts);
  const cg = Math.cos(g);
  const sg = Math.sin(g);
  const toEcef = (e: Vec3): Vec3 => [cg * e[0] + sg * e[1], -sg * e[0] + cg * e[1], e[2]];
  const u = toEcef(eu);
  const v = toEcef(ev);
  const w = toEcef(ew);
  for (let i = 0; i < n; i++) {
    const b: Vec3 = [
      baselinesEcef[3 * i] as number,
      baselinesEcef[3 * i + 1] as number,
      baselinesEcef[3 * i + 2] as number,
    ];
    res[3 * i] = dot(u, b);
    res[3 * i + 1] = dot(v, b);
    res[3 * i + 2] = dot(w, b);
  }
  return res;
}

/**
 * Direction cosines (l, m, n) of (ra, dec) relative to a phase centre (ra0, dec0), both in the
 * same frame (SIN projection): l east, m north, n = sqrt(1 - l^2 - m^2) for the front hemisphere.
 */
export function directionCosines(
  raRad: number,
  decRad: number,
  ra0Rad: number,
  dec0Rad: number,
): [number, number, number] {
  const dra = raRad - ra0Rad;
  const cd = Math.cos(decRad);
  const sd = Math.sin(decRad);
  const cd0 = Math.cos(dec0Rad);
  const sd0 = Math.sin(dec0Rad);
  return [cd * Math.sin(dra), sd * cd0 - cd * sd0 * Math.cos(dra), sd * sd0 + cd * cd0 * Math.cos(dra)];
}

/** Inverse of directionCosines for the front hemisphere: (l, m) about (ra0, dec0) -> (ra, dec). */
export function lmToRaDec(l: number, m: number, ra0Rad: number, dec0Rad: number): { raRad: number; decRad: number } {
  const r2 = l * l + m * m;
  if (!(r2 <= 1)) throw new RangeError(`lmToRaDec: expected l^2 + m^2 <= 1, got l=${l}, m=${m}`);
  const n = Math.sqrt(1 - r2);
  const cd0 = Math.cos(dec0Rad);
  const sd0 = Math.sin(dec0Rad);
  const decRad = Math.asin(m * cd0 + n * sd0);
  const raRad = ra0Rad + Math.atan2(l, n * cd0 - m * sd0);
  const twoPi = 2 * Math.PI;
  return { raRad: ((raRad % twoPi) + twoPi) % twoPi, decRad };
}
