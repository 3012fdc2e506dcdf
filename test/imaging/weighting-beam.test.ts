// Unit checks of the imager's parts against brute force and known truth: uniform and Briggs
// weights against a direct per-cell density sum; the restoring-beam fit on Gaussians of known
// shape; the Hogbom minor cycle on PSF-shaped sources at known pixels.
import { afterAll, describe, expect, it } from 'vitest';
import { imagingWeights } from '../../src/main/engine/imaging/weighting';
import { beamKernel, fitRestoringBeam } from '../../src/main/engine/imaging/restore';
import { NativePool } from '../../src/main/engine/native/pool';

function randomUv(n: number, seed: number): Float64Array {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const uvw = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    uvw[3 * i] = (rnd() - 0.5) * 2000;
    uvw[3 * i + 1] = (rnd() - 0.5) * 2000;
    uvw[3 * i + 2] = rnd() * 10;
  }
  return uvw;
}

describe('imaging weights', () => {
  const freqs = Float64Array.from([1.3e9, 1.4e9, 1.5e9]);
  const uvw = randomUv(2000, 3);
  const natural = new Float32Array((uvw.length / 3) * freqs.length).map((_, i) => 1 + (i % 7) * 0.25);
  const opts = { gridNx: 128, gridNy: 128, pixelL: 1e-4, pixelM: 1e-4 };
  // Brute-force density per cell, WSClean's binning.
  const cells = () => {
    const d = new Map<number, number>();
    const cellOf: number[] = [];
    for (let r = 0; r < uvw.length / 3; r++) {
      for (let c = 0; c < freqs.length; c++) {
        let u = (uvw[3 * r]! * freqs[c]!) / 299792458;
        let v = (uvw[3 * r + 1]! * freqs[c]!) / 299792458;
        if (v < 0) {
          u = -u;
          v = -v;
        }
        const x = Math.floor(u * 128 * 1e-4 + 64);
        const y = Math.floor(v * 128 * 1e-4);
        const key = x >= 0 && x < 128 && y < 64 ? y * 128 + x : -1;
        cellOf.push(key);
        if (key >= 0) d.set(key, (d.get(key) ?? 0) + natural[r * freqs.length + c]!);
      }
    }
    return { d, cellOf };
  };

  it('uniform: w / density of the cell, so every occupied cell sums to 1', () => {
    const { d, cellOf } = cells();
    const w = imagingWeights(uvw, freqs, natural, { ...opts, mode: 'uniform' }).weights;
    for (let k = 0; k < w.length; k++) {
      const key = cellOf[k]!;
      const want = key < 0 ? 0 : natural[k]! / d.get(key)!;
      expect(Math.abs(w[k]! - want)).toBeLessThan(1e-6 * Math.max(1, want));
    }
  });

  it('Briggs: w / (1 + D f^2), f^2 = (5 10^-R)^2 sum(w) / sum(D^2); the robust limits approach uniform and natural', () => {
    const { d, cellOf } = cells();
    let sumW = 0;
    let sumD2 = 0;
    for (const v of d.values()) {
      sumD2 += v * v;
      sumW += v;
    }
    for (const R of [-1, 0, 0.5]) {
      const f2 = (5 * 10 ** -R) ** 2 / (sumD2 / sumW);
      const w = imagingWeights(uvw, freqs, natural, { ...opts, mode: 'briggs', robust: R }).weights;
      for (let k = 0; k < w.length; k += 17) {
        const key = cellOf[k]!;
        const want = key < 0 ? 0 : natural[k]! / (1 + d.get(key)! * f2);
        expect(Math.abs(w[k]! / want - 1)).toBeLessThan(1e-6);
      }
    }
    const hi = imagingWeights(uvw, freqs, natural, { ...opts, mode: 'briggs', robust: 5 }).weights;
    const lo = imagingWeights(uvw, freqs, natural, { ...opts, mode: 'briggs', robust: -5 }).weights;
    const uni = imagingWeights(uvw, freqs, natural, { ...opts, mode: 'uniform' }).weights;
    const k0 = cellOf.findIndex((c) => c >= 0);
    for (let k = 0; k < hi.length; k += 13) {
      if (cellOf[k]! < 0) continue;
      expect(Math.abs(hi[k]! / natural[k]! / (hi[k0]! / natural[k0]!) - 1)).toBeLessThan(1e-3);
      expect(Math.abs(lo[k]! / uni[k]! / (lo[k0]! / uni[k0]!) - 1)).toBeLessThan(1e-3);
    }
  });

  it('honours flags (weight 0), the uv range and the Gaussian taper', () => {
    const nat = Float32Array.from(natural);
    nat[5] = 0;
    const w = imagingWeights(uvw, freqs, nat, {
      ...opts,
      mode: 'natural',
      uvMinLambda: 500,
      uvMaxLambda: 5000,
      taperFwhmRad: 1e-3,
    });
    expect(w.weights[5]).toBe(0);
    const sigma = 1e-3 / (2 * Math.sqrt(2 * Math.LN2));
    for (let r = 0; r < 200; r++) {
      for (let c = 0; c < 3; c++) {
        const k = r * 3 + c;
        if (k === 5) continue;
        const q = (Math.hypot(uvw[3 * r]!, uvw[3 * r + 1]!) * freqs[c]!) / 299792458;
        const want = q < 500 || q > 5000 ? 0 : nat[k]! * Math.exp(-2 * Math.PI ** 2 * sigma ** 2 * q * q);
        expect(Math.abs(w.weights[k]! - want)).toBeLessThan(1e-6 * Math.max(1, want));
      }
    }
    expect(() => imagingWeights(uvw, freqs, nat, { ...opts, mode: 'briggs', robust: 9 })).toThrow(/robust/);
  });
});

describe('restoring beam fit', () => {
  it('recovers elongated Gaussians of known shape and orientation', () => {
    const n = 129;
    for (const truth of [
      { majorArcsec: 40, minorArcsec: 14, paDeg: -89 },
      { majorArcsec: 25, minorArcsec: 20, paDeg: 30 },
      { majorArcsec: 30, minorArcsec: 12, paDeg: 75 },
    ]) {
      const k = beamKernel(truth, 5, 5);
      const psf = new Float32Array(n * n);
      for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) psf[y * n + x] = k(x - 64, y - 64);
      const b = fitRestoringBeam(psf, n, n, 5, 5);
      expect(Math.abs(b.majorArcsec / truth.majorArcsec - 1)).toBeLessThan(0.005);
      expect(Math.abs(b.minorArcsec / truth.minorArcsec - 1)).toBeLessThan(0.005);
      const dpa = ((b.paDeg - truth.paDeg + 270) % 180) - 90;
      expect(Math.abs(dpa)).toBeLessThan(0.5);
    }
  });
});

describe('Hogbom minor cycle', () => {
  const pool = new NativePool({ workers: 1 });
  afterAll(() => pool.close());
  it('finds PSF-shaped sources at their pixels with their fluxes', async () => {
    const nx = 64;
    const ny = 48;
    const psf = new Float32Array(nx * ny);
    const k = beamKernel({ majorArcsec: 12, minorArcsec: 6, paDeg: 20 }, 1, 1);
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) psf[y * nx + x] = k(x - nx / 2, y - ny / 2) - 0.05 * Math.cos((x - nx / 2) / 3);
    psf[(ny / 2) * nx + nx / 2] = 1;
    const residual = new Float32Array(new SharedArrayBuffer(4 * nx * ny));
    const srcs = [
      [10, 12, 2],
      [40, 30, -0.7],
      [33, 9, 1.1],
    ] as const;
    for (const [sx, sy, f] of srcs) {
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const ox = x - sx + nx / 2;
          const oy = y - sy + ny / 2;
          if (ox >= 0 && oy >= 0 && ox < nx && oy < ny) residual[y * nx + x]! += f * psf[oy * nx + ox]!;
        }
    }
    const model = new Float64Array(new SharedArrayBuffer(8 * nx * ny));
    const r = await pool.hogbomClean(
      { residual, psf, model },
      { nx, ny, gain: 0.2, stopLevel: 1e-4, maxIter: 5000, activeFraction: 0.01 },
    );
    expect(r.reason).toBe('stop-level');
    for (const [sx, sy, f] of srcs) expect(model[sy * nx + sx]!).toBeCloseTo(f, 3);
    let other = 0;
    for (let i = 0; i < model.length; i++)
      if (!srcs.some(([sx, sy]) => sy * nx + sx === i)) other += Math.abs(model[i]!);
    expect(other).toBeLessThan(1e-3);
    await expect(
      pool.hogbomClean({ residual, psf, model }, { nx, ny: ny + 1, stopLevel: 0, maxIter: 1 }),
    ).rejects.toThrow(/residual/);
  });
});
