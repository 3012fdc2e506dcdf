// The pipeline's job kinds run through the engine's job runner: a simulated 0834+555 transit
// group is converted, calibrated (solve + apply) and imaged, each a job resumable from the
// database, and the products land in the database.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_S } from '../../src/shared/instrument';
import { formatIsoUtc, parseIsoUtc, transitMjd } from '../../src/shared/astro';
import type { Engine } from '../../src/main/engine/engine';
import { indexDirectory } from '../../src/main/engine/ingest/indexer';
import { simulate } from '../../src/main/engine/sim/simulate';
import { openTestEngine, tempDir } from './helpers';

const tmp = tempDir('dsa110-pipeline-');
let engine: Engine;
let groupId: string;

beforeAll(async () => {
  engine = await openTestEngine(path.join(tmp.dir, 'ws'), { overrides: { threads: 2 } });
  const cal = engine.db.calibration.getCalibrator('0834+555')!;
  const t = transitMjd(
    (cal.raDeg * Math.PI) / 180,
    (cal.decDeg * Math.PI) / 180,
    parseIsoUtc('2026-02-01T00:00:00'),
    'next',
  );
  const raw = path.join(tmp.dir, 'raw');
  await simulate(
    {
      outDir: raw,
      start: formatIsoUtc(t - CHUNK_S / 2 / 86400, 0).slice(0, 19),
      minutes: 5,
      decDeg: cal.decDeg,
      antennas: 24,
      channelsPerSubband: 4,
      seed: 5,
      corruptions: { deadAntennas: 1, rfi: false },
    },
    engine.native(),
  );
  const r = await indexDirectory(engine.db, raw);
  groupId = r.groups[0]!.id;
});
afterAll(async () => {
  await engine.close();
  tmp.remove();
});

describe('pipeline job kinds on the engine', () => {
  it('registers convert, calibrate and image when the engine opens', () => {
    const kinds = engine.registry.jobKinds().map((k) => k.kind);
    expect(kinds).toEqual(expect.arrayContaining(['convert', 'calibrate', 'image']));
  });

  it('converts, calibrates and images a group through the job runner', async () => {
    const convert = await engine.run(engine.submit('convert', { groupId, outputDir: engine.paths.ms }));
    expect(convert.state).toBe('succeeded');
    const ms = engine.db.ms.list({ groupId })[0]!;
    expect(existsSync(ms.path)).toBe(true);

    const calibrate = await engine.run(engine.submit('calibrate', { msPath: ms.path, calibrator: '0834+555' }));
    expect(calibrate.state, calibrate.error ?? '').toBe('succeeded');
    expect(
      engine.db.calibration
        .listTables({})
        .map((t) => t.kind)
        .sort(),
    ).toEqual(['B', 'Gap', 'Gp']);
    expect(engine.db.ms.require(ms.id).status).toBe('calibrated');

    const prefix = path.join(engine.paths.images, 'transit');
    const image = await engine.run(
      engine.submit('image', {
        msPath: ms.path,
        prefix,
        tier: 'quick',
        size: 256,
        cellArcsec: 20,
        column: 'CORRECTED_DATA',
      }),
    );
    expect(image.state, image.error ?? '').toBe('succeeded');
    expect(existsSync(`${prefix}-image.fits`)).toBe(true);
    const images = engine.db.images.listImages({});
    expect(images.length).toBeGreaterThan(0);
    // The calibrator sits at the phase centre: the brightest thing in the image is near its flux
    // attenuated by the beam only slightly (it transits mid-chunk), within the quick tier's
    // dirty-image sidelobe confusion.
    const main = images.find((i) => i.path.endsWith('-image.fits'));
    expect(main?.peakJy).toBeGreaterThan(7);
    expect(main?.peakJy).toBeLessThan(9.5);
  });

  it('skips finished work when the same job kind runs again', async () => {
    const again = await engine.run(engine.submit('convert', { groupId, outputDir: engine.paths.ms }));
    expect(again.state).toBe('succeeded');
    const runs = engine.db.jobs.stageRuns(again.id);
    expect(runs.map((r) => r.state)).toEqual(['skipped']);
  });
});
