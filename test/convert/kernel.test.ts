// The native conversion loop (native/src/convert) against the JS loop: the same bytes for every
// combination the data hold (channel order, conjugation, autocorrelations, flags, zero and
// negative nsamples, npol 1-4), so an MS is identical whichever loop wrote it.
import { describe, expect, it } from 'vitest';
import { convertIntegration, convertIntegrationJs } from '../../src/main/engine/convert';
import type { KernelInput, KernelOutput } from '../../src/main/engine/convert';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function case_(npol: number, reverse: boolean, seed: number): { inp: KernelInput; make: () => KernelOutput } {
  const r = rng(seed);
  const nbl = 37;
  const nchan = 13;
  const per = nchan * npol;
  const ntimes = 3;
  const rows = nbl * ntimes;
  const vis = Float32Array.from({ length: 2 * rows * per }, () => (r() - 0.5) * 200);
  const flags = Uint8Array.from({ length: rows * per }, () => (r() < 0.05 ? 1 : 0));
  const nsamples = Float32Array.from({ length: rows * per }, () => {
    const u = r();
    return u < 0.03 ? 0 : u < 0.05 ? -1 : 0.5 + u;
  });
  // A different baseline order in every integration, as fileRowMap builds it.
  const perm = new Int32Array(rows);
  for (let t = 0; t < ntimes; t++) {
    const p = Array.from({ length: nbl }, (_, i) => i).sort(() => r() - 0.5);
    perm.set(p, t * nbl);
  }
  const conj = Uint8Array.from({ length: rows }, () => (r() < 0.4 ? 1 : 0));
  const auto = Uint8Array.from({ length: nbl }, (_, b) => (b % 9 === 0 ? 1 : 0));
  const dw = Float64Array.from({ length: nbl }, () => (r() - 0.5) * 3000);
  const freqsHz = Float64Array.from({ length: nchan }, (_, k) => 1.311e9 + k * 244140.625);
  const weightScale = Float64Array.from({ length: nchan }, () => 2 * 244140.625 * 12.884901888);
  const inp: KernelInput = {
    vis,
    flags,
    nsamples,
    rowOffset: nbl,
    perm,
    conj,
    permOffset: nbl,
    auto,
    dw,
    freqsHz,
    reverse,
    nchan,
    npol,
    weightScale,
  };
  const make = (): KernelOutput => ({
    data: new Float32Array(2 * nbl * per).fill(NaN),
    flag: new Uint8Array(nbl * per).fill(7),
    weightSpectrum: new Float32Array(nbl * per).fill(NaN),
    weight: new Float32Array(nbl * npol).fill(NaN),
    sigma: new Float32Array(nbl * npol).fill(NaN),
    flagRow: new Uint8Array(nbl).fill(7),
  });
  return { inp, make };
}

const bytes = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('native conversion loop', () => {
  it('writes exactly the bytes of the JS loop for npol 1-4, both channel orders', () => {
    for (const npol of [1, 2, 4]) {
      for (const reverse of [false, true]) {
        const { inp, make } = case_(npol, reverse, 11 * npol + (reverse ? 1 : 0));
        const a = make();
        const b = make();
        const na = convertIntegration(inp, a);
        const nb = convertIntegrationJs(inp, b);
        expect(na, `flagged count npol ${npol} reverse ${reverse}`).toBe(nb);
        expect(na).toBeGreaterThan(0);
        for (const k of ['data', 'flag', 'weightSpectrum', 'weight', 'sigma', 'flagRow'] as const) {
          expect(bytes(a[k]).equals(bytes(b[k])), `${k} npol ${npol} reverse ${reverse}`).toBe(true);
        }
        // Baseline 0 is an autocorrelation: all flagged. Nothing is left unwritten.
        expect(Array.from(a.flag.subarray(0, inp.nchan * npol)).every((f) => f === 1)).toBe(true);
        expect(a.data.some((x) => Number.isNaN(x))).toBe(false);
      }
    }
  });

  it('names a baseline permutation that points outside the rows given', () => {
    const { inp, make } = case_(2, true, 5);
    const bad = { ...inp, perm: Int32Array.from(inp.perm, (p, i) => (i === inp.permOffset + 4 ? 500 : p)) };
    expect(() => convertIntegration(bad, make())).toThrow(
      /perm\[4\] = 500 names a row outside the 111 rows given \(rowOffset 37\)/,
    );
  });
});
