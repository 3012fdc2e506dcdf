// Sky geometry for the header clock and the sky panel: local sidereal time at DSA-110 and the
// RA/Dec footprints of measurement sets and images (plate carrée, degrees). The astronomy is the
// engine's own (src/shared): sidereal time from shared/astro, the array centre from
// shared/instrument, image outlines through the one SIN projection (shared/astro/sin).
import { lmstRad, SIDEREAL_PER_SOLAR } from '../../shared/astro/sidereal';
import { pixelToWorld } from '../../shared/astro/sin';
import { ARRAY_CENTRE } from '../../shared/instrument/stations';
import type { Image, MeasurementSet } from '../../shared/model';
import { skyGridOfImage } from '../../shared/model/sky-image';
/**
 * Primary-beam FWHM drawn around an MS: about 3 degrees for the Airy pattern of a 4.65 m dish
 * at 1.4 GHz. A display choice only; products name their own beam model.
 */
export const DISPLAY_BEAM_FWHM_DEG = 3.0;
/** Sidereal rate: the sky drifts this many degrees per solar (UT1) day. */
const SIDEREAL_DEG_PER_DAY = 360 * SIDEREAL_PER_SOLAR;

/** Local mean sidereal time at a longitude (east positive; default the DSA-110 array centre), hours in [0, 24). */
export function lstHours(mjd: number, longitudeDeg: number = ARRAY_CENTRE.longitudeDeg): number {
  return (lmstRad(mjd, longitudeDeg) * 12) / Math.PI;
}

export function formatLst(hours: number): string {
  const total = Math.floor(hours * 3600);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** A closed ring of [RA, Dec] corners, degrees. */
export type Ring = Array<[number, number]>;

function box(raCenter: number, decCenter: number, raHalf: number, decHalf: number): Ring {
  const lo = Math.max(-90, decCenter - decHalf);
  const hi = Math.min(90, decCenter + decHalf);
  return [
    [raCenter - raHalf, lo],
    [raCenter + raHalf, lo],
    [raCenter + raHalf, hi],
    [raCenter - raHalf, hi],
    [raCenter - raHalf, lo],
  ];
}

/** RA extent of an angular distance at a declination (cos Dec stretch, capped near the poles). */
function raSpan(angleDeg: number, decDeg: number): number {
  return angleDeg / Math.max(Math.cos((decDeg * Math.PI) / 180), 0.05);
}

/**
 * The sky a drift-scan MS saw: the beam swept in RA by the sidereal rate over the observation,
 * centred on the phase centre (or the LST at mid-time when it has none).
 */
export function msFootprint(ms: MeasurementSet): Ring {
  const dec = ms.phaseCenterDecDeg ?? ms.decDeg;
  const ra = ms.phaseCenterRaDeg ?? lstHours(ms.midMjd) * 15;
  const sweep = (ms.endMjd - ms.startMjd) * SIDEREAL_DEG_PER_DAY;
  return box(ra, dec, sweep / 2 + raSpan(DISPLAY_BEAM_FWHM_DEG / 2, dec), DISPLAY_BEAM_FWHM_DEG / 2);
}

/**
 * The image's field of view: the outline of its pixels (edges at -0.5 and n - 0.5) on its SIN
 * grid (the one the imager writes), `per` points a side, RA kept continuous around the centre.
 */
export function imageFootprint(image: Image, per = 8): Ring {
  const { widthPx: nx, heightPx: ny, centerRaDeg: ra0 } = image;
  const wcs = skyGridOfImage(image);
  const edge: Array<[number, number]> = [];
  for (let k = 0; k < per; k++) edge.push([-0.5 + (k / per) * nx, -0.5]);
  for (let k = 0; k < per; k++) edge.push([nx - 0.5, -0.5 + (k / per) * ny]);
  for (let k = 0; k < per; k++) edge.push([nx - 0.5 - (k / per) * nx, ny - 0.5]);
  for (let k = 0; k < per; k++) edge.push([-0.5, ny - 0.5 - (k / per) * ny]);
  const ring: Ring = [];
  for (const [x, y] of edge) {
    const w = pixelToWorld(wcs, x, y);
    if (!w) continue; // beyond the projection's disk (only for absurd cells): leave the point out
    ring.push([ra0 + ((((w.raDeg - ra0) % 360) + 540) % 360) - 180, w.decDeg]);
  }
  if (ring.length > 0) ring.push(ring[0]!);
  return ring;
}
