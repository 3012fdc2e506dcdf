// The native reprojection against a brute-force JS reference (the project's one SIN projection,
// src/shared/astro/sin.ts, and direct Lanczos-3 / bilinear sums) and its pixel mapping against
// that module and astropy.wcs, for CDELT-only grids, rotated CD matrices and LONPOLE != 180.
import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../src/main/engine/native/addon';
import { pixelToWorld, worldToPixel } from '../../src/shared/astro/sin';
import { celestialWcs, type CdMatrix, type CelestialWcs } from '../../src/shared/model/sky-image';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';

const addon = loadAddon();

type SinWcs = CelestialWcs;
/** A CDELT-only grid (diagonal CD, default LONPOLE). */
const cdeltWcs = (w: {
  crval1: number;
  crval2: number;
  crpix1: number;
  crpix2: number;
  cdelt1: number;
  cdelt2: number;
}): SinWcs => celestialWcs(w);
/** The CD matrix of pixel sizes (c1, c2) rotated by `rotDeg` (the AIPS CROTA2 convention). */
function rotatedCd(c1: number, c2: number, rotDeg: number): CdMatrix {
  const r = (rotDeg * Math.PI) / 180;
  return [c1 * Math.cos(r), -c2 * Math.sin(r), c1 * Math.sin(r), c2 * Math.cos(r)];
}

function sinc(x: number): number {
  return x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
}

/** Direct reference: world of the output pixel by trigonometry, input pixel, kernel sum over taps. */
function reference(
  img: Float32Array,
  nxIn: number,
  nyIn: number,
  win: SinWcs,
  wout: SinWcs,
  x: number,
  y: number,
  kind: 'bilinear' | 'lanczos3',
): number {
  const w = pixelToWorld(wout, x, y);
  if (!w) return Number.NaN;
  const p = worldToPixel(win, w.raDeg, w.decDeg);
  if (!p) return Number.NaN;
  const ix = Math.floor(p.x + 1e-9);
  const iy = Math.floor(p.y + 1e-9);
  const fx = Math.max(0, p.x - ix);
  const fy = Math.max(0, p.y - iy);
  const taps = kind === 'lanczos3' ? [-2, -1, 0, 1, 2, 3] : [0, 1];
  const kern = (d: number) =>
    kind === 'lanczos3' ? (Math.abs(d) < 3 ? sinc(d) * sinc(d / 3) : 0) : Math.max(0, 1 - Math.abs(d));
  let sum = 0;
  let sw = 0;
  let swx = 0;
  for (const tx of taps) swx += kern(fx - tx);
  for (const ty of taps) {
    const wy = kern(fy - ty);
    sw += wy;
    for (const tx of taps) {
      const wx = kern(fx - tx);
      if (wx === 0 && kind === 'bilinear') continue;
      const xx = ix + tx;
      const yy = iy + ty;
      if (xx < 0 || yy < 0 || xx >= nxIn || yy >= nyIn) return Number.NaN;
      sum += wx * wy * img[yy * nxIn + xx]!;
    }
  }
  return kind === 'lanczos3' ? sum / (sw * swx) : sum;
}

function smoothImage(nx: number, ny: number, seed: number): Float32Array {
  // A band-limited field (a few sinusoids): interpolation of it is well defined and checkable.
  const out = new Float32Array(nx * ny);
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) {
      out[y * nx + x] =
        Math.sin(0.31 * x + seed) * Math.cos(0.23 * y - seed) + 0.5 * Math.sin(0.07 * (x + 2 * y)) + 0.1 * seed;
    }
  return out;
}

const cases: Array<{ name: string; win: SinWcs; wout: SinWcs }> = [
  {
    name: 'Dec +55, offset in RA',
    win: cdeltWcs({ crval1: 128.7, crval2: 55.5, crpix1: 33, crpix2: 25, cdelt1: -5 / 3600, cdelt2: 5 / 3600 }),
    wout: cdeltWcs({
      crval1: 128.72,
      crval2: 55.49,
      crpix1: 40.3,
      crpix2: 20.7,
      cdelt1: -4.3 / 3600,
      cdelt2: 4.3 / 3600,
    }),
  },
  {
    name: 'Dec -30, across RA 0',
    win: cdeltWcs({ crval1: 359.99, crval2: -30, crpix1: 30, crpix2: 30, cdelt1: -6 / 3600, cdelt2: 6 / 3600 }),
    wout: cdeltWcs({ crval1: 0.01, crval2: -30.01, crpix1: 25, crpix2: 35, cdelt1: -6 / 3600, cdelt2: 6 / 3600 }),
  },
  {
    name: 'near the pole',
    win: cdeltWcs({ crval1: 10, crval2: 89.9, crpix1: 32, crpix2: 32, cdelt1: -20 / 3600, cdelt2: 20 / 3600 }),
    wout: cdeltWcs({ crval1: 200, crval2: 89.95, crpix1: 30, crpix2: 31, cdelt1: -20 / 3600, cdelt2: 20 / 3600 }),
  },
  {
    name: 'rotated CD input (CROTA2 25 deg) onto a CDELT grid',
    win: { crval1: 128.7, crval2: 55.5, crpix1: 33, crpix2: 25, lonpole: 180, cd: rotatedCd(-5 / 3600, 5 / 3600, 25) },
    wout: cdeltWcs({ crval1: 128.71, crval2: 55.495, crpix1: 36, crpix2: 24, cdelt1: -4.5 / 3600, cdelt2: 4.5 / 3600 }),
  },
  {
    name: 'LONPOLE 150 input onto a sheared-CD grid',
    win: {
      ...cdeltWcs({ crval1: 210, crval2: -12, crpix1: 30, crpix2: 28, cdelt1: -6 / 3600, cdelt2: 6 / 3600 }),
      lonpole: 150,
    },
    wout: {
      crval1: 210.01,
      crval2: -12.01,
      crpix1: 33,
      crpix2: 30,
      lonpole: 180,
      cd: [-5 / 3600, 0.4 / 3600, 0.3 / 3600, 5.2 / 3600],
    },
  },
];

describe('native reproject', () => {
  for (const c of cases) {
    for (const kind of ['bilinear', 'lanczos3'] as const) {
      it(`${c.name}, ${kind}: matches the brute-force reference to 1e-5 and marks uncovered pixels NaN`, () => {
        const nxIn = 64;
        const nyIn = 50;
        const img = smoothImage(nxIn, nyIn, 1.3);
        const nx = 70;
        const ny = 60;
        const out = new Float32Array(nx * ny);
        const covered = addon.reproject(
          { planes: [img], nx: nxIn, row0: 0, nrows: nyIn, wcs: c.win },
          { planes: [out], x0: 0, y0: 0, nx, ny, wcs: c.wout },
          { interpolation: kind, threads: 2, tile: 16 },
        );
        let nCovered = 0;
        let maxErr = 0;
        let mismatchedCoverage = 0;
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const want = reference(img, nxIn, nyIn, c.win, c.wout, x, y, kind);
            const got = out[y * nx + x]!;
            if (Number.isNaN(want) !== Number.isNaN(got)) {
              mismatchedCoverage++;
              continue;
            }
            if (Number.isNaN(got)) continue;
            nCovered++;
            maxErr = Math.max(maxErr, Math.abs(got - want));
          }
        expect(covered).toBe(nCovered);
        expect(nCovered).toBeGreaterThan(500);
        // Coverage can differ only for a pixel whose position is within rounding of a tap boundary.
        expect(mismatchedCoverage).toBeLessThanOrEqual(2);
        // float32 output of values ~1: 1e-5 is float rounding plus the trig/vector route difference.
        expect(maxErr).toBeLessThan(1e-5);
      });
    }
  }

  it('maps pixels exactly as the shared SIN module does (1e-9 pixel), rotated CD and LONPOLE included', () => {
    for (const c of cases) {
      const n = 300;
      const xy = new Float64Array(2 * n);
      for (let k = 0; k < n; k++) {
        xy[2 * k] = (k * 7.31) % 70;
        xy[2 * k + 1] = (k * 3.17) % 60;
      }
      const ours = new Float64Array(2 * n);
      addon.mapPixels(c.win, c.wout, xy, ours);
      let maxErr = 0;
      let compared = 0;
      for (let k = 0; k < n; k++) {
        const w = pixelToWorld(c.wout, xy[2 * k]!, xy[2 * k + 1]!);
        const p = w ? worldToPixel(c.win, w.raDeg, w.decDeg) : null;
        expect(p === null).toBe(Number.isNaN(ours[2 * k]!));
        if (!p) continue;
        compared++;
        maxErr = Math.max(maxErr, Math.abs(p.x - ours[2 * k]!), Math.abs(p.y - ours[2 * k + 1]!));
      }
      expect(compared).toBe(n);
      expect(maxErr, c.name).toBeLessThan(1e-9);
    }
  });

  it('a NaN input pixel blanks exactly the output pixels whose kernel touches it; a second plane shares the mapping', () => {
    const w: SinWcs = cdeltWcs({ crval1: 50, crval2: 20, crpix1: 16, crpix2: 16, cdelt1: -1 / 3600, cdelt2: 1 / 3600 });
    const nxIn = 32;
    const img = new Float32Array(nxIn * nxIn).fill(2);
    const pb = new Float32Array(nxIn * nxIn).fill(0.5);
    img[15 * nxIn + 15] = Number.NaN;
    // Output = input shifted by a quarter pixel: bilinear touches 2 x 2 inputs, Lanczos-3 6 x 6.
    const wo: SinWcs = { ...w, crpix1: 16.25, crpix2: 16.25 };
    for (const [kind, span] of [
      ['bilinear', 2],
      ['lanczos3', 6],
    ] as const) {
      const o1 = new Float32Array(nxIn * nxIn);
      const o2 = new Float32Array(nxIn * nxIn);
      addon.reproject(
        { planes: [img, pb], nx: nxIn, row0: 0, nrows: nxIn, wcs: w },
        { planes: [o1, o2], x0: 0, y0: 0, nx: nxIn, ny: nxIn, wcs: wo },
        { interpolation: kind },
      );
      let nanInside = 0;
      for (let y = 8; y < 24; y++)
        for (let x = 8; x < 24; x++) {
          const v = o1[y * nxIn + x]!;
          if (Number.isNaN(v)) {
            nanInside++;
            expect(Number.isNaN(o2[y * nxIn + x]!)).toBe(true);
          } else {
            expect(v).toBeCloseTo(2, 5);
            expect(o2[y * nxIn + x]!).toBeCloseTo(0.5, 5);
          }
        }
      expect(nanInside).toBe(span * span);
    }
  });

  it('rejects bad arguments with messages that name them', () => {
    const w: SinWcs = cdeltWcs({ crval1: 0, crval2: 0, crpix1: 1, crpix2: 1, cdelt1: -1, cdelt2: 1 });
    expect(() =>
      addon.reproject(
        { planes: [new Float32Array(3)], nx: 2, row0: 0, nrows: 2, wcs: w },
        { planes: [new Float32Array(4)], x0: 0, y0: 0, nx: 2, ny: 2, wcs: w },
        {},
      ),
    ).toThrow(/input\.planes\[0\] has 3 elements/);
    expect(() =>
      addon.reproject(
        { planes: [new Float32Array(4)], nx: 2, row0: 0, nrows: 2, wcs: w },
        { planes: [], x0: 0, y0: 0, nx: 2, ny: 2, wcs: w },
        {},
      ),
    ).toThrow(/one output plane per input plane/);
    expect(() =>
      addon.reproject(
        { planes: [new Float32Array(4)], nx: 2, row0: 0, nrows: 2, wcs: { ...w, cd: [-1, 0, 0, 0] } },
        { planes: [new Float32Array(4)], x0: 0, y0: 0, nx: 2, ny: 2, wcs: w },
        {},
      ),
    ).toThrow(/input\.wcs\.cd must be non-singular/);
    expect(() =>
      addon.reproject(
        { planes: [new Float32Array(4)], nx: 2, row0: 0, nrows: 2, wcs: w },
        {
          planes: [new Float32Array(4)],
          x0: 0,
          y0: 0,
          nx: 2,
          ny: 2,
          wcs: { ...w, cd: [1, 0, 0] as unknown as CdMatrix },
        },
        {},
      ),
    ).toThrow(/output\.wcs\.cd must be an array of 4 numbers/);
    expect(() =>
      addon.reproject(
        { planes: [new Float32Array(4)], nx: 2, row0: 0, nrows: 2, wcs: w },
        { planes: [new Float32Array(4)], x0: 0, y0: 0, nx: 2, ny: 2, wcs: w },
        { interpolation: 'cubic' as 'bilinear' },
      ),
    ).toThrow(/interpolation/);
  });
});

describe.skipIf(skipInterop(pythonModules('astropy', 'numpy')))('mapping against astropy.wcs', () => {
  it('output pixel -> input pixel agrees with astropy (all_pix2world then all_world2pix) to 1e-6 pixel', () => {
    const pairs: Array<[SinWcs, SinWcs]> = [
      // A 3.5-deg image 5 deg along a Dec +55 strip, onto a 13-deg-long mosaic grid.
      [
        cdeltWcs({ crval1: 131.2, crval2: 55.6, crpix1: 1281, crpix2: 1281, cdelt1: -5 / 3600, cdelt2: 5 / 3600 }),
        cdeltWcs({
          crval1: 128.0,
          crval2: 55.55,
          crpix1: 5000.5,
          crpix2: 1300.25,
          cdelt1: -5 / 3600,
          cdelt2: 5 / 3600,
        }),
      ],
      [
        cdeltWcs({ crval1: 2.0, crval2: 16.3, crpix1: 1025, crpix2: 1025, cdelt1: -6 / 3600, cdelt2: 6 / 3600 }),
        cdeltWcs({ crval1: 357.5, crval2: 16.2, crpix1: 3000, crpix2: 1100, cdelt1: -5.5 / 3600, cdelt2: 5.5 / 3600 }),
      ],
      // A CROTA2-rotated image with LONPOLE 170 onto a sheared CD grid.
      [
        {
          crval1: 131.2,
          crval2: 55.6,
          crpix1: 1281,
          crpix2: 1281,
          cd: rotatedCd(-5 / 3600, 5 / 3600, -17),
          lonpole: 170,
        },
        {
          crval1: 129.0,
          crval2: 55.3,
          crpix1: 3000.5,
          crpix2: 1300.25,
          lonpole: 180,
          cd: [-5 / 3600, 0.2 / 3600, -0.1 / 3600, 5.1 / 3600],
        },
      ],
    ];
    for (const [win, wout] of pairs) {
      const n = 400;
      const xy = new Float64Array(2 * n);
      for (let k = 0; k < n; k++) {
        xy[2 * k] = (k * 37.77) % (2 * (wout.crpix1 - 1));
        xy[2 * k + 1] = (k * 13.31) % (2 * (wout.crpix2 - 1));
      }
      const ours = new Float64Array(2 * n);
      addon.mapPixels(win, wout, xy, ours);
      const code = `
import sys, json, numpy as np
from astropy.wcs import WCS
d = json.load(sys.stdin)
def mk(w):
    c = WCS(naxis=2); c.wcs.ctype = ['RA---SIN', 'DEC--SIN']; c.wcs.crval = [w['crval1'], w['crval2']]
    c.wcs.crpix = [w['crpix1'], w['crpix2']]; c.wcs.cd = np.array(w['cd']).reshape(2, 2); c.wcs.lonpole = w['lonpole']; return c
xy = np.array(d['xy']).reshape(-1, 2)
ra, dec = mk(d['out']).all_pix2world(xy[:, 0], xy[:, 1], 0)
px, py = mk(d['in']).all_world2pix(ra, dec, 0)
print(json.dumps(np.column_stack([px, py]).ravel().tolist()))`;
      const astro = JSON.parse(
        runPython(code, [], JSON.stringify({ in: win, out: wout, xy: Array.from(xy) })),
      ) as number[];
      let maxErr = 0;
      for (let i = 0; i < 2 * n; i++) maxErr = Math.max(maxErr, Math.abs(ours[i]! - astro[i]!));
      expect(maxErr).toBeLessThan(1e-6);
    }
  });
});
