// The native 2-D FFT against a direct DFT (float64, in TS) over many sizes, plus round trip,
// Parseval, the sign/layout convention on a plane wave, threading and argument errors.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../src/main/engine/native/addon';
import { columns, dft2d, dft2dColumns, randomValues, relativeError } from './dft';

const addon = loadAddon();

// Squares: powers of 2, 3, 5, mixed radices, primes (7, 17: generic odd butterfly; 97: Bluestein).
const SQUARE = [2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 30, 45, 64, 97, 100, 128, 210, 243, 256, 300, 500, 512];
// nx != ny, degenerate axes, 71 x 13 (generic butterfly), lengths the planner sends to
// Bluestein (127, 257, 1009), and shapes that exercise both passes in blocks of 8/4 lanes
// (float/double) and leftover lines.
const RECT: [number, number][] = [
  [1, 1],
  [1, 7],
  [7, 1],
  [71, 13],
  [3, 128],
  [128, 3],
  [100, 30],
  [17, 64],
  [127, 9],
  [9, 127],
  [257, 4],
  [8, 257],
  [1009, 2],
  [1009, 8],
  [2, 1009],
];
const SIZES: [number, number][] = [...SQUARE.map((n): [number, number] => [n, n]), ...RECT];

// float32: rounding errors of an FFT grow ~ eps32 * log2(n) (eps32 = 6e-8), so relative
// errors stay near 1e-7 to 1e-6 here; 1e-5 leaves margin without hiding a wrong twiddle
// (that gives errors of order 1). float64: same argument with eps64 = 1.1e-16.
const TOL32 = 1e-5;
const TOL64 = 1e-12;

function inputs(nx: number, ny: number, seed: number): { f32: Float32Array; f64: Float64Array; ref32: Float64Array } {
  const f64 = randomValues(2 * nx * ny, seed);
  const f32 = Float32Array.from(f64);
  return { f32, f64, ref32: Float64Array.from(f32) };
}

/**
 * The addon's transform of `data` (in place) against the direct DFT: the whole plane, or for
 * planes above 128 x 128 (where the full reference costs a second and more) 12 whole output columns:
 * 0, 1, 2, nx/2 +- 1, nx - 1 and six spread across, every v of each.
 */
function checkAgainstDft(data: Float32Array | Float64Array, nx: number, ny: number, inverse: boolean): number {
  const input = Float64Array.from(data);
  addon.fft2d(data, nx, ny, inverse, 2);
  if (nx * ny <= 128 * 128) return relativeError(data, dft2d(input, nx, ny, inverse));
  const h = Math.floor(nx / 2);
  const us = [
    ...new Set([0, 1, 2, h - 1, h, h + 1, nx - 1, ...[1, 2, 3, 4, 5, 6].map((k) => Math.floor((k * nx) / 7) + k)]),
  ].filter((u) => u < nx);
  return relativeError(columns(data, nx, ny, us), dft2dColumns(input, nx, ny, us, inverse));
}

describe('fft2d matches a direct DFT', () => {
  it.each(SIZES)('float32 %i x %i, forward and inverse', (nx, ny) => {
    for (const inverse of [false, true]) {
      const { f32 } = inputs(nx, ny, nx * 1000 + ny + (inverse ? 7 : 0));
      expect(checkAgainstDft(f32, nx, ny, inverse)).toBeLessThan(TOL32);
    }
  });

  it.each(SIZES)('float64 %i x %i, forward and inverse', (nx, ny) => {
    for (const inverse of [false, true]) {
      const { f64 } = inputs(nx, ny, nx * 7919 + ny + (inverse ? 3 : 0));
      expect(checkAgainstDft(f64, nx, ny, inverse)).toBeLessThan(TOL64);
    }
  });

  it('the column reference is the full DFT at those columns', () => {
    const [nx, ny] = [30, 17];
    const { f64 } = inputs(nx, ny, 5);
    const us = [0, 1, 14, 29];
    for (const inverse of [false, true])
      expect(
        relativeError(dft2dColumns(f64, nx, ny, us, inverse), columns(dft2d(f64, nx, ny, inverse), nx, ny, us)),
      ).toBeLessThan(1e-13);
  });
});

describe('fft2d identities', () => {
  it.each([
    [64, 64],
    [97, 45],
    [300, 210],
    [1009, 3],
    [512, 512],
  ])('round trip %i x %i returns the input', (nx, ny) => {
    const { f32, f64 } = inputs(nx, ny, 42 + nx);
    const orig32 = Float32Array.from(f32);
    const orig64 = Float64Array.from(f64);
    addon.fft2d(f32, nx, ny, false, 2);
    addon.fft2d(f32, nx, ny, true, 2);
    addon.fft2d(f64, nx, ny, false, 2);
    addon.fft2d(f64, nx, ny, true, 2);
    expect(relativeError(f32, orig32)).toBeLessThan(TOL32);
    expect(relativeError(f64, orig64)).toBeLessThan(TOL64);
  });

  it.each([
    [128, 128],
    [243, 100],
    [257, 4],
  ])('Parseval %i x %i: sum |X|^2 = nx*ny * sum |x|^2', (nx, ny) => {
    for (const precision of ['float32', 'float64'] as const) {
      const { f32, f64 } = inputs(nx, ny, 9 + ny);
      const data = precision === 'float32' ? f32 : f64;
      let before = 0;
      for (const v of data) before += v * v;
      addon.fft2d(data, nx, ny, false, 1);
      let after = 0;
      for (const v of data) after += v * v;
      // Sums of positive terms: relative error ~ eps of the transform, as above.
      expect(Math.abs(after / (nx * ny) - before) / before).toBeLessThan(precision === 'float32' ? TOL32 : TOL64);
    }
  });

  it('a plane wave exp(+2*pi*i*(u0*x/nx + v0*y/ny)) becomes nx*ny at (v0, u0): sign and layout', () => {
    const nx = 48;
    const ny = 20;
    const u0 = 5;
    const v0 = 3;
    const data = new Float64Array(2 * nx * ny);
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const phase = 2 * Math.PI * ((u0 * x) / nx + (v0 * y) / ny);
        data[2 * (y * nx + x)] = Math.cos(phase);
        data[2 * (y * nx + x) + 1] = Math.sin(phase);
      }
    }
    addon.fft2d(data, nx, ny, false, 1);
    const expected = new Float64Array(2 * nx * ny);
    expected[2 * (v0 * nx + u0)] = nx * ny;
    expect(relativeError(data, expected)).toBeLessThan(TOL64);
    // The inverse of a delta at (v0, u0) is the plane wave / (nx*ny): positive exponent.
    addon.fft2d(expected, nx, ny, true, 1);
    expect(expected[2 * (1 * nx + 1)]).toBeCloseTo(Math.cos(2 * Math.PI * (u0 / nx + v0 / ny)), 12);
    expect(expected[2 * (1 * nx + 1) + 1]).toBeCloseTo(Math.sin(2 * Math.PI * (u0 / nx + v0 / ny)), 12);
  });

  it('gives bit-identical results on 1, 2 and 5 threads (each line is computed the same way)', () => {
    const nx = 300;
    const ny = 210;
    const runs = [1, 2, 5].map((threads) => {
      const { f32 } = inputs(nx, ny, 5);
      addon.fft2d(f32, nx, ny, false, threads);
      return f32;
    });
    // Bytes compared (bit-identical, NaN payloads and signed zeros included); the first differing
    // element is reported. (toEqual on 126 000 elements costs seconds.)
    const firstDifference = (a: Float32Array, b: Float32Array): number => {
      const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
      const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
      if (x.length !== y.length) return 0;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
      return -1;
    };
    expect(firstDifference(runs[1]!, runs[0]!)).toBe(-1);
    expect(firstDifference(runs[2]!, runs[0]!)).toBe(-1);
  });
});

describe('fft2d argument errors carry the C++ message', () => {
  const data = new Float32Array(2 * 4 * 4);
  it('rejects a buffer of the wrong length', () => {
    expect(() => addon.fft2d(data, 4, 3, false, 1)).toThrow(
      /dsa110_native\.fft2d: argument 'data' has 32 elements but 2\*nx\*ny = 2\*4\*3 = 24 were expected/,
    );
    expect(() => addon.fft2d(data, 4, 3, false, 1)).toThrow(RangeError);
  });
  it('rejects zero, fractional and negative sizes', () => {
    expect(() => addon.fft2d(data, 0, 4, false, 1)).toThrow(/argument 'nx' must be an integer in \[1, .*got 0/);
    expect(() => addon.fft2d(data, 4, 0, false, 1)).toThrow(/argument 'ny' must be an integer/);
    expect(() => addon.fft2d(data, 4.5, 4, false, 1)).toThrow(/argument 'nx'.*got 4\.5/);
    expect(() => addon.fft2d(data, -4, -4, false, 1)).toThrow(/argument 'nx'/);
  });
  it('rejects a thread count below 1 or above the maximum', () => {
    expect(() => addon.fft2d(data, 4, 4, false, 0)).toThrow(
      /argument 'threads' must be an integer in \[1, 1024\], got 0/,
    );
    expect(() => addon.fft2d(data, 4, 4, false, addon.maxThreads + 1)).toThrow(/argument 'threads'/);
  });
  it('rejects data that is not a float array, and a missing inverse flag', () => {
    const call = addon.fft2d as unknown as (...args: unknown[]) => void;
    expect(() => call(new Int32Array(32), 4, 4, false, 1)).toThrow(
      /argument 'data' must be a Float32Array or Float64Array/,
    );
    expect(() => call([1, 2], 1, 1, false, 1)).toThrow(TypeError);
    expect(() => call(data, 4, 4, 'no', 1)).toThrow(/argument 'inverse' must be a boolean/);
  });
});
