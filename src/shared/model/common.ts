// Shared primitives of the declared domain model: units, JSON columns, ids.
// Conventions: every time is MJD (UTC) as a float64; every angle is in degrees unless the
// field name says otherwise (e.g. `cellArcsec`, `beamMajorArcsec`); fluxes are in Jy.
import { z } from 'zod';

/** Modified Julian Date, UTC, float64 days. A float64 MJD resolves about 1 microsecond. */
export const Mjd = z.number().finite().describe('MJD (UTC), days');
/** Right ascension, J2000, degrees in [0, 360). */
export const RaDeg = z.number().min(0).lt(360).describe('RA J2000, degrees');
/** Declination, J2000, degrees in [-90, 90]. */
export const DecDeg = z.number().min(-90).max(90).describe('Dec J2000, degrees');
/** A fraction in [0, 1] (flagged fraction, progress). */
export const Fraction = z.number().min(0).max(1);
export const NonNegInt = z.number().int().min(0);
export const PositiveInt = z.number().int().min(1);
/** A database row id (SQLite INTEGER PRIMARY KEY). */
export const RowId = z.number().int().min(1);
/** Lower-case hexadecimal SHA-256. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits (sha256)');

/** Any JSON value, as stored in a JSON text column. */
export const JsonValue = z.json();
export type JsonValue = z.infer<typeof JsonValue>;
/** A JSON object (params, metadata, QA metrics). */
export const JsonObject = z.record(z.string(), z.json());
export type JsonObject = z.infer<typeof JsonObject>;

/** Number of subbands in one DSA-110 observation group. */
export const SUBBANDS_PER_GROUP = 16;

/** MJD of the Unix epoch (1970-01-01T00:00:00 UTC). */
export const MJD_UNIX_EPOCH = 40587;
const MS_PER_DAY = 86_400_000;

/** MJD (UTC) of a Unix time in milliseconds (leap seconds ignored, as in POSIX time). */
export function mjdFromUnixMs(ms: number): number {
  return ms / MS_PER_DAY + MJD_UNIX_EPOCH;
}

/** Unix time in milliseconds of an MJD (UTC). */
export function unixMsFromMjd(mjd: number): number {
  return (mjd - MJD_UNIX_EPOCH) * MS_PER_DAY;
}

/** The current time as MJD (UTC). */
export function nowMjd(): number {
  return mjdFromUnixMs(Date.now());
}
