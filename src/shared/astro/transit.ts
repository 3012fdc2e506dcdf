// Hour angles and meridian transits of J2000 sources at the array (or any longitude).
// Transit = the instant the geocentric apparent RA of date equals the local apparent sidereal
// time (HA = 0), found by Newton iteration on the apparent position (which moves slowly).
import { ARRAY_CENTRE } from '../instrument/stations';
import { apparentContext, apparentVector, j2000Vector, raDecOf, unitVector } from './frames';
import { EARTH_ROTATION_RAD_PER_DAY, type TimeOptions, lastRad, wrapPi } from './sidereal';

export interface SiteOptions extends TimeOptions {
  /** East-positive longitude (degrees); default the DSA-110 array centre. */
  longitudeDeg?: number;
}

/** Local hour angle (radians, (-pi, pi]) of a direction with apparent RA of date `raAppRad`. */
export function hourAngleRad(mjdUtc: number, raAppRad: number, opts: SiteOptions = {}): number {
  return wrapPi(lastRad(mjdUtc, opts.longitudeDeg ?? ARRAY_CENTRE.longitudeDeg, opts) - raAppRad);
}

/** Local hour angle (radians, (-pi, pi]) and apparent declination of a J2000 source at a time. */
export function apparentHourAngle(
  mjdUtc: number,
  raJ2000Rad: number,
  decJ2000Rad: number,
  opts: SiteOptions = {},
): { haRad: number; decRad: number } {
  const app = raDecOf(apparentVector(unitVector(raJ2000Rad, decJ2000Rad), apparentContext(mjdUtc, opts)));
  return { haRad: hourAngleRad(mjdUtc, app.raRad, opts), decRad: app.decRad };
}

export type TransitKind = 'next' | 'previous' | 'nearest';

/**
 * MJD (UTC) of a meridian transit of a J2000 source relative to `mjdUtc`: the first at or
 * after it ('next'), the last at or before it ('previous'), or the closest ('nearest').
 * Converges to 1e-10 rad of hour angle (~1.4 microseconds of time).
 */
export function transitMjd(
  raJ2000Rad: number,
  decJ2000Rad: number,
  mjdUtc: number,
  kind: TransitKind = 'nearest',
  opts: SiteOptions = {},
): number {
  if (!Number.isFinite(raJ2000Rad) || !Number.isFinite(decJ2000Rad) || Math.abs(decJ2000Rad) > Math.PI / 2) {
    throw new RangeError(
      `transitMjd: expected finite J2000 RA and Dec in [-pi/2, pi/2] (radians), got ${raJ2000Rad}, ${decJ2000Rad}`,
    );
  }
  const ha0 = apparentHourAngle(mjdUtc, raJ2000Rad, decJ2000Rad, opts).haRad;
  let dHa: number; // hour angle still to turn through, radians
  if (kind === 'nearest') dHa = -ha0;
  else if (kind === 'next') dHa = ha0 > 0 ? 2 * Math.PI - ha0 : -ha0;
  else if (kind === 'previous') dHa = ha0 < 0 ? -(2 * Math.PI + ha0) : -ha0;
  else throw new RangeError(`transitMjd(kind): expected 'next', 'previous' or 'nearest', got "${String(kind)}"`);
  let t = mjdUtc + dHa / EARTH_ROTATION_RAD_PER_DAY;
  for (let i = 0; i < 20; i++) {
    const ha = apparentHourAngle(t, raJ2000Rad, decJ2000Rad, opts).haRad;
    t -= ha / EARTH_ROTATION_RAD_PER_DAY;
    if (Math.abs(ha) < 1e-10) return t;
  }
  throw new Error(`transitMjd: no convergence for RA ${raJ2000Rad} rad, Dec ${decJ2000Rad} rad near MJD ${mjdUtc}`);
}

export const nextTransitMjd = (ra: number, dec: number, mjd: number, opts: SiteOptions = {}): number =>
  transitMjd(ra, dec, mjd, 'next', opts);
export const previousTransitMjd = (ra: number, dec: number, mjd: number, opts: SiteOptions = {}): number =>
  transitMjd(ra, dec, mjd, 'previous', opts);
export const nearestTransitMjd = (ra: number, dec: number, mjd: number, opts: SiteOptions = {}): number =>
  transitMjd(ra, dec, mjd, 'nearest', opts);

/**
 * J2000 coordinates of a drift-scan phase centre: the Earth-fixed direction at local hour angle
 * `haRad` (default 0, the meridian) and declination of date `decOfDateRad` (the correlator's
 * pointing declination), at an instant. Each integration of a DSA-110 file has its own.
 */
export function driftPhaseCentreJ2000(
  mjdUtc: number,
  decOfDateRad: number,
  haRad = 0,
  opts: SiteOptions = {},
): { raRad: number; decRad: number } {
  const raApp = lastRad(mjdUtc, opts.longitudeDeg ?? ARRAY_CENTRE.longitudeDeg, opts) - haRad;
  return raDecOf(j2000Vector(unitVector(raApp, decOfDateRad), apparentContext(mjdUtc, opts)));
}
