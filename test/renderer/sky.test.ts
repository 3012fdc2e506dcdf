// The renderer's sky helpers: sidereal time against astronomy-engine, sexagesimal formats against
// the VLA calibrator manual, and footprint geometry of a DSA-110 drift scan.
import * as Astronomy from 'astronomy-engine';
import { describe, expect, it } from 'vitest';
import type { Image, MeasurementSet } from '../../src/shared/model';
import { formatDec, formatDuration, formatRa, formatUtc, mjdToDate } from '../../src/renderer/lib/format';
import { DISPLAY_BEAM_FWHM_DEG, DSA110_LONGITUDE_DEG, gmstDeg, imageFootprint, lstHours, msFootprint } from '../../src/renderer/lib/sky';

describe('sidereal time', () => {
  it('matches astronomy-engine GAST within 2 s of time over 2000-2040', () => {
    // astronomy-engine returns apparent sidereal time; mean and apparent differ by the equation
    // of the equinoxes (|eqeq| < 1.2 s), plus UT1-UTC (< 0.9 s) which our formula ignores.
    for (let mjd = 51544.3; mjd < 66154; mjd += 367.37) {
      const gast = Astronomy.SiderealTime(mjdToDate(mjd)); // hours
      let diffS = (gmstDeg(mjd) / 15 - gast) * 3600;
      diffS -= 86400 * Math.round(diffS / 86400);
      expect(Math.abs(diffS)).toBeLessThan(2);
    }
  });

  it('puts the local sidereal time at DSA-110 7h53m behind Greenwich', () => {
    const mjd = 60950.65;
    let d = (lstHours(mjd) - gmstDeg(mjd) / 15) * 60;
    d -= 1440 * Math.round(d / 1440);
    expect(d).toBeCloseTo((DSA110_LONGITUDE_DEG / 15) * 60, 9);
  });
});

describe('formats', () => {
  it('writes 0834+555 as the VLA manual does (08h34m54.904s +55d34m21.07s)', () => {
    const ra = (8 + 34 / 60 + 54.904117 / 3600) * 15;
    const dec = 55 + 34 / 60 + 21.07098 / 3600;
    expect(formatRa(ra)).toBe('08h34m54.90s');
    expect(formatDec(dec)).toBe('+55°34′21.1″');
    expect(formatDec(-0.5)).toBe('-00°30′00.0″');
  });

  it('carries rounding into the next unit instead of printing 60', () => {
    expect(formatRa(359.99999999)).toBe('00h00m00.00s');
    expect(formatDuration(359.6)).toBe('6m 00s');
    expect(formatDuration(59.7)).toBe('1m 00s');
  });

  it('converts MJD to UTC', () => {
    expect(formatUtc(51544.5)).toBe('2000-01-01 12:00:00');
    expect(formatUtc(null)).toBe('—');
  });
});

describe('footprints', () => {
  const ms: MeasurementSet = {
    id: 1, path: '/x.ms', groupId: null, startMjd: 60950.5, endMjd: 60950.5 + 309 / 86400, midMjd: 60950.5 + 154.5 / 86400,
    decDeg: 54.57, phaseCenterRaDeg: 128.7, phaseCenterDecDeg: 54.57, nAntennas: 96, nSpws: 16, nRows: null,
    status: 'converted', stage: null, flaggedFraction: null, createdMjd: 60950.5, updatedMjd: 60950.5,
  };

  it('sweeps a 309 s drift scan by 1.29 deg of RA plus the beam, stretched by 1/cos(Dec)', () => {
    const ring = msFootprint(ms);
    const ras = ring.map((p) => p[0]);
    const decs = ring.map((p) => p[1]);
    const sweep = (309 / 86400) * 360.98564736629; // 1.291 deg
    const beamRa = DISPLAY_BEAM_FWHM_DEG / Math.cos((54.57 * Math.PI) / 180);
    expect(Math.max(...ras) - Math.min(...ras)).toBeCloseTo(sweep + beamRa, 9);
    expect((Math.max(...ras) + Math.min(...ras)) / 2).toBeCloseTo(128.7, 9);
    expect(Math.max(...decs) - Math.min(...decs)).toBeCloseTo(DISPLAY_BEAM_FWHM_DEG, 9);
    expect(ring[0]).toEqual(ring[ring.length - 1]);
  });

  it('centres an MS without a phase centre on the LST at mid-time', () => {
    const ring = msFootprint({ ...ms, phaseCenterRaDeg: null });
    const ras = ring.map((p) => p[0]);
    expect((Math.max(...ras) + Math.min(...ras)) / 2).toBeCloseTo(lstHours(ms.midMjd) * 15, 9);
  });

  it('spans an image\'s pixels times its cell (2048 x 6" = 3.41 deg of Dec)', () => {
    const image = { centerRaDeg: 10, centerDecDeg: 16.3, widthPx: 2048, heightPx: 2048, cellArcsec: 6 } as Image;
    const ring = imageFootprint(image);
    const decs = ring.map((p) => p[1]);
    expect(Math.max(...decs) - Math.min(...decs)).toBeCloseTo((2048 * 6) / 3600, 9);
  });
});
