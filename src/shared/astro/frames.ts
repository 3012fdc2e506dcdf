// Celestial frames: J2000/ICRS <-> true equator and equinox of date ("TOD"), and the geocentric
// apparent place (light deflection by the Sun + annual aberration, then precession-nutation).
// Conventions and limits, stated once:
// - Catalogue "J2000" coordinates are ICRS (as VLA calibrator and NVSS positions are). The
//   ICRS -> mean J2000 frame bias (IAU 2000, ~23 mas) is applied before astronomy-engine's
//   precession-nutation, whose EQJ frame is the dynamical J2000 mean equator.
// - Precession-nutation: astronomy-engine's Rotation_EQJ_EQD: IAU 2006 (P03) precession and a
//   5-term truncation of the IAU 2000B nutation. Measured against ERFA nut06a over 2015-2028 the
//   truncation errs by up to 0.26" in nutation in longitude and 0.06" in obliquity, i.e. up to
//   ~0.15" in apparent positions and hour angles of date (Earth-fixed directions): ~2 mm of w on
//   a 2.7 km baseline, 1/100 of the synthesized beam. A full nutation series would remove it.
// - "Apparent" = geocentric apparent place, as astropy's TETE frame without a location:
//   diurnal aberration (< 0.32" x cos(latitude), 0.25" at the array) and polar motion are
//   neglected; refraction is not part of radio interferometric phases.
// Angles in radians; vectors are unit vectors (x to the equinox, z to the pole).
import { AstroTime, BaryState, Body, HelioVector, Rotation_EQJ_EQD } from 'astronomy-engine';
import { type TimeOptions, astroTime, wrap2Pi } from './sidereal';

export type Vec3 = [number, number, number];
/** A 3 x 3 matrix, rows first: out[i] = sum_j m[i][j] v[j]. */
export type Mat3 = [Vec3, Vec3, Vec3];

/** Speed of light in AU per day (astronomy-engine's value). */
const C_AU_PER_DAY = 173.1446326846693;
/** Schwarzschild radius of the Sun in AU (ERFA's SRS). */
const SUN_SCHWARZSCHILD_AU = 1.97412574336e-8;

export function unitVector(raRad: number, decRad: number): Vec3 {
  const cd = Math.cos(decRad);
  return [cd * Math.cos(raRad), cd * Math.sin(raRad), Math.sin(decRad)];
}

export function raDecOf(v: Vec3): { raRad: number; decRad: number } {
  return { raRad: wrap2Pi(Math.atan2(v[1], v[0])), decRad: Math.atan2(v[2], Math.hypot(v[0], v[1])) };
}

export const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
export function normalize(v: Vec3): Vec3 {
  const r = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / r, v[1] / r, v[2] / r];
}
export const matVec = (m: Mat3, v: Vec3): Vec3 => [dot(m[0], v), dot(m[1], v), dot(m[2], v)];
export const matTVec = (m: Mat3, v: Vec3): Vec3 => [
  m[0][0] * v[0] + m[1][0] * v[1] + m[2][0] * v[2],
  m[0][1] * v[0] + m[1][1] * v[1] + m[2][1] * v[2],
  m[0][2] * v[0] + m[1][2] * v[1] + m[2][2] * v[2],
];

/** J2000 (ICRS) -> true equator and equinox of date rotation (bias + precession + nutation), rows first. */
export function precessionNutationMatrix(mjdUtc: number, opts: TimeOptions = {}): Mat3 {
  return pnMatrix(astroTime(mjdUtc, opts));
}

const ARCSEC = Math.PI / 648000;

/**
 * ICRS -> mean J2000 frame bias (IERS Conventions 2003, ERFA bi00/bp00):
 * B = R1(-d_eps_b) R2(d_psi_b sin(eps0)) R3(d_alpha_0), with passive rotations.
 */
export const FRAME_BIAS: Mat3 = (() => {
  const dpsib = -0.041775 * ARCSEC;
  const depsb = -0.0068192 * ARCSEC;
  const dra0 = -0.0146 * ARCSEC;
  const eps0 = 84381.448 * ARCSEC;
  const rx = (a: number): Mat3 => [
    [1, 0, 0],
    [0, Math.cos(a), Math.sin(a)],
    [0, -Math.sin(a), Math.cos(a)],
  ];
  const ry = (a: number): Mat3 => [
    [Math.cos(a), 0, -Math.sin(a)],
    [0, 1, 0],
    [Math.sin(a), 0, Math.cos(a)],
  ];
  const rz = (a: number): Mat3 => [
    [Math.cos(a), Math.sin(a), 0],
    [-Math.sin(a), Math.cos(a), 0],
    [0, 0, 1],
  ];
  return matMul(rx(-depsb), matMul(ry(dpsib * Math.sin(eps0)), rz(dra0)));
})();

export function matMul(a: Mat3, b: Mat3): Mat3 {
  const c0: Vec3 = [b[0][0], b[1][0], b[2][0]];
  const c1: Vec3 = [b[0][1], b[1][1], b[2][1]];
  const c2: Vec3 = [b[0][2], b[1][2], b[2][2]];
  return [
    [dot(a[0], c0), dot(a[0], c1), dot(a[0], c2)],
    [dot(a[1], c0), dot(a[1], c1), dot(a[1], c2)],
    [dot(a[2], c0), dot(a[2], c1), dot(a[2], c2)],
  ];
}

/** ICRS -> true equator and equinox of date: astronomy-engine's precession-nutation after the frame bias. */
function pnMatrix(t: AstroTime): Mat3 {
  // astronomy-engine stores the transpose: RotateVector computes out[j] = sum_i rot[i][j] v[i].
  const r = Rotation_EQJ_EQD(t).rot;
  const at = (i: number, j: number): number => r[i]?.[j] ?? NaN;
  const pn: Mat3 = [
    [at(0, 0), at(1, 0), at(2, 0)],
    [at(0, 1), at(1, 1), at(2, 1)],
    [at(0, 2), at(1, 2), at(2, 2)],
  ];
  return matMul(pn, FRAME_BIAS);
}

/** Everything the apparent-place transform needs at one instant; build once, reuse for many sources. */
export interface ApparentContext {
  mjdUtc: number;
  /** J2000 -> TOD rotation. */
  pn: Mat3;
  /** Geocentre's barycentric velocity / c, J2000 axes. */
  beta: Vec3;
  /** Unit vector Sun -> Earth, J2000 axes, and the distance in AU. */
  sunToEarth: Vec3;
  sunDistanceAu: number;
}

export function apparentContext(mjdUtc: number, opts: TimeOptions = {}): ApparentContext {
  const t = astroTime(mjdUtc, opts);
  const s = BaryState(Body.Earth, t);
  const h = HelioVector(Body.Earth, t);
  const dist = Math.hypot(h.x, h.y, h.z);
  return {
    mjdUtc,
    pn: pnMatrix(t),
    beta: [s.vx / C_AU_PER_DAY, s.vy / C_AU_PER_DAY, s.vz / C_AU_PER_DAY],
    sunToEarth: [h.x / dist, h.y / dist, h.z / dist],
    sunDistanceAu: dist,
  };
}

/** Catalogue (BCRS) direction -> proper direction seen from the geocentre (J2000 axes): ERFA ldsun + ab. */
function deflectAndAberrate(p: Vec3, ctx: ApparentContext): Vec3 {
  // Light deflection by the Sun (ERFA ld with q = p for a source at infinity).
  const e = ctx.sunToEarth;
  const em = ctx.sunDistanceAu;
  const dlim = 1e-6 / Math.max(em * em, 1);
  const w = SUN_SCHWARZSCHILD_AU / em / Math.max(1 + dot(p, e), dlim);
  const pe = cross(p, cross(e, p));
  const q: Vec3 = normalize([p[0] + w * pe[0], p[1] + w * pe[1], p[2] + w * pe[2]]);
  // Relativistic annual aberration (ERFA ab).
  const v = ctx.beta;
  const bm1 = Math.sqrt(1 - dot(v, v));
  const pdv = dot(q, v);
  const w1 = 1 + pdv / (1 + bm1);
  const w2 = SUN_SCHWARZSCHILD_AU / em;
  return normalize([
    q[0] * bm1 + w1 * v[0] + w2 * (v[0] - pdv * q[0]),
    q[1] * bm1 + w1 * v[1] + w2 * (v[1] - pdv * q[1]),
    q[2] * bm1 + w1 * v[2] + w2 * (v[2] - pdv * q[2]),
  ]);
}

/** J2000 unit vector -> geocentric apparent unit vector in TOD axes. */
export function apparentVector(pJ2000: Vec3, ctx: ApparentContext): Vec3 {
  return matVec(ctx.pn, deflectAndAberrate(pJ2000, ctx));
}

/** Inverse of apparentVector: fixed-point iteration on the near-identity deflection + aberration. */
export function j2000Vector(pApparent: Vec3, ctx: ApparentContext): Vec3 {
  const target = matTVec(ctx.pn, pApparent);
  let p = target;
  for (let i = 0; i < 8; i++) {
    const f = deflectAndAberrate(p, ctx);
    const d: Vec3 = [target[0] - f[0], target[1] - f[1], target[2] - f[2]];
    p = normalize([p[0] + d[0], p[1] + d[1], p[2] + d[2]]);
    if (Math.hypot(d[0], d[1], d[2]) < 1e-15) break;
  }
  return p;
}

/** J2000 RA/Dec -> geocentric apparent RA/Dec of date (true equator and equinox). */
export function j2000ToApparent(
  raRad: number,
  decRad: number,
  mjdUtc: number,
  opts: TimeOptions = {},
): { raRad: number; decRad: number } {
  return raDecOf(apparentVector(unitVector(raRad, decRad), apparentContext(mjdUtc, opts)));
}

/** Geocentric apparent RA/Dec of date -> J2000 RA/Dec. */
export function apparentToJ2000(
  raRad: number,
  decRad: number,
  mjdUtc: number,
  opts: TimeOptions = {},
): { raRad: number; decRad: number } {
  return raDecOf(j2000Vector(unitVector(raRad, decRad), apparentContext(mjdUtc, opts)));
}

/** J2000 RA/Dec -> mean-to-true of date by precession + nutation only (no aberration or deflection). */
export function j2000ToOfDate(
  raRad: number,
  decRad: number,
  mjdUtc: number,
  opts: TimeOptions = {},
): { raRad: number; decRad: number } {
  return raDecOf(matVec(precessionNutationMatrix(mjdUtc, opts), unitVector(raRad, decRad)));
}

/** True equator and equinox of date RA/Dec -> J2000 by the inverse rotation only. */
export function ofDateToJ2000(
  raRad: number,
  decRad: number,
  mjdUtc: number,
  opts: TimeOptions = {},
): { raRad: number; decRad: number } {
  return raDecOf(matTVec(precessionNutationMatrix(mjdUtc, opts), unitVector(raRad, decRad)));
}
