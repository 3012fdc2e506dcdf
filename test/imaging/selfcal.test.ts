// Sky-model calibration (imaging/selfcal.ts): StefCal on channel sums recovers known antenna
// gains from V = g_a conj(g_b) M (up to a common phase), and the whole solve-and-apply on
// visibilities of a catalog sky corrupted by per-integration phases and per-antenna amplitudes
// returns the uncorrupted visibilities with the amplitudes' geometric mean kept.
import { afterAll, describe, expect, it } from 'vitest';
import { apparentSpectra, lmn } from '../../src/main/engine/imaging/outfield';
import { skyModelCalibrate, stefcal } from '../../src/main/engine/imaging/selfcal';
import type { ImagingVisibilities } from '../../src/main/engine/imaging/visibilities';
import { NativePool, sharedOf } from '../../src/main/engine/native/pool';
import { Rng } from '../../src/main/engine/sim/rng';

describe('sky-model calibration', () => {
  const pool = new NativePool({ workers: 1 });
  afterAll(() => pool.close());

  it('StefCal recovers gains from baseline sums', () => {
    const rng = new Rng(1, 'stefcal');
    const nant = 12;
    const g = Array.from({ length: nant }, () => ({ a: 1 + 0.1 * rng.normal(), p: 0.5 * rng.normal() }));
    const X = new Float64Array(2 * nant * nant);
    const Y = new Float64Array(nant * nant);
    for (let a = 0; a < nant; a++) {
      for (let b = 0; b < nant; b++) {
        if (a === b) continue;
        const m2 = 2 + rng.uniform();
        // X = V conj(M) = g_a conj(g_b) |M|^2
        const amp = g[a]!.a * g[b]!.a * m2;
        const ph = g[a]!.p - g[b]!.p;
        X[2 * (a * nant + b)] = amp * Math.cos(ph);
        X[2 * (a * nant + b) + 1] = amp * Math.sin(ph);
        Y[a * nant + b] = m2;
      }
    }
    const sol = new Float64Array(2 * nant);
    for (let a = 0; a < nant; a++) sol[2 * a] = 1;
    stefcal(nant, X, Y, sol);
    const ref = Math.atan2(sol[1]!, sol[0]!) - g[0]!.p;
    for (let a = 0; a < nant; a++) {
      expect(Math.hypot(sol[2 * a]!, sol[2 * a + 1]!)).toBeCloseTo(g[a]!.a, 6);
      const d = Math.atan2(sol[2 * a + 1]!, sol[2 * a]!) - ref - g[a]!.p;
      expect(Math.abs(Math.atan2(Math.sin(d), Math.cos(d)))).toBeLessThan(1e-6);
    }
  });

  it('solves and applies: corrupted catalog-sky visibilities come back to the model', async () => {
    const rng = new Rng(2, 'selfcal');
    const nant = 16;
    const ntimes = 6;
    const nchan = 8;
    const centre = { raDeg: 128.7, decDeg: 55.57 };
    const catalog = Array.from({ length: 30 }, (_, i) => ({ name: `S${i}`, raDeg: centre.raDeg + 2 * rng.normal(), decDeg: centre.decDeg + 1.2 * rng.normal(), fluxJy: 0.05 + rng.uniform() }));
    const rows: { a: number; b: number; t: number }[] = [];
    for (let t = 0; t < ntimes; t++) for (let a = 0; a < nant; a++) for (let b = a + 1; b < nant; b++) rows.push({ a, b, t });
    const nrows = rows.length;
    const pos = Array.from({ length: nant }, () => [1200 * rng.normal(), 1200 * rng.normal(), 10 * rng.normal()]);
    const freqs = sharedOf(Float64Array, nchan);
    for (let c = 0; c < nchan; c++) freqs[c] = 1.31e9 + c * 25e6;
    const uvw = sharedOf(Float64Array, 3 * nrows);
    rows.forEach((r, i) => { for (let k = 0; k < 3; k++) uvw[3 * i + k] = pos[r.b]![k]! - pos[r.a]![k]!; });
    const timesS = Array.from({ length: ntimes }, (_, t) => 5e9 + 12.884901888 * t);
    const data: ImagingVisibilities = {
      uvw, freqs, vis: sharedOf(Float32Array, 2 * nrows * nchan), weights: sharedOf(Float32Array, nrows * nchan).fill(1), nrows, nchan, phaseCentre: centre, timesS,
      rowTime: Int32Array.from(rows, (r) => r.t), ant1: Int32Array.from(rows, (r) => r.a), ant2: Int32Array.from(rows, (r) => r.b),
      intervalS: 12.884901888, telescope: 'DSA-110', widthsHz: new Float64Array(nchan).fill(1e6), usedFraction: 1, column: 'DATA',
    };
    // The model visibilities (the same sky the solve will model), brute force per visibility.
    const o = { beamModel: 'airy', catalogFreqHz: 1.4e9, spectralIndex: -0.7, nx: 0, ny: 0, cellRad: 0, minApparentJy: 0, radiusNulls: 0 };
    const d2r = Math.PI / 180;
    const src = catalog.map((s) => { const [l, m, n] = lmn(s.raDeg * d2r, s.decDeg * d2r, centre.raDeg * d2r, centre.decDeg * d2r); return { ...s, l, m, n1: n - 1, apparentJy: 0, offsetDeg: 0 }; });
    const spectra = apparentSpectra(src, data, o);
    const model = new Float64Array(2 * nrows * nchan);
    rows.forEach((r, i) => {
      for (let c = 0; c < nchan; c++) {
        let re = 0;
        let im = 0;
        src.forEach((s, k) => {
          const ph = (2 * Math.PI * freqs[c]! * (uvw[3 * i]! * s.l + uvw[3 * i + 1]! * s.m + uvw[3 * i + 2]! * s.n1)) / 299792458;
          re += spectra[r.t]![k * nchan + c]! * Math.cos(ph);
          im += spectra[r.t]![k * nchan + c]! * Math.sin(ph);
        });
        model[2 * (i * nchan + c)] = re;
        model[2 * (i * nchan + c) + 1] = im;
      }
    });
    // Corruption: per-antenna amplitude (geometric mean 1) and phase drifting per integration.
    const amp = Array.from({ length: nant }, () => Math.exp(0.05 * rng.normal()));
    const gm = Math.exp(amp.reduce((s, x) => s + Math.log(x), 0) / nant);
    const phase = Array.from({ length: ntimes }, () => Array.from({ length: nant }, () => 0.3 * rng.normal()));
    rows.forEach((r, i) => {
      const ga = amp[r.a]! / gm;
      const gb = amp[r.b]! / gm;
      const ph = phase[r.t]![r.a]! - phase[r.t]![r.b]!;
      for (let c = 0; c < nchan; c++) {
        const k = i * nchan + c;
        const mr = model[2 * k]!;
        const mi = model[2 * k + 1]!;
        data.vis[2 * k] = ga * gb * (mr * Math.cos(ph) - mi * Math.sin(ph));
        data.vis[2 * k + 1] = ga * gb * (mr * Math.sin(ph) + mi * Math.cos(ph));
      }
    });
    const r = await skyModelCalibrate(pool, data, catalog, { ...o, minApparentJy: 0, amplitude: true, channelStep: 2 });
    expect(r.modelSources).toBe(30);
    expect(r.solvedIntervals).toBe(ntimes);
    let err = 0;
    let tot = 0;
    for (let k = 0; k < model.length; k++) { err += (data.vis[k]! - model[k]!) ** 2; tot += model[k]! ** 2; }
    expect(Math.sqrt(err / tot)).toBeLessThan(1e-4);
    // The phase drift between integrations was 0.3 rad rms per antenna.
    expect(r.phaseRmsDeg).toBeGreaterThan(10);
  });
});
