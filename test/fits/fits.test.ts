// FITS images: write/read round trip (float32 and float64, header values, NaN), header card
// formatting, and astropy as the judge: it opens our files, reads the same pixels, and its WCS
// maps pixels to RA/Dec where the SIN projection puts them (within 0.1 pixel).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCard, parseCard, readFitsImage, writeFitsImage } from '../../src/main/engine/fits';
import type { FitsImageDescription } from '../../src/main/engine/fits';
import { lmToRaDec } from '../../src/shared/astro';
import { celestialWcs } from '../../src/shared/model/sky-image';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';

const dir = mkdtempSync(join(tmpdir(), 'fits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NX = 300;
const NY = 200;
const CELL = 5 / 3600;
const DESC: FitsImageDescription = {
  grid: {
    ...celestialWcs({
      crval1: 128.72876,
      crval2: 55.5725,
      crpix1: NX / 2 + 1,
      crpix2: NY / 2 + 1,
      cdelt1: -CELL,
      cdelt2: CELL,
    }),
    nx: NX,
    ny: NY,
  },
  freqHz: 1.405e9,
  bandwidthHz: 187.5e6,
  bunit: 'JY/BEAM',
  beam: { majorArcsec: 20, minorArcsec: 12, paDeg: -33.5 },
  dateObs: '2026-01-15T03:00:00.000',
  telescope: 'DSA-110',
  object: "it's a test",
  history: ['input /data/x.ms column DATA', 'a long line '.repeat(12)],
};

function ramp(n: number, f64: boolean): Float32Array | Float64Array {
  const a = f64 ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.001) * 3.25 + i * 1e-6;
  a[7] = Number.NaN;
  return a;
}

describe('FITS images', () => {
  it('round-trips float32 and float64 data with the header', () => {
    for (const f64 of [false, true]) {
      const data = ramp(NX * NY, f64);
      const file = join(dir, `rt${f64 ? 64 : 32}.fits`);
      writeFitsImage(file, DESC, data);
      expect(statSync(file).size % 2880).toBe(0);
      const img = readFitsImage(file);
      expect(img.bitpix).toBe(f64 ? -64 : -32);
      expect(img.shape).toEqual([NX, NY, 1, 1]);
      expect(img.data).toEqual(data);
      expect(img.keywords.get('CTYPE1')).toBe('RA---SIN');
      expect(img.keywords.get('CTYPE4')).toBe('STOKES');
      expect(img.keywords.get('CRVAL1')).toBe(DESC.grid.crval1);
      expect(img.keywords.get('CDELT2')).toBe(CELL);
      expect(img.keywords.get('BMAJ')).toBe(20 / 3600);
      expect(img.keywords.get('BPA')).toBe(-33.5);
      expect(img.keywords.get('EQUINOX')).toBe(2000);
      expect(img.keywords.get('OBJECT')).toBe("it's a test");
      const history = img.header.filter((c) => c.keyword === 'HISTORY').map((c) => c.text ?? '');
      expect(history.join('')).toContain('a long line a long line');
      expect(history.every((h) => h.length <= 72)).toBe(true);
    }
  });

  it('formats cards the standard way and parses them back', () => {
    expect(formatCard({ keyword: 'NAXIS', value: 4 })).toBe(`NAXIS   = ${' '.repeat(19)}4${' '.repeat(50)}`);
    expect(formatCard({ keyword: 'SIMPLE', value: true })).toHaveLength(80);
    for (const v of [1.5e-10, -0.001388888888888889, 1405000000, 0.1 + 0.2]) {
      expect(parseCard(formatCard({ keyword: 'X', value: v })).value).toBe(v);
    }
    expect(parseCard(formatCard({ keyword: 'S', value: "O'Hara", comment: 'c' }))).toEqual({
      keyword: 'S',
      value: "O'Hara",
      comment: 'c',
    });
    expect(() => formatCard({ keyword: 'TOOLONGKEY', value: 1 })).toThrow(/1-8 characters/);
  });

  it('rejects what it cannot read, naming the file', () => {
    const bad = join(dir, 'bad.fits');
    writeFitsImage(bad, DESC, ramp(NX * NY, false));
    const buf = readFileSync(bad);
    buf.write('BITPIX  =                   16', 80, 'ascii');
    const f = join(dir, 'int.fits');
    writeFileSync(f, buf);
    expect(() => readFitsImage(f)).toThrow(/int\.fits: BITPIX 16 is not supported/);
    expect(() => writeFitsImage(join(dir, 'x.fits'), DESC, new Float32Array(5))).toThrow(/nx x ny/);
  });

  describe.skipIf(skipInterop(pythonModules('astropy', 'numpy')))('astropy', () => {
    it('opens the file, reads the same pixels and maps pixels to RA/Dec within 0.1 pixel', () => {
      const data = ramp(NX * NY, false);
      const file = join(dir, 'wcs.fits');
      writeFitsImage(file, DESC, data);
      // Pixels (0-based x, y) and where the SIN projection puts them: l = -(x - cx) cell, m = (y - cy) cell.
      const pixels = [
        [150, 100],
        [0, 0],
        [299, 199],
        [17.3, 180.6],
        [250, 20],
      ] as const;
      const truth = pixels.map(([x, y]) => {
        const d = Math.PI / 180;
        const p = lmToRaDec(
          -(x - NX / 2) * CELL * d,
          (y - NY / 2) * CELL * d,
          DESC.grid.crval1 * d,
          DESC.grid.crval2 * d,
        );
        return [(p.raRad / d + 360) % 360, p.decRad / d];
      });
      const out = JSON.parse(
        runPython(
          String.raw`
import sys, json, warnings
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
warnings.simplefilter('ignore')
h = fits.open(sys.argv[1])[0]
w = WCS(h.header).celestial
pix = json.loads(sys.argv[2]); truth = json.loads(sys.argv[3])
world = [list(map(float, w.pixel_to_world_values(x, y))) for x, y in pix]
back = [list(map(float, w.world_to_pixel_values(r, d))) for r, d in truth]
d = h.data
print(json.dumps({'shape': list(d.shape), 'v': [float(d[0, 0, 3, 5]), float(d[0, 0, 199, 299])], 'nan': bool(np.isnan(d[0, 0, 0, 7])),
  'world': world, 'back': back, 'bmaj': h.header['BMAJ'], 'radesys': h.header['RADESYS']}))
`,
          [file, JSON.stringify(pixels), JSON.stringify(truth)],
        ),
      ) as {
        shape: number[];
        v: number[];
        nan: boolean;
        world: number[][];
        back: number[][];
        bmaj: number;
        radesys: string;
      };
      expect(out.shape).toEqual([1, 1, NY, NX]);
      expect(out.v[0]).toBe(data[3 * NX + 5]);
      expect(out.v[1]).toBe(data[199 * NX + 299]);
      expect(out.nan).toBe(true);
      expect(out.radesys).toBe('FK5');
      for (const [i, [x, y]] of pixels.entries()) {
        expect(Math.abs(out.back[i]![0]! - x), `x of pixel ${i}`).toBeLessThan(0.1);
        expect(Math.abs(out.back[i]![1]! - y), `y of pixel ${i}`).toBeLessThan(0.1);
        const [ra, dec] = truth[i]!;
        const dra = ((out.world[i]![0]! - ra! + 540) % 360) - 180;
        expect(
          Math.hypot(dra * Math.cos((dec! * Math.PI) / 180), out.world[i]![1]! - dec!) / CELL,
          `world of pixel ${i}`,
        ).toBeLessThan(0.1);
      }
    });
  });
});
