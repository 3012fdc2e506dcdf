// The simulator's building blocks: random streams, the source-count law, corruptions.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/main/engine/sim/rng';
import {
  NVSS_LIKE_COUNTS,
  calibratorsIn,
  countsAbove,
  fieldPopulation,
  fluxForCount,
  regionAreaDeg2,
} from '../../src/main/engine/sim/sky';
import {
  bandpassAt,
  drawBandpassParams,
  drawGainParams,
  gainAt,
  sefdJy,
  visibilityNoiseSigma,
} from '../../src/main/engine/sim/corruptions';

describe('Rng', () => {
  it('is reproducible per seed and label, and independent across labels', () => {
    const a = new Rng(42, 'noise/sb00');
    const b = new Rng(42, 'noise/sb00');
    const c = new Rng(42, 'noise/sb01');
    const xa = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.uniform())).not.toEqual(xa);
  });

  it('draws normal deviates with unit variance (200k samples: mean, variance within 5 sigma)', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    // Standard error of the mean is 1/sqrt(n) = 0.0022; of the variance sqrt(2/n) = 0.0032.
    expect(Math.abs(mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
});

describe('source counts', () => {
  it('passes through the NVSS normalisation and inverts exactly', () => {
    expect(countsAbove(0.0025)).toBeCloseTo(53, 10);
    for (const s of [0.001, 0.01, 0.03, 0.1, 1, 10]) expect(fluxForCount(countsAbove(s))).toBeCloseTo(s, 9);
    // Euclidean bright end: about 0.04 sources per square degree above 1 Jy.
    expect(countsAbove(1)).toBeGreaterThan(0.02);
    expect(countsAbove(1)).toBeLessThan(0.08);
  });

  it('draws the expected number of sources with the expected flux distribution', () => {
    const region = { raMinDeg: 120, raMaxDeg: 140, decMinDeg: 50, decMaxDeg: 60 };
    const area = regionAreaDeg2(region);
    // 20 deg of RA x 10 deg of Dec at Dec 55: 20 * (180/pi) * (sin 60 - sin 50) = 116.6 deg^2
    expect(area).toBeCloseTo(20 * (180 / Math.PI) * (Math.sin(Math.PI / 3) - Math.sin((50 * Math.PI) / 180)), 6);
    const pop = fieldPopulation(region, new Rng(1), { minFluxJy: 0.01, maxFluxJy: 1 });
    const expected = (countsAbove(0.01) - countsAbove(1)) * area;
    expect(Math.abs(pop.length - expected)).toBeLessThan(5 * Math.sqrt(expected));
    const above30 = pop.filter((s) => s.fluxJy > 0.03).length;
    const expectedAbove30 = (countsAbove(0.03) - countsAbove(1)) * area;
    expect(Math.abs(above30 - expectedAbove30)).toBeLessThan(5 * Math.sqrt(expectedAbove30));
    for (const s of pop) {
      expect(s.decDeg).toBeGreaterThanOrEqual(50);
      expect(s.decDeg).toBeLessThanOrEqual(60);
      expect(s.raDeg).toBeGreaterThanOrEqual(120);
      expect(s.raDeg).toBeLessThanOrEqual(140);
    }
    expect(NVSS_LIKE_COUNTS.slopeBright).toBe(1.5);
  });

  it('selects catalogued calibrators in a region, across RA = 0', () => {
    const cat = [
      { name: 'A', raDeg: 359.5, decDeg: 55, flux1400Jy: 3, spectralIndex: -0.5 },
      { name: 'B', raDeg: 0.5, decDeg: 55, flux1400Jy: 3, spectralIndex: -0.5 },
      { name: 'C', raDeg: 10, decDeg: 55, flux1400Jy: 3, spectralIndex: -0.5 },
    ];
    const got = calibratorsIn({ raMinDeg: 359, raMaxDeg: 361, decMinDeg: 54, decMaxDeg: 56 }, cat);
    expect(got.map((s) => s.name)).toEqual(['A', 'B']);
  });
});

describe('corruptions', () => {
  it('computes the radiometer noise for DSA-110 channels', () => {
    const sefd = sefdJy(25, 4.65, 0.7);
    // 2 k T / (eta pi r^2) = 2 * 1.380649e-23 * 25 / (0.7 * pi * 2.325^2) / 1e-26
    expect(sefd).toBeCloseTo((2 * 1.380649e-23 * 25) / (0.7 * Math.PI * 2.325 ** 2) / 1e-26, 6);
    expect(sefd).toBeGreaterThan(5000);
    expect(sefd).toBeLessThan(7000);
    expect(visibilityNoiseSigma(sefd, -244140.625, 12.884901888)).toBeCloseTo(
      sefd / Math.sqrt(2 * 244140.625 * 12.884901888),
      9,
    );
  });

  it('gives continuous gains and smooth bandpasses', () => {
    const rng = new Rng(3);
    const g = drawGainParams(rng);
    const [r0, i0] = gainAt(g, 1.0);
    const [r1, i1] = gainAt(g, 1.0 + 12.884901888 / 3600);
    // Over one integration the gain changes by well under a percent.
    expect(Math.hypot(r1 - r0, i1 - i0) / Math.hypot(r0, i0)).toBeLessThan(0.01);
    const bp = drawBandpassParams(rng);
    const lo = 1311.25e6;
    const hi = 1498.75e6;
    let maxStep = 0;
    let prev = bandpassAt(bp, lo, lo, hi);
    for (let f = lo + 244140.625; f <= hi; f += 244140.625) {
      const cur = bandpassAt(bp, f, lo, hi);
      maxStep = Math.max(maxStep, Math.hypot(cur[0] - prev[0], cur[1] - prev[1]));
      prev = cur;
    }
    expect(maxStep).toBeLessThan(0.05);
  });
});
