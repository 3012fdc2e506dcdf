// Pixel <-> world for the orthographic (SIN) projection of FITS images, exactly as WCS Paper II
// (Calabretta & Greisen 2002) defines it: linear step (CDELT, PC or CD), SIN, spherical rotation.
import type { FitsValue } from '../fits';

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

/** A celestial SIN world coordinate system; pixels are 0-based (FITS pixel = p + 1). */
export interface SinWcs {
  nx: number;
  ny: number;
  /** Reference pixel, 1-based as in the header. */
  crpix1: number;
  crpix2: number;
  /** Reference point (RA, Dec), degrees. */
  crval1: number;
  crval2: number;
  /** Linear transformation from pixel offsets to intermediate world coordinates, degrees per pixel (CDELT x PC). */
  cd: readonly [number, number, number, number];
  /** Native longitude of the celestial pole, degrees (LONPOLE; 180 for a SIN image not at the pole). */
  lonpole: number;
}

function num(keywords: Map<string, FitsValue>, key: string, file: string): number | undefined {
  const v = keywords.get(key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${file}: header keyword ${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

function need(keywords: Map<string, FitsValue>, key: string, file: string): number {
  const v = num(keywords, key, file);
  if (v === undefined) throw new Error(`${file}: header keyword ${key} is missing (needed for the celestial WCS)`);
  return v;
}

/** The SIN WCS of an image header (axes 1 and 2 must be RA---SIN and DEC--SIN). */
export function sinWcsFromHeader(keywords: Map<string, FitsValue>, file: string): SinWcs {
  const t1 = String(keywords.get('CTYPE1') ?? '').trim().toUpperCase();
  const t2 = String(keywords.get('CTYPE2') ?? '').trim().toUpperCase();
  if (t1 !== 'RA---SIN' || t2 !== 'DEC--SIN') {
    throw new Error(`${file}: CTYPE1/CTYPE2 are ${JSON.stringify(t1)}/${JSON.stringify(t2)}; expected RA---SIN/DEC--SIN`);
  }
  for (const k of ['PV2_1', 'PV2_2']) {
    const v = num(keywords, k, file);
    if (v !== undefined && v !== 0) throw new Error(`${file}: ${k} = ${v}: the slant (NCP-like) SIN projection is not supported; expected 0`);
  }
  const crota = num(keywords, 'CROTA2', file);
  let cd: [number, number, number, number];
  if (keywords.has('CD1_1')) {
    cd = [need(keywords, 'CD1_1', file), num(keywords, 'CD1_2', file) ?? 0, num(keywords, 'CD2_1', file) ?? 0, need(keywords, 'CD2_2', file)];
  } else {
    const c1 = need(keywords, 'CDELT1', file);
    const c2 = need(keywords, 'CDELT2', file);
    let pc: [number, number, number, number] = [
      num(keywords, 'PC1_1', file) ?? 1, num(keywords, 'PC1_2', file) ?? 0, num(keywords, 'PC2_1', file) ?? 0, num(keywords, 'PC2_2', file) ?? 1,
    ];
    if (crota !== undefined && crota !== 0 && !keywords.has('PC1_1')) {
      // The AIPS convention (Paper II, eq. 189) in PC form.
      const r = crota * D2R;
      pc = [Math.cos(r), (-Math.sin(r) * c2) / c1, (Math.sin(r) * c1) / c2, Math.cos(r)];
    }
    cd = [c1 * pc[0], c1 * pc[1], c2 * pc[2], c2 * pc[3]];
  }
  if (cd[0] * cd[3] - cd[1] * cd[2] === 0) throw new Error(`${file}: the pixel-to-world matrix (CDELT/PC/CD) is singular`);
  const crval2 = need(keywords, 'CRVAL2', file);
  return {
    nx: need(keywords, 'NAXIS1', file),
    ny: need(keywords, 'NAXIS2', file),
    crpix1: need(keywords, 'CRPIX1', file),
    crpix2: need(keywords, 'CRPIX2', file),
    crval1: need(keywords, 'CRVAL1', file),
    crval2,
    cd,
    // Paper II: for zenithal projections the default is 180 unless the reference point is the pole.
    lonpole: num(keywords, 'LONPOLE', file) ?? (crval2 >= 90 ? 0 : 180),
  };
}

/** A SIN WCS from the fields the FITS writer uses (CDELT only). */
export function sinWcs(d: { nx: number; ny: number; crpix1: number; crpix2: number; crval1: number; crval2: number; cdelt1: number; cdelt2: number }): SinWcs {
  return { nx: d.nx, ny: d.ny, crpix1: d.crpix1, crpix2: d.crpix2, crval1: d.crval1, crval2: d.crval2, cd: [d.cdelt1, 0, 0, d.cdelt2], lonpole: d.crval2 >= 90 ? 0 : 180 };
}

/**
 * World (RA, Dec degrees) of a 0-based pixel (x, y); NaN when the pixel lies outside the
 * projection's disk (|intermediate coordinates| > 1 radian).
 */
export function pixToWorld(w: SinWcs, x: number, y: number): { ra: number; dec: number } {
  const dx = x + 1 - w.crpix1;
  const dy = y + 1 - w.crpix2;
  const xi = (w.cd[0] * dx + w.cd[1] * dy) * D2R;
  const eta = (w.cd[2] * dx + w.cd[3] * dy) * D2R;
  const r2 = xi * xi + eta * eta;
  if (r2 > 1) return { ra: Number.NaN, dec: Number.NaN };
  // SIN: x = cos(theta) sin(phi), y = -cos(theta) cos(phi) (radians).
  const phi = Math.atan2(xi, -eta);
  const cosTheta = Math.sqrt(r2);
  const sinTheta = Math.sqrt(1 - r2);
  const dp = w.crval2 * D2R;
  const dphi = phi - w.lonpole * D2R;
  const sinDec = sinTheta * Math.sin(dp) + cosTheta * Math.cos(dp) * Math.cos(dphi);
  const dec = Math.asin(Math.max(-1, Math.min(1, sinDec)));
  const dra = Math.atan2(-cosTheta * Math.sin(dphi), sinTheta * Math.cos(dp) - cosTheta * Math.sin(dp) * Math.cos(dphi));
  let ra = (w.crval1 + dra * R2D) % 360;
  if (ra < 0) ra += 360;
  return { ra, dec: dec * R2D };
}

/** 0-based pixel of a world position; NaN for a position on the far hemisphere (not projected). */
export function worldToPix(w: SinWcs, raDeg: number, decDeg: number): { x: number; y: number } {
  const dp = w.crval2 * D2R;
  const d = decDeg * D2R;
  const da = (raDeg - w.crval1) * D2R;
  const sinTheta = Math.sin(d) * Math.sin(dp) + Math.cos(d) * Math.cos(dp) * Math.cos(da);
  if (sinTheta < 0) return { x: Number.NaN, y: Number.NaN };
  const phi = w.lonpole * D2R + Math.atan2(-Math.cos(d) * Math.sin(da), Math.sin(d) * Math.cos(dp) - Math.cos(d) * Math.sin(dp) * Math.cos(da));
  const cosTheta = Math.sqrt(Math.max(0, 1 - sinTheta * sinTheta));
  const xi = cosTheta * Math.sin(phi) * R2D;
  const eta = -cosTheta * Math.cos(phi) * R2D;
  const det = w.cd[0] * w.cd[3] - w.cd[1] * w.cd[2];
  const dx = (w.cd[3] * xi - w.cd[1] * eta) / det;
  const dy = (-w.cd[2] * xi + w.cd[0] * eta) / det;
  return { x: dx + w.crpix1 - 1, y: dy + w.crpix2 - 1 };
}

/**
 * The local linear map from pixel offsets to sky offsets (east, north) in arcsec at a pixel,
 * by central differences through the exact projection (so shapes are right away from the centre).
 */
export function localJacobian(w: SinWcs, x: number, y: number): [number, number, number, number] {
  const c = pixToWorld(w, x, y);
  const cosd = Math.cos(c.dec * D2R);
  const off = (p: { ra: number; dec: number }): [number, number] => {
    let dra = p.ra - c.ra;
    if (dra > 180) dra -= 360;
    if (dra < -180) dra += 360;
    return [dra * cosd * 3600, (p.dec - c.dec) * 3600];
  };
  const h = 0.5;
  const [ex1, nx1] = off(pixToWorld(w, x + h, y));
  const [ex0, nx0] = off(pixToWorld(w, x - h, y));
  const [ey1, ny1] = off(pixToWorld(w, x, y + h));
  const [ey0, ny0] = off(pixToWorld(w, x, y - h));
  return [(ex1 - ex0) / (2 * h), (ey1 - ey0) / (2 * h), (nx1 - nx0) / (2 * h), (ny1 - ny0) / (2 * h)];
}

/** Mean pixel size (arcsec) at the reference pixel: the square root of the Jacobian's determinant. */
export function pixelScaleArcsec(w: SinWcs): number {
  return Math.sqrt(Math.abs(w.cd[0] * w.cd[3] - w.cd[1] * w.cd[2])) * 3600;
}
