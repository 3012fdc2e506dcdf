// The expected thermal noise of an image (imaging/thermal.ts) against brute force: visibilities of
// pure noise drawn with the variance their natural weights state (sigma = SEFD / sqrt(W) per
// component), imaged by the real gridder with natural, Briggs and uniform weights; the measured
// rms of the dirty image must equal SEFD sqrt(sum w^2 / W) / sum w. Each of the 128 x 128 pixels is
// an independent-ish draw of the same Gaussian (the PSF correlates neighbours, so the effective
// number of samples is ~1000 beams): 5 % tolerance is about 3 standard errors.
import { afterAll, describe, expect, it } from 'vitest';
import { Gridder } from '../../src/main/engine/imaging/gridder';
import { thermalNoiseJy } from '../../src/main/engine/imaging/thermal';
import { imagingWeights, paddedSize } from '../../src/main/engine/imaging/weighting';
import { NativePool, sharedOf } from '../../src/main/engine/native/pool';
import { Rng } from '../../src/main/engine/sim/rng';

const SEFD = 5807;

function problem(seed: number) {
  const rng = new Rng(seed, 'thermal-test');
  const nrows = 3000;
  const freqs = Float64Array.from({ length: 8 }, (_, c) => 1.31e9 + c * 25e6);
  const uvw = sharedOf(Float64Array, 3 * nrows);
  for (let r = 0; r < nrows; r++) {
    // A T-like layout: most baselines east-west, a third north-south, up to 2.5 km.
    const ew = rng.uniform() < 0.66;
    const len = 20 + 2500 * rng.uniform() ** 2;
    uvw[3 * r] = ew ? len * (rng.uniform() < 0.5 ? -1 : 1) : 200 * rng.normal();
    uvw[3 * r + 1] = ew ? 200 * rng.normal() : len * (rng.uniform() < 0.5 ? -1 : 1);
    uvw[3 * r + 2] = 5 * rng.normal();
  }
  const nvis = nrows * freqs.length;
  // Natural weights as the converter writes them (2 dnu dt nsamples, in SEFD^-2 units), varying by sample.
  const natural = sharedOf(Float32Array, nvis);
  const vis = sharedOf(Float32Array, 2 * nvis);
  for (let k = 0; k < nvis; k++) {
    const w = 2 * 244140.625 * 12.884901888 * (0.5 + rng.uniform());
    natural[k] = w;
    const sigma = SEFD / Math.sqrt(w);
    vis[2 * k] = sigma * rng.normal();
    vis[2 * k + 1] = sigma * rng.normal();
  }
  return { uvw, freqs, natural, vis };
}

describe('expected thermal noise', () => {
  const pool = new NativePool({ workers: 1 });
  afterAll(() => pool.close());
  const n = 128;
  const pixelRad = (20 / 3600) * (Math.PI / 180);

  it.each([['natural', 0], ['briggs', 0], ['briggs', -1], ['uniform', 0]] as const)('matches the rms of a noise-only dirty image (%s, robust %s)', async (mode, robust) => {
    const p = problem(7);
    const pad = paddedSize(n);
    const w = imagingWeights(p.uvw, p.freqs, Float32Array.from(p.natural), { mode, robust, gridNx: pad, gridNy: pad, pixelL: pixelRad, pixelM: pixelRad });
    const expected = thermalNoiseJy(SEFD, w.sumSqOverNatural, w.sum);
    // Brute force of the formula's inputs: sum of w^2 / W over the samples.
    let s2 = 0;
    for (let k = 0; k < w.weights.length; k++) if (p.natural[k]! > 0) s2 += w.weights[k]! ** 2 / p.natural[k]!;
    expect(w.sumSqOverNatural / s2).toBeCloseTo(1, 5);
    const g = new Gridder(pool, { nx: n, ny: n, pixelRad, epsilon: 1e-5, threads: 1 });
    const weights = sharedOf(Float32Array, w.weights.length);
    weights.set(w.weights);
    const { image } = await g.dirty({ uvw: p.uvw, freqs: p.freqs, vis: p.vis, weights });
    let ss = 0;
    for (let i = 0; i < image.length; i++) ss += image[i]! ** 2;
    const measured = Math.sqrt(ss / image.length);
    expect(Math.abs(measured / expected - 1)).toBeLessThan(0.05);
  });

  it('natural weighting gives the radiometer equation SEFD / sqrt(sum W)', () => {
    const p = problem(3);
    const w = imagingWeights(p.uvw, p.freqs, Float32Array.from(p.natural), { mode: 'natural', gridNx: 64, gridNy: 64, pixelL: pixelRad, pixelM: pixelRad });
    let sum = 0;
    for (const x of p.natural) sum += x;
    expect(thermalNoiseJy(SEFD, w.sumSqOverNatural, w.sum) / (SEFD / Math.sqrt(sum))).toBeCloseTo(1, 5);
    expect(() => thermalNoiseJy(0, 1, 1)).toThrow(/SEFD/);
    expect(thermalNoiseJy(SEFD, 0, 0)).toBeNaN();
  });
});
