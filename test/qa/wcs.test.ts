// The SIN WCS against astropy (pixel <-> world on real FITS headers), and its own round trip.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFitsImage, writeFitsImage, type FitsImageDescription } from '../../src/main/engine/fits';
import { localJacobian, pixToWorld, sinWcs, sinWcsFromHeader, worldToPix } from '../../src/main/engine/qa/wcs';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';

const tmp = mkdtempSync(path.join(tmpdir(), 'qa-wcs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Large fields at several declinations, including one near the pole and one crossing RA 0. */
const FIELDS: FitsImageDescription[] = [
  { nx: 2048, ny: 2048, crval1: 128.7, crval2: 54.57, crpix1: 1025, crpix2: 1025, cdelt1: -6 / 3600, cdelt2: 6 / 3600, freqHz: 1.4e9, bandwidthHz: 1e8, bunit: 'JY/BEAM' },
  { nx: 1000, ny: 600, crval1: 0.3, crval2: 16.3, crpix1: 501, crpix2: 301, cdelt1: -20 / 3600, cdelt2: 20 / 3600, freqHz: 1.4e9, bandwidthHz: 1e8, bunit: 'JY/BEAM' },
  { nx: 512, ny: 512, crval1: 270, crval2: 86.5, crpix1: 257, crpix2: 257, cdelt1: -40 / 3600, cdelt2: 40 / 3600, freqHz: 1.4e9, bandwidthHz: 1e8, bunit: 'JY/BEAM' },
];

function samples(d: FitsImageDescription): [number, number][] {
  const pts: [number, number][] = [];
  for (const fx of [0, 0.13, 0.5, 0.77, 1]) for (const fy of [0, 0.31, 0.5, 0.9, 1]) pts.push([fx * (d.nx - 1), fy * (d.ny - 1)]);
  pts.push([10.25, 3.75], [(d.nx - 1) / 2 + 0.5, (d.ny - 1) / 2 - 0.25]);
  return pts;
}

describe('SIN WCS', () => {
  it('round-trips pixel -> world -> pixel to 1e-7 pixel', () => {
    for (const d of FIELDS) {
      const w = sinWcs(d);
      for (const [x, y] of samples(d)) {
        const s = pixToWorld(w, x, y);
        const p = worldToPix(w, s.ra, s.dec);
        expect(Math.abs(p.x - x)).toBeLessThan(1e-7);
        expect(Math.abs(p.y - y)).toBeLessThan(1e-7);
      }
    }
  });

  it('puts the reference pixel at CRVAL, east to the left (CDELT1 < 0) and the pixel scale right', () => {
    const d = FIELDS[0]!;
    const w = sinWcs(d);
    const c = pixToWorld(w, d.crpix1 - 1, d.crpix2 - 1);
    expect(c.ra).toBeCloseTo(d.crval1, 10);
    expect(c.dec).toBeCloseTo(d.crval2, 10);
    const j = localJacobian(w, d.crpix1 - 1, d.crpix2 - 1);
    expect(j[0]).toBeCloseTo(-6, 6);
    expect(j[3]).toBeCloseTo(6, 6);
  });

  it('reads the header: CD matrices and an unsupported projection named', () => {
    const keywords = new Map<string, string | number | boolean>([
      ['NAXIS1', 100], ['NAXIS2', 100], ['CTYPE1', 'RA---TAN'], ['CTYPE2', 'DEC--TAN'], ['CRPIX1', 51], ['CRPIX2', 51],
      ['CRVAL1', 10], ['CRVAL2', 20], ['CDELT1', -0.01], ['CDELT2', 0.01],
    ]);
    expect(() => sinWcsFromHeader(keywords, 'x.fits')).toThrow(/x\.fits: CTYPE1\/CTYPE2 are "RA---TAN"\/"DEC--TAN"; expected RA---SIN\/DEC--SIN/);
    keywords.set('CTYPE1', 'RA---SIN').set('CTYPE2', 'DEC--SIN').set('CD1_1', -0.01).set('CD2_2', 0.01).set('CD1_2', 0.001);
    const w = sinWcsFromHeader(keywords, 'x.fits');
    expect(w.cd).toEqual([-0.01, 0.001, 0, 0.01]);
    keywords.delete('CRVAL2');
    expect(() => sinWcsFromHeader(keywords, 'x.fits')).toThrow(/x\.fits: header keyword CRVAL2 is missing/);
  });
});

describe.skipIf(skipInterop(pythonModules('astropy', 'numpy')))('SIN WCS vs astropy', () => {
  it('agrees with astropy.wcs to 1e-6 pixel both ways', () => {
    for (const [k, d] of FIELDS.entries()) {
      const file = path.join(tmp, `f${k}.fits`);
      writeFitsImage(file, d, new Float32Array(d.nx * d.ny));
      const w = sinWcsFromHeader(readFitsImage(file).keywords, file);
      const pts = samples(d);
      const out = runPython(`
import sys, json, numpy as np
from astropy.io import fits
from astropy.wcs import WCS
w = WCS(fits.getheader(sys.argv[1])).celestial
pts = np.array(json.loads(sys.stdin.read()))
world = w.all_pix2world(pts, 0)
print(json.dumps(world.tolist()))
`, [file], JSON.stringify(pts));
      const world = JSON.parse(out) as [number, number][];
      for (const [i, [x, y]] of pts.entries()) {
        const ours = pixToWorld(w, x, y);
        const [ra, dec] = world[i]!;
        let dra = ours.ra - ra;
        if (dra > 180) dra -= 360;
        if (dra < -180) dra += 360;
        // 1e-6 pixel of 6-40" is 2e-9 to 1e-8 degrees.
        const px = Math.abs(d.cdelt2);
        expect(Math.abs(dra * Math.cos((dec * Math.PI) / 180)) / px).toBeLessThan(1e-6);
        expect(Math.abs(ours.dec - dec) / px).toBeLessThan(1e-6);
        const back = worldToPix(w, ra, dec);
        expect(Math.abs(back.x - x)).toBeLessThan(1e-6);
        expect(Math.abs(back.y - y)).toBeLessThan(1e-6);
      }
    }
  });
});
