// Time conversions and sidereal time: the project's MJD (UTC) convention, ISO parsing as UTC,
// and GMST at J2000.0 against the IAU value.
import { describe, expect, it } from 'vitest';
import {
  dateToMjd,
  formatIsoUtc,
  gastRad,
  gmstRad,
  jdToMjd,
  lastRad,
  lmstRad,
  mjdToDate,
  mjdToJd,
  mjdToMsTime,
  mjdToUnixMs,
  msTimeToMjd,
  parseIsoUtc,
  unixMsToMjd,
  wrapPi,
} from '../../src/shared/astro';

const HOUR = Math.PI / 12;

describe('time conversions', () => {
  it('maps the epochs exactly', () => {
    expect(parseIsoUtc('1970-01-01T00:00:00Z')).toBe(40587);
    expect(parseIsoUtc('2000-01-01T12:00:00')).toBe(51544.5);
    expect(parseIsoUtc('1858-11-17')).toBe(0);
    expect(mjdToJd(51544.5)).toBe(2451545);
    expect(jdToMjd(2451545)).toBe(51544.5);
    expect(mjdToUnixMs(40587)).toBe(0);
    expect(unixMsToMjd(Date.UTC(2024, 1, 29, 6))).toBe(parseIsoUtc('2024-02-29T06:00:00'));
    expect(mjdToMsTime(60000.5)).toBe(60000.5 * 86400);
    expect(msTimeToMjd(mjdToMsTime(60123.456789))).toBeCloseTo(60123.456789, 11);
    expect(dateToMjd(mjdToDate(60123.25))).toBe(60123.25);
  });

  it('reads a zone-less ISO string as UTC, honours offsets, keeps sub-millisecond precision', () => {
    const utc = parseIsoUtc('2024-06-01T03:04:05');
    expect(utc).toBe(parseIsoUtc('2024-06-01T03:04:05Z'));
    expect(utc).toBe(parseIsoUtc('2024-06-01 03:04:05'));
    expect(parseIsoUtc('2024-05-31T20:04:05-07:00')).toBeCloseTo(utc, 12);
    expect(utc).toBe(dateToMjd(new Date(Date.UTC(2024, 5, 1, 3, 4, 5))));
    // A float64 MJD near 60000 resolves 60000 x 2^-52 d = 1.2 us; 100 us must survive to that.
    const a = parseIsoUtc('2024-06-01T03:04:05.0001');
    expect(Math.abs((a - utc) * 86400 - 1e-4)).toBeLessThan(2e-6);
    expect(() => parseIsoUtc('2023-02-29T00:00:00')).toThrow(/day 29 does not exist/);
    expect(() => parseIsoUtc('2024-13-01')).toThrow(/month 13/);
    expect(() => parseIsoUtc('yesterday')).toThrow(/parseIsoUtc\("yesterday"\): expected ISO 8601/);
  });

  it('formats MJD as ISO, rounding once (no "60.000" seconds)', () => {
    expect(formatIsoUtc(parseIsoUtc('2024-06-01T03:04:05.678'))).toBe('2024-06-01T03:04:05.678Z');
    expect(formatIsoUtc(parseIsoUtc('2024-12-31T23:59:59.9996'))).toBe('2025-01-01T00:00:00.000Z');
    expect(formatIsoUtc(parseIsoUtc('1999-03-01T00:00:00'), 0)).toBe('1999-03-01T00:00:00Z');
    for (let mjd = 40000.123; mjd < 70000; mjd += 777.777) {
      expect(parseIsoUtc(formatIsoUtc(mjd, 6))).toBeCloseTo(mjd, 10);
    }
  });
});

describe('sidereal time', () => {
  it('GMST at J2000.0 is 18h41m50.548s (IAU), GAST - GMST is the equation of the equinoxes (< 1.2 s)', () => {
    const gmstH = gmstRad(51544.5) / HOUR;
    expect(Math.abs(gmstH - (18 + 41 / 60 + 50.54841 / 3600)) * 3600).toBeLessThan(0.001);
    for (const mjd of [51544.5, 58000.3, 60500.9]) {
      const ee = (wrapPi(gastRad(mjd) - gmstRad(mjd)) / HOUR) * 3600;
      expect(Math.abs(ee)).toBeLessThan(1.2);
    }
  });

  it('advances 1.0027379 turns per day and adds the east longitude', () => {
    const t = 60000.1;
    const dt = 0.1;
    const rate = wrapPi(gastRad(t + dt) - gastRad(t) - 2 * Math.PI * 0.1) / (2 * Math.PI * dt);
    expect(rate).toBeCloseTo(0.0027379, 6);
    expect(wrapPi(lastRad(t, -118.283) - gastRad(t) + (118.283 * Math.PI) / 180)).toBeCloseTo(0, 12);
    expect(wrapPi(lmstRad(t, 10) - gmstRad(t) - (10 * Math.PI) / 180)).toBeCloseTo(0, 12);
    // UT1 - UTC = +0.5 s moves sidereal time forward by 0.5 x 1.0027 s.
    const shift = (wrapPi(gastRad(t, { dut1S: 0.5 }) - gastRad(t)) / HOUR) * 3600;
    expect(shift).toBeCloseTo(0.5 * 1.0027379, 4);
    expect(() => gastRad(t, { dut1S: 3 })).toThrow(/dut1S: expected UT1 - UTC/);
  });
});
