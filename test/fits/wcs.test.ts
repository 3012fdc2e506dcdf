// The one FITS header WCS reader (engine/fits/wcs.ts) with the one SIN projection
// (shared/astro/sin.ts): the CDELT, CDELT + CROTA2, PC and CD forms and LONPOLE, each against
// astropy.wcs reading the same file; the rejections, each naming the file and the keyword.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BLOCK,
  encodeHeader,
  readFitsImage,
  skyGridFromHeader,
  writeFitsImage,
  type FitsCard,
  type FitsValue,
} from '../../src/main/engine/fits';
import { pixelToWorld, worldToPixel } from '../../src/shared/astro/sin';
import { celestialWcs, type SkyGrid } from '../../src/shared/model/sky-image';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';

const tmp = mkdtempSync(path.join(tmpdir(), 'fits-wcs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const D2R = Math.PI / 180;

interface Field {
  name: string;
  nx: number;
  ny: number;
  /** WCS cards besides NAXISn. */
  cards: Array<[string, FitsValue]>;
}

const sinAxes = (ra: number, dec: number, crpix1: number, crpix2: number): Array<[string, FitsValue]> => [
  ['CTYPE1', 'RA---SIN'],
  ['CTYPE2', 'DEC--SIN'],
  ['CRVAL1', ra],
  ['CRVAL2', dec],
  ['CRPIX1', crpix1],
  ['CRPIX2', crpix2],
  ['CUNIT1', 'deg'],
  ['CUNIT2', 'deg'],
  ['RADESYS', 'FK5'],
  ['EQUINOX', 2000],
];

/** Large fields at several declinations (one near the pole, one across RA 0) in every accepted form. */
const FIELDS: Field[] = [
  {
    name: 'CDELT, Dec +54.6',
    nx: 2048,
    ny: 2048,
    cards: [...sinAxes(128.7, 54.57, 1025, 1025), ['CDELT1', -6 / 3600], ['CDELT2', 6 / 3600]],
  },
  {
    name: 'CDELT, across RA 0',
    nx: 1000,
    ny: 600,
    cards: [...sinAxes(0.3, 16.3, 501, 301), ['CDELT1', -20 / 3600], ['CDELT2', 20 / 3600]],
  },
  {
    name: 'CDELT near the pole',
    nx: 512,
    ny: 512,
    cards: [...sinAxes(270, 86.5, 257, 257), ['CDELT1', -40 / 3600], ['CDELT2', 40 / 3600]],
  },
  {
    name: 'CDELT + CROTA2 30 deg',
    nx: 800,
    ny: 700,
    cards: [...sinAxes(201.4, -43.0, 400.5, 351.25), ['CDELT1', -8 / 3600], ['CDELT2', 8 / 3600], ['CROTA2', 30]],
  },
  {
    name: 'CDELT + PC (rotation and skew)',
    nx: 640,
    ny: 480,
    cards: [
      ...sinAxes(83.6, 22.0, 321, 241),
      ['CDELT1', -10 / 3600],
      ['CDELT2', 12 / 3600],
      ['PC1_1', 0.96],
      ['PC1_2', -0.28],
      ['PC2_1', 0.25],
      ['PC2_2', 0.97],
    ],
  },
  {
    name: 'CD matrix + LONPOLE 160',
    nx: 600,
    ny: 600,
    cards: [
      ...sinAxes(310.0, 40.7, 300, 300),
      ['CD1_1', -5e-3],
      ['CD1_2', 1e-3],
      ['CD2_1', 8e-4],
      ['CD2_2', 5.2e-3],
      ['LONPOLE', 160],
    ],
  },
];

function writeHeaderFile(file: string, f: Field): void {
  const cards: FitsCard[] = [
    { keyword: 'SIMPLE', value: true },
    { keyword: 'BITPIX', value: -32 },
    { keyword: 'NAXIS', value: 2 },
    { keyword: 'NAXIS1', value: f.nx },
    { keyword: 'NAXIS2', value: f.ny },
    ...f.cards.map(([keyword, value]) => ({ keyword, value })),
  ];
  const data = Buffer.alloc(Math.ceil((f.nx * f.ny * 4) / BLOCK) * BLOCK);
  writeFileSync(file, Buffer.concat([encodeHeader(cards), data]));
}

function samples(g: SkyGrid): [number, number][] {
  const pts: [number, number][] = [];
  for (const fx of [0, 0.13, 0.5, 0.77, 1])
    for (const fy of [0, 0.31, 0.5, 0.9, 1]) pts.push([fx * (g.nx - 1), fy * (g.ny - 1)]);
  pts.push([10.25, 3.75], [(g.nx - 1) / 2 + 0.5, (g.ny - 1) / 2 - 0.25]);
  return pts;
}

const keywords = (entries: Array<[string, FitsValue]>) =>
  new Map<string, FitsValue>([['NAXIS', 2], ['NAXIS1', 100], ['NAXIS2', 100], ...entries]);

describe('FITS header WCS', () => {
  it('reads the CDELT, CROTA2, PC and CD forms into one CD matrix (Paper II eq. 189 for CROTA2)', () => {
    const cdelt = skyGridFromHeader(
      keywords([...sinAxes(10, 20, 51, 51), ['CDELT1', -0.01], ['CDELT2', 0.01]]),
      'a.fits',
    );
    expect(cdelt).toEqual({
      nx: 100,
      ny: 100,
      crval1: 10,
      crval2: 20,
      crpix1: 51,
      crpix2: 51,
      cd: [-0.01, 0, 0, 0.01],
      lonpole: 180,
    });
    const rot = skyGridFromHeader(
      keywords([...sinAxes(10, 20, 51, 51), ['CDELT1', -0.01], ['CDELT2', 0.02], ['CROTA2', 30]]),
      'a.fits',
    );
    const c = Math.cos(30 * D2R);
    const s = Math.sin(30 * D2R);
    expect(rot.cd[0]).toBeCloseTo(-0.01 * c, 15);
    expect(rot.cd[1]).toBeCloseTo(-0.02 * s, 15);
    expect(rot.cd[2]).toBeCloseTo(-0.01 * s, 15);
    expect(rot.cd[3]).toBeCloseTo(0.02 * c, 15);
    const pc = skyGridFromHeader(
      keywords([...sinAxes(10, 20, 51, 51), ['CDELT1', -0.01], ['CDELT2', 0.02], ['PC1_2', 0.5]]),
      'a.fits',
    );
    expect(pc.cd).toEqual([-0.01, -0.005, 0, 0.02]);
    const cd = skyGridFromHeader(
      keywords([...sinAxes(10, 20, 51, 51), ['CD1_1', -0.01], ['CD2_2', 0.01], ['CD1_2', 0.001], ['CDELT1', 99]]),
      'a.fits',
    );
    expect(cd.cd).toEqual([-0.01, 0.001, 0, 0.01]);
    const pole = skyGridFromHeader(
      keywords([...sinAxes(10, 90, 51, 51), ['CDELT1', -0.01], ['CDELT2', 0.01]]),
      'a.fits',
    );
    expect(pole.lonpole).toBe(0);
  });

  it('rejects what it does not support, naming the file, the keyword and what was expected', () => {
    const base: Array<[string, FitsValue]> = [...sinAxes(10, 20, 51, 51), ['CDELT1', -0.01], ['CDELT2', 0.01]];
    const bad =
      (extra: Array<[string, FitsValue]>, drop: string[] = []) =>
      () =>
        skyGridFromHeader(keywords([...base.filter(([k]) => !drop.includes(k)), ...extra]), 'x.fits');
    expect(
      bad([
        ['CTYPE1', 'RA---TAN'],
        ['CTYPE2', 'DEC--TAN'],
      ]),
    ).toThrow('x.fits: CTYPE1/CTYPE2 are "RA---TAN"/"DEC--TAN"; expected RA---SIN/DEC--SIN');
    expect(
      bad([
        ['CTYPE1', 'DEC--SIN'],
        ['CTYPE2', 'RA---SIN'],
      ]),
    ).toThrow(/x\.fits: CTYPE1\/CTYPE2 are "DEC--SIN"\/"RA---SIN"/);
    expect(bad([['PV2_1', 0.01]])).toThrow(
      'x.fits: PV2_1 = 0.01: the slant (NCP-like) SIN projection is not supported; expected 0',
    );
    expect(
      bad([
        ['CD1_1', -0.01],
        ['CD2_2', 0.01],
        ['PC1_1', 1],
      ]),
    ).toThrow('x.fits: the header has both CDi_j and PCi_j keywords; expected one form of the linear transformation');
    expect(
      bad([
        ['CD1_1', -0.01],
        ['CD2_2', 0.01],
        ['CROTA2', 5],
      ]),
    ).toThrow(/x\.fits: the header has both CDi_j and CROTA2 = 5/);
    expect(
      bad([
        ['PC1_2', 0.1],
        ['CROTA2', 5],
      ]),
    ).toThrow(/x\.fits: the header has both PCi_j and CROTA2 = 5/);
    expect(
      bad([
        ['CROTA1', 3],
        ['CROTA2', 5],
      ]),
    ).toThrow(/x\.fits: CROTA1 = 3 differs from CROTA2 = 5/);
    expect(
      bad([
        ['CD1_1', 0.01],
        ['CD1_2', 0.01],
        ['CD2_1', 0.01],
        ['CD2_2', 0.01],
      ]),
    ).toThrow('x.fits: the pixel-to-world matrix (CDELT/PC/CD) is singular');
    expect(bad([['CDELT2', 0]])).toThrow('x.fits: CDELT1/CDELT2 must be nonzero (degrees per pixel), got -0.01/0');
    expect(bad([], ['CRVAL2'])).toThrow('x.fits: header keyword CRVAL2 is missing (needed for the celestial WCS)');
    expect(bad([['CRPIX1', 'middle']])).toThrow('x.fits: header keyword CRPIX1 must be a finite number, got "middle"');
    expect(bad([['CRVAL2', 91]])).toThrow('x.fits: CRVAL2 (Dec) = 91 is outside [-90, 90]');
    expect(bad([['RADESYS', 'FK4']])).toThrow("x.fits: RADESYS = 'FK4' is not supported; expected FK5 or ICRS (J2000)");
    expect(bad([['EQUINOX', 1950]])).toThrow('x.fits: EQUINOX = 1950 is not supported; expected 2000');
    expect(bad([['CUNIT1', 'rad']])).toThrow("x.fits: CUNIT1 = 'RAD' is not supported; expected 'deg'");
    expect(bad([['NAXIS', 1]])).toThrow('x.fits: NAXIS = 1; expected an image (at least 2 axes)');
    expect(bad([['NAXIS2', 2.5]])).toThrow('x.fits: NAXIS2 = 2.5; expected a positive integer');
  });

  it('round-trips the writer: a diagonal CD is written as CDELT, any other as CD, with LONPOLE', () => {
    for (const grid of [
      {
        ...celestialWcs({ crval1: 128.7, crval2: 54.57, crpix1: 65, crpix2: 65, cdelt1: -6 / 3600, cdelt2: 6 / 3600 }),
        nx: 128,
        ny: 128,
      },
      {
        crval1: 310,
        crval2: 40.7,
        crpix1: 60.5,
        crpix2: 64,
        cd: [-5e-3, 1e-3, 8e-4, 5.2e-3] as [number, number, number, number],
        lonpole: 160,
        nx: 120,
        ny: 128,
      },
    ]) {
      const file = path.join(tmp, `rt-${grid.nx}.fits`);
      writeFitsImage(
        file,
        { grid, freqHz: 1.4e9, bandwidthHz: 1e8, bunit: 'JY/BEAM' },
        new Float32Array(grid.nx * grid.ny),
      );
      const img = readFitsImage(file);
      expect(skyGridFromHeader(img.keywords, file)).toEqual(grid);
      expect(img.keywords.has('CD1_2')).toBe(grid.cd[1] !== 0);
      expect(img.keywords.has('CDELT1')).toBe(grid.cd[1] === 0);
    }
  });

  it('round-trips pixel -> world -> pixel to 1e-7 pixel in every form', () => {
    for (const [k, f] of FIELDS.entries()) {
      const file = path.join(tmp, `rt${k}.fits`);
      writeHeaderFile(file, f);
      const g = skyGridFromHeader(readFitsImage(file).keywords, file);
      for (const [x, y] of samples(g)) {
        const s = pixelToWorld(g, x, y)!;
        const p = worldToPixel(g, s.raDeg, s.decDeg)!;
        expect(Math.abs(p.x - x), f.name).toBeLessThan(1e-7);
        expect(Math.abs(p.y - y), f.name).toBeLessThan(1e-7);
      }
    }
  });
});

describe.skipIf(skipInterop(pythonModules('astropy', 'numpy')))('FITS header WCS + SIN projection vs astropy', () => {
  it('agrees with astropy.wcs on the same files to 1e-6 pixel both ways', () => {
    for (const [k, f] of FIELDS.entries()) {
      const file = path.join(tmp, `f${k}.fits`);
      writeHeaderFile(file, f);
      const g = skyGridFromHeader(readFitsImage(file).keywords, file);
      const pts = samples(g);
      const out = runPython(
        `
import sys, json, numpy as np
from astropy.io import fits
from astropy.wcs import WCS
w = WCS(fits.getheader(sys.argv[1])).celestial
pts = np.array(json.loads(sys.stdin.read()))
print(json.dumps(w.all_pix2world(pts, 0).tolist()))
`,
        [file],
        JSON.stringify(pts),
      );
      const world = JSON.parse(out) as [number, number][];
      const px = Math.sqrt(Math.abs(g.cd[0] * g.cd[3] - g.cd[1] * g.cd[2]));
      for (const [i, [x, y]] of pts.entries()) {
        const ours = pixelToWorld(g, x, y)!;
        const [ra, dec] = world[i]!;
        let dra = ours.raDeg - ra;
        if (dra > 180) dra -= 360;
        if (dra < -180) dra += 360;
        // 1e-6 pixel of 6-40" is 2e-9 to 1e-8 degrees.
        expect(Math.abs(dra * Math.cos(dec * D2R)) / px, `${f.name} (${x}, ${y})`).toBeLessThan(1e-6);
        expect(Math.abs(ours.decDeg - dec) / px, `${f.name} (${x}, ${y})`).toBeLessThan(1e-6);
        const back = worldToPixel(g, ra, dec)!;
        expect(Math.abs(back.x - x), f.name).toBeLessThan(1e-6);
        expect(Math.abs(back.y - y), f.name).toBeLessThan(1e-6);
      }
    }
  });
});
