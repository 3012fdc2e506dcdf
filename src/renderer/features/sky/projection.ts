// The sky view's projection: the project's one SIN projection (src/shared/astro/sin.ts) about a
// reference point, with one plane unit per degree at the centre, east to the left (like a FITS
// image with CDELT1 < 0) and north up. Footprints of images are their pixel outlines mapped
// through the image's own WCS (shared/model/sky-image.ts) and then through this projection, so
// the sky view draws the same corners the FITS header describes.
import { angleBetween, radecToVec, sinFrame, vecToPixel, pixelToWorld, type SinFrame } from '../../../shared/astro/sin';
import { lmstRad, SIDEREAL_PER_SOLAR } from '../../../shared/astro/sidereal';
import { ARRAY_CENTRE } from '../../../shared/instrument/stations';
import {
  celestialWcs,
  skyGridOfImage,
  type CelestialWcs,
  type ImageRowGeometry,
} from '../../../shared/model/sky-image';

export interface SkyProjection {
  ra0: number;
  dec0: number;
  wcs: CelestialWcs;
  frame: SinFrame;
}

export type XY = [number, number];

export function skyProjection(ra0: number, dec0: number): SkyProjection {
  const wcs = celestialWcs({ crval1: ra0, crval2: dec0, crpix1: 1, crpix2: 1, cdelt1: -1, cdelt2: 1 });
  return { ra0, dec0, wcs, frame: sinFrame(wcs) };
}

/** Plane position of (RA, Dec) degrees, or null on the far hemisphere. */
export function project(p: SkyProjection, raDeg: number, decDeg: number): XY | null {
  const q = vecToPixel(p.wcs, radecToVec(raDeg, decDeg), p.frame);
  return q ? [q.x, q.y] : null;
}

/** (RA, Dec) of a plane position, or null off the projection's disk. */
export function unproject(p: SkyProjection, x: number, y: number): { raDeg: number; decDeg: number } | null {
  return pixelToWorld(p.wcs, x, y);
}

/** A ring of (RA, Dec) projected; points on the far side are dropped (null if fewer than 3 remain). */
export function projectRing(p: SkyProjection, ring: readonly XY[]): XY[] | null {
  const out: XY[] = [];
  for (const [ra, dec] of ring) {
    const q = project(p, ra, dec);
    if (q) out.push(q);
  }
  return out.length >= 3 ? out : null;
}

/** The outline of an image's pixels (edges at -0.5 and n - 0.5), `per` points a side, as (RA, Dec). */
export function imageOutline(image: ImageRowGeometry, per = 8): XY[] {
  const wcs = skyGridOfImage(image);
  const nx = image.widthPx;
  const ny = image.heightPx;
  const edge: XY[] = [];
  for (let k = 0; k < per; k++) edge.push([-0.5 + (k / per) * nx, -0.5]);
  for (let k = 0; k < per; k++) edge.push([nx - 0.5, -0.5 + (k / per) * ny]);
  for (let k = 0; k < per; k++) edge.push([nx - 0.5 - (k / per) * nx, ny - 0.5]);
  for (let k = 0; k < per; k++) edge.push([-0.5, ny - 0.5 - (k / per) * ny]);
  const ring: XY[] = [];
  for (const [x, y] of edge) {
    const w = pixelToWorld(wcs, x, y);
    if (w) ring.push([w.raDeg, w.decDeg]);
  }
  return ring;
}

/** The four corner pixels' (RA, Dec) of an image, in the order (0,0), (nx-1,0), (nx-1,ny-1), (0,ny-1). */
export function imageCorners(image: ImageRowGeometry): XY[] {
  const wcs = skyGridOfImage(image);
  const c: XY[] = [
    [0, 0],
    [image.widthPx - 1, 0],
    [image.widthPx - 1, image.heightPx - 1],
    [0, image.heightPx - 1],
  ];
  return c.map(([x, y]) => {
    const w = pixelToWorld(wcs, x, y);
    if (!w) throw new Error(`image corner (${x}, ${y}) is off its projection`);
    return [w.raDeg, w.decDeg];
  });
}

/** Local mean sidereal time at DSA-110, degrees in [0, 360): the RA on the meridian. */
export function meridianRaDeg(mjd: number): number {
  return (lmstRad(mjd, ARRAY_CENTRE.longitudeDeg) * 180) / Math.PI;
}

/** Primary-beam FWHM drawn for a drift scan (Airy pattern of a 4.65 m dish at 1.4 GHz), degrees. */
export const DRIFT_BEAM_FWHM_DEG = 3.0;

/**
 * The sky a drift scan swept from `startMjd` to `endMjd` at a declination: the meridian moves with
 * the sidereal rate, the beam FWHM around it, outlined as a (RA, Dec) ring along small circles.
 */
export function driftOutline(startMjd: number, endMjd: number, decDeg: number, per = 12): XY[] {
  const ra0 = meridianRaDeg(startMjd);
  const sweep = (endMjd - startMjd) * 360 * SIDEREAL_PER_SOLAR;
  const half = DRIFT_BEAM_FWHM_DEG / 2;
  const lo = Math.max(-89.9, decDeg - half);
  const hi = Math.min(89.9, decDeg + half);
  // The beam's half-width in RA at the strip centre (a small circle of radius `half` about the meridian).
  const raHalf = half / Math.max(Math.cos((decDeg * Math.PI) / 180), 0.05);
  const ring: XY[] = [];
  for (let k = 0; k <= per; k++) ring.push([ra0 - raHalf + (k / per) * (sweep + 2 * raHalf), lo]);
  for (let k = per; k >= 0; k--) ring.push([ra0 - raHalf + (k / per) * (sweep + 2 * raHalf), hi]);
  return ring;
}

/** Angular distance between two positions, degrees. */
export function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  return (angleBetween(radecToVec(ra1, dec1), radecToVec(ra2, dec2)) * 180) / Math.PI;
}
