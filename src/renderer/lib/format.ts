// Display formats an astronomer expects: UTC ISO times from MJD, RA in hours, Dec in degrees.

const MJD_UNIX_EPOCH = 40587;

export function mjdToDate(mjd: number): Date {
  return new Date((mjd - MJD_UNIX_EPOCH) * 86_400_000);
}

export function dateToMjd(date: Date): number {
  return MJD_UNIX_EPOCH + date.getTime() / 86_400_000;
}

/** `2025-10-02 14:03:07` (UTC, seconds). */
export function formatUtc(mjd: number | null | undefined): string {
  if (mjd === null || mjd === undefined) return '—';
  return mjdToDate(mjd).toISOString().slice(0, 19).replace('T', ' ');
}

function sexagesimal(value: number, decimals: number): [number, number, string] {
  const total = Math.round(value * 3600 * 10 ** decimals) / 10 ** decimals;
  const a = Math.floor(total / 3600);
  const b = Math.floor((total - a * 3600) / 60);
  const c = total - a * 3600 - b * 60;
  const width = decimals > 0 ? 3 + decimals : 2;
  return [a, b, c.toFixed(decimals).padStart(width, '0')];
}

/** RA in degrees -> `08h34m54.90s`. */
export function formatRa(raDeg: number | null | undefined): string {
  if (raDeg === null || raDeg === undefined) return '—';
  const [h, m, s] = sexagesimal((((raDeg % 360) + 360) % 360) / 15, 2);
  return `${String(h % 24).padStart(2, '0')}h${String(m).padStart(2, '0')}m${s}s`;
}

/** Dec in degrees -> `+55°34′21.1″`. */
export function formatDec(decDeg: number | null | undefined): string {
  if (decDeg === null || decDeg === undefined) return '—';
  const sign = decDeg < 0 ? '-' : '+';
  const [d, m, s] = sexagesimal(Math.abs(decDeg), 1);
  return `${sign}${String(d).padStart(2, '0')}°${String(m).padStart(2, '0')}′${s}″`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Seconds -> `4m 12s` / `1h 05m`. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 59.5) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  // Round once, then split, so 359.6 s reads 6m 00s and never 5m 60s.
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  if (m < 60) return `${m}m ${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatPercent(fraction: number | null | undefined, decimals = 0): string {
  if (fraction === null || fraction === undefined) return '—';
  return `${(fraction * 100).toFixed(decimals)} %`;
}

export function formatJy(jy: number | null | undefined): string {
  if (jy === null || jy === undefined) return '—';
  if (Math.abs(jy) >= 1) return `${jy.toFixed(2)} Jy`;
  return `${(jy * 1000).toFixed(1)} mJy`;
}

/** The last path component, for long file paths in tables (full path in the tooltip). */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}
