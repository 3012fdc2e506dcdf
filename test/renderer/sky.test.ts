// The renderer's sky helpers: sidereal time against astronomy-engine, sexagesimal formats against
// the VLA calibrator manual, and footprint geometry of a DSA-110 drift scan.
import * as Astronomy from 'astronomy-engine';
import { describe, expect, it } from 'vitest';
import type { Image, MeasurementSet } from '../../src/shared/model';
import { formatDec, formatDuration, formatRa, formatUtc, mjdToDate } from '../../src/renderer/lib/format';
import { DISPLAY_BEAM_FWHM_DEG, imageFootprint, lstHours, msFootprint } from '../../src/renderer/lib/sky';
import { SIDEREAL_PER_SOLAR } from '../../src/shared/astro';
import { worldToPixel } from '../../src/shared/astro/sin';
import { ARRAY_CENTRE } from '../../src/shared/instrument';
import { celestialWcs } from '../../src/shared/model/sky-image';

describe('sidereal time (shared/astro, at the shared/instrument array centre)', () => {
  it('is astronomy-engine GAST at the array centre minus the equation of the equinoxes (< 1.2 s) over 2000-2040', () => {
    for (let mjd = 51544.3; mjd < 66154; mjd += 367.37) {
      const gast = Astronomy.SiderealTime(mjdToDate(mjd)); // hours
      let diffS = (lstHours(mjd) - ARRAY_CENTRE.longitudeDeg / 15 - gast) * 3600;
      diffS -= 86400 * Math.round(diffS / 86400);
      expect(Math.abs(diffS)).toBeLessThan(1.2);
    }
  });

  it('puts the local sidereal time at DSA-110 7h53m behind Greenwich', () => {
    const mjd = 60950.65;
    let d = (lstHours(mjd) - lstHours(mjd, 0)) * 60;
    d -= 1440 * Math.round(d / 1440);
    expect(d).toBeCloseTo((-118.283 / 15) * 60, 9);
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
    id: 1,
    path: '/x.ms',
    groupId: null,
    startMjd: 60950.5,
    endMjd: 60950.5 + 309 / 86400,
    midMjd: 60950.5 + 154.5 / 86400,
    decDeg: 54.57,
    phaseCenterRaDeg: 128.7,
    phaseCenterDecDeg: 54.57,
    nAntennas: 96,
    nSpws: 16,
    nRows: null,
    status: 'converted',
    stage: null,
    flaggedFraction: null,
    createdMjd: 60950.5,
    updatedMjd: 60950.5,
  };

  it('sweeps a 309 s drift scan by 1.29 deg of RA plus the beam, stretched by 1/cos(Dec)', () => {
    const ring = msFootprint(ms);
    const ras = ring.map((p) => p[0]);
    const decs = ring.map((p) => p[1]);
    const sweep = (309 / 86400) * 360 * SIDEREAL_PER_SOLAR; // 1.291 deg
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

  it('outlines an image\'s pixels on its SIN grid (2048 x 6" = 3.41 deg of Dec), across RA 0 without a jump', () => {
    const image = {
      centerRaDeg: 0.5,
      centerDecDeg: 16.3,
      widthPx: 2048,
      heightPx: 2048,
      cellArcsec: 6,
      beamMajorArcsec: null,
      beamMinorArcsec: null,
      beamPaDeg: null,
    } as Image;
    const ring = imageFootprint(image);
    const decs = ring.map((p) => p[1]);
    // SIN: more than the flat 3.4133 deg: 2 asin(1024 x 6") on the meridian, and the southern corners,
    // 1.7 deg east and west, lie ~0.007 deg further south than the edge's middle at Dec +16.
    const extent = Math.max(...decs) - Math.min(...decs);
    expect(extent).toBeGreaterThan((2048 * 6) / 3600);
    expect(extent).toBeLessThan((2048 * 6) / 3600 + 0.01);
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    const ras = ring.map((p) => p[0]);
    expect(Math.min(...ras)).toBeLessThan(0);
    expect(Math.max(...ras) - Math.min(...ras)).toBeLessThan(4);
    // Every outline point lies on the pixel border (edges at -0.5 and 2047.5).
    // The imager's grid: phase centre at FITS pixel 1025.
    const wcs = celestialWcs({
      crval1: 0.5,
      crval2: 16.3,
      crpix1: 1025,
      crpix2: 1025,
      cdelt1: -6 / 3600,
      cdelt2: 6 / 3600,
    });
    for (const [ra, dec] of ring) {
      const p = worldToPixel(wcs, ra, dec)!;
      const onEdge = Math.min(Math.abs(p.x + 0.5), Math.abs(p.x - 2047.5), Math.abs(p.y + 0.5), Math.abs(p.y - 2047.5));
      expect(onEdge).toBeLessThan(1e-6);
    }
  });
});
