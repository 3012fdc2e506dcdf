// measureEpoch into the database over 10 synthetic epochs written as FITS (apparent image + PB, as
// the imager writes them): forced rows at catalog positions, components associated into sources,
// a transient missing from the catalog found and flagged new, light curves and candidates.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/main/engine/engine';
import { measureEpoch, resolveTarget } from '../../src/main/engine/photometry/measure';
import { lightCurveOf } from '../../src/main/engine/photometry/lightcurve';
import { importCatalog } from '../../src/main/engine/refcat';
import { pixelToWorld } from '../../src/shared/astro/sin';
import { tempDir } from '../registry/fixtures';
import { truthCsv } from '../qa/synth';
import { makeField, writeEpochs, type SynthField } from './epochs';
import { rmSync } from 'node:fs';
import { PHOTOMETRY_JOB } from '../../src/main/engine/photometry/stage';

const EPOCHS = 10;
let engine: Engine;
let ws: string;
let field: SynthField;
const files: string[] = [];

beforeAll(async () => {
  ws = tempDir('phot');
  engine = await Engine.open({ workspace: ws, env: {}, overrides: { logLevel: 'warn' } });
  field = makeField({ nx: 256, epochs: EPOCHS, sinusoid: 0.2, modulation: 0.4, seed: 9, snrRange: [30, 300] });
  // The catalog holds every source but the transient added below.
  const csv = path.join(ws, 'ref.csv');
  writeFileSync(
    csv,
    truthCsv(field.sources.map((s) => ({ name: s.name, raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.fluxJy }))),
  );
  importCatalog(engine.db, csv, { name: 'REF' });
  const w = pixelToWorld(field.wcs, 128.3, 140.6)!;
  field.sources.push({
    name: 'TRANSIENT',
    raDeg: w.raDeg,
    decDeg: w.decDeg,
    fluxJy: 0,
    variability: { kind: 'transient', t0Mjd: field.mjds[5]!, peakJy: 0.1, riseDays: 0.01, decayDays: 100 },
  });
  field.pbAt.push(0.99);
  files.push(...writeEpochs(field, ws, 'epoch'));
  for (const f of files) measureEpoch(engine.db, resolveTarget(engine.db, f), { catalog: 'REF', pbCut: 0.3 });
}, 120_000);

afterAll(async () => {
  await engine.close();
  rmSync(ws, { recursive: true, force: true });
});

describe('measureEpoch', () => {
  it('records each epoch with its time, beam, primary beam and parameters', () => {
    const epochs = engine.db.photometry.epochs();
    expect(epochs).toHaveLength(EPOCHS);
    for (let k = 0; k < EPOCHS; k++) {
      const e = epochs[k]!;
      expect(e.path).toBe(files[k]);
      expect(e.mjd).toBeCloseTo(field.mjds[k]!, 6);
      expect(e.pbApplied).toBe(true);
      expect(e.pbPath).toBe(files[k]!.replace('-image.fits', '-pb.fits'));
      expect(e.beamMajorArcsec).toBeCloseTo(field.beam.majorArcsec, 6);
      // The catalog's sources, and before epoch 5 the transient (measured there once it was found).
      expect(e.nForced).toBe(field.sources.length - 1 + (k < 5 ? 1 : 0));
      expect(e.nComponents).toBeGreaterThanOrEqual(field.sources.length - 1);
    }
  });

  it('gives every catalog source a light curve with a forced point per epoch near the truth', () => {
    for (const s of field.sources.slice(0, -1)) {
      const ref = engine.db.sources.findByName('REF', s.name)!;
      const src = engine.db.photometry.sourceOfRef(ref.id)!;
      const lc = lightCurveOf(engine.db, src.id);
      expect(lc).toHaveLength(EPOCHS);
      expect(lc.every((p) => p.kind === 'forced' && p.detected)).toBe(true);
      // The components found were associated with the catalog source, not left as new sources.
      expect(src.nDetections).toBe(EPOCHS);
    }
  });

  it('finds the transient: a new source, flagged new against the earlier epochs', () => {
    const t = field.sources.at(-1)!;
    const near = engine.db.photometry.cone(t.raDeg, t.decDeg, 20 / 3600);
    expect(near).toHaveLength(1);
    const s = near[0]!;
    expect(s.refSourceId).toBeNull();
    expect(s.isNew).toBe(true);
    expect(s.newSigma!).toBeGreaterThan(50);
    expect(engine.db.photometry.search({ newOnly: true }).map((n) => n.id)).toEqual([s.id]);
    // Detected from epoch 5 on; the earlier epochs measured afterwards (forced): upper limits, no detection.
    const lc = lightCurveOf(engine.db, s.id);
    expect(lc).toHaveLength(EPOCHS);
    expect(lc.map((p) => p.detected)).toEqual(field.mjds.map((_, k) => k >= 5));
    for (const p of lc.slice(0, 5)) {
      expect(p.kind).toBe('forced');
      expect(Math.abs(p.peakJy / p.peakErrJy)).toBeLessThan(4);
      expect(p.upperLimitJy).toBeCloseTo(5 * p.noiseJy, 12);
    }
    expect(lc[5]!.peakJy).toBeGreaterThan(0.08);
  });

  it('ranks the injected sinusoids among the candidates and no constant source', () => {
    const candidates = engine.db.photometry.search({ candidatesOnly: true });
    const byRef = new Map(field.sources.map((s) => [s.name, s]));
    let variables = 0;
    let constant = 0;
    for (const c of candidates) {
      if (c.refSourceId === null) continue;
      const ref = engine.db.sources.getSource(c.refSourceId)!;
      if (byRef.get(ref.name)!.variability.kind === 'sinusoid') variables++;
      else constant++;
    }
    const injected = field.sources.filter((s) => s.variability.kind === 'sinusoid').length;
    expect(injected).toBeGreaterThan(3);
    expect(variables).toBe(injected);
    expect(constant).toBe(0);
  });

  it('re-measuring an epoch replaces it rather than adding duplicates', () => {
    const before = engine.db.photometry.epochs().length;
    measureEpoch(engine.db, resolveTarget(engine.db, files[3]!), { catalog: 'REF', pbCut: 0.3 });
    expect(engine.db.photometry.epochs()).toHaveLength(before);
    const s = field.sources[0]!;
    const ref = engine.db.sources.findByName('REF', s.name)!;
    expect(lightCurveOf(engine.db, engine.db.photometry.sourceOfRef(ref.id)!.id)).toHaveLength(EPOCHS);
  });

  it('runs as the photometry stage of a job, and a second job verifies as done', async () => {
    const ws2 = tempDir('phot-job');
    const e2 = await Engine.open({ workspace: ws2, env: {}, overrides: { logLevel: 'warn' } });
    try {
      importCatalog(e2.db, path.join(ws, 'ref.csv'), { name: 'REF' });
      const targets = files.slice(0, 3);
      const job = await e2.run(e2.submit(PHOTOMETRY_JOB, { targets, catalog: 'REF', pbCut: 0.3 }));
      expect(job.state).toBe('succeeded');
      const epochs = e2.db.photometry.epochs();
      expect(epochs.map((e) => e.path)).toEqual(targets);
      expect(epochs.every((e) => e.nForced === field.sources.length - 1)).toBe(true);
      const again = await e2.run(e2.submit(PHOTOMETRY_JOB, { targets, catalog: 'REF', pbCut: 0.3 }));
      expect(again.state).toBe('succeeded');
      expect(e2.db.photometry.epochs().map((e) => e.id)).toEqual(epochs.map((e) => e.id));
      const bad = await e2.run(e2.submit(PHOTOMETRY_JOB, { targets: [path.join(ws2, 'missing.fits')] }));
      expect(bad.state).toBe('failed');
      expect(bad.error).toMatch(/missing\.fits: no such file/);
    } finally {
      await e2.close();
      rmSync(ws2, { recursive: true, force: true });
    }
  }, 60_000);
});
