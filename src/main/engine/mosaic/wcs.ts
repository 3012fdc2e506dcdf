// FITS SIN (orthographic) celestial WCS in plain TypeScript: the reference for the native
// reprojection's mapping, the mosaic grid's footprint arithmetic, and reading the WCS of an image.
import type { FitsValue } from '../fits';
import type { SinWcs } from '../native/addon';

export type { SinWcs } from '../native/addon';

const DEG = Math.PI / 180;

/** A unit vector (x toward RA 0 Dec 0, z toward the north pole). */
export type Vec3 = [number, number, number];

export function radecToVec(raDeg: number, decDeg: number): Vec3 {
  const a = raDeg * DEG;
  const d = decDeg * DEG;
  return [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)];
}

export function vecToRadec(v: Vec3): { raDeg: number; decDeg: number } {
  const ra = Math.atan2(v[1], v[0]) / DEG;
  return { raDeg: ((ra % 360) + 360) % 360, decDeg: Math.atan2(v[2], Math.hypot(v[0], v[1])) / DEG };
}

/** The basis (east, north, centre) of a SIN projection about its reference point. */
function frame(w: SinWcs): { el: Vec3; em: Vec3; en: Vec3 } {
  const a = w.crval1 * DEG;
  const d = w.crval2 * DEG;
  return {
    el: [-Math.sin(a), Math.cos(a), 0],
    em: [-Math.sin(d) * Math.cos(a), -Math.sin(d) * Math.sin(a), Math.cos(d)],
    en: [Math.cos(d) * Math.cos(a), Math.cos(d) * Math.sin(a), Math.sin(d)],
  };
}

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** 0-based pixel -> unit vector, or null beyond the projection's horizon (l^2 + m^2 > 1). */
export function pixelToVec(w: SinWcs, x: number, y: number): Vec3 | null {
  const l = w.cdelt1 * (x + 1 - w.crpix1) * DEG;
  const m = w.cdelt2 * (y + 1 - w.crpix2) * DEG;
  const r2 = l * l + m * m;
  if (r2 > 1) return null;
  const n = Math.sqrt(1 - r2);
  const f = frame(w);
  return [0, 1, 2].map((k) => l * f.el[k]! + m * f.em[k]! + n * f.en[k]!) as Vec3;
}

/** 0-based pixel -> (RA, Dec) degrees, or null beyond the horizon. */
export function pixelToWorld(w: SinWcs, x: number, y: number): { raDeg: number; decDeg: number } | null {
  const v = pixelToVec(w, x, y);
  return v ? vecToRadec(v) : null;
}

/** Unit vector -> 0-based pixel, or null when the direction is on the far hemisphere (n <= 0). */
export function vecToPixel(w: SinWcs, v: Vec3): { x: number; y: number } | null {
  const f = frame(w);
  if (dot(v, f.en) <= 0) return null;
  return { x: dot(v, f.el) / DEG / w.cdelt1 + w.crpix1 - 1, y: dot(v, f.em) / DEG / w.cdelt2 + w.crpix2 - 1 };
}

export function worldToPixel(w: SinWcs, raDeg: number, decDeg: number): { x: number; y: number } | null {
  return vecToPixel(w, radecToVec(raDeg, decDeg));
}

/** Great-circle angle between two unit vectors (radians), accurate at small angles. */
export function angleBetween(a: Vec3, b: Vec3): number {
  const c: Vec3 = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  return Math.atan2(Math.hypot(c[0], c[1], c[2]), dot(a, b));
}

/**
 * The SIN WCS of a FITS header (keywords of readFitsImage or FitsRowReader), or an error naming
 * the file and the keyword. Only RA---SIN / DEC--SIN without PV terms, LONPOLE 180, and no
 * CD/PC rotation are accepted: that is what our imager and WSClean write.
 */
export function sinWcsOf(file: string, kw: Map<string, FitsValue>): SinWcs {
  const str = (k: string) => kw.get(k);
  if (str('CTYPE1') !== 'RA---SIN' || str('CTYPE2') !== 'DEC--SIN') {
    throw new Error(`${file}: CTYPE1/CTYPE2 are '${String(str('CTYPE1'))}'/'${String(str('CTYPE2'))}', expected 'RA---SIN'/'DEC--SIN'`);
  }
  for (const k of ['PV2_1', 'PV2_2', 'CD1_1', 'CD1_2', 'CD2_1', 'CD2_2', 'CROTA2']) {
    const v = kw.get(k);
    if (v !== undefined && v !== 0) throw new Error(`${file}: header keyword ${k} = ${String(v)} is not supported (expected a plain SIN projection without rotation)`);
  }
  for (const [k, want] of [['PC1_2', 0], ['PC2_1', 0], ['PC1_1', 1], ['PC2_2', 1]] as const) {
    const v = kw.get(k);
    if (v !== undefined && v !== want) throw new Error(`${file}: header keyword ${k} = ${String(v)} is not supported (expected ${want})`);
  }
  const lonpole = kw.get('LONPOLE');
  if (lonpole !== undefined && lonpole !== 180) throw new Error(`${file}: LONPOLE = ${String(lonpole)} is not supported (expected 180)`);
  const num = (k: string): number => {
    const v = kw.get(k);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: header keyword ${k} is missing or not a finite number`);
    return v;
  };
  const w: SinWcs = { crval1: num('CRVAL1'), crval2: num('CRVAL2'), crpix1: num('CRPIX1'), crpix2: num('CRPIX2'), cdelt1: num('CDELT1'), cdelt2: num('CDELT2') };
  if (w.cdelt1 === 0 || w.cdelt2 === 0) throw new Error(`${file}: CDELT1/CDELT2 must be nonzero, got ${w.cdelt1}/${w.cdelt2}`);
  if (Math.abs(w.crval2) > 90) throw new Error(`${file}: CRVAL2 (Dec) = ${w.crval2} is outside [-90, 90]`);
  return w;
}
