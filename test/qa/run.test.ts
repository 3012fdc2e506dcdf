// runQa in the product lifecycle: staged products move to qa_passed / qa_failed with the reasons
// in the audit trail, warn follows publishing.minQaTier; QA never publishes, and a passed product
// is auto-published (when enabled) only by its caller's explicit step, publishAfterQa.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Engine } from '../../src/main/engine/engine';
import { writeFitsImage } from '../../src/main/engine/fits';
import { runQa } from '../../src/main/engine/qa';
import { importCatalog } from '../../src/main/engine/refcat';
import { publishAfterQa, registerProduct } from '../../src/main/engine/registry';
import { tempDir } from '../registry/fixtures';
import { combine, synthField, truthCsv, writeSynth } from './synth';

const field = synthField({ seed: 5, nSources: 40, snrRange: [20, 500] });
const open: Engine[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(overrides: Record<string, unknown> = {}): Promise<Engine> {
  const ws = tempDir('qa');
  dirs.push(ws);
  const engine = await Engine.open({ workspace: ws, env: {}, overrides: { logLevel: 'warn', ...overrides } });
  open.push(engine);
  const csv = path.join(ws, 'truth.csv');
  writeFileSync(csv, truthCsv(field.truth));
  importCatalog(engine.db, csv, { name: 'TRUTH' });
  return engine;
}

/** A staged image file, its images row and its registered product. */
async function stagedImage(
  engine: Engine,
  id: string,
  scale = 1,
  msId: number | null = null,
): Promise<{ imageId: number }> {
  const file = path.join(engine.paths.staging, `${id}.fits`);
  writeSynth(file, field, combine(field, scale));
  const row = engine.db.images.insertImage({
    // pbcor: the synthetic sky is not attenuated by a primary beam.
    path: file,
    kind: 'pbcor',
    centerRaDeg: field.desc.grid.crval1,
    centerDecDeg: field.desc.grid.crval2,
    widthPx: field.wcs.nx,
    heightPx: field.wcs.ny,
    cellArcsec: 5,
    freqHz: 1.4e9,
    msId,
  });
  await registerProduct(engine, { kind: 'image', stagedPath: file });
  return { imageId: row.id };
}

describe('runQa', () => {
  it('passes a good staged image: qa_passed, result stored with the product, summary in the metadata', async () => {
    const engine = await setup();
    const { imageId } = await stagedImage(engine, 'img-good');
    const r = await runQa(engine, 'img-good', { catalog: 'TRUTH' });
    expect(r.verdict).toBe('pass');
    expect(r.transition).toEqual({ from: 'staging', to: 'qa_passed' });
    expect(r.product?.status).toBe('qa_passed');
    expect(r).not.toHaveProperty('published');
    expect(engine.db.qa.latestForProduct('img-good')).toMatchObject({
      id: r.id,
      subject: 'image',
      subjectId: imageId,
      tier: 'science',
      verdict: 'pass',
    });
    expect(r.product?.metadata.qa).toMatchObject({ resultId: r.id, verdict: 'pass', failed: [], warned: [] });
    const events = engine.db.products.events('img-good');
    expect(events.at(-1)).toMatchObject({ actor: 'pipeline', fromStatus: 'staging', toStatus: 'qa_passed' });
    expect(events.at(-1)?.note).toMatch(/^QA science: pass \(all \d+ checks passed\)$/);
  });

  it('fails a 20 % flux-scale error with the reason in the audit trail; a re-run after a fix passes', async () => {
    const engine = await setup();
    await stagedImage(engine, 'img-flux', 0.8);
    const r = await runQa(engine, 'img-flux', { catalog: 'TRUTH' });
    expect(r.verdict).toBe('fail');
    expect(r.product?.status).toBe('qa_failed');
    const note = engine.db.products.events('img-flux').at(-1)?.note ?? '';
    expect(note).toMatch(/^QA science: fail: \[fail\] flux_scale: flux-scale error 2\d.*exceeds the fail limit 20%/);
    expect(r.product?.metadata.qa).toMatchObject({ failed: ['flux_scale'] });
    // The same product assessed again (after the file was repaired): back to staging, then passed.
    writeSynth(r.file, field, combine(field));
    const again = await runQa(engine, 'img-flux', { catalog: 'TRUTH' });
    expect(again.transition).toEqual({ from: 'qa_failed', to: 'qa_passed' });
    expect(engine.db.products.events('img-flux').map((e) => e.toStatus)).toEqual([
      'staging',
      'qa_failed',
      'staging',
      'qa_passed',
    ]);
    expect(engine.db.qa.history('image', again.subjectId).map((q) => q.verdict)).toEqual(['fail', 'pass']);
  });

  it('uses the configured qa.catalog when none is named', async () => {
    const engine = await setup({ 'qa.catalog': 'TRUTH' });
    await stagedImage(engine, 'img-cfg');
    const r = await runQa(engine, 'img-cfg');
    expect(r.verdict).toBe('pass');
    expect(r.metrics.catalogMatched).toBe(40);
    const other = await setup({ 'qa.catalog': 'NVSS' });
    await stagedImage(other, 'img-cfg');
    await expect(runQa(other, 'img-cfg')).rejects.toThrow(
      /no reference catalog named "NVSS" \(configured as qa\.catalog\) \(have: TRUTH\)/,
    );
  });

  it('a warn verdict passes only when publishing.minQaTier is warn', async () => {
    // Without a catalog a science-tier assessment warns (flux scale and astrometry unchecked).
    const strict = await setup();
    await stagedImage(strict, 'img-warn');
    const a = await runQa(strict, 'img-warn');
    expect(a.verdict).toBe('warn');
    expect(a.product?.status).toBe('qa_failed');
    const lenient = await setup({ 'publishing.minQaTier': 'warn' });
    await stagedImage(lenient, 'img-warn');
    expect((await runQa(lenient, 'img-warn')).product?.status).toBe('qa_passed');
  });

  it("never publishes, even with publishing.autoPublish on; the caller's publishAfterQa does", async () => {
    const engine = await setup({ 'publishing.autoPublish': true });
    await stagedImage(engine, 'img-pub');
    const r = await runQa(engine, 'img-pub', { catalog: 'TRUTH' });
    expect(r.product?.status).toBe('qa_passed');
    expect(engine.db.products.require('img-pub').status).toBe('qa_passed');
    const after = await publishAfterQa(engine, r);
    expect(after.published?.outcome).toBe('published');
    expect(after.publishError).toBeNull();
    expect(after.product?.status).toBe('published');
    expect(after.product?.publishedPath).toBe(path.join(engine.paths.products, 'img-pub.fits'));
    expect(engine.db.products.events('img-pub').map((e) => `${e.toStatus}:${e.actor}`)).toEqual([
      'staging:pipeline',
      'qa_passed:pipeline',
      'approved:pipeline',
      'published:pipeline',
    ]);
    // A failed product is never published.
    await stagedImage(engine, 'img-bad', 0.8);
    const bad = await runQa(engine, 'img-bad', { catalog: 'TRUTH' });
    expect(await publishAfterQa(engine, bad)).toMatchObject({
      published: null,
      publishError: null,
      product: { status: 'qa_failed' },
    });
    // Nor one QA passed with auto-publish off: it waits for a reviewer.
    const off = await setup();
    await stagedImage(off, 'img-wait');
    const waits = await runQa(off, 'img-wait', { catalog: 'TRUTH' });
    expect(await publishAfterQa(off, waits)).toMatchObject({
      published: null,
      publishError: null,
      product: { status: 'qa_passed' },
    });
  });

  it('judges the flagged fractions of the input MS and of the calibration tables that apply to it', async () => {
    const engine = await setup();
    const mid = 60950.5;
    const ms = engine.db.ms.insert({
      path: path.join(engine.paths.ms, 'obs.ms'),
      startMjd: mid - 0.002,
      endMjd: mid + 0.002,
      midMjd: mid,
      decDeg: 54.57,
      flaggedFraction: 0.55,
    });
    for (const [kind, f] of [
      ['B', 0.25],
      ['G', 0.05],
    ] as const) {
      engine.db.calibration.insertTable({
        path: path.join(engine.paths.caltables, `x.${kind}`),
        kind,
        solveMjd: mid,
        validStartMjd: mid - 1,
        validEndMjd: mid + 1,
        status: 'valid',
        qa: { flaggedFraction: f },
      });
    }
    // A stale table of the same kind outside its window must not count.
    engine.db.calibration.insertTable({
      path: path.join(engine.paths.caltables, 'old.B'),
      kind: 'B',
      solveMjd: mid - 5,
      validStartMjd: mid - 6,
      validEndMjd: mid - 4,
      status: 'valid',
      qa: { flaggedFraction: 0.9 },
    });
    await stagedImage(engine, 'img-flags', 1, ms.id);
    const r = await runQa(engine, 'img-flags', { catalog: 'TRUTH' });
    expect(r.metrics.msFlaggedPct).toBeCloseTo(55, 10);
    expect(r.metrics.calFlaggedPct).toBeCloseTo(25, 10);
    expect(r.reasons.find((x) => x.check === 'ms_flagged')).toMatchObject({
      severity: 'fail',
      value: expect.closeTo(55, 8) as number,
      limit: 50,
    });
    expect(r.reasons.find((x) => x.check === 'cal_flagged')).toMatchObject({ severity: 'warn', limit: 20 });
    expect(r.product?.status).toBe('qa_failed');
  });

  it('assesses a mosaic product (a directory with <id>.fits and <id>-noise.fits) against its noise map', async () => {
    const engine = await setup();
    const dir = path.join(engine.paths.staging, 'mos-a');
    mkdirSync(dir);
    const { nx, ny } = field.wcs;
    const noiseMap = new Float32Array(nx * ny);
    const img = new Float32Array(nx * ny);
    for (let i = 0; i < img.length; i++) {
      // A strip mosaic: the top and bottom 40 rows are outside the coverage (NaN in both maps).
      const y = Math.floor(i / nx);
      const inside = y >= 40 && y < ny - 40;
      noiseMap[i] = inside ? field.sigmaJy : Number.NaN;
      img[i] = inside ? field.sky[i]! + field.noise[i]! : Number.NaN;
    }
    writeFitsImage(path.join(dir, 'mos-a.fits'), field.desc, img);
    writeFitsImage(path.join(dir, 'mos-a-noise.fits'), field.desc, noiseMap);
    const group = engine.db.images.insertMosaicGroup({
      name: 'mos-a',
      decDeg: 54.57,
      startMjd: 60950,
      endMjd: 60950.03,
    });
    const m = engine.db.images.insertMosaic({
      path: path.join(dir, 'mos-a.fits'),
      groupId: group.id,
      method: 'pbweighted',
      nImages: 10,
      startMjd: 60950,
      endMjd: 60950.03,
    });
    await registerProduct(engine, { kind: 'mosaic', stagedPath: dir });
    const r = await runQa(engine, 'mos-a', { catalog: 'TRUTH' });
    expect(r).toMatchObject({
      subject: 'mosaic',
      subjectId: m.id,
      verdict: 'pass',
      file: path.join(dir, 'mos-a.fits'),
    });
    expect(r.metrics.medianNoiseMapJy).toBeCloseTo(field.sigmaJy, 10);
    expect(r.metrics.blankAreaPct).toBe(0);
    expect(r.reasons.find((x) => x.check === 'mosaic_astrometry')?.severity).toBe('pass');
    // Catalog sources off the strip are outside the coverage: neither expected nor missed.
    expect(r.metrics.catalogInField!).toBeLessThan(field.truth.length);
    expect(r.metrics.completeness).toBe(1);
    expect((await runQa(engine, `mosaic:${m.id}`, { catalog: 'TRUTH' })).productId).toBe('mos-a');
  });

  it('finds the primary beam beside an uncorrected image (<prefix>-pb.fits) and compares attenuated fluxes', async () => {
    const engine = await setup();
    const { nx, ny } = field.wcs;
    const pb = new Float32Array(nx * ny);
    const img = new Float32Array(nx * ny);
    for (let i = 0; i < img.length; i++) {
      const x = i % nx;
      const y = Math.floor(i / nx);
      // A Gaussian beam at half power 256 pixels from the centre: fluxes attenuated by up to 2x.
      pb[i] = Math.exp((-Math.LN2 * ((x - nx / 2) ** 2 + (y - ny / 2) ** 2)) / 256 ** 2);
      img[i] = field.sky[i]! * pb[i]! + field.noise[i]!;
    }
    const file = path.join(engine.paths.staging, 'obs-image.fits');
    writeFitsImage(file, field.desc, img);
    writeFitsImage(path.join(engine.paths.staging, 'obs-pb.fits'), { ...field.desc, bunit: '' }, pb);
    engine.db.images.insertImage({
      path: file,
      kind: 'clean',
      centerRaDeg: field.desc.grid.crval1,
      centerDecDeg: field.desc.grid.crval2,
      widthPx: nx,
      heightPx: ny,
      cellArcsec: 5,
      freqHz: 1.4e9,
    });
    await registerProduct(engine, { kind: 'image', stagedPath: file });
    const r = await runQa(engine, 'obs-image', { catalog: 'TRUTH' });
    expect(r.verdict).toBe('pass');
    expect(Math.abs(r.metrics.fluxRatioMedian! - 1)).toBeLessThan(0.03);
    // Without the beam the catalog fluxes are not attenuated and the flux scale looks ~25 % low.
    rmSync(path.join(engine.paths.staging, 'obs-pb.fits'));
    const blind = await runQa(engine, 'obs-image', { catalog: 'TRUTH' });
    expect(blind.metrics.fluxRatioMedian!).toBeLessThan(0.85);
    expect(blind.reasons.find((x) => x.check === 'flux_scale')?.severity).toBe('fail');
    // ... and the reviewer is told why the comparison is suspect.
    expect(blind.reasons.find((x) => x.check === 'primary_beam')?.severity).toBe('warn');
    expect(r.reasons.find((x) => x.check === 'primary_beam')).toBeUndefined();
  });

  it('reports a failed auto-publish without failing QA: the staged product waits for dsa110 publish', async () => {
    const engine = await setup({ 'publishing.autoPublish': true });
    await stagedImage(engine, 'img-nopub');
    process.env.DSA110_FAULT = 'publish:rename=EPERM';
    try {
      const r = await runQa(engine, 'img-nopub', { catalog: 'TRUTH' });
      expect(r.verdict).toBe('pass');
      const after = await publishAfterQa(engine, r);
      expect(after.published).toBeNull();
      expect(after.publishError).toMatch(/EPERM/);
      expect(after.product?.status).toBe('approved');
      expect(engine.db.qa.latestForProduct('img-nopub')).toMatchObject({ id: r.id, verdict: 'pass' });
      // The registry approved it on the way to publishing; the staged file is intact for a retry.
      expect(engine.db.products.require('img-nopub').status).toBe('approved');
      expect(existsSync(r.file)).toBe(true);
    } finally {
      delete process.env.DSA110_FAULT;
    }
  });

  it('assesses a row by image:N, and names what is wrong with a bad subject', async () => {
    const engine = await setup();
    const { imageId } = await stagedImage(engine, 'img-row');
    const r = await runQa(engine, `image:${imageId}`, { catalog: 'TRUTH', tier: 'deep' });
    expect(r).toMatchObject({ subject: 'image', subjectId: imageId, tier: 'deep', productId: 'img-row' });
    await expect(runQa(engine, 'nope')).rejects.toThrow(
      /no product with id "nope" \(expected a product id, image:N or mosaic:N\)/,
    );
    await expect(runQa(engine, 'image:999')).rejects.toThrow(/no image with id 999/);
    await expect(runQa(engine, 'img-row', { catalog: 'NVSS' })).rejects.toThrow(
      /no reference catalog named "NVSS" \(have: TRUTH\)/,
    );
    const ms = path.join(engine.paths.staging, 'obs1.ms');
    writeFileSync(ms, 'x');
    await registerProduct(engine, { kind: 'ms', stagedPath: ms });
    await expect(runQa(engine, 'obs1')).rejects.toThrow(/product obs1 is a ms; QA assesses images and mosaics/);
  });
});
