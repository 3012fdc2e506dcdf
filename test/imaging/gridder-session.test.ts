// Gridder sessions (plan, buckets and plane memory kept between calls), selectOnly degridding
// and the fused major-cycle pass (ms2residual): the results are those of independent calls,
// stale state is never used when the data changes, sessions are released and capped.
import { afterAll, describe, expect, it } from 'vitest';
import { loadAddon, type GridderKernelOptions } from '../../src/main/engine/native/addon';
import { NativePool, sharedOf } from '../../src/main/engine/native/pool';
import { Gridder } from '../../src/main/engine/imaging/gridder';
import { activeStations, simArray } from '../../src/main/engine/sim/array';
import { Rng } from '../../src/main/engine/sim/rng';
import { uvwFromHourAngle } from '../../src/shared/astro';
import { ARRAY_CENTRE } from '../../src/shared/instrument';

const DEG = Math.PI / 180;
const addon = loadAddon();
const NX = 64;
// One thread: the kernel's sums are then in a fixed order and sessions must match bit for bit.
const OPTS: GridderKernelOptions = {
  nx: NX,
  ny: NX,
  pixelL: 0.05 * DEG,
  pixelM: 0.05 * DEG,
  epsilon: 1e-4,
  threads: 1,
};

/** DSA-110 baselines at a few hour angles, dec 10 deg (large w), 10 % of the weights 0. */
function problem(nrows: number, nchan: number, seed: number) {
  const rng = new Rng(seed, 'gridder-session');
  const arr = simArray(activeStations(96));
  const uvw = new Float64Array(3 * nrows);
  for (let r = 0; r < nrows; r++) {
    let b = 0;
    do b = Math.floor(rng.range(0, arr.ant1.length));
    while (arr.ant1[b] === arr.ant2[b]);
    uvw.set(
      uvwFromHourAngle(
        arr.baselinesEcef.subarray(3 * b, 3 * b + 3),
        rng.range(-2, 2) * DEG,
        10 * DEG,
        ARRAY_CENTRE.longitudeDeg,
      ),
      3 * r,
    );
  }
  const freqs = Float64Array.from({ length: nchan }, (_, c) => 1.4986e9 - (c * 0.1875e9) / (nchan - 1));
  const weights = Float32Array.from({ length: nrows * nchan }, () => (rng.range(0, 1) < 0.1 ? 0 : rng.range(0.5, 2)));
  const vis = Float32Array.from({ length: 2 * nrows * nchan }, () => rng.range(-1, 1));
  const image = Float32Array.from({ length: NX * NX }, () => (rng.range(0, 1) < 0.02 ? rng.range(-1, 1) : 0));
  return { uvw, freqs, weights, vis, image, n: nrows * nchan };
}

let nextId = 900_000 + Math.floor(Math.random() * 1000) * 8;

describe('gridder sessions', () => {
  it('give bit-identical images, PSFs and predictions to independent calls, in any order of directions', () => {
    const p = problem(300, 8, 1);
    const session = nextId++;
    const fresh = { dirty: new Float32Array(NX * NX), psf: new Float32Array(NX * NX), pred: new Float32Array(2 * p.n) };
    const infoFresh = addon.ms2dirty(p.uvw, p.freqs, p.vis, p.weights, fresh.dirty, OPTS);
    addon.ms2dirty(p.uvw, p.freqs, p.vis, p.weights, fresh.psf, { ...OPTS, unitVisibilities: true });
    fresh.pred.set(p.vis);
    addon.dirty2ms(p.uvw, p.freqs, p.image, p.weights, fresh.pred, { ...OPTS, accumulate: true, selectOnly: true });
    for (let round = 0; round < 2; round++) {
      const psf = new Float32Array(NX * NX);
      addon.ms2dirty(p.uvw, p.freqs, p.vis, p.weights, psf, { ...OPTS, unitVisibilities: true, session });
      const pred = p.vis.slice();
      addon.dirty2ms(p.uvw, p.freqs, p.image, p.weights, pred, {
        ...OPTS,
        accumulate: true,
        selectOnly: true,
        session,
      });
      const dirty = new Float32Array(NX * NX);
      const info = addon.ms2dirty(p.uvw, p.freqs, p.vis, p.weights, dirty, { ...OPTS, session });
      expect(Array.from(psf), `round ${round}: PSF`).toEqual(Array.from(fresh.psf));
      expect(Array.from(pred), `round ${round}: prediction`).toEqual(Array.from(fresh.pred));
      expect(Array.from(dirty), `round ${round}: dirty image`).toEqual(Array.from(fresh.dirty));
      expect(info).toEqual(infoFresh);
    }
    expect(addon.gridderRelease(session)).toBe(true);
    expect(addon.gridderRelease(session)).toBe(false);
  });

  it('start afresh when the data or the grid change under the same id', () => {
    const a = problem(300, 8, 2);
    const b = problem(250, 8, 3);
    const session = nextId++;
    const run = (p: typeof a, o: GridderKernelOptions) => {
      const out = new Float32Array(o.nx * o.ny);
      addon.ms2dirty(p.uvw, p.freqs, p.vis, p.weights, out, o);
      return Array.from(out);
    };
    run(a, { ...OPTS, session });
    // Other arrays, other image size, then weights flagged in place (other count and sum).
    expect(run(b, { ...OPTS, session })).toEqual(run(b, OPTS));
    expect(run(a, { ...OPTS, nx: 48, ny: 40, session })).toEqual(run(a, { ...OPTS, nx: 48, ny: 40 }));
    run(a, { ...OPTS, session });
    for (let k = 0; k < a.n; k += 3) a.weights[k] = 0;
    expect(run(a, { ...OPTS, session })).toEqual(run(a, OPTS));
    // Degridding without weights scans every visibility: another plan, so no stale buckets.
    const all = new Float32Array(2 * a.n);
    addon.dirty2ms(a.uvw, a.freqs, a.image, null, all, { ...OPTS, session });
    const ref = new Float32Array(2 * a.n);
    addon.dirty2ms(a.uvw, a.freqs, a.image, null, ref, OPTS);
    expect(Array.from(all)).toEqual(Array.from(ref));
    addon.gridderRelease(session);
  });

  it('selectOnly adds the unweighted prediction where the weight is nonzero and leaves the rest', () => {
    const p = problem(200, 6, 4);
    const plain = new Float32Array(2 * p.n);
    addon.dirty2ms(p.uvw, p.freqs, p.image, null, plain, OPTS);
    const sel = new Float32Array(2 * p.n).fill(3);
    addon.dirty2ms(p.uvw, p.freqs, p.image, p.weights, sel, { ...OPTS, selectOnly: true, accumulate: true });
    let predicted = 0;
    let worst = 0;
    let scale = 0;
    for (let k = 0; k < p.n; k++) {
      if (p.weights[k] === 0) {
        expect([sel[2 * k], sel[2 * k + 1]]).toEqual([3, 3]);
        continue;
      }
      predicted++;
      // The bucketing differs (flagged visibilities are not visited), the sums per visibility do not.
      for (const i of [2 * k, 2 * k + 1]) {
        worst = Math.max(worst, Math.abs(sel[i]! - 3 - plain[i]!));
        scale = Math.max(scale, Math.abs(plain[i]!));
      }
    }
    expect(predicted).toBeGreaterThan(0.8 * p.n);
    // float32 rounding of 3 + prediction (values of order 1-10).
    expect(worst / scale).toBeLessThan(3e-6);
  });

  it(`keeps at most 4 sessions, evicting the least recently used`, () => {
    const p = problem(60, 4, 5);
    const ids = [nextId++, nextId++, nextId++, nextId++, nextId++];
    for (const session of ids)
      addon.ms2dirty(p.uvw, p.freqs, p.vis, p.weights, new Float32Array(NX * NX), { ...OPTS, session });
    expect(ids.map((id) => addon.gridderRelease(id))).toEqual([false, true, true, true, true]);
  });
});

describe('ms2residual (prediction and gridding at one visit)', () => {
  for (const precision of ['float32', 'float64'] as const) {
    it(`${precision}: bit for bit dirty2ms (selectOnly, accumulate) then ms2dirty, with and without a session`, () => {
      const p = problem(400, 8, 7);
      const conv = <T extends Float32Array | Float64Array>(a: Float32Array): T =>
        (precision === 'float32' ? a.slice() : Float64Array.from(a)) as T;
      const image = conv(p.image);
      // The budget for fewer than W planes: the two-pass fallback (planes in groups, whose sums
      // come in another order than the ring's: compared with the two passes on that budget).
      const extras: Partial<GridderKernelOptions>[] = [
        {},
        { session: nextId++ },
        { maxGridBytes: 3 * 2 * 64 * 64 * (precision === 'float32' ? 4 : 8) },
      ];
      for (const extra of extras) {
        const visA = conv(p.vis);
        const dirtyA = precision === 'float32' ? new Float32Array(NX * NX) : new Float64Array(NX * NX);
        const budget = { ...OPTS, maxGridBytes: extra.maxGridBytes ?? 0 };
        addon.dirty2ms(p.uvw, p.freqs, image, p.weights, visA, { ...budget, selectOnly: true, accumulate: true });
        const infoA = addon.ms2dirty(p.uvw, p.freqs, visA, p.weights, dirtyA, budget);
        const visB = conv(p.vis);
        const dirtyB = precision === 'float32' ? new Float32Array(NX * NX) : new Float64Array(NX * NX);
        const infoB = addon.ms2residual(p.uvw, p.freqs, image, p.weights, visB, dirtyB, { ...OPTS, ...extra });
        expect(Array.from(visB), JSON.stringify(extra)).toEqual(Array.from(visA));
        expect(Array.from(dirtyB), JSON.stringify(extra)).toEqual(Array.from(dirtyA));
        expect(infoB.nvis).toBe(infoA.nvis);
        if (extra.session !== undefined) expect(addon.gridderRelease(extra.session)).toBe(true);
        if (extra.maxGridBytes !== undefined) expect(infoB.slots).toBeLessThan(infoB.support);
      }
    });
  }

  it('on 2 threads agrees with the two passes to rounding', () => {
    const p = problem(600, 16, 8);
    const visA = p.vis.slice();
    const dirtyA = new Float32Array(NX * NX);
    addon.dirty2ms(p.uvw, p.freqs, p.image, p.weights, visA, {
      ...OPTS,
      threads: 2,
      selectOnly: true,
      accumulate: true,
    });
    addon.ms2dirty(p.uvw, p.freqs, visA, p.weights, dirtyA, { ...OPTS, threads: 2 });
    const visB = p.vis.slice();
    const dirtyB = new Float32Array(NX * NX);
    addon.ms2residual(p.uvw, p.freqs, p.image, p.weights, visB, dirtyB, { ...OPTS, threads: 2 });
    // The prediction of each visibility is one thread's sum: identical; the image's sums over
    // visibilities come in a thread-dependent order: float32 rounding of sums of ~1e4 terms.
    expect(Array.from(visB)).toEqual(Array.from(visA));
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < dirtyA.length; i++) {
      worst = Math.max(worst, Math.abs(dirtyB[i]! - dirtyA[i]!));
      scale = Math.max(scale, Math.abs(dirtyA[i]!));
    }
    expect(worst / scale).toBeLessThan(1e-5);
  });
});

describe('ms2dirty with psf (dirty image and PSF at one visit)', () => {
  for (const precision of ['float32', 'float64'] as const) {
    it(`${precision}: bit for bit ms2dirty and ms2dirty with unitVisibilities, with and without a session, in a ring or in groups`, () => {
      const p = problem(400, 8, 9);
      const vis = precision === 'float32' ? p.vis : Float64Array.from(p.vis);
      const make = () => (precision === 'float32' ? new Float32Array(NX * NX) : new Float64Array(NX * NX));
      const extras: Partial<GridderKernelOptions>[] = [
        {},
        { session: nextId++ },
        { maxGridBytes: 3 * 2 * 64 * 64 * (precision === 'float32' ? 4 : 8) },
      ];
      for (const extra of extras) {
        const o = { ...OPTS, maxGridBytes: extra.maxGridBytes ?? 0 };
        const dirtyA = make();
        const psfA = make();
        const infoA = addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, dirtyA, o);
        addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, psfA, { ...o, unitVisibilities: true });
        const dirtyB = make();
        const psfB = make();
        const infoB = addon.ms2dirty(p.uvw, p.freqs, vis, p.weights, dirtyB, { ...o, ...extra }, psfB);
        expect(Array.from(dirtyB), JSON.stringify(extra)).toEqual(Array.from(dirtyA));
        expect(Array.from(psfB), JSON.stringify(extra)).toEqual(Array.from(psfA));
        expect(infoB).toEqual(infoA);
        if (extra.session !== undefined) addon.gridderRelease(extra.session);
      }
    });
  }

  it('rejects a PSF of another type or combined with unitVisibilities', () => {
    const p = problem(50, 4, 10);
    expect(() =>
      addon.ms2dirty(p.uvw, p.freqs, p.vis, p.weights, new Float32Array(NX * NX), OPTS, new Float64Array(NX * NX)),
    ).toThrow(/psf/);
    expect(() =>
      addon.ms2dirty(
        p.uvw,
        p.freqs,
        p.vis,
        p.weights,
        new Float32Array(NX * NX),
        { ...OPTS, unitVisibilities: true },
        new Float32Array(NX * NX),
      ),
    ).toThrow(/unitVisibilities/);
  });
});

describe('Gridder with keepSession', () => {
  const pool = new NativePool({ workers: 1 });
  afterAll(() => pool.close());

  it('gives the results of a gridder without one, and releases it', async () => {
    const p = problem(300, 8, 6);
    const shared = <T extends Float32Array | Float64Array>(a: T): T => {
      const s = (a instanceof Float32Array ? sharedOf(Float32Array, a.length) : sharedOf(Float64Array, a.length)) as T;
      s.set(a);
      return s;
    };
    const data = { uvw: shared(p.uvw), freqs: shared(p.freqs), vis: shared(p.vis), weights: shared(p.weights) };
    const opts = { nx: NX, ny: NX, pixelRad: 0.05 * DEG, epsilon: 1e-4, threads: 1 };
    const kept = new Gridder(pool, { ...opts, keepSession: true });
    const plain = new Gridder(pool, opts);
    for (const g of [kept, plain]) expect(g.kernelOptions().session !== undefined).toBe(g === kept);
    const a = await kept.dirty(data, { unitVisibilities: true });
    const b = await plain.dirty(data, { unitVisibilities: true });
    expect(Array.from(a.image)).toEqual(Array.from(b.image));
    const both = await kept.dirtyAndPsf(data);
    expect(Array.from(both.psf.image)).toEqual(Array.from(b.image));
    expect(Array.from(both.dirty.image)).toEqual(Array.from((await plain.dirty(data)).image));
    const va = shared(p.vis);
    const vb = shared(p.vis);
    await kept.predict(data, shared(p.image), va, { accumulate: true, selectOnly: true });
    await plain.predict(data, shared(p.image), vb, { accumulate: true, selectOnly: true });
    expect(Array.from(va)).toEqual(Array.from(vb));
    await expect(kept.predict({ uvw: data.uvw, freqs: data.freqs }, p.image, va, { selectOnly: true })).rejects.toThrow(
      /selectOnly needs the weights/,
    );
    // The fused major cycle: the same residual visibilities and image as predict + dirty.
    const image = shared(p.image);
    const into = sharedOf(Float32Array, NX * NX);
    const ra = await kept.residual({ ...data, vis: va }, image, { into });
    expect(ra.image).toBe(into);
    await plain.predict(data, image, vb, { accumulate: true, selectOnly: true });
    const rb = await plain.dirty({ ...data, vis: vb });
    expect(Array.from(va)).toEqual(Array.from(vb));
    expect(Array.from(ra.image)).toEqual(Array.from(rb.image));
    expect(ra.normalized).toBe(true);
    expect(kept.stats.residualCalls).toBe(1);
    const id = kept.kernelOptions().session!;
    await kept.release();
    expect(kept.kernelOptions().session).toBeUndefined();
    expect(await pool.gridderRelease(id)).toBe(false);
  });
});
