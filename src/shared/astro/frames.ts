// Celestial frames: J2000/ICRS <-> true equator and equinox of date ("TOD"), and the geocentric
// apparent place (light deflection by the Sun + annual aberration, then precession-nutation).
// Conventions and limits, stated once:
// - J2000 and ICRS are treated as one frame; astronomy-engine's EQJ (J2000 mean equator) has no
//   frame bias, which differs from ICRS by ~23 mas: below everything that matters here.
// - Precession-nutation: astronomy-engine's Rotation_EQJ_EQD (IAU 2006 precession, IAU 2000B
//   nutation, ~1 mas).
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
export const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
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

/** J2000 -> true equator and equinox of date rotation (precession + nutation), rows first. */
export function precessionNutationMatrix(mjdUtc: number, opts: TimeOptions = {}): Mat3 {
  return pnMatrix(astroTime(mjdUtc, opts));
}

function pnMatrix(t: AstroTime): Mat3 {
  // astronomy-engine stores the transpose: RotateVector computes out[j] = sum_i rot[i][j] v[i].
  const r = Rotation_EQJ_EQD(t).rot;
  const at = (i: number, j: number): number => r[i]?.[j] ?? NaN;
  return [
    [at(0, 0), at(1, 0), at(2, 0)],
    [at(0, 1), at(1, 1), at(2, 1)],
    [at(0, 2), at(1, 2), at(2, 2)],
  ];
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
export function j2000ToApparent(raRad: number, decRad: number, mjdUtc: number, opts: TimeOptions = {}): { raRad: number; decRad: number } {
  return raDecOf(apparentVector(unitVector(raRad, decRad), apparentContext(mjdUtc, opts)));
}

/** Geocentric apparent RA/Dec of date -> J2000 RA/Dec. */
export function apparentToJ2000(raRad: number, decRad: number, mjdUtc: number, opts: TimeOptions = {}): { raRad: number; decRad: number } {
  return raDecOf(j2000Vector(unitVector(raRad, decRad), apparentContext(mjdUtc, opts)));
}

/** J2000 RA/Dec -> mean-to-true of date by precession + nutation only (no aberration or deflection). */
export function j2000ToOfDate(raRad: number, decRad: number, mjdUtc: number, opts: TimeOptions = {}): { raRad: number; decRad: number } {
  return raDecOf(matVec(precessionNutationMatrix(mjdUtc, opts), unitVector(raRad, decRad)));
}

/** True equator and equinox of date RA/Dec -> J2000 by the inverse rotation only. */
export function ofDateToJ2000(raRad: number, decRad: number, mjdUtc: number, opts: TimeOptions = {}): { raRad: number; decRad: number } {
  return raDecOf(matTVec(precessionNutationMatrix(mjdUtc, opts), unitVector(raRad, decRad)));
}
