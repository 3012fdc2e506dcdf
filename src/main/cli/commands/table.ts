// Plain-text tables and value formats shared by the listing commands (times UTC, durations).
import { InvalidArgumentError } from 'commander';
import { formatIsoUtc } from '../../../shared/astro';

/** Left-aligned columns separated by two spaces; a column of numbers is right-aligned. */
export function table(headers: string[], rows: string[][], numeric: ReadonlySet<number> = new Set()): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) =>
        i === cells.length - 1 && !numeric.has(i)
          ? c
          : numeric.has(i)
            ? c.padStart(widths[i] ?? 0)
            : c.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** "2025-10-02 14:03:07" (UTC, to the second), or "-" for a missing time. */
export function utc(mjd: number | null | undefined): string {
  if (mjd === null || mjd === undefined) return '-';
  return formatIsoUtc(mjd, 0).replace('T', ' ').replace(/Z$/, '');
}

/** "0.42 s", "3 min 05 s", "2 h 10 min", or "-". */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '-';
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Option parser for a whole number >= 1 (commander names the option in its message). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}".`);
  return n;
}

/** Option parser for a finite number. */
export function finiteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}".`);
  return n;
}
