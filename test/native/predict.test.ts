// The native point-source predictor against a brute-force evaluation of the measurement
// equation in TypeScript, directly and through the worker pool.
import { afterAll, describe, expect, it } from 'vitest';
import { loadAddon } from '../../src/main/engine/native/addon';
import { NativePool, sharedFloat64Array } from '../../src/main/engine/native/pool';
import { Rng } from '../../src/main/engine/sim/rng';

const C = 299792458;

function problem(nbl: number, nchan: number, nsrc: number, uniform: boolean, seed = 1) {
  const r = new Rng(seed);
  const uvw = Float64Array.from({ length: nbl * 3 }, () => r.range(-2700, 2700));
  // DSA-110-like descending channels; the non-uniform case perturbs the spacing.
  const freqs = Float64Array.from(
    { length: nchan },
    (_, k) => 1.4986e9 - 244140.625 * k + (uniform ? 0 : r.range(-5e4, 5e4)),
  );
  const lmn1 = new Float64Array(nsrc * 3);
  for (let s = 0; s < nsrc; s++) {
    const l = r.range(-0.04, 0.04);
    const m = r.range(-0.04, 0.04);
    lmn1.set([l, m, Math.sqrt(1 - l * l - m * m) - 1], 3 * s);
  }
  const amp = Float64Array.from({ length: nsrc * nchan }, () => r.range(0.01, 5));
  return { uvw, freqs, lmn1, amp };
}

function bruteForce(p: ReturnType<typeof problem>, width: number): Float64Array {
  const nbl = p.uvw.length / 3;
  const nchan = p.freqs.length;
  const nsrc = p.lmn1.length / 3;
  const out = new Float64Array(2 * nbl * nchan);
  for (let b = 0; b < nbl; b++) {
    for (let s = 0; s < nsrc; s++) {
      const tau =
        (p.uvw[3 * b]! * p.lmn1[3 * s]! +
          p.uvw[3 * b + 1]! * p.lmn1[3 * s + 1]! +
          p.uvw[3 * b + 2]! * p.lmn1[3 * s + 2]!) /
        C;
      const x = Math.PI * width * tau;
      const smear = width > 0 && Math.abs(x) > 1e-8 ? Math.sin(x) / x : 1;
      for (let c = 0; c < nchan; c++) {
        const ph = 2 * Math.PI * p.freqs[c]! * tau;
        out[2 * (b * nchan + c)] = out[2 * (b * nchan + c)]! + p.amp[s * nchan + c]! * smear * Math.cos(ph);
        out[2 * (b * nchan + c) + 1] = out[2 * (b * nchan + c) + 1]! + p.amp[s * nchan + c]! * smear * Math.sin(ph);
      }
    }
  }
  return out;
}

function maxRelError(a: Float64Array, b: Float64Array): number {
  let err = 0;
  let peak = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i]! - b[i]!));
    peak = Math.max(peak, Math.abs(b[i]!));
  }
  return err / peak;
}

describe('predictPoints (native)', () => {
  const addon = loadAddon();

  // Double precision throughout; the recurrence is resynchronised every 64 channels, so the
  // error stays near 1e-12 of the peak even over the 768 channels of a full band.
  it.each([
    [50, 768, 5, true, 0],
    [50, 48, 20, false, 0],
    [30, 8, 3, true, 1.46e6],
    [7, 1, 2, true, 0],
  ])(
    'matches the brute-force sum (nbl %i, nchan %i, nsrc %i, uniform %s, smearing %f Hz)',
    (nbl, nchan, nsrc, uniform, width) => {
      const p = problem(nbl, nchan, nsrc, uniform);
      const out = new Float64Array(2 * nbl * nchan);
      addon.predictPoints(p.uvw, p.freqs, p.lmn1, p.amp, out, width, 2);
      expect(maxRelError(out, bruteForce(p, width))).toBeLessThan(1e-10);
    },
  );

  it('adds into out and is identical for any thread count', () => {
    const p = problem(40, 16, 4, true, 3);
    const one = new Float64Array(2 * 40 * 16).fill(1);
    const three = new Float64Array(2 * 40 * 16).fill(1);
    addon.predictPoints(p.uvw, p.freqs, p.lmn1, p.amp, one, 0, 1);
    addon.predictPoints(p.uvw, p.freqs, p.lmn1, p.amp, three, 0, 3);
    expect(Array.from(three)).toEqual(Array.from(one));
    const ref = bruteForce(p, 0).map((v) => v + 1);
    expect(maxRelError(one, ref)).toBeLessThan(1e-10);
  });

  it('a source at the phase centre gives its flux on every baseline', () => {
    const uvw = Float64Array.of(100, -200, 3, 2500, 40, -7);
    const freqs = Float64Array.of(1.4e9, 1.3e9);
    const out = new Float64Array(8);
    addon.predictPoints(uvw, freqs, new Float64Array(3), Float64Array.of(2, 3), out, 0, 1);
    expect(Array.from(out)).toEqual([2, 0, 3, 0, 2, 0, 3, 0]);
  });

  it('names the argument that is wrong', () => {
    const f = (fn: () => void) => expect(fn).toThrow(/predictPoints: argument '/);
    const ok = problem(2, 3, 1, true);
    f(() => addon.predictPoints(new Float64Array(4), ok.freqs, ok.lmn1, ok.amp, new Float64Array(12), 0, 1));
    f(() => addon.predictPoints(ok.uvw, ok.freqs, ok.lmn1, new Float64Array(2), new Float64Array(12), 0, 1));
    f(() => addon.predictPoints(ok.uvw, ok.freqs, ok.lmn1, ok.amp, new Float64Array(11), 0, 1));
    f(() => addon.predictPoints(ok.uvw, ok.freqs, ok.lmn1, ok.amp, new Float64Array(12), -1, 1));
    expect(() => addon.predictPoints(ok.uvw, ok.freqs, ok.lmn1, ok.amp, new Float64Array(12), 0, 1)).not.toThrow();
  });
});

describe('predictPoints through the pool', () => {
  const pool = new NativePool({ workers: 1 });
  afterAll(() => pool.close());

  it('writes into a shared output buffer', async () => {
    const p = problem(20, 8, 3, true, 5);
    const out = sharedFloat64Array(2 * 20 * 8);
    await pool.predictPoints(p, out, { threads: 2 });
    expect(maxRelError(out, bruteForce(p, 0))).toBeLessThan(1e-10);
  });

  it('refuses an output that is not shared', async () => {
    const p = problem(2, 2, 1, true);
    await expect(pool.predictPoints(p, new Float64Array(8))).rejects.toThrow(/SharedArrayBuffer/);
  });
});
