// Time scales and conversions. PROJECT CONVENTION: a time is MJD (UTC) as a float64 (days);
// CASA Measurement Sets store MJD seconds (TIME = MJD x 86400, UTC); UVH5 stores JD.
// Like Unix time and astronomy-engine, every UTC day here has 86400 s: leap seconds are not
// counted inside a day, which is exact everywhere except during a leap second itself.

/** JD - MJD. */
export const JD_MINUS_MJD = 2400000.5;
/** MJD of the Unix epoch, 1970-01-01T00:00:00Z. */
export const MJD_UNIX_EPOCH = 40587;
/** MJD of J2000.0 (2000-01-01T12:00:00, here on the UTC scale as astronomy-engine's `ut`). */
export const MJD_J2000 = 51544.5;
export const SECONDS_PER_DAY = 86400;
const MS_PER_DAY = 86400000;

function finite(x: number, what: string): number {
  if (!Number.isFinite(x)) throw new RangeError(`${what}: expected a finite number, got ${x}`);
  return x;
}

export const jdToMjd = (jd: number): number => finite(jd, 'jdToMjd(jd)') - JD_MINUS_MJD;
export const mjdToJd = (mjd: number): number => finite(mjd, 'mjdToJd(mjd)') + JD_MINUS_MJD;
/** MJD (UTC) -> Unix milliseconds (JavaScript Date time value). */
export const mjdToUnixMs = (mjd: number): number => (finite(mjd, 'mjdToUnixMs(mjd)') - MJD_UNIX_EPOCH) * MS_PER_DAY;
export const unixMsToMjd = (ms: number): number => finite(ms, 'unixMsToMjd(ms)') / MS_PER_DAY + MJD_UNIX_EPOCH;
/** MJD (UTC) -> a CASA MS TIME value (MJD seconds, UTC). */
export const mjdToMsTime = (mjd: number): number => finite(mjd, 'mjdToMsTime(mjd)') * SECONDS_PER_DAY;
export const msTimeToMjd = (seconds: number): number => finite(seconds, 'msTimeToMjd(seconds)') / SECONDS_PER_DAY;
export const mjdToDate = (mjd: number): Date => new Date(mjdToUnixMs(mjd));
export const dateToMjd = (d: Date): number => unixMsToMjd(d.getTime());
/** Days since J2000.0 on the UTC scale: astronomy-engine's `ut` argument. */
export const mjdToJ2000Days = (mjd: number): number => finite(mjd, 'mjdToJ2000Days(mjd)') - MJD_J2000;

/** Days from 1970-01-01 to a proleptic Gregorian civil date (Hinnant's algorithm, exact for all years). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): [number, number, number] {
  const zz = z + 719468;
  const era = Math.floor(zz / 146097);
  const doe = zz - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp + (mp < 10 ? 3 : -9);
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * ISO 8601 date-time -> MJD (UTC). A string WITHOUT a zone is UTC (correlator file names are
 * UTC), unlike JavaScript's Date.parse which reads it as local time. Fractional seconds keep
 * their full precision (a float64 MJD resolves ~1 us). Accepts "YYYY-MM-DD", "...THH:MM",
 * "...THH:MM:SS(.f)", a space instead of "T", and "Z" or "+HH:MM" offsets.
 */
export function parseIsoUtc(text: string): number {
  const m = ISO_RE.exec(text.trim());
  const bad = (why: string): never => {
    throw new RangeError(`parseIsoUtc("${text}"): expected ISO 8601 UTC "YYYY-MM-DDTHH:MM:SS(.fff)(Z)"; ${why}`);
  };
  if (!m) return bad('the text does not match');
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys);
  const mo = Number(mos);
  const d = Number(ds);
  const h = hs === undefined ? 0 : Number(hs);
  const mi = mis === undefined ? 0 : Number(mis);
  const s = (ss === undefined ? 0 : Number(ss)) + (frac === undefined ? 0 : Number(frac));
  if (mo < 1 || mo > 12) bad(`month ${mo} is not in 1..12`);
  const [, , dCheck] = civilFromDays(daysFromCivil(y, mo, d));
  if (d < 1 || dCheck !== d) bad(`day ${d} does not exist in ${ys}-${mos}`);
  if (h > 23 || mi > 59 || s >= 61) bad('hour, minute or second out of range (second 60 only for a leap second)');
  let offsetMin = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!zm) return bad(`zone "${zone}" not understood`);
    offsetMin = (zm[1] === '-' ? -1 : 1) * (Number(zm[2]) * 60 + Number(zm[3]));
  }
  const dayFraction = (h * 3600 + (mi - offsetMin) * 60 + s) / SECONDS_PER_DAY;
  return daysFromCivil(y, mo, d) + MJD_UNIX_EPOCH + dayFraction;
}

/** MJD (UTC) -> "YYYY-MM-DDTHH:MM:SS.fffZ" with `fractionDigits` (0..9) digits of seconds. */
export function formatIsoUtc(mjd: number, fractionDigits = 3): string {
  finite(mjd, 'formatIsoUtc(mjd)');
  if (!Number.isInteger(fractionDigits) || fractionDigits < 0 || fractionDigits > 9) {
    throw new RangeError(`formatIsoUtc(fractionDigits): expected an integer in 0..9, got ${fractionDigits}`);
  }
  const unit = 10 ** fractionDigits;
  // Round once, in integer units of the last digit, so 59.9996 never prints as "60.000".
  const totalUnits = Math.round((mjd - Math.floor(mjd)) * SECONDS_PER_DAY * unit);
  let day = Math.floor(mjd);
  let units = totalUnits;
  if (units >= SECONDS_PER_DAY * unit) {
    day += 1;
    units -= SECONDS_PER_DAY * unit;
  }
  const secTotal = Math.floor(units / unit);
  const fracUnits = units - secTotal * unit;
  const [y, mo, d] = civilFromDays(day - MJD_UNIX_EPOCH);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const hh = Math.floor(secTotal / 3600);
  const mm = Math.floor((secTotal % 3600) / 60);
  const ss = secTotal % 60;
  const frac = fractionDigits > 0 ? '.' + String(fracUnits).padStart(fractionDigits, '0') : '';
  return `${String(y).padStart(4, '0')}-${p2(mo)}-${p2(d)}T${p2(hh)}:${p2(mm)}:${p2(ss)}${frac}Z`;
}
