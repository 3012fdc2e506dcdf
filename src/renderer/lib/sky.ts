// Sky geometry for the header clock and the sky panel: local sidereal time at DSA-110 and the
// RA/Dec footprints of measurement sets and images (plate carrée, degrees).
import type { Image, MeasurementSet } from '../../shared/model';

/** Array centre longitude used by the instrument's tools (east positive), degrees. */
export const DSA110_LONGITUDE_DEG = -118.283;
/**
 * Primary-beam FWHM drawn around an MS: about 3 degrees for the Airy pattern of a 4.65 m dish
 * at 1.4 GHz. A display choice only; products name their own beam model.
 */
export const DISPLAY_BEAM_FWHM_DEG = 3.0;
/** Sidereal rate: the sky drifts 360.98564736629 degrees per solar day. */
const SIDEREAL_DEG_PER_DAY = 360.98564736629;

/**
 * Greenwich mean sidereal time (IAU 1982 polynomial, UT1 taken as UTC), degrees in [0, 360).
 * UTC-UT1 < 0.9 s, so the error is below 15 arcsec of RA: ample for a clock and transit times.
 */
export function gmstDeg(mjd: number): number {
  const d = mjd - 51544.5; // days from J2000.0
  const t = d / 36525;
  const g = 280.46061837 + SIDEREAL_DEG_PER_DAY * d + 0.000387933 * t * t - (t * t * t) / 38710000;
  return ((g % 360) + 360) % 360;
}

/** Local mean sidereal time at a longitude (east positive), hours in [0, 24). */
export function lstHours(mjd: number, longitudeDeg: number = DSA110_LONGITUDE_DEG): number {
  const deg = (((gmstDeg(mjd) + longitudeDeg) % 360) + 360) % 360;
  return deg / 15;
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

/** The image's field of view: pixels times cell size around its centre. */
export function imageFootprint(image: Image): Ring {
  const halfW = (image.widthPx * image.cellArcsec) / 3600 / 2;
  const halfH = (image.heightPx * image.cellArcsec) / 3600 / 2;
  return box(image.centerRaDeg, image.centerDecDeg, raSpan(halfW, image.centerDecDeg), halfH);
}
