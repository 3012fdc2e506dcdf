// The simulator's fused native pass (simulateVisibilities): the antenna-factorised sky against
// the double-precision direct predictor, the corruption algebra, and the noise's statistics and
// determinism (independent of threads and of how subbands are grouped into passes).
import { describe, expect, it } from 'vitest';
import { loadAddon, type SimVisKernelInput } from '../../src/main/engine/native/addon';
import { Rng } from '../../src/main/engine/sim/rng';

const addon = loadAddon();
const NPOL = 2;

/** A small array in the correlator's baseline order (autos included), uvw = uvw(a2) - uvw(a1). */
function problem(opts: { nant: number; ntimes: number; nchan: number; nsub: number; nsrc: number; seed?: number }) {
  const r = new Rng(opts.seed ?? 7, 'simvis-test');
  const { nant, ntimes, nchan, nsub, nsrc } = opts;
  const antUvw = Float64Array.from({ length: 3 * nant }, () => r.range(-1300, 1300));
  const a1: number[] = [];
  const a2: number[] = [];
  for (let j = 0; j < nant; j++) {
    for (let i = 0; i <= j; i++) {
      a1.push(i);
      a2.push(j);
    }
  }
  const nbl = a1.length;
  const uvw = new Float64Array(3 * nbl);
  for (let b = 0; b < nbl; b++)
    for (let k = 0; k < 3; k++) uvw[3 * b + k] = antUvw[3 * a2[b]! + k]! - antUvw[3 * a1[b]! + k]!;
  // Contiguous subbands of equally spaced, descending channels (DSA-110's 244 kHz x 6).
  const freqs = Float64Array.from({ length: nchan }, (_, c) => 1.4986e9 - 1464843.75 * c);
  const lmn1 = new Float64Array(3 * nsrc * ntimes);
  for (let s = 0; s < nsrc * ntimes; s++) {
    const l = r.range(-0.12, 0.12);
    const m = r.range(-0.12, 0.12);
    lmn1.set([l, m, Math.sqrt(1 - l * l - m * m) - 1], 3 * s);
  }
  const amp = Float64Array.from({ length: nsrc * ntimes * nchan }, () => r.range(0.002, 2));
  const input: SimVisKernelInput = {
    uvw,
    ant1: Int32Array.from(a1),
    ant2: Int32Array.from(a2),
    freqs,
    nsub,
    srcOffsets: Int32Array.from({ length: ntimes + 1 }, (_, t) => t * nsrc),
    lmn1,
    amp,
    gains: Float64Array.from({ length: ntimes * nant * NPOL * 2 }, (_, i) => (i % 2 === 0 ? 1 : 0)),
    bandpass: Float64Array.from({ length: nant * NPOL * nchan * 2 }, (_, i) => (i % 2 === 0 ? 1 : 0)),
    dead: new Uint8Array(nant),
    chanFlag: new Uint8Array(nchan),
    autoPower: new Float64Array(ntimes).fill(5800),
    sigma: 0,
    autoSigmaScale: 0,
    rfiAmp: null,
    rfiPhase: null,
    channelWidthHz: 0,
    noiseKeys: Int32Array.from({ length: nsub }, (_, j) => 1000 + j),
  };
  return { input, nbl, nant, ntimes, nchan };
}

function run(input: SimVisKernelInput, threads = 2): { vis: Float32Array; flags: Uint8Array; factorised: boolean } {
  const nbl = input.ant1.length;
  const ntimes = input.srcOffsets.length - 1;
  const samples = ntimes * nbl * input.freqs.length * NPOL;
  const vis = new Float32Array(2 * samples).fill(Number.NaN);
  const flags = new Uint8Array(samples).fill(7);
  const factorised = addon.simulateVisibilities(input, vis, flags, threads);
  return { vis, flags, factorised };
}

/** Index of (subband j, time t, baseline b, channel cc in the subband, pol p) in the flags layout. */
function at(p: ReturnType<typeof problem>, j: number, t: number, b: number, cc: number, pol: number): number {
  const nchs = p.nchan / p.input.nsub;
  return (((j * p.ntimes + t) * p.nbl + b) * nchs + cc) * NPOL + pol;
}

/** The direct double-precision sum of one integration (nbl x nchan complex). */
function direct(p: ReturnType<typeof problem>, t: number): Float64Array {
  const s0 = p.input.srcOffsets[t]!;
  const s1 = p.input.srcOffsets[t + 1]!;
  const out = new Float64Array(2 * p.nbl * p.nchan);
  addon.predictPoints(
    p.input.uvw,
    p.input.freqs,
    p.input.lmn1.slice(3 * s0, 3 * s1),
    p.input.amp.slice(s0 * p.nchan, s1 * p.nchan),
    out,
    0,
    2,
  );
  return out;
}

describe('simulateVisibilities: the sky', () => {
  it('matches the double-precision direct sum to 2e-7 of the summed flux (float32 phasors and sums)', () => {
    const p = problem({ nant: 20, ntimes: 3, nchan: 80, nsub: 2, nsrc: 150 });
    const got = run(p.input);
    expect(got.factorised).toBe(true);
    let worst = 0;
    let total = 0;
    for (let t = 0; t < p.ntimes; t++) {
      const ref = direct(p, t);
      const nchs = p.nchan / 2;
      for (let b = 0; b < p.nbl; b++) {
        if (p.input.ant1[b] === p.input.ant2[b]) continue;
        for (let c = 0; c < p.nchan; c++) {
          total = Math.max(total, Math.hypot(ref[2 * (b * p.nchan + c)]!, ref[2 * (b * p.nchan + c) + 1]!));
          for (let pol = 0; pol < NPOL; pol++) {
            const o = at(p, Math.floor(c / nchs), t, b, c % nchs, pol);
            worst = Math.max(
              worst,
              Math.abs(got.vis[2 * o]! - ref[2 * (b * p.nchan + c)]!),
              Math.abs(got.vis[2 * o + 1]! - ref[2 * (b * p.nchan + c) + 1]!),
            );
          }
        }
      }
    }
    // 150 sources of up to 2 Jy: float32 rounding (6e-8) of each term, partly cancelling over
    // the sum; measured 4e-8 of the summed flux.
    let fluxSum = 0;
    for (let s = 0; s < 150; s++) fluxSum += p.input.amp[s * p.nchan]!;
    expect(total).toBeGreaterThan(1);
    expect(worst / fluxSum).toBeLessThan(2e-7);
  });

  it('falls back to the direct sum for baselines that are not antenna differences, with the same result', () => {
    const p = problem({ nant: 8, ntimes: 2, nchan: 16, nsub: 1, nsrc: 20 });
    const fact = run(p.input);
    const uvw = p.input.uvw.slice();
    uvw[3 * 5] = uvw[3 * 5]! + 0.01; // one baseline 1 cm off: no antenna positions reproduce it
    const bent = run({ ...p.input, uvw });
    expect(fact.factorised).toBe(true);
    expect(bent.factorised).toBe(false);
    let worst = 0;
    for (let i = 0; i < fact.vis.length; i++) {
      const b = Math.floor(i / (2 * p.nchan * NPOL)) % p.nbl;
      if (b !== 5) worst = Math.max(worst, Math.abs(fact.vis[i]! - bent.vis[i]!));
    }
    // Both float32 outputs of a ~20 Jy sum: a few ulps apart (measured 1e-6).
    expect(worst).toBeLessThan(1e-5);
  });
});

describe('simulateVisibilities: corruptions and flags', () => {
  it('applies J_a (V + 0) conj(J_b), zeroes dead antennas and flags correlator-flagged channels', () => {
    const p = problem({ nant: 6, ntimes: 2, nchan: 8, nsub: 2, nsrc: 5 });
    const r = new Rng(3, 'jones');
    const gains = Float64Array.from(p.input.gains, () => r.range(-1.2, 1.2));
    const bandpass = Float64Array.from(p.input.bandpass, () => r.range(-1.1, 1.1));
    const dead = Uint8Array.of(0, 0, 1, 0, 0, 0);
    const chanFlag = Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 0);
    const clean = run(p.input);
    const got = run({ ...p.input, gains, bandpass, dead, chanFlag });
    const nchs = 4;
    for (let t = 0; t < p.ntimes; t++) {
      for (let b = 0; b < p.nbl; b++) {
        const a1 = p.input.ant1[b]!;
        const a2 = p.input.ant2[b]!;
        for (let c = 0; c < p.nchan; c++) {
          for (let pol = 0; pol < NPOL; pol++) {
            const o = at(p, Math.floor(c / nchs), t, b, c % nchs, pol);
            if (c === 3) {
              expect([got.flags[o], got.vis[2 * o], got.vis[2 * o + 1]]).toEqual([1, 0, 0]);
              continue;
            }
            expect(got.flags[o]).toBe(0);
            const J = (a: number): [number, number] => {
              const g = 2 * ((t * p.nant + a) * NPOL + pol);
              const k = 2 * ((a * NPOL + pol) * p.nchan + c);
              return [
                gains[g]! * bandpass[k]! - gains[g + 1]! * bandpass[k + 1]!,
                gains[g]! * bandpass[k + 1]! + gains[g + 1]! * bandpass[k]!,
              ];
            };
            const [j1r, j1i] = J(a1);
            const [j2r, j2i] = J(a2);
            const jr = j1r * j2r + j1i * j2i;
            const ji = j1i * j2r - j1r * j2i;
            const v: [number, number] =
              a1 === a2 ? [5800, 0] : dead[a1] || dead[a2] ? [0, 0] : [clean.vis[2 * o]!, clean.vis[2 * o + 1]!];
            const tol = 1e-6 * Math.max(1, Math.hypot(...v)) * Math.max(1, Math.hypot(jr, ji));
            expect(Math.abs(got.vis[2 * o]! - (v[0] * jr - v[1] * ji))).toBeLessThan(tol);
            expect(Math.abs(got.vis[2 * o + 1]! - (v[0] * ji + v[1] * jr))).toBeLessThan(tol);
          }
        }
      }
    }
  });
});

describe('simulateVisibilities: noise', () => {
  const p = problem({ nant: 24, ntimes: 4, nchan: 16, nsub: 2, nsrc: 0 });
  const sigma = 0.9;
  const autoScale = 1 / Math.sqrt(1464843.75 * 12.884901888);
  const noisy = { ...p.input, sigma, autoSigmaScale: autoScale };

  it('has the stated rms on cross-correlations (re and im, each pol) and on autocorrelations, zero mean, no correlation', () => {
    const { vis } = run(noisy);
    let n = 0;
    let sr = 0;
    let si = 0;
    let srr = 0;
    let sii = 0;
    let sri = 0;
    let sxy = 0;
    let na = 0;
    let saa = 0;
    for (let j = 0; j < 2; j++) {
      for (let t = 0; t < p.ntimes; t++) {
        for (let b = 0; b < p.nbl; b++) {
          for (let cc = 0; cc < 8; cc++) {
            const ox = at(p, j, t, b, cc, 0);
            const oy = at(p, j, t, b, cc, 1);
            if (p.input.ant1[b] === p.input.ant2[b]) {
              saa += (vis[2 * ox]! - 5800) ** 2 + (vis[2 * oy]! - 5800) ** 2;
              na += 2;
              expect(vis[2 * ox + 1]).toBe(0);
              continue;
            }
            for (const o of [ox, oy]) {
              const re = vis[2 * o]!;
              const im = vis[2 * o + 1]!;
              sr += re;
              si += im;
              srr += re * re;
              sii += im * im;
              sri += re * im;
              n++;
            }
            sxy += vis[2 * ox]! * vis[2 * oy]!;
          }
        }
      }
    }
    // n ~ 35k samples per part: the variance's standard error is sqrt(2/n) ~ 0.8 %; 5 sigma bounds.
    const tolVar = 5 * Math.sqrt(2 / n);
    expect(Math.abs(srr / n / sigma ** 2 - 1)).toBeLessThan(tolVar);
    expect(Math.abs(sii / n / sigma ** 2 - 1)).toBeLessThan(tolVar);
    expect(Math.abs(sr / n) / sigma).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(si / n) / sigma).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sri / n) / sigma ** 2).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sxy / (n / 2)) / sigma ** 2).toBeLessThan(5 / Math.sqrt(n / 2));
    // Autocorrelations: rms = power / sqrt(dnu tau); na = 3072 values but 1536 independent (both
    // pols share the deviate), so the rms's standard error is 1 / sqrt(2 x 1536); 5 sigma.
    const autoSigma = 5800 * autoScale;
    expect(Math.abs(Math.sqrt(saa / na) / autoSigma - 1)).toBeLessThan(5 / Math.sqrt(na));
  });

  it('is Gaussian: tail fractions beyond 1, 2, 3 and 4 sigma and the kurtosis (800k deviates, 5 standard errors)', () => {
    const q = problem({ nant: 40, ntimes: 8, nchan: 32, nsub: 1, nsrc: 0, seed: 9 });
    const { vis } = run({ ...q.input, sigma: 1, autoSigmaScale: 0 });
    const xs: number[] = [];
    for (let t = 0; t < q.ntimes; t++) {
      for (let b = 0; b < q.nbl; b++) {
        if (q.input.ant1[b] === q.input.ant2[b]) continue;
        for (let c = 0; c < q.nchan; c++)
          for (let pol = 0; pol < NPOL; pol++)
            xs.push(vis[2 * at(q, 0, t, b, c, pol)]!, vis[2 * at(q, 0, t, b, c, pol) + 1]!);
      }
    }
    const n = xs.length;
    expect(n).toBeGreaterThan(790_000);
    // Two-sided normal tail probabilities P(|x| > k) for k = 1..4 (4 reaches past the ziggurat's tail at 3.65).
    const tails: [number, number][] = [
      [1, 0.31731050786291415],
      [2, 0.04550026389635842],
      [3, 0.0026997960632601866],
      [4, 6.334248366623996e-5],
    ];
    for (const [k, p] of tails) {
      const frac = xs.filter((x) => Math.abs(x) > k).length / n;
      expect(Math.abs(frac - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
    const m4 = xs.reduce((s, x) => s + x ** 4, 0) / n;
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
  });

  it('is identical for any thread count, and for one pass of two subbands or two passes of one', () => {
    const one = run(noisy, 1);
    const three = run(noisy, 3);
    expect(Buffer.from(three.vis.buffer).equals(Buffer.from(one.vis.buffer))).toBe(true);
    const half = (j: number) =>
      run({
        ...noisy,
        nsub: 1,
        freqs: noisy.freqs.slice(8 * j, 8 * j + 8),
        chanFlag: noisy.chanFlag.slice(8 * j, 8 * j + 8),
        bandpass: new Float64Array(p.nant * NPOL * 8 * 2).map((_, i) => (i % 2 === 0 ? 1 : 0)),
        noiseKeys: noisy.noiseKeys.slice(j, j + 1),
      });
    const joined = new Float32Array([...half(0).vis, ...half(1).vis]);
    expect(Buffer.from(joined.buffer).equals(Buffer.from(one.vis.buffer))).toBe(true);
    const other = run({ ...noisy, noiseKeys: Int32Array.of(5, 6) }, 2);
    expect(Buffer.from(other.vis.buffer).equals(Buffer.from(one.vis.buffer))).toBe(false);
  });

  it('rejects inputs of the wrong size, naming the field', () => {
    expect(() => run({ ...noisy, autoPower: new Float64Array(3) })).toThrow(/autoPower has 3 elements but ntimes = 4/);
    expect(() => run({ ...noisy, nsub: 3 })).toThrow(/nsub = 3/);
  });
});
