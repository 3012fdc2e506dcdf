// The native wide-field gridder against the direct measurement equation (test/imaging/dft.ts)
// on DSA-110 geometry: both directions at the requested accuracy in float32 and float64,
// adjointness, a point source 2 degrees off centre at the right pixel with peak = flux, the
// degridder against the point-source predictor, flags, threads and argument errors. Adjointness
// also over 1, 2 and 3 threads, 1 to 300 rows and three flag masks (weights 0).
import { afterAll, describe, expect, it } from 'vitest';
import { loadAddon, type GridderKernelOptions } from '../../src/main/engine/native/addon';
import { NativePool, sharedFloat64Array } from '../../src/main/engine/native/pool';
import { Gridder } from '../../src/main/engine/imaging/gridder';
import { activeStations, simArray } from '../../src/main/engine/sim/array';
import { Rng } from '../../src/main/engine/sim/rng';
import { uvwFromHourAngle } from '../../src/shared/astro';
import { ARRAY_CENTRE } from '../../src/shared/instrument';
import { directDirty, directVis, relativeL2, type DftGeometry } from './dft';

const DEG = Math.PI / 180;
const addon = loadAddon();

interface Problem {
  uvw: Float64Array;
  freqs: Float64Array;
  weights: Float32Array;
  nrows: number;
  nchan: number;
}

/**
 * Real DSA-110 baselines (96 of the 117 stations, outriggers included) at a few hour angles
 * around transit for a source at `decDeg`: far from the zenith (37 deg) the N-S baselines get
 * w of hundreds to thousands of wavelengths. `nrows` baselines are drawn at random.
 */
function dsa110Problem(nrows: number, nchan: number, decDeg: number, seed: number, flagFraction = 0.1): Problem {
  const rng = new Rng(seed, 'gridder-test');
  const arr = simArray(activeStations(96));
  const nbl = arr.ant1.length;
  const uvw = new Float64Array(3 * nrows);
  for (let r = 0; r < nrows; r++) {
    let b = 0;
    do b = Math.floor(rng.range(0, nbl));
    while (arr.ant1[b] === arr.ant2[b]);
    const ha = rng.range(-2.5, 2.5) * DEG;
    const one = uvwFromHourAngle(
      arr.baselinesEcef.subarray(3 * b, 3 * b + 3),
      ha,
      decDeg * DEG,
      ARRAY_CENTRE.longitudeDeg,
    );
    uvw.set(one, 3 * r);
  }
  const freqs = Float64Array.from({ length: nchan }, (_, c) => 1.4986e9 - (c * 0.1875e9) / Math.max(1, nchan - 1));
  const weights = Float32Array.from({ length: nrows * nchan }, () =>
    rng.range(0, 1) < flagFraction ? 0 : rng.range(0.5, 2),
  );
  return { uvw, freqs, weights, nrows, nchan };
}

function randomArray(n: number, seed: number, precision: 'float32' | 'float64'): Float32Array | Float64Array {
  const rng = new Rng(seed, 'values');
  const a = precision === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.range(-1, 1);
  return a;
}

function zeros(n: number, precision: 'float32' | 'float64'): Float32Array | Float64Array {
  return precision === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

function maxAbsW(p: Problem): number {
  let w = 0;
  for (let r = 0; r < p.nrows; r++) w = Math.max(w, Math.abs(p.uvw[3 * r + 2]!));
  return (w * p.freqs[0]!) / 299792458;
}

describe('gridder vs the direct transform', () => {
  // [precision, epsilon, nx, ny, pixel (deg), declination (deg)]
  const cases: ['float32' | 'float64', number, number, number, number, number][] = [
    ['float32', 1e-4, 64, 64, 0.06, 10],
    ['float32', 1e-5, 64, 48, 0.06, 10],
    ['float64', 1e-4, 32, 32, 0.1, -20],
    ['float64', 1e-5, 128, 96, 0.03, 10],
    ['float64', 1e-7, 64, 64, 0.06, 60],
    ['float64', 1e-10, 48, 48, 0.08, 10],
  ];
  it.each(cases)(
    '%s, epsilon %s, %ix%i pixels of %s deg, dec %i deg: both directions below epsilon',
    (precision, eps, nx, ny, pixDeg, dec) => {
      const p = dsa110Problem(300, 3, dec, nx + ny);
      const geom: DftGeometry = { nx, ny, dl: pixDeg * DEG, dm: pixDeg * DEG, wterm: true };
      const opts: GridderKernelOptions = { nx, ny, pixelL: geom.dl, pixelM: geom.dm, epsilon: eps, threads: 2 };
      const vis = randomArray(2 * p.nrows * p.nchan, 1, precision);
      const dirty = zeros(nx * ny, precision);
      const info = addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, dirty, opts);
      expect(info.nplanes).toBeGreaterThan(info.support); // the w term is really exercised
      const refDirty = directDirty(p.uvw, p.freqs, vis, p.weights, geom);
      expect(relativeL2(dirty, refDirty)).toBeLessThan(eps);

      const image = randomArray(nx * ny, 2, precision);
      const model = zeros(2 * p.nrows * p.nchan, precision);
      addon.dirty2ms(p.uvw, p.freqs, image, p.weights, model, opts);
      expect(relativeL2(model, directVis(p.uvw, p.freqs, image, p.weights, geom))).toBeLessThan(eps);
    },
  );

  it('has w up to thousands of wavelengths in these problems and a field of several degrees', () => {
    expect(maxAbsW(dsa110Problem(300, 3, 10, 1))).toBeGreaterThan(500);
  });

  it.each([
    ['float32', 1e-5],
    ['float64', 1e-6],
  ] as const)('without w-gridding (%s) matches the 2-D transform (w term dropped)', (precision, eps) => {
    const p = dsa110Problem(200, 2, 10, 7);
    const geom: DftGeometry = { nx: 64, ny: 64, dl: 0.05 * DEG, dm: 0.05 * DEG, wterm: false };
    const opts: GridderKernelOptions = {
      nx: 64,
      ny: 64,
      pixelL: geom.dl,
      pixelM: geom.dm,
      epsilon: eps,
      wgridding: false,
    };
    const vis = randomArray(2 * p.nrows * p.nchan, 3, precision);
    const dirty = zeros(64 * 64, precision);
    expect(addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, dirty, opts).nplanes).toBe(1);
    expect(relativeL2(dirty, directDirty(p.uvw, p.freqs, vis, p.weights, geom))).toBeLessThan(eps);
  });

  it.each([1, 3])(
    'holding %i plane grid(s) at once (planes in groups) gives the result of the ring of W planes',
    (slots) => {
      // 24 channels: runs of consecutive channels at one cell are added to the buffer together.
      const p = dsa110Problem(120, 24, 10, 11);
      const geom: DftGeometry = { nx: 64, ny: 64, dl: 0.06 * DEG, dm: 0.06 * DEG, wterm: true };
      const opts: GridderKernelOptions = {
        nx: 64,
        ny: 64,
        pixelL: geom.dl,
        pixelM: geom.dm,
        epsilon: 1e-7,
        threads: 2,
      };
      const vis = randomArray(2 * p.nrows * p.nchan, 12, 'float64');
      const ring = new Float64Array(64 * 64);
      const info = addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, ring, opts);
      expect(info.slots).toBe(info.support);
      expect(relativeL2(ring, directDirty(p.uvw, p.freqs, vis, p.weights, geom))).toBeLessThan(1e-7);
      const limited = { ...opts, maxGridBytes: slots * 16 * info.nu * info.nv };
      const grouped = new Float64Array(64 * 64);
      expect(addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, grouped, limited).slots).toBe(slots);
      expect(relativeL2(grouped, ring)).toBeLessThan(1e-13);

      const image = randomArray(64 * 64, 13, 'float64');
      const m1 = new Float64Array(2 * p.nrows * p.nchan);
      const m2 = new Float64Array(2 * p.nrows * p.nchan);
      addon.dirty2ms(p.uvw, p.freqs, image, p.weights, m1, opts);
      expect(relativeL2(m1, directVis(p.uvw, p.freqs, image, p.weights, geom))).toBeLessThan(1e-7);
      addon.dirty2ms(p.uvw, p.freqs, image, p.weights, m2, limited);
      expect(relativeL2(m2, m1)).toBeLessThan(1e-13);
    },
  );

  it('honours an explicit oversampling factor', () => {
    const p = dsa110Problem(200, 2, 10, 8);
    const geom: DftGeometry = { nx: 64, ny: 64, dl: 0.05 * DEG, dm: 0.05 * DEG, wterm: true };
    const vis = randomArray(2 * p.nrows * p.nchan, 4, 'float64');
    for (const sigma of [1.3, 2.5]) {
      const dirty = new Float64Array(64 * 64);
      const info = addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, dirty, {
        nx: 64,
        ny: 64,
        pixelL: geom.dl,
        pixelM: geom.dm,
        epsilon: 1e-6,
        sigma,
      });
      expect(info.sigma).toBe(sigma);
      expect(info.nu).toBeGreaterThanOrEqual(sigma * 64);
      expect(relativeL2(dirty, directDirty(p.uvw, p.freqs, vis, p.weights, geom))).toBeLessThan(1e-6);
    }
  });
});

describe('adjointness <G x, y> = <x, G^H y>', () => {
  it.each([
    ['float32', 1e-5, 2e-5],
    ['float64', 1e-5, 1e-12],
    ['float64', 1e-10, 1e-12],
  ] as const)('%s at epsilon %s to %s', (precision, eps, tol) => {
    const p = dsa110Problem(500, 8, 10, 11);
    const nx = 96;
    const ny = 80;
    const opts: GridderKernelOptions = { nx, ny, pixelL: 0.04 * DEG, pixelM: 0.04 * DEG, epsilon: eps, threads: 2 };
    const x = randomArray(nx * ny, 5, precision);
    const y = randomArray(2 * p.nrows * p.nchan, 6, precision);
    const gx = zeros(2 * p.nrows * p.nchan, precision);
    const ghy = zeros(nx * ny, precision);
    addon.dirty2ms(p.uvw, p.freqs, x, p.weights, gx, opts);
    addon.ms2dirty(p.uvw, p.freqs, y, p.weights, ghy, opts);
    let lhs = 0;
    let rhs = 0;
    for (let i = 0; i < gx.length; i++) lhs += gx[i]! * y[i]!;
    for (let i = 0; i < ghy.length; i++) rhs += x[i]! * ghy[i]!;
    let scale = 0;
    for (let i = 0; i < gx.length; i++) scale += Math.abs(gx[i]! * y[i]!);
    expect(Math.abs(lhs - rhs) / scale).toBeLessThan(tol);
  });
});

/** <G x, y> and <x, G^H y> (real inner products of the interleaved arrays) and the scale of the terms. */
function adjointPair(p: Problem, opts: GridderKernelOptions, precision: 'float32' | 'float64', seed: number) {
  const { nx, ny } = opts;
  const x = randomArray(nx * ny, seed, precision);
  const y = randomArray(2 * p.nrows * p.nchan, seed + 1, precision);
  const gx = zeros(2 * p.nrows * p.nchan, precision).fill(Number.NaN);
  const ghy = zeros(nx * ny, precision).fill(Number.NaN);
  addon.dirty2ms(p.uvw, p.freqs, x, p.weights, gx, opts);
  const info = addon.ms2dirty(p.uvw, p.freqs, y, p.weights, ghy, opts);
  let lhs = 0;
  let rhs = 0;
  let scale = 0;
  for (let i = 0; i < gx.length; i++) {
    lhs += gx[i]! * y[i]!;
    scale += Math.abs(gx[i]! * y[i]!);
  }
  for (let i = 0; i < ghy.length; i++) rhs += x[i]! * ghy[i]!;
  return { lhs, rhs, scale, gx, ghy, info };
}

/** Weight masks: none flagged, ~10% at random, whole rows (every third) and one whole channel. */
function masked(p: Problem, mask: 'none' | 'random' | 'rows+channel'): Problem {
  const weights = Float32Array.from(p.weights);
  const rng = new Rng(17, 'mask');
  for (let r = 0; r < p.nrows; r++) {
    for (let c = 0; c < p.nchan; c++) {
      const k = r * p.nchan + c;
      const w = 0.5 + rng.range(0, 1.5);
      if (mask === 'none') weights[k] = w;
      else if (mask === 'random') weights[k] = rng.range(0, 1) < 0.1 ? 0 : w;
      else weights[k] = r % 3 === 1 || c === 2 ? 0 : w;
    }
  }
  return { ...p, weights };
}

describe('adjointness over threads, row counts and flag masks', () => {
  const cases: [number, number, 'none' | 'random' | 'rows+channel'][] = [];
  for (const threads of [1, 2, 3])
    for (const nrows of [1, 2, 7, 300])
      for (const mask of ['none', 'random', 'rows+channel'] as const) cases.push([threads, nrows, mask]);
  it.each(cases)('%i thread(s), %i row(s), flags %s', (threads, nrows, mask) => {
    const p = masked(dsa110Problem(nrows, 5, 10, 100 + nrows), mask);
    const nvis = p.weights.reduce((n, w) => n + (w !== 0 ? 1 : 0), 0);
    expect(nvis, 'unflagged visibilities in the problem').toBeGreaterThan(0);
    for (const [precision, eps, tol] of [
      ['float64', 1e-10, 1e-12],
      ['float32', 1e-5, 2e-5],
    ] as const) {
      const opts: GridderKernelOptions = {
        nx: 72,
        ny: 64,
        pixelL: 0.04 * DEG,
        pixelM: 0.04 * DEG,
        epsilon: eps,
        threads,
      };
      const { lhs, rhs, scale, gx, ghy, info } = adjointPair(p, opts, precision, 7 * nrows + threads);
      expect(info.nvis, `${precision}: visibilities the gridder saw`).toBe(nvis);
      expect(scale, `${precision}: |<G x, y>| terms`).toBeGreaterThan(0);
      expect(Math.abs(lhs - rhs) / scale, `${precision} <G x, y> = ${lhs}, <x, G^H y> = ${rhs}`).toBeLessThan(tol);
      // Every output written; flagged visibilities predicted as exactly 0.
      expect(
        gx.every((v) => Number.isFinite(v)) && ghy.every((v) => Number.isFinite(v)),
        `${precision}: outputs all written`,
      ).toBe(true);
      for (let k = 0; k < p.weights.length; k++) {
        if (p.weights[k] === 0 && (gx[2 * k] !== 0 || gx[2 * k + 1] !== 0))
          throw new Error(`${precision}: flagged visibility ${k} predicted as ${gx[2 * k]}, ${gx[2 * k + 1]}`);
      }
    }
  });

  it('writes zeros everywhere when every visibility is flagged', () => {
    const p = dsa110Problem(7, 5, 10, 3);
    p.weights.fill(0);
    const { lhs, rhs, gx, ghy, info } = adjointPair(
      p,
      { nx: 72, ny: 64, pixelL: 0.04 * DEG, pixelM: 0.04 * DEG, epsilon: 1e-10, threads: 3 },
      'float64',
      9,
    );
    expect(info.nvis).toBe(0);
    expect([lhs, rhs]).toEqual([0, 0]);
    expect(gx.every((v) => v === 0)).toBe(true);
    expect(ghy.every((v) => v === 0)).toBe(true);
  });
});

describe('a point source', () => {
  // 64 x 64 pixels of 0.075 deg (4.8 deg across); the source at pixel offsets (-20, 18) is
  // 2.02 deg from the centre, where |n - 1| = 6.2e-4 and w of ~1000 wavelengths turns the phase
  // by several radians: only a correct w term puts its full flux at that pixel.
  const nx = 64;
  const pix = 0.075 * DEG;
  const x0 = 32 - 20;
  const y0 = 32 + 18;
  const flux = 2.5;

  function pointVis(p: Problem, precision: 'float32' | 'float64'): Float32Array | Float64Array {
    const l = -(x0 - 32) * pix;
    const m = (y0 - 32) * pix;
    const lmn1 = Float64Array.from([l, m, Math.sqrt(1 - l * l - m * m) - 1]);
    const out = new Float64Array(2 * p.nrows * p.nchan);
    addon.predictPoints(p.uvw, p.freqs, lmn1, new Float64Array(p.nchan).fill(flux), out, 0, 1);
    return precision === 'float32' ? Float32Array.from(out) : out;
  }

  it.each(['float32', 'float64'] as const)(
    'is imaged at its pixel with peak = flux (natural weighting, %s)',
    (precision) => {
      const p = dsa110Problem(400, 4, 10, 21, 0.2);
      const natural = p.weights.map((w) => (w === 0 ? 0 : 1));
      const vis = pointVis(p, precision);
      const dirty = zeros(nx * nx, precision);
      const info = addon.ms2dirty(p.uvw, p.freqs, vis, natural, dirty, {
        nx,
        ny: nx,
        pixelL: pix,
        pixelM: pix,
        epsilon: 1e-5,
      });
      let best = 0;
      for (let i = 1; i < dirty.length; i++) if (dirty[i]! > dirty[best]!) best = i;
      expect(best % nx).toBe(x0);
      expect(Math.floor(best / nx)).toBe(y0);
      expect(dirty[best]! / info.sumWeights).toBeCloseTo(flux, 4);
      expect(Math.abs(dirty[best]! / info.sumWeights - flux) / flux).toBeLessThan(2e-5);

      // The same data without the w term loses most of the peak: the test is sensitive to it.
      const flat = zeros(nx * nx, precision);
      addon.ms2dirty(p.uvw, p.freqs, vis, natural, flat, {
        nx,
        ny: nx,
        pixelL: pix,
        pixelM: pix,
        epsilon: 1e-5,
        wgridding: false,
      });
      expect(flat[y0 * nx + x0]! / info.sumWeights).toBeLessThan(0.8 * flux);
    },
  );

  it('degridding a one-pixel image reproduces the point-source predictor (DATA = S exp(+2 pi i ...))', () => {
    const p = dsa110Problem(300, 16, 10, 22, 0);
    const image = new Float64Array(nx * nx);
    image[y0 * nx + x0] = flux;
    const model = new Float64Array(2 * p.nrows * p.nchan);
    addon.dirty2ms(p.uvw, p.freqs, image, null, model, { nx, ny: nx, pixelL: pix, pixelM: pix, epsilon: 1e-7 });
    expect(relativeL2(model, pointVis(p, 'float64'))).toBeLessThan(1e-7);
  });
});

describe('flags, weights and threads', () => {
  const opts: GridderKernelOptions = { nx: 48, ny: 48, pixelL: 0.05 * DEG, pixelM: 0.05 * DEG, epsilon: 1e-6 };

  it('ignores visibilities of weight 0 and writes 0 there when degridding', () => {
    const p = dsa110Problem(150, 4, 10, 31, 0.3);
    const vis = randomArray(2 * p.nrows * p.nchan, 7, 'float64') as Float64Array;
    const a = new Float64Array(48 * 48);
    const infoA = addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, a, opts);
    const garbage = vis.slice();
    let nflag = 0;
    let sumw = 0;
    for (let k = 0; k < p.weights.length; k++) {
      if (p.weights[k] === 0) {
        garbage[2 * k] = 1e30;
        garbage[2 * k + 1] = Number.NaN;
        nflag++;
      } else sumw += p.weights[k]!;
    }
    const b = new Float64Array(48 * 48);
    addon.ms2dirty(p.uvw, p.freqs, garbage, p.weights, b, opts);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(infoA.nvis).toBe(p.weights.length - nflag);
    expect(infoA.sumWeights).toBeCloseTo(sumw, 3);

    const model = new Float64Array(2 * p.nrows * p.nchan).fill(7);
    addon.dirty2ms(p.uvw, p.freqs, randomArray(48 * 48, 8, 'float64'), p.weights, model, opts);
    for (let k = 0; k < p.weights.length; k++) {
      if (p.weights[k] === 0) expect([model[2 * k], model[2 * k + 1]]).toEqual([0, 0]);
    }
  });

  it('grids unit visibilities without reading vis (unitVisibilities) and adds to vis when degridding (accumulate)', () => {
    for (const precision of ['float32', 'float64'] as const) {
      const p = dsa110Problem(200, 6, 10, 33, 0.2);
      const n = p.nrows * p.nchan;
      const ones = zeros(2 * n, precision);
      for (let k = 0; k < n; k++) ones[2 * k] = 1;
      const psf = zeros(48 * 48, precision);
      addon.ms2dirty(p.uvw, p.freqs, ones, p.weights, psf, opts);
      // NaN everywhere: the unit path must not read it.
      const nan = zeros(2 * n, precision).fill(Number.NaN);
      const unit = zeros(48 * 48, precision);
      addon.ms2dirty(p.uvw, p.freqs, nan, p.weights, unit, { ...opts, unitVisibilities: true });
      expect(Array.from(unit)).toEqual(Array.from(psf));

      // vis0 + G(image) in place equals vis0 + a separate G(image), to rounding.
      const image = randomArray(48 * 48, 11, precision);
      const vis0 = randomArray(2 * n, 12, precision);
      const sep = zeros(2 * n, precision);
      addon.dirty2ms(p.uvw, p.freqs, image, null, sep, opts);
      const acc = vis0.slice();
      addon.dirty2ms(p.uvw, p.freqs, image, null, acc, { ...opts, accumulate: true });
      const tol = precision === 'float32' ? 1e-6 : 1e-14;
      let scale = 0;
      let worst = 0;
      for (let i = 0; i < 2 * n; i++) {
        scale = Math.max(scale, Math.abs(vis0[i]! + sep[i]!));
        worst = Math.max(worst, Math.abs(acc[i]! - (vis0[i]! + sep[i]!)));
      }
      expect(worst / scale, precision).toBeLessThan(tol);
    }
  });

  it('gives the same result on 1 and 3 threads (to rounding)', () => {
    const p = dsa110Problem(400, 8, 10, 32);
    const vis = randomArray(2 * p.nrows * p.nchan, 9, 'float64');
    const one = new Float64Array(48 * 48);
    const three = new Float64Array(48 * 48);
    addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, one, { ...opts, threads: 1 });
    addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, three, { ...opts, threads: 3 });
    expect(relativeL2(three, one)).toBeLessThan(1e-13);
    const image = randomArray(48 * 48, 10, 'float64');
    const m1 = new Float64Array(2 * p.nrows * p.nchan);
    const m3 = new Float64Array(2 * p.nrows * p.nchan);
    addon.dirty2ms(p.uvw, p.freqs, image, p.weights, m1, { ...opts, threads: 1 });
    addon.dirty2ms(p.uvw, p.freqs, image, p.weights, m3, { ...opts, threads: 3 });
    expect(Array.from(m3)).toEqual(Array.from(m1));
  });
});

describe('argument errors name the argument', () => {
  const uvw = new Float64Array(6);
  const freqs = Float64Array.from([1.4e9]);
  const vis = new Float32Array(4);
  const wgt = new Float32Array(2).fill(1);
  const base: GridderKernelOptions = { nx: 16, ny: 16, pixelL: 1e-3, pixelM: 1e-3 };

  it.each([
    ['uvw', () => addon.ms2dirty(new Float64Array(5), freqs, vis, wgt, new Float32Array(256), base), /'uvw'/],
    ['weights', () => addon.ms2dirty(uvw, freqs, vis, new Float32Array(3), new Float32Array(256), base), /'weights'/],
    ['dirty size', () => addon.ms2dirty(uvw, freqs, vis, wgt, new Float32Array(255), base), /'dirty'/],
    ['mixed types', () => addon.ms2dirty(uvw, freqs, vis, wgt, new Float64Array(256), base), /'vis' and 'dirty'/],
    ['vis size', () => addon.dirty2ms(uvw, freqs, new Float32Array(256), null, new Float32Array(3), base), /'vis'/],
    [
      'epsilon',
      () => addon.ms2dirty(uvw, freqs, vis, wgt, new Float32Array(256), { ...base, epsilon: 0.5 }),
      /epsilon/,
    ],
    [
      'float32 epsilon',
      () => addon.ms2dirty(uvw, freqs, vis, wgt, new Float32Array(256), { ...base, epsilon: 1e-8 }),
      /epsilon.*float32/,
    ],
    ['sigma', () => addon.ms2dirty(uvw, freqs, vis, wgt, new Float32Array(256), { ...base, sigma: 1.1 }), /sigma/],
    [
      'horizon',
      () => addon.ms2dirty(uvw, freqs, vis, wgt, new Float32Array(256), { ...base, pixelL: 0.2, pixelM: 0.2 }),
      /horizon/,
    ],
    ['threads', () => addon.ms2dirty(uvw, freqs, vis, wgt, new Float32Array(256), { ...base, threads: 0 }), /threads/],
  ] as const)('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('Gridder (TypeScript wrapper on the NativePool)', () => {
  const pool = new NativePool({ workers: 1 });
  afterAll(() => pool.close());

  it('makes a normalised dirty image and predicts visibilities on a worker', async () => {
    const g = new Gridder(pool, { nx: 64, ny: 64, pixelRad: 0.075 * DEG, epsilon: 1e-5, threads: 2 });
    const p = dsa110Problem(200, 4, 10, 41, 0);
    const [l, m] = g.pixelToLm(12, 50);
    expect(g.lmToPixel(l, m)).toEqual([12, 50]);
    expect(l).toBeCloseTo(20 * 0.075 * DEG, 12); // RA (l) grows to the left
    const point = sharedFloat64Array(2 * p.nrows * p.nchan);
    await pool.predictPoints(
      {
        uvw: p.uvw,
        freqs: p.freqs,
        lmn1: Float64Array.from([l, m, Math.sqrt(1 - l * l - m * m) - 1]),
        amp: new Float64Array(p.nchan).fill(1.5),
      },
      point,
    );
    const { image, info, normalized } = await g.dirty({
      uvw: p.uvw,
      freqs: p.freqs,
      vis: point,
      weights: p.weights.map(() => 1),
    });
    expect(normalized).toBe(true);
    expect(info.nvis).toBe(p.nrows * p.nchan);
    expect(image[50 * 64 + 12]).toBeCloseTo(1.5, 4);

    const model = new Float64Array(64 * 64);
    model[50 * 64 + 12] = 1.5;
    const { vis } = await g.predict({ uvw: p.uvw, freqs: p.freqs }, model);
    expect(relativeL2(vis, point)).toBeLessThan(1e-5);
    expect(g.wcs(150, 30)).toMatchObject({ crpix1: 33, crpix2: 33, crval2: 30, lonpole: 180 });
    expect(g.wcs(150, 30).cd[0]).toBeCloseTo(-0.075, 12);
    expect(g.wcs(150, 30).cd.slice(1, 3)).toEqual([0, 0]);
  });

  it('rejects bad options naming them', () => {
    expect(() => new Gridder(pool, { nx: 0, ny: 4, pixelRad: 1e-3 })).toThrow(/'nx'/);
    expect(() => new Gridder(pool, { nx: 4, ny: 4, pixelRad: -1 })).toThrow(/'pixelRad'/);
    expect(() => new Gridder(pool, { nx: 4, ny: 4, pixelRad: 1e-3, oversampling: 1 })).toThrow(/'oversampling'/);
  });
});
