// Every request of the API contract against a real engine on a temporary workspace: data written
// through the repositories and the job runner, replies validated by the contract, domain errors.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BAND_CENTRE_HZ } from '../../src/main/engine/api';
import type { Engine } from '../../src/main/engine/engine';
import { lastRad } from '../../src/shared/astro';
import { ApiError } from '../../src/shared/api';
import { ARRAY_CENTRE, DISH_DIAMETER_M } from '../../src/shared/instrument';
import { populate, T0, type Populated } from '../db/populate';
import { call, openTestEngine, registerTestJobs, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let engine: Engine;
let data: Populated;
let twoJob: string;

beforeAll(async () => {
  tmp = tempDir('dsa110-handlers-');
  engine = await openTestEngine(tmp.dir);
  registerTestJobs(engine);
  data = populate(engine.db);
  twoJob = engine.submit('test.two', {});
  await engine.run(twoJob);
});
afterAll(async () => {
  await engine.close();
  tmp.remove();
});

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('app.info and config.get', () => {
  it('reports the package, the runtime and the workspace', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
    const info = await call(engine, 'app.info', {});
    expect(info).toMatchObject({ appName: pkg.name, version: pkg.version, runtime: 'node', workspace: tmp.dir });
    expect(info.versions.node).toBe(process.versions.node);
    expect(info.startedMjd).toBe(engine.startedMjd);
  });

  it('returns the resolved configuration with the origin of every key', async () => {
    const view = await call(engine, 'config.get', {});
    expect(view.path).toBeNull();
    expect(view.values.workspace).toBe(tmp.dir);
    expect(view.values.threads).toBe(1);
    expect((view.values.imaging as { niter: number }).niter).toBe(1000);
    expect(view.origins['imaging.niter']).toBe('the default');
    expect(view.origins.threads).toBe('override');
  });
});

describe('jobs', () => {
  it('lists jobs newest first with totals and a state filter', async () => {
    const all = await call(engine, 'jobs.list', {});
    expect(all.total).toBe(2);
    expect(all.items.map((j) => j.id)).toEqual([twoJob, data.job.id]);
    const running = await call(engine, 'jobs.list', { states: ['running'] });
    expect(running.items.map((j) => j.id)).toEqual([data.job.id]);
    const page = await call(engine, 'jobs.list', { limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 2, offset: 1, limit: 1 });
    expect(page.items.map((j) => j.id)).toEqual([data.job.id]);
    expect((await call(engine, 'jobs.list', { kind: 'test.two' })).items.map((j) => j.state)).toEqual(['succeeded']);
  });

  it('gets a job with its stage runs in graph order', async () => {
    const { job, stages } = await call(engine, 'jobs.get', { id: twoJob });
    expect(job.state).toBe('succeeded');
    expect(stages.map((s) => [s.stageId, s.state, s.outputs])).toEqual([
      ['first', 'succeeded', { value: 1 }],
      ['second', 'succeeded', { value: 2 }],
    ]);
    const err = await rejection(call(engine, 'jobs.get', { id: 'no-such-job' }));
    expect(err.code).toBe('not_found');
    expect(err.message).toBe('request "jobs.get": no job with id "no-such-job"');
  });

  it('pages the persisted log lines, filters by stage and level, tails after an id', async () => {
    const all = await call(engine, 'jobs.logs', { jobId: twoJob });
    expect(all.hasMore).toBe(false);
    expect(all.items.some((l) => l.message === 'value 2' && l.stageId === 'second')).toBe(true);
    const ids = all.items.map((l) => l.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const first2 = await call(engine, 'jobs.logs', { jobId: twoJob, limit: 2 });
    expect(first2.items.map((l) => l.id)).toEqual(ids.slice(0, 2));
    expect(first2.hasMore).toBe(true);
    const tail = await call(engine, 'jobs.logs', { jobId: twoJob, afterId: ids[ids.length - 2] });
    expect(tail.items.map((l) => l.id)).toEqual(ids.slice(-1));
    const warns = await call(engine, 'jobs.logs', { jobId: twoJob, minLevel: 'warn' });
    expect(warns.items.map((l) => [l.stageId, l.message])).toEqual([
      ['first', 'a warning for the log filters'],
      ['second', 'a warning for the log filters'],
    ]);
    const second = await call(engine, 'jobs.logs', { jobId: twoJob, stageId: 'second' });
    expect(second.items.length).toBeGreaterThan(0);
    expect(second.items.every((l) => l.stageId === 'second')).toBe(true);
    expect((await rejection(call(engine, 'jobs.logs', { jobId: 'nope' }))).code).toBe('not_found');
  });

  it('cancels a queued job (reason in its log), reports a finished one as not accepted, and refuses an unknown id', async () => {
    const id = engine.submit('test.two', {});
    const r = await call(engine, 'jobs.cancel', { id, reason: 'wrong declination' });
    expect(r.accepted).toBe(true);
    expect(r.job.state).toBe('cancelled');
    const logs = await call(engine, 'jobs.logs', { jobId: id });
    expect(logs.items.map((l) => [l.level, l.message])).toContainEqual(['warn', 'cancel requested: wrong declination']);
    const again = await call(engine, 'jobs.cancel', { id: twoJob });
    expect(again).toMatchObject({ accepted: false, job: { id: twoJob, state: 'succeeded' } });
    expect((await rejection(call(engine, 'jobs.cancel', { id: 'nope' }))).code).toBe('not_found');
  });

  it('cancels a job running in this process: its run ends cancelled', async () => {
    const id = engine.submit('test.wait', {});
    const started = new Promise<void>((resolve) => {
      const off = engine.onJobEvent((e) => {
        if (e.type === 'stage' && e.jobId === id && e.state === 'running') {
          off();
          resolve();
        }
      });
    });
    const run = engine.run(id);
    await started;
    const r = await call(engine, 'jobs.cancel', { id });
    expect(r.accepted).toBe(true);
    const final = await run;
    expect(final.state).toBe('cancelled');
    const { stages } = await call(engine, 'jobs.get', { id });
    expect(stages.map((s) => s.state)).toEqual(['cancelled']);
  });
});

describe('groups, measurement sets, images', () => {
  it('lists ingest groups with filters', async () => {
    const groups = await call(engine, 'groups.list', {});
    expect(groups.total).toBe(1);
    expect(groups.items[0]).toMatchObject({ id: data.group.id, state: 'completed', presentSubbands: 16 });
    expect((await call(engine, 'groups.list', { decMinDeg: 60 })).total).toBe(0);
    expect((await call(engine, 'groups.list', { states: ['completed'], startMjd: T0 - 1, endMjd: T0 + 1 })).total).toBe(
      1,
    );
  });

  it('lists measurement sets with filters', async () => {
    const ms = await call(engine, 'ms.list', { groupId: data.group.id });
    expect(ms.items.map((m) => m.path)).toEqual([data.ms.path]);
    expect((await call(engine, 'ms.list', { statuses: ['converted'] })).total).toBe(0);
    expect((await call(engine, 'ms.list', { statuses: ['calibrated'], decMinDeg: 54, decMaxDeg: 55 })).total).toBe(1);
  });

  it('lists images by MS, kind and tier', async () => {
    engine.db.images.insertImage({
      path: path.join(tmp.dir, 'dirty.fits'),
      msId: data.ms.id,
      kind: 'dirty',
      centerRaDeg: 128.73,
      centerDecDeg: 54.57,
      widthPx: 1024,
      heightPx: 1024,
      cellArcsec: 6,
      freqHz: 1.405e9,
    });
    const all = await call(engine, 'images.list', { msId: data.ms.id });
    expect(all.total).toBe(2);
    const clean = await call(engine, 'images.list', { kinds: ['clean'] });
    expect(clean.items.map((i) => i.id)).toEqual([data.image.id]);
    expect((await call(engine, 'images.list', { tier: 'science' })).items.map((i) => i.path)).toEqual([
      data.image.path,
    ]);
  });
});

describe('products', () => {
  const register = (id: string) => {
    engine.db.products.register(
      { id, kind: 'image', path: `/p/${id}.fits`, sha256: 'cd'.repeat(32), sizeBytes: 10 },
      'pipeline',
    );
    engine.db.products.transition(id, 'qa_failed', { actor: 'pipeline', note: 'dynamic range 4' });
  };

  it('lists and gets products with their audit trail', async () => {
    const list = await call(engine, 'products.list', { statuses: ['published'] });
    expect(list.items.map((p) => p.id)).toEqual([data.product.id]);
    const { product, events } = await call(engine, 'products.get', { id: data.product.id });
    expect(product.publishedPath).toBe('/archive/mosaics/dec54.57-60950.58.fits');
    expect(events.map((e) => e.toStatus)).toEqual(['staging', 'qa_passed', 'approved', 'published']);
    expect((await rejection(call(engine, 'products.get', { id: 'missing' }))).code).toBe('not_found');
  });

  it('approves a product that failed QA (an override) recording reviewer and comment', async () => {
    register('img-override');
    const { product } = await call(engine, 'products.approve', {
      id: 'img-override',
      reviewer: 'alice',
      comment: 'artefact is a known RFI burst',
    });
    expect(product).toMatchObject({ status: 'approved', reviewer: 'alice', comment: 'artefact is a known RFI burst' });
    const { events } = await call(engine, 'products.get', { id: 'img-override' });
    expect(events.at(-1)).toMatchObject({
      actor: 'alice',
      fromStatus: 'qa_failed',
      toStatus: 'approved',
      note: 'artefact is a known RFI burst',
    });
  });

  it('rejects with a comment; illegal moves are conflicts naming the allowed ones', async () => {
    register('img-bad');
    const { product } = await call(engine, 'products.reject', { id: 'img-bad', reviewer: 'bob', comment: 'sidelobes' });
    expect(product).toMatchObject({ status: 'rejected', reviewer: 'bob', comment: 'sidelobes' });
    const conflict = await rejection(call(engine, 'products.approve', { id: data.product.id, reviewer: 'bob' }));
    expect(conflict.code).toBe('conflict');
    expect(conflict.message).toContain(
      'is published and cannot become approved (allowed from published: none, it is final)',
    );
    const again = await rejection(
      call(engine, 'products.reject', { id: 'img-bad', reviewer: 'bob', comment: 'twice' }),
    );
    expect(again.code).toBe('conflict');
    expect(again.message).toContain('allowed from rejected: staging');
    expect((await rejection(call(engine, 'products.reject', { id: 'nope', reviewer: 'bob', comment: 'x' }))).code).toBe(
      'not_found',
    );
    // The contract requires a reason for a rejection.
    await expect(call(engine, 'products.reject', { id: 'img-bad', reviewer: 'bob', comment: '  ' })).rejects.toThrow(
      /field "comment"/,
    );
  });
});

describe('calibrators.search', () => {
  const DEG = Math.PI / 180;
  // First zero-crossing-free root of (2 J1(x)/x)^2 = 1/2: the Airy half-power point.
  const AIRY_HALF_POWER_X = 1.616339948;
  const halfPowerDeg =
    Math.asin((AIRY_HALF_POWER_X * (299792458 / BAND_CENTRE_HZ)) / (Math.PI * DISH_DIAMETER_M)) / DEG;

  it('seeds the curated VLA list and ranks by beam-weighted flux', async () => {
    expect(engine.db.calibration.listCalibrators().length).toBe(210);
    const { items } = await call(engine, 'calibrators.search', { decDeg: 55.5725, afterMjd: T0 });
    expect(items[0]?.calibrator.name).toBe('0834+555');
    expect(items[0]?.decOffsetDeg).toBeCloseTo(0, 4);
    expect(items[0]?.beamWeightedFluxJy).toBeCloseTo(8.8, 4);
    expect(items[0]?.beamModel).toBe('airy-4.65m');
    for (const m of items) {
      expect(Math.abs(m.calibrator.decDeg - 55.5725)).toBeLessThanOrEqual(2.5);
      expect(m.calibrator.flux1400Jy).toBeGreaterThanOrEqual(1);
      expect(m.beamWeightedFluxJy).toBeLessThanOrEqual(m.calibrator.flux1400Jy);
    }
    const weights = items.map((m) => m.beamWeightedFluxJy);
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
  });

  it('weights by the primary-beam power: half the flux at the half-power offset', async () => {
    // A strip near the pole holds no catalog entry; put three synthetic ones there.
    const add = (name: string, decDeg: number, flux1400Jy: number) =>
      engine.db.calibration.upsertCalibrator({
        name,
        raDeg: 10,
        decDeg,
        flux1400Jy,
        spectralIndex: -0.7,
        catalog: 'test',
        positionCode: null,
        uvMinKlambda: null,
        uvMaxKlambda: null,
      });
    add('T-centre', 88, 2);
    add('T-half', 88 - halfPowerDeg, 10);
    add('T-faint', 89.9, 0.5);
    const { items } = await call(engine, 'calibrators.search', {
      decDeg: 88,
      radiusDeg: 2,
      minFluxJy: 1,
      afterMjd: T0,
    });
    expect(items.map((m) => m.calibrator.name)).toEqual(['T-half', 'T-centre']);
    expect(items[0]?.beamWeightedFluxJy).toBeCloseTo(5, 5);
    expect(items[1]?.beamWeightedFluxJy).toBeCloseTo(2, 9);
    expect(
      (await call(engine, 'calibrators.search', { decDeg: 88, radiusDeg: 2, minFluxJy: 0, limit: 1, afterMjd: T0 }))
        .items,
    ).toHaveLength(1);
  });

  it('gives the next upper transit: after the given time, within a sidereal day, LAST = RA there', async () => {
    const { items } = await call(engine, 'calibrators.search', { decDeg: 54.57, afterMjd: T0 });
    expect(items.length).toBeGreaterThan(2);
    for (const m of items) {
      expect(m.nextTransitMjd).toBeGreaterThan(T0);
      expect(m.nextTransitMjd).toBeLessThan(T0 + 0.9973);
      // Apparent RA differs from J2000 RA by precession (~0.5 deg here by 2025).
      const last = lastRad(m.nextTransitMjd, ARRAY_CENTRE.longitudeDeg) / DEG;
      const diff = ((last - m.calibrator.raDeg + 540) % 360) - 180;
      expect(Math.abs(diff)).toBeLessThan(1);
    }
  });

  it("uses the configured beam model (the calibration code's narrower cos^4 beam)", async () => {
    const other = tempDir('dsa110-beam-');
    const e2 = await openTestEngine(other.dir, { overrides: { threads: 1, 'imaging.beamModel': 'dsa110-cal' } });
    try {
      const { items } = await call(e2, 'calibrators.search', { decDeg: 54.57, afterMjd: T0 });
      const airy = (await call(engine, 'calibrators.search', { decDeg: 54.57, afterMjd: T0 })).items;
      expect(items[0]?.beamModel).toBe('dsa110-cal-4.65m');
      const byName = new Map(airy.map((m) => [m.calibrator.name, m.beamWeightedFluxJy]));
      // FWHM 1.85 deg vs 2.7 deg: every off-centre calibrator is weighted down more.
      for (const m of items)
        if (m.decOffsetDeg > 0.1) expect(m.beamWeightedFluxJy).toBeLessThan(byName.get(m.calibrator.name) ?? 0);
    } finally {
      await e2.close();
      other.remove();
    }
  });
});

describe('calibrators.get', () => {
  it('finds a calibrator by any of its names, saying which matched', async () => {
    for (const [name, matchedAs] of [
      ['3C286', 'alternate'],
      ['3c286', 'alternate'],
      ['J1331+3030', 'J2000'],
      ['B1328+307', 'B1950'],
      ['1331+305', 'J2000'],
    ] as const) {
      const r = await call(engine, 'calibrators.get', { name });
      expect(r.calibrator.name, name).toBe('1331+305');
      expect(r.matchedAs, name).toBe(matchedAs);
    }
    expect((await call(engine, 'calibrators.get', { name: '3c 48' })).calibrator).toMatchObject({
      name: '0137+331',
      altName: '3C48',
    });
  });

  it('answers not_found naming the name, and invalid_input listing the candidates of an ambiguous one', async () => {
    await expect(call(engine, 'calibrators.get', { name: '3C999' })).rejects.toMatchObject({
      code: 'not_found',
      field: 'name',
      message: 'request "calibrators.get": no calibrator with name "3C999"',
    });
    const base = {
      raDeg: 150,
      decDeg: 23.2,
      flux1400Jy: 3,
      spectralIndex: -0.7,
      catalog: 'test',
      positionCode: null,
      uvMinKlambda: null,
      uvMaxKlambda: null,
    };
    engine.db.calibration.upsertCalibrator({ ...base, name: '1012+232', b1950Name: '1009+234' });
    engine.db.calibration.upsertCalibrator({ ...base, name: '1014+230', b1950Name: '1012+232' });
    const err = await call(engine, 'calibrators.get', { name: '1012+232' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'invalid_input', field: 'name' });
    expect((err as Error).message).toContain(
      'ambiguous in the calibrator catalog: 1012+232 (B1950 1009+234) as J1012+232; 1014+230 (B1950 1012+232) as B1012+232',
    );
    expect((await call(engine, 'calibrators.get', { name: 'B1012+232' })).calibrator.name).toBe('1014+230');
  });
});
