// The one SIN (orthographic) projection of the project: pixel <-> world for a CelestialWcs
// (src/shared/model/sky-image.ts) as FITS WCS Paper II (Calabretta & Greisen 2002) defines it --
// linear step (CD matrix), SIN about the reference point, spherical rotation with LONPOLE -- in
// the direction-cosine form the native reprojection (native/src/reproject) also uses: a pixel's
// intermediate coordinates (x, y) (radians) are the direction cosines of its direction in a frame
// (e_x, e_y, e_n) about the reference point, e_n toward it. For LONPOLE 180 e_x points east
// (increasing RA) and e_y north; another LONPOLE turns (e_x, e_y) about e_n by LONPOLE - 180.
//
// Off the projection: a pixel whose intermediate coordinates lie outside the unit disk
// (x^2 + y^2 > 1 rad^2) and a direction on the far hemisphere of the reference point (not in
// front of the tangent plane) have no counterpart. Every function returns null for them, never
// NaN, so a caller must decide what an unprojectable point means.
//
// Pixels are 0-based array indices (FITS pixel = index + 1); angles are degrees.
import type { CelestialWcs } from '../model/sky-image';
import { dot, type Vec3 } from './frames';

const DEG = Math.PI / 180;

/** The unit vector of (RA, Dec) degrees (x toward RA 0 Dec 0, z toward the north pole). */
export function radecToVec(raDeg: number, decDeg: number): Vec3 {
  const a = raDeg * DEG;
  const d = decDeg * DEG;
  return [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)];
}

/** (RA in [0, 360), Dec) degrees of a (not necessarily unit) vector. */
export function vecToRadec(v: Vec3): { raDeg: number; decDeg: number } {
  const ra = Math.atan2(v[1], v[0]) / DEG;
  return { raDeg: ((ra % 360) + 360) % 360, decDeg: Math.atan2(v[2], Math.hypot(v[0], v[1])) / DEG };
}

/** Great-circle angle between two unit vectors (radians), accurate at small angles. */
export function angleBetween(a: Vec3, b: Vec3): number {
  const c: Vec3 = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  return Math.atan2(Math.hypot(c[0], c[1], c[2]), dot(a, b));
}

/** The projection's frame: e_x, e_y along the intermediate axes, e_n toward the reference point. */
export interface SinFrame {
  ex: Vec3;
  ey: Vec3;
  en: Vec3;
}

/** The frame of a WCS (see the file comment). LONPOLE 180 gives exactly (east, north, centre). */
export function sinFrame(w: CelestialWcs): SinFrame {
  const a = w.crval1 * DEG;
  const d = w.crval2 * DEG;
  const el: Vec3 = [-Math.sin(a), Math.cos(a), 0];
  const em: Vec3 = [-Math.sin(d) * Math.cos(a), -Math.sin(d) * Math.sin(a), Math.cos(d)];
  const en: Vec3 = [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)];
  if (w.lonpole === 180) return { ex: el, ey: em, en };
  // The celestial pole lies at native longitude LONPOLE, i.e. north is (sin phi_p, -cos phi_p)
  // in (x, y): (x, y) = R(alpha) (east, north) with alpha = LONPOLE - 180.
  const alpha = (w.lonpole - 180) * DEG;
  const c = Math.cos(alpha);
  const s = Math.sin(alpha);
  return {
    ex: [c * el[0] - s * em[0], c * el[1] - s * em[1], c * el[2] - s * em[2]],
    ey: [s * el[0] + c * em[0], s * el[1] + c * em[1], s * el[2] + c * em[2]],
    en,
  };
}

/** Intermediate world coordinates (x, y) of a 0-based pixel, radians: CD (p - crpix). */
export function pixelToIntermediate(w: CelestialWcs, x: number, y: number): [number, number] {
  const dx = x + 1 - w.crpix1;
  const dy = y + 1 - w.crpix2;
  const [c11, c12, c21, c22] = w.cd;
  // A CDELT-only header (diagonal CD): the products alone, exactly as the native kernel forms them.
  if (c12 === 0 && c21 === 0) return [c11 * dx * DEG, c22 * dy * DEG];
  return [(c11 * dx + c12 * dy) * DEG, (c21 * dx + c22 * dy) * DEG];
}

/** 0-based pixel of intermediate world coordinates (radians): the inverse of pixelToIntermediate. */
export function intermediateToPixel(w: CelestialWcs, xi: number, eta: number): { x: number; y: number } {
  const [c11, c12, c21, c22] = w.cd;
  if (c12 === 0 && c21 === 0) return { x: xi / DEG / c11 + w.crpix1 - 1, y: eta / DEG / c22 + w.crpix2 - 1 };
  const det = c11 * c22 - c12 * c21;
  const u = xi / DEG;
  const v = eta / DEG;
  return { x: (c22 * u - c12 * v) / det + w.crpix1 - 1, y: (-c21 * u + c11 * v) / det + w.crpix2 - 1 };
}

/** 0-based pixel -> unit vector, or null off the projection (x^2 + y^2 > 1). */
export function pixelToVec(w: CelestialWcs, x: number, y: number, frame: SinFrame = sinFrame(w)): Vec3 | null {
  const [l, m] = pixelToIntermediate(w, x, y);
  const r2 = l * l + m * m;
  if (!(r2 <= 1)) return null;
  const n = Math.sqrt(1 - r2);
  const f = frame;
  return [
    l * f.ex[0] + m * f.ey[0] + n * f.en[0],
    l * f.ex[1] + m * f.ey[1] + n * f.en[1],
    l * f.ex[2] + m * f.ey[2] + n * f.en[2],
  ];
}

/** Unit vector -> 0-based pixel, or null when the direction is not in front of the tangent plane (n <= 0). */
export function vecToPixel(w: CelestialWcs, v: Vec3, frame: SinFrame = sinFrame(w)): { x: number; y: number } | null {
  if (!(dot(v, frame.en) > 0)) return null;
  return intermediateToPixel(w, dot(v, frame.ex), dot(v, frame.ey));
}

/** 0-based pixel -> (RA in [0, 360), Dec) degrees, or null off the projection. */
export function pixelToWorld(w: CelestialWcs, x: number, y: number): { raDeg: number; decDeg: number } | null {
  const v = pixelToVec(w, x, y);
  return v ? vecToRadec(v) : null;
}

/** (RA, Dec) degrees -> 0-based pixel, or null on the far hemisphere. */
export function worldToPixel(w: CelestialWcs, raDeg: number, decDeg: number): { x: number; y: number } | null {
  return vecToPixel(w, radecToVec(raDeg, decDeg));
}

/**
 * The local linear map from pixel offsets to sky offsets (east, north) in arcsec at a pixel,
 * [dE/dx, dE/dy, dN/dx, dN/dy], by central differences of half a pixel through the exact
 * projection (so shapes are right away from the centre); null when a probe is off the projection.
 */
export function localJacobian(w: CelestialWcs, x: number, y: number): [number, number, number, number] | null {
  const c = pixelToWorld(w, x, y);
  if (!c) return null;
  const cosd = Math.cos(c.decDeg * DEG);
  const off = (p: { raDeg: number; decDeg: number } | null): [number, number] => {
    if (!p) return [Number.NaN, Number.NaN];
    let dra = p.raDeg - c.raDeg;
    if (dra > 180) dra -= 360;
    if (dra < -180) dra += 360;
    return [dra * cosd * 3600, (p.decDeg - c.decDeg) * 3600];
  };
  const h = 0.5;
  const [ex1, nx1] = off(pixelToWorld(w, x + h, y));
  const [ex0, nx0] = off(pixelToWorld(w, x - h, y));
  const [ey1, ny1] = off(pixelToWorld(w, x, y + h));
  const [ey0, ny0] = off(pixelToWorld(w, x, y - h));
  const j: [number, number, number, number] = [
    (ex1 - ex0) / (2 * h),
    (ey1 - ey0) / (2 * h),
    (nx1 - nx0) / (2 * h),
    (ny1 - ny0) / (2 * h),
  ];
  return j.every(Number.isFinite) ? j : null;
}

/** Mean pixel size (arcsec) at the reference pixel: the square root of |det CD|. */
export function pixelScaleArcsec(w: CelestialWcs): number {
  return Math.sqrt(Math.abs(w.cd[0] * w.cd[3] - w.cd[1] * w.cd[2])) * 3600;
}

/** Pixel size along each pixel axis (degrees): |CDELT1|, |CDELT2| for a diagonal CD, else the columns' lengths. */
export function axisScalesDeg(w: CelestialWcs): [number, number] {
  const [c11, c12, c21, c22] = w.cd;
  if (c12 === 0 && c21 === 0) return [Math.abs(c11), Math.abs(c22)];
  return [Math.hypot(c11, c21), Math.hypot(c12, c22)];
}
