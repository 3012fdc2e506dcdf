// QA acceptance on synthetic images of known sky: a good image passes; a 20 % flux-scale error, a
// 10" position offset and corrupted tiles (blank, zeroed, garbage stripe) fail with the right reasons.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/main/engine/config';
import { openDatabase, type Database } from '../../src/main/engine/db';
import { writeFitsImage } from '../../src/main/engine/fits';
import { assessImageFile, type Assessment } from '../../src/main/engine/qa';
import { importCatalog } from '../../src/main/engine/refcat';
import { Rng } from '../../src/main/engine/sim/rng';
import { combine, synthField, truthCsv, writeSynth } from './synth';

const dir = mkdtempSync(path.join(tmpdir(), 'qa-assess-'));
const config = defaultConfig({ workspace: dir, threads: 1 });
let db: Database;
const field = synthField({ seed: 5, nSources: 40, snrRange: [20, 500] });

beforeAll(() => {
  db = openDatabase(path.join(dir, 'state.sqlite'));
  const csv = path.join(dir, 'truth.csv');
  writeFileSync(csv, truthCsv(field.truth));
  importCatalog(db, csv, { name: 'TRUTH' });
  writeFileSync(csv, truthCsv(field.truth, { raArcsec: 10 }));
  importCatalog(db, csv, { name: 'SHIFTED' });
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function assess(
  name: string,
  data: Float32Array,
  opts: { catalog?: string; tier?: 'quicklook' | 'science' | 'deep' } = {},
): Promise<Assessment> {
  const file = path.join(dir, `${name}.fits`);
  writeSynth(file, field, data);
  // The synthetic sky is not attenuated by a primary beam: it stands for a PB-corrected image.
  return assessImageFile(file, {
    tier: opts.tier ?? 'science',
    config,
    db,
    catalog: opts.catalog ?? 'TRUTH',
    pbCorrected: true,
  });
}

const reason = (a: Assessment, check: string) => a.reasons.find((r) => r.check === check);
const failing = (a: Assessment) =>
  a.reasons
    .filter((r) => r.severity === 'fail')
    .map((r) => r.check)
    .sort();

describe('QA of a good image', () => {
  it('passes: flux ratio within 3 % of 1, astrometric rms well under 1", complete', async () => {
    const a = await assess('good', combine(field));
    expect(a.reasons.filter((r) => r.severity !== 'pass')).toEqual([]);
    expect(a.verdict).toBe('pass');
    expect(Math.abs(a.metrics.fluxRatioMedian! - 1)).toBeLessThan(0.03);
    // Position errors here are ~0.05-0.5" per axis (Condon, SNR 20-500, 16" beam).
    expect(a.metrics.astrometricRmsArcsec!).toBeLessThan(0.5);
    expect(a.metrics.completeness).toBe(1);
    expect(a.metrics.catalogDetectable).toBe(40);
    // The injected noise is 1 mJy/beam: the robust rms must find it (sources cover < 1 % of pixels).
    expect(Math.abs(a.metrics.rmsJy! / field.sigmaJy - 1)).toBeLessThan(0.05);
    expect(a.metrics.blankAreaPct).toBe(0);
    expect(a.metrics.noisyAreaPct).toBe(0);
    expect(Math.abs(a.metrics.sourceSizeRatio! - 1)).toBeLessThan(0.05);
    expect(a.sources.length).toBe(40);
    expect(a.matches.every((m) => m.sourceId !== null)).toBe(true);
    expect(a.metrics.unmatchedBrightFraction).toBe(0);
  });

  it('without a catalog warns at science tier and passes at quicklook', async () => {
    const file = path.join(dir, 'good.fits');
    const sci = await assessImageFile(file, { tier: 'science', config });
    expect(sci.verdict).toBe('warn');
    expect(reason(sci, 'catalog')?.message).toMatch(/no reference catalog given/);
    expect((await assessImageFile(file, { tier: 'quicklook', config })).verdict).toBe('pass');
  });
});

describe('QA of injected problems', () => {
  it('a 20 % flux-scale error fails on the flux scale only', async () => {
    const a = await assess('flux80', combine(field, 0.8));
    expect(failing(a)).toEqual(['flux_scale']);
    expect(a.metrics.fluxRatioMedian!).toBeCloseTo(0.8, 1);
    expect(Math.abs(a.metrics.fluxRatioMedian! - 0.8)).toBeLessThan(0.02);
    expect(reason(a, 'flux_scale')!.message).toMatch(/flux-scale error 2\d\.?\d*% exceeds the fail limit 20%/);
    // 20 % too bright is the same check from the other side: a scale of 1.25 is the mirror of 0.8.
    const hi = await assess('flux125', combine(field, 1.25));
    expect(failing(hi)).toEqual(['flux_scale']);
  });

  it('a 10" position offset fails on astrometry; with a 10" radius about half the matches are lost, so completeness fails too', async () => {
    // The catalog is shifted 10" in RA against the image: every true offset is 10", and the
    // measured ones scatter by the position errors (~0.1-0.5") around it, so about half land
    // just outside the 10" match radius.
    const a = await assess('good-vs-shifted', combine(field), { catalog: 'SHIFTED' });
    expect(reason(a, 'astrometry')!.severity).toBe('fail');
    expect(a.metrics.raOffsetMedianArcsec!).toBeLessThan(-9.5);
    expect(a.metrics.astrometricRmsArcsec!).toBeGreaterThan(9.5);
    expect(a.metrics.completeness!).toBeGreaterThan(0.2);
    expect(a.metrics.completeness!).toBeLessThan(0.8);
    expect(reason(a, 'completeness')!.severity).toBe('fail');
    // The flux scale of what did match is still right: the failure is positional, not photometric.
    expect(reason(a, 'flux_scale')!.severity).toBe('pass');
  });

  it('a blank (NaN) quarter fails on blank area; the sources under it lower completeness', async () => {
    const img = combine(field);
    for (let y = 0; y < 256; y++) for (let x = 0; x < 256; x++) img[y * 512 + x] = Number.NaN;
    const a = await assess('nan-tile', img);
    expect(failing(a)).toEqual(['blank_area']);
    expect(a.metrics.blankAreaPct!).toBeCloseTo(25, 5);
    // The catalog sources under the hole are expected (a plain image covers its whole grid) and missing.
    const under = field.truth.filter((t) => a.matches.some((m) => m.name === t.name && m.sourceId === null)).length;
    expect(under).toBeGreaterThan(3);
    expect(a.metrics.completeness).toBeCloseTo((40 - under) / 40, 10);
    expect(reason(a, 'completeness')!.severity).not.toBe('pass');
  });

  it('a zeroed tile fails on blank area and completeness', async () => {
    const img = combine(field);
    for (let y = 300; y < 450; y++) for (let x = 100; x < 400; x++) img[y * 512 + x] = 0;
    const a = await assess('zero-tile', img);
    expect(failing(a)).toContain('blank_area');
    expect(a.metrics.blankAreaPct!).toBeCloseTo((100 * 150 * 300) / 512 ** 2, 5);
    // Zeros are blanked data, not noise: the rms and the finder ignore them (no spurious islands at the edge).
    expect(Math.abs(a.metrics.rmsJy! / field.sigmaJy - 1)).toBeLessThan(0.05);
    expect(a.metrics.nSources!).toBeLessThan(40);
    // (One source cut in half by the blank edge is found 13" from its catalog position: at most that.)
    expect(a.metrics.unmatchedBrightFraction!).toBeLessThan(0.05);
  });

  it('a stripe of garbage (5 % of the image) fails on noisy area and dynamic range', async () => {
    const img = combine(field);
    const rng = new Rng(99, 'garbage');
    // 26 rows of corrupted data at 30x the noise (e.g. a tile with a bad calibration solution).
    for (let y = 200; y < 226; y++) for (let x = 0; x < 512; x++) img[y * 512 + x] = rng.normal() * 30 * field.sigmaJy;
    const a = await assess('stripe', img);
    expect(failing(a)).toEqual(['dynamic_range', 'noisy_area']);
    expect(a.metrics.noisyAreaPct!).toBeGreaterThan(5);
    // The garbage also breeds spurious islands, far beyond the 40 real sources.
    expect(a.metrics.nSources!).toBeGreaterThan(80);
    expect(a.metrics.unmatchedBrightFraction!).toBeGreaterThan(0.5);
  });
});

describe('QA of malformed inputs', () => {
  it('an image without a restoring beam fails, naming the missing keywords', async () => {
    const file = path.join(dir, 'nobeam.fits');
    const { beam: _beam, ...desc } = field.desc;
    writeFitsImage(file, desc, combine(field));
    const a = await assessImageFile(file, { tier: 'science', config, db, catalog: 'TRUTH', pbCorrected: true });
    expect(reason(a, 'beam_elongation')).toMatchObject({
      severity: 'fail',
      message: 'the image header has no restoring beam (BMAJ/BMIN/BPA)',
    });
    expect(reason(a, 'catalog')?.message).toBe(
      'not evaluated: no restoring beam, so no sources to match against TRUTH',
    );
    expect(a.verdict).toBe('fail');
  });

  it('a noise map on another grid, a missing file, a non-SIN image: errors name the file', async () => {
    const good = path.join(dir, 'good.fits');
    writeSynth(good, field, combine(field));
    const small = path.join(dir, 'small-noise.fits');
    writeFitsImage(
      small,
      { ...field.desc, grid: { ...field.desc.grid, nx: 100, ny: 100 } },
      new Float32Array(100 * 100).fill(1e-3),
    );
    await expect(assessImageFile(good, { tier: 'science', config, noisePath: small })).rejects.toThrow(
      `${small}: the noise map is 100 x 100 pixels; expected the image's 512 x 512`,
    );
    await expect(assessImageFile(path.join(dir, 'none.fits'), { tier: 'science', config })).rejects.toThrow(
      /none\.fits: no such file \(the image to assess\)/,
    );
    await expect(assessImageFile(good, { tier: 'science', config, catalog: 'TRUTH' })).rejects.toThrow(
      /catalog TRUTH was asked for but no database was given/,
    );
  });
});

describe('QA of a mosaic with its effective-noise map', () => {
  it('passes inside the coverage, with the NaN border not counted as blank', async () => {
    const { nx, ny } = field.wcs;
    const noiseMap = new Float32Array(nx * ny);
    const img = new Float32Array(nx * ny);
    // PB-corrected: noise grows as 1/PB towards the edge; NaN where the PB is under 0.3.
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const r2 = ((x - nx / 2) ** 2 + (y - ny / 2) ** 2) / (0.45 * nx) ** 2;
        const pb = Math.exp(-r2 * Math.log(2));
        const i = y * nx + x;
        if (pb < 0.3) {
          img[i] = Number.NaN;
          noiseMap[i] = Number.NaN;
          continue;
        }
        noiseMap[i] = field.sigmaJy / pb;
        img[i] = field.sky[i]! + field.noise[i]! / pb;
      }
    }
    const file = path.join(dir, 'mosaic.fits');
    const noiseFile = path.join(dir, 'mosaic-noise.fits');
    writeFitsImage(file, field.desc, img);
    writeFitsImage(noiseFile, field.desc, noiseMap);
    const a = await assessImageFile(file, { tier: 'science', config, db, catalog: 'TRUTH', noisePath: noiseFile });
    expect(a.reasons.filter((r) => r.severity !== 'pass')).toEqual([]);
    expect(reason(a, 'mosaic_astrometry')?.severity).toBe('pass');
    expect(a.metrics.blankAreaPct).toBe(0);
    // The map is exact here: the measured rms over it is 1 within the MAD's scatter in small boxes.
    expect(Math.abs(a.metrics.noiseMapRatio! - 1)).toBeLessThan(0.05);
    // Only sources with expected SNR > 10 against the local (map) noise count toward completeness.
    for (const m of a.matches) expect(m.detectable).toBe(m.expectedSnr > 10);
    expect(a.metrics.catalogDetectable!).toBeLessThan(a.metrics.catalogInField! + 1);
    expect(Math.abs(a.metrics.fluxRatioMedian! - 1)).toBeLessThan(0.03);
    const bad = new Float32Array(img);
    // A tile lost inside the coverage (the noise map says data should be there): ~10 % of the area.
    for (let y = 200; y < 320; y++) for (let x = 150; x < 350; x++) bad[y * nx + x] = Number.NaN;
    writeFitsImage(file, field.desc, bad);
    const b = await assessImageFile(file, { tier: 'science', config, db, catalog: 'TRUTH', noisePath: noiseFile });
    expect(failing(b)).toContain('blank_area');
  });
});
