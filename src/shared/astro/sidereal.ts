// Earth rotation: Greenwich mean/apparent sidereal time and local apparent sidereal time,
// from astronomy-engine (IAU 2006 GMST from the Earth rotation angle, IAU 2000B nutation).
//
// UT1 - UTC: astronomy-engine's `ut` is the instant as given; the project gives UTC, so by
// default UT1 = UTC, i.e. UT1 - UTC ("DUT1", kept by the IERS within +-0.9 s) is neglected.
// The cost: sidereal time off by up to 0.9 s x 1.0027 of time, i.e. hour angles off by up to
// 13.5" -- a shift of an image in RA by up to 13.5" cos(dec) and w errors up to ~0.2 m on
// 2.7 km baselines. Where that matters (astrometry at the arcsecond level) pass the IERS
// value as `dut1S`; every function here takes it.
import { AstroTime, SiderealTime, e_tilt } from 'astronomy-engine';
import { mjdToJ2000Days } from './time';

export interface TimeOptions {
  /** UT1 - UTC in seconds (IERS "DUT1"; |DUT1| < 0.9 s). Default 0: UT1 taken as UTC. */
  dut1S?: number;
}

/** Sidereal days per UT1 day: the rate of the Earth rotation angle (IERS Conventions 2010). */
export const SIDEREAL_PER_SOLAR = 1.00273781191135448;
/** Earth rotation rate relative to the equinox, radians per UT1 day. */
export const EARTH_ROTATION_RAD_PER_DAY = 2 * Math.PI * SIDEREAL_PER_SOLAR;

const TWO_PI = 2 * Math.PI;
const HOUR_RAD = Math.PI / 12;

/** Wrap an angle to [0, 2 pi). */
export function wrap2Pi(a: number): number {
  const r = a % TWO_PI;
  return r < 0 ? r + TWO_PI : r;
}

/** Wrap an angle to (-pi, pi]. */
export function wrapPi(a: number): number {
  const r = wrap2Pi(a);
  return r > Math.PI ? r - TWO_PI : r;
}

/**
 * astronomy-engine time for an MJD (UTC) with the given UT1 - UTC. Its TT is derived from UT1
 * by its own Delta-T model (Espenak-Meeus): a few seconds off the true TT, which moves
 * precession and nutation by < 1e-5 arcsec, so it is irrelevant here.
 */
export function astroTime(mjdUtc: number, opts: TimeOptions = {}): AstroTime {
  const dut1 = opts.dut1S ?? 0;
  if (!Number.isFinite(dut1) || Math.abs(dut1) > 1) {
    throw new RangeError(
      `dut1S: expected UT1 - UTC in seconds within [-1, 1] (IERS keeps it within 0.9 s), got ${dut1}`,
    );
  }
  if (!Number.isFinite(mjdUtc)) throw new RangeError(`mjd: expected a finite MJD (UTC), got ${mjdUtc}`);
  return new AstroTime(mjdToJ2000Days(mjdUtc) + dut1 / 86400);
}

/** Greenwich apparent sidereal time (radians, [0, 2 pi)). */
export function gastRad(mjdUtc: number, opts: TimeOptions = {}): number {
  return SiderealTime(astroTime(mjdUtc, opts)) * HOUR_RAD;
}

/** The equation of the equinoxes (GAST - GMST, radians), IAU 2000B nutation in longitude. */
export function equationOfEquinoxesRad(mjdUtc: number, opts: TimeOptions = {}): number {
  return e_tilt(astroTime(mjdUtc, opts)).ee * (HOUR_RAD / 3600); // `ee` is in seconds of time
}

/** Greenwich mean sidereal time (radians, [0, 2 pi)). */
export function gmstRad(mjdUtc: number, opts: TimeOptions = {}): number {
  return wrap2Pi(gastRad(mjdUtc, opts) - equationOfEquinoxesRad(mjdUtc, opts));
}

/** Local apparent sidereal time at an east-positive longitude (radians, [0, 2 pi)). */
export function lastRad(mjdUtc: number, longitudeDeg: number, opts: TimeOptions = {}): number {
  if (!Number.isFinite(longitudeDeg))
    throw new RangeError(`longitudeDeg: expected finite degrees (east positive), got ${longitudeDeg}`);
  return wrap2Pi(gastRad(mjdUtc, opts) + (longitudeDeg * Math.PI) / 180);
}

/** Local mean sidereal time at an east-positive longitude (radians, [0, 2 pi)). */
export function lmstRad(mjdUtc: number, longitudeDeg: number, opts: TimeOptions = {}): number {
  return wrap2Pi(gmstRad(mjdUtc, opts) + (longitudeDeg * Math.PI) / 180);
}
