// uvw and frames: TMS eq. 4.1 against the vector basis, the zenith/ENU identity, the j2000 and
// date frames sharing w, the apparent-place round trip, direction cosines, and transits.
import { describe, expect, it } from 'vitest';
import {
  EARTH_ROTATION_RAD_PER_DAY,
  apparentHourAngle,
  apparentToJ2000,
  directionCosines,
  j2000ToApparent,
  lmToRaDec,
  nearestTransitMjd,
  nextTransitMjd,
  previousTransitMjd,
  uvwForJ2000,
  uvwFromHourAngle,
} from '../../src/shared/astro';
import { ARRAY_CENTRE, baselinesEcef, ecefDeltaToEnu } from '../../src/shared/instrument';

const DEG = Math.PI / 180;
const LON = ARRAY_CENTRE.longitudeDeg;
const ANT1 = [1, 1, 52, 1, 103, 105, 116, 24, 60, 7];
const ANT2 = [2, 51, 102, 102, 114, 117, 108, 110, 33, 115];
const B = baselinesEcef(ANT1, ANT2);
const N = ANT1.length;
const row = (a: Float64Array, i: number): [number, number, number] => [
  a[3 * i] as number,
  a[3 * i + 1] as number,
  a[3 * i + 2] as number,
];

describe('uvw', () => {
  it('at HA = 0 and Dec = geodetic latitude (the zenith), u, v, w are east, north, up', () => {
    const uvw = uvwFromHourAngle(B, 0, ARRAY_CENTRE.latitudeDeg * DEG, LON);
    for (let i = 0; i < N; i++) {
      const enu = ecefDeltaToEnu(row(B, i), ARRAY_CENTRE);
      const [u, v, w] = row(uvw, i);
      expect(u).toBeCloseTo(enu[0], 9);
      expect(v).toBeCloseTo(enu[1], 9);
      expect(w).toBeCloseTo(enu[2], 9);
    }
  });

  it("TMS eq. 4.1 (apparent HA, Dec) equals the 'date' vector basis, and preserves |b|", () => {
    const mjd = 60310.37;
    for (const [ra, dec] of [
      [128.7, 55.57],
      [10, -20],
      [300, 80],
      [202.78, 30.5],
    ] as const) {
      const { haRad, decRad } = apparentHourAngle(mjd, ra * DEG, dec * DEG, { longitudeDeg: LON });
      const tms = uvwFromHourAngle(B, haRad, decRad, LON);
      const vec = uvwForJ2000(B, ra * DEG, dec * DEG, mjd, { frame: 'date' });
      for (let i = 0; i < N; i++) {
        for (let k = 0; k < 3; k++)
          expect(Math.abs((tms[3 * i + k] as number) - (vec[3 * i + k] as number))).toBeLessThan(1e-8);
        expect(Math.hypot(...row(vec, i))).toBeCloseTo(Math.hypot(...row(B, i)), 8);
      }
    }
  });

  it("'j2000' turns u, v about w by the precession angle: same w, same |uv|, a few tenths of a degree", () => {
    const mjd = 60310.37;
    const date = uvwForJ2000(B, 128.7 * DEG, 55.57 * DEG, mjd, { frame: 'date' });
    const j2k = uvwForJ2000(B, 128.7 * DEG, 55.57 * DEG, mjd);
    for (let i = 0; i < N; i++) {
      const [u0, v0, w0] = row(date, i);
      const [u1, v1, w1] = row(j2k, i);
      expect(w1).toBeCloseTo(w0, 9);
      expect(Math.hypot(u1, v1)).toBeCloseTo(Math.hypot(u0, v0), 9);
      if (Math.hypot(u0, v0) > 100) {
        // Rotation of J2000 north vs north of date at RA 129, Dec 55.6 after 24 years:
        // ~ n t sin(ra) / cos(dec) with n = 20.04"/yr, i.e. about 0.19 deg (+ nutation).
        const angle = Math.atan2(u0 * v1 - v0 * u1, u0 * u1 + v0 * v1) / DEG;
        expect(Math.abs(angle)).toBeGreaterThan(0.15);
        expect(Math.abs(angle)).toBeLessThan(0.3);
      }
    }
  });

  it('rejects malformed baseline arrays with a clear message', () => {
    expect(() => uvwForJ2000(new Float64Array(4), 0, 0, 60000)).toThrow(/n x 3 array of ECEF metres, got length 4/);
  });
});

describe('frames and direction cosines', () => {
  it('apparent place: round trip J2000 -> apparent -> J2000 to 1e-11 rad, and positions really move', () => {
    let maxShift = 0;
    for (const [ra, dec] of [
      [0, 0],
      [128.7, 55.57],
      [270, -60],
      [45, 89],
    ] as const) {
      for (const mjd of [55000.2, 60310.37]) {
        const app = j2000ToApparent(ra * DEG, dec * DEG, mjd);
        const back = apparentToJ2000(app.raRad, app.decRad, mjd);
        expect(Math.abs(back.decRad - dec * DEG)).toBeLessThan(1e-11);
        expect(Math.abs(Math.sin(back.raRad - ra * DEG)) * Math.cos(dec * DEG)).toBeLessThan(1e-11);
        maxShift = Math.max(maxShift, Math.abs(app.decRad - dec * DEG));
      }
    }
    expect(maxShift).toBeGreaterThan((10 / 3600) * DEG); // precession moves Dec by arcminutes by 2024
  });

  it('direction cosines invert and satisfy l^2 + m^2 + n^2 = 1', () => {
    const ra0 = 128.7 * DEG;
    const dec0 = 55.57 * DEG;
    for (const [dra, ddec] of [
      [0, 0],
      [1.5, 0.3],
      [-2, -1.2],
      [0.01, 2],
    ] as const) {
      const ra = ra0 + dra * DEG;
      const dec = dec0 + ddec * DEG;
      const [l, m, n] = directionCosines(ra, dec, ra0, dec0);
      expect(l * l + m * m + n * n).toBeCloseTo(1, 14);
      if (dra > 0) expect(l).toBeGreaterThan(0); // east = increasing RA = +l
      const back = lmToRaDec(l, m, ra0, dec0);
      expect(back.raRad).toBeCloseTo(ra, 12);
      expect(back.decRad).toBeCloseTo(dec, 12);
    }
  });
});

describe('transits', () => {
  const ra = (8 + 34 / 60 + 54.904117 / 3600) * 15 * DEG;
  const dec = (55 + 34 / 60 + 21.07098 / 3600) * DEG;
  it('next / previous / nearest bracket the time, are one sidereal day apart, and have HA = 0', () => {
    for (const t of [60000, 60000.37, 60123.9]) {
      const next = nextTransitMjd(ra, dec, t);
      const prev = previousTransitMjd(ra, dec, t);
      const near = nearestTransitMjd(ra, dec, t);
      expect(next).toBeGreaterThanOrEqual(t);
      expect(prev).toBeLessThanOrEqual(t);
      // One turn relative to the equinox, less the slow apparent-RA drift (< 1e-6 day).
      expect(Math.abs(next - prev - (2 * Math.PI) / EARTH_ROTATION_RAD_PER_DAY)).toBeLessThan(1e-6);
      expect([next, prev]).toContain(near);
      expect(Math.abs(near - t)).toBeLessThanOrEqual(0.5);
      for (const tt of [next, prev]) expect(Math.abs(apparentHourAngle(tt, ra, dec).haRad)).toBeLessThan(1e-9);
    }
    // A transit time is its own nearest transit.
    const tr = nextTransitMjd(ra, dec, 60000);
    expect(Math.abs(nearestTransitMjd(ra, dec, tr) - tr) * 86400).toBeLessThan(1e-4);
  });
});
