// The job API's requests against a real engine on a temporary workspace: every new request with
// valid input and with invalid input (the error names the field, and nothing is written), the
// frozen parameters of a submission, idempotency keys, retry, and the coverage counted in SQL.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHandlers } from '../../src/main/engine/api';
import type { Engine } from '../../src/main/engine/engine';
import {
  ApiError,
  validateInput,
  validateOutput,
  type RequestArgs,
  type RequestName,
  type RequestOutput,
} from '../../src/shared/api';
import { parseIsoUtc, transitMjd } from '../../src/shared/astro';
import { populate, T0, type Populated } from '../db/populate';
import { openTestEngine, registerTestJobs, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let engine: Engine;
let data: Populated;
/** Jobs the handlers asked to start (they are not started: the test drives the runner itself). */
const started: string[] = [];

async function call<K extends RequestName>(channel: K, args: RequestArgs<K>): Promise<RequestOutput<K>> {
  const handler = createApiHandlers(engine, { startJob: (_e, id) => started.push(id) })[channel] as (
    i: unknown,
    c: { requestId: undefined; signal: AbortSignal },
  ) => Promise<unknown>;
  const out = await handler(validateInput(channel, args), {
    requestId: undefined,
    signal: new AbortController().signal,
  });
  return validateOutput(channel, out);
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** Rows per table, to show that a refused request wrote nothing. */
function counts(): Record<string, number> {
  const out: Record<string, number> = {};
  const sql = new Sqlite(engine.paths.database, { readonly: true });
  try {
    for (const t of ['jobs', 'stage_runs', 'mosaic_plans', 'products', 'caltables'])
      out[t] = (sql.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  } finally {
    sql.close();
  }
  return out;
}

beforeAll(async () => {
  tmp = tempDir('dsa110-jobapi-');
  engine = await openTestEngine(tmp.dir);
  registerTestJobs(engine);
  data = populate(engine.db);
});
afterAll(async () => {
  await engine.close();
  tmp.remove();
});

describe('jobs.submit: bad input is refused with the field named, and nothing is written', () => {
  const cases: [string, unknown, string][] = [
    ['unknown job type', { type: 'mosaic.sideways', params: {} }, 'type'],
    [
      'unknown field in params',
      { type: 'convert', params: { groupId: '2025-10-02T14:03:07', color: 'red' } },
      'params.color',
    ],
    [
      'unknown top-level field',
      { type: 'convert', params: { groupId: '2025-10-02T14:03:07' }, priority: 1 },
      'priority',
    ],
    ['wrong type', { type: 'convert', params: { groupId: 20251002 } }, 'params.groupId'],
    ['malformed group id', { type: 'convert', params: { groupId: '2025-10-02 14:03' } }, 'params.groupId'],
    [
      'bad ISO time',
      { type: 'mosaic.range', params: { name: 'r1', since: 'yesterday', until: '2025-10-03T00:00:00' } },
      'params.since',
    ],
    [
      'impossible date',
      { type: 'mosaic.range', params: { name: 'r1', since: '2025-02-30T00:00:00', until: '2025-10-03T00:00:00' } },
      'params.since',
    ],
    [
      'until before since',
      { type: 'mosaic.range', params: { name: 'r1', since: '2025-10-03T00:00:00', until: '2025-10-02T00:00:00' } },
      'params.until',
    ],
    ['negative image size', { type: 'image', params: { msPath: 'ms/x.ms', size: -512 } }, 'params.size'],
    ['robust out of range', { type: 'image', params: { msPath: 'ms/x.ms', robust: 5 } }, 'params.robust'],
    [
      'timespan of zero',
      { type: 'mosaic.centered', params: { calibrator: '0834+555', timespanMin: 0 } },
      'params.timespanMin',
    ],
    ['declination beyond the pole', { type: 'mosaic.next', params: { decDeg: 91 } }, 'params.decDeg'],
    ['unknown QA tier', { type: 'qa', params: { productId: 'p', tier: 'gold' } }, 'params.tier'],
    [
      'mosaic name with a dot',
      { type: 'mosaic.range', params: { name: 'a.b', since: '2025-10-02', until: '2025-10-03' } },
      'params.name',
    ],
    [
      'bad idempotency key',
      { type: 'convert', params: { groupId: '2025-10-02T14:03:07' }, idempotencyKey: 'has spaces' },
      'idempotencyKey',
    ],
    ['dryRun not a boolean', { type: 'convert', params: { groupId: '2025-10-02T14:03:07' }, dryRun: 'yes' }, 'dryRun'],
    ['missing params', { type: 'calibrate' }, 'params'],
  ];
  it.each(cases)('%s -> invalid_input naming %s', async (_what, input, field) => {
    const before = counts();
    const err = await rejection(call('jobs.submit', input as RequestArgs<'jobs.submit'>));
    expect(err.code).toBe('invalid_input');
    expect(err.field).toBe(field);
    expect(err.message).toContain(field.split('.').pop() ?? field);
    expect(counts()).toEqual(before);
  });

  it('domain errors: unknown calibrator, group or product -> not_found; a path outside the workspace -> invalid_input', async () => {
    const before = counts();
    const cal = await rejection(call('jobs.submit', { type: 'mosaic.centered', params: { calibrator: 'NoSuchCal' } }));
    expect([cal.code, cal.field]).toEqual(['not_found', 'params.calibrator']);
    const group = await rejection(call('jobs.submit', { type: 'convert', params: { groupId: '2031-01-01T00:00:00' } }));
    expect([group.code, group.field]).toEqual(['not_found', 'params.groupId']);
    const product = await rejection(call('jobs.submit', { type: 'qa', params: { productId: 'no-such-product' } }));
    expect([product.code, product.field]).toEqual(['not_found', 'params.productId']);
    const outside = await rejection(call('jobs.submit', { type: 'calibrate', params: { msPath: '../../etc/x.ms' } }));
    expect([outside.code, outside.field]).toEqual(['invalid_input', 'params.msPath']);
    expect(outside.message).toMatch(/outside the workspace/);
    const absolute = await rejection(
      call('jobs.submit', { type: 'convert', params: { groupId: data.group.id, outputDir: '/tmp/elsewhere' } }),
    );
    expect([absolute.code, absolute.field]).toEqual(['invalid_input', 'params.outputDir']);
    const notMs = await rejection(call('jobs.submit', { type: 'image', params: { msPath: 'ms/none.ms' } }));
    expect([notMs.code, notMs.field]).toEqual(['not_found', 'params.msPath']);
    expect(counts()).toEqual(before);
    expect(started).toEqual([]);
  });
});

describe('jobs.submit: frozen parameters, dry run, idempotency', () => {
  it('a dry run returns the plan, with the configuration it would freeze, and writes nothing', async () => {
    const before = counts();
    const r = await call('jobs.submit', { type: 'convert', params: { groupId: data.group.id }, dryRun: true });
    expect(r.job).toBeNull();
    expect(r.created).toBe(false);
    expect(r.preview?.kind).toBe('convert');
    expect(r.preview?.params).toMatchObject({
      groupId: data.group.id,
      outputDir: path.join(tmp.dir, 'ms'),
      expectedSubbands: 16,
    });
    expect(r.preview?.stages.map((s) => [s.id, s.stage, s.done])).toEqual([['convert', 'convert', false]]);
    expect((r.preview?.config.imaging as { niter: number }).niter).toBe(1000);
    expect(r.preview?.estimate.byStage.convert).toEqual({ count: 1, medianS: null, samples: 0 });
    expect(counts()).toEqual(before);
  });

  it('stores the request, the resolved configuration and the key with the job; the same key returns the same job', async () => {
    const before = counts();
    const first = await call('jobs.submit', {
      type: 'convert',
      params: { groupId: data.group.id },
      idempotencyKey: 'convert-key-1',
    });
    expect(first.created).toBe(true);
    expect(first.job?.kind).toBe('convert');
    expect(first.job?.params).toMatchObject({ groupId: data.group.id, outputDir: path.join(tmp.dir, 'ms') });
    expect(started).toEqual([first.job?.id]);
    const got = await call('jobs.get', { id: first.job?.id ?? '' });
    expect(got.frozen?.request).toEqual({
      type: 'convert',
      params: { groupId: data.group.id, allowIncomplete: false, overwrite: false },
    });
    expect(got.frozen?.idempotencyKey).toBe('convert-key-1');
    expect(got.frozen?.config).toEqual(JSON.parse(JSON.stringify(engine.config)));

    const again = await call('jobs.submit', {
      type: 'convert',
      params: { groupId: data.group.id },
      idempotencyKey: 'convert-key-1',
    });
    expect(again.created).toBe(false);
    expect(again.job?.id).toBe(first.job?.id);
    // Two at once: still one job.
    const [a, b] = await Promise.all([
      call('jobs.submit', { type: 'convert', params: { groupId: data.group.id }, idempotencyKey: 'convert-key-2' }),
      call('jobs.submit', { type: 'convert', params: { groupId: data.group.id }, idempotencyKey: 'convert-key-2' }),
    ]);
    expect(a.job?.id).toBe(b.job?.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(counts().jobs).toBe((before.jobs ?? 0) + 2);

    const conflict = await rejection(
      call('jobs.submit', {
        type: 'convert',
        params: { groupId: data.group.id, overwrite: true },
        idempotencyKey: 'convert-key-1',
      }),
    );
    expect([conflict.code, conflict.field]).toEqual(['conflict', 'idempotencyKey']);
    expect(counts().jobs).toBe((before.jobs ?? 0) + 2);
  });

  it('the key is unique in the database: a second job cannot take it', () => {
    const job = engine.db.jobs.getByIdempotencyKey('convert-key-1');
    expect(job).toBeDefined();
    const r = engine.runner.submitOnce('test.two', {}, { idempotencyKey: 'convert-key-1' });
    expect(r).toEqual({ job, created: false });
    const sql = new Sqlite(engine.paths.database);
    try {
      expect(() => sql.prepare("UPDATE jobs SET idempotency_key = 'convert-key-1' WHERE id <> ?").run(job?.id)).toThrow(
        /UNIQUE/,
      );
    } finally {
      sql.close();
    }
  });
});

describe('jobs.status, jobs.retry, jobs.logs', () => {
  it('status of a job whose process is gone says interrupted; retry starts it with its frozen parameters', async () => {
    const s = await call('jobs.status', { id: data.job.id });
    expect(s).toMatchObject({
      id: data.job.id,
      state: 'running',
      stagesTotal: 2,
      stagesDone: 1,
      running: [],
      interrupted: true,
      products: [],
    });
    started.length = 0;
    const r = await call('jobs.retry', { id: data.job.id });
    expect(r.accepted).toBe(true);
    expect(started).toEqual([data.job.id]);
    expect(engine.db.jobs.logs(data.job.id).at(-1)?.message).toMatch(/^retry requested \(was running, interrupted\)/);
  });

  it('retry of a succeeded job is refused (accepted: false); unknown ids are not_found naming the field', async () => {
    const id = engine.submit('test.two', {});
    await engine.run(id);
    started.length = 0;
    expect((await call('jobs.retry', { id })).accepted).toBe(false);
    expect(started).toEqual([]);
    const st = await call('jobs.status', { id });
    expect(st).toMatchObject({ state: 'succeeded', stagesTotal: 2, stagesDone: 2, interrupted: false, owner: null });
    for (const channel of ['jobs.status', 'jobs.retry'] as const) {
      const err = await rejection(call(channel, { id: 'nope' }));
      expect([err.code, err.field]).toEqual(['not_found', 'id']);
    }
    const bad = await rejection(call('jobs.status', { id: '../x' }));
    expect([bad.code, bad.field]).toEqual(['invalid_input', 'id']);
  });

  it('retry runs a failed job again: the job succeeds with the parameters it was submitted with', async () => {
    const id = engine.submit('test.two', {});
    engine.db.jobs.update(id, { state: 'failed', error: 'made to fail' });
    const handlers = createApiHandlers(engine);
    const r = validateOutput(
      'jobs.retry',
      await handlers['jobs.retry']({ id }, { requestId: undefined, signal: new AbortController().signal }),
    );
    expect(r.accepted).toBe(true);
    // Started in the background of this engine: wait for it.
    const done = await engine.run(id);
    expect(done.state).toBe('succeeded');
  });

  it('logs: exact levels, the newest page (tail), paging backwards, and the total', async () => {
    const id = engine.submit('test.two', {});
    await engine.run(id);
    const all = await call('jobs.logs', { jobId: id, limit: 2000 });
    expect(all.total).toBe(all.items.length);
    const warns = await call('jobs.logs', { jobId: id, levels: ['warn'] });
    expect(warns.items.length).toBe(2);
    expect(warns.items.every((l) => l.level === 'warn')).toBe(true);
    const tail = await call('jobs.logs', { jobId: id, tail: true, limit: 3 });
    expect(tail.items.map((l) => l.id)).toEqual(all.items.slice(-3).map((l) => l.id));
    expect(tail.hasMore).toBe(true);
    const before = await call('jobs.logs', { jobId: id, beforeId: tail.items[0]?.id ?? 0, limit: 2 });
    expect(before.items.map((l) => l.id)).toEqual(all.items.slice(-5, -3).map((l) => l.id));
    const stage = await call('jobs.logs', { jobId: id, stageId: 'second', levels: ['info', 'warn'] });
    expect(stage.items.every((l) => l.stageId === 'second')).toBe(true);
    const err = await rejection(call('jobs.logs', { jobId: id, levels: ['loud'] as never }));
    expect([err.code, err.field]).toEqual(['invalid_input', 'levels[0]']);
  });
});

describe('mosaics.list, mosaics.plan, qa.get, products.publish', () => {
  it('lists built mosaics and recorded plans, newest first, with product and QA state', async () => {
    engine.db.qa.insertPlan({
      name: 'plan_only',
      params: {},
      plan: {
        version: 1,
        name: 'plan_only',
        mode: 'range',
        calibrator: null,
        transitMjd: null,
        window: { startMjd: T0 + 1, endMjd: T0 + 1.03 },
        decDeg: 55.5,
        groups: [
          {
            groupId: 'g1',
            startMjd: T0 + 1,
            decDeg: 55.5,
            msPath: '/ws/ms/g1.ms',
            converted: false,
            imagePrefix: '/ws/images/g1',
          },
        ],
        calibration: { mode: 'reuse', solveGroupId: null, solveMsPath: null, tableIds: [] },
        method: 'pbweighted',
        tier: 'science',
        catalog: null,
        outputDir: '/ws/mosaics/plan_only',
        asymmetric: false,
        notes: [],
        missing: [],
      },
    });
    const page = await call('mosaics.list', {});
    expect(page.total).toBe(2);
    const byName = new Map(page.items.map((m) => [m.name, m]));
    expect(byName.get('plan_only')).toMatchObject({
      planStatus: 'planned',
      mosaicId: null,
      startMjd: T0 + 1,
      decDeg: 55.5,
      productStatus: null,
    });
    expect(byName.get(data.mosaic.path.replace(/.*\//, '').replace('.fits', ''))).toMatchObject({
      mosaicId: data.mosaic.id,
      productStatus: 'published',
      nImages: 1,
      decDeg: 54.57,
    });
    expect((await call('mosaics.list', { planStatuses: ['planned'] })).items.map((m) => m.name)).toEqual(['plan_only']);
    expect((await call('mosaics.list', { productStatuses: ['published'] })).total).toBe(1);
    expect((await call('mosaics.list', { startMjd: T0 + 0.9, endMjd: T0 + 2 })).items.map((m) => m.name)).toEqual([
      'plan_only',
    ]);
    const err = await rejection(call('mosaics.list', { startMjd: 2, endMjd: 1 }));
    expect([err.code, err.field]).toEqual(['invalid_input', 'startMjd']);
  });

  it('plans a mosaic without writing; a request it cannot plan says why', async () => {
    const before = counts();
    const err = await rejection(
      call('mosaics.plan', {
        type: 'mosaic.range',
        params: { name: 'r2', since: '2030-01-01T00:00:00', until: '2030-01-02T00:00:00' },
      }),
    );
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/no registered data/);
    const bad = await rejection(call('mosaics.plan', { type: 'convert', params: {} } as never));
    expect([bad.code, bad.field]).toEqual(['invalid_input', 'type']);
    expect(counts()).toEqual(before);
  });

  it("qa.get returns each check's value, limit and verdict, and the history", async () => {
    const id = data.product.id;
    const reasons = [
      {
        check: 'imageDynamicRange',
        severity: 'pass' as const,
        message: 'dynamic range 6750 >= 10',
        value: 6750,
        limit: 10,
      },
      { check: 'blankAreaPct', severity: 'warn' as const, message: 'blank area 2 % > 1 %', value: 2, limit: 1 },
    ];
    engine.db.qa.insertResult({
      subject: 'mosaic',
      subjectId: data.mosaic.id,
      productId: id,
      tier: 'quicklook',
      verdict: 'pass',
      metrics: {},
      reasons: [],
    });
    engine.db.qa.insertResult({
      subject: 'mosaic',
      subjectId: data.mosaic.id,
      productId: id,
      tier: 'science',
      verdict: 'warn',
      metrics: { rmsJy: 0.001 },
      reasons,
    });
    const q = await call('qa.get', { productId: id });
    expect(q).toMatchObject({
      subject: 'mosaic',
      subjectId: data.mosaic.id,
      productId: id,
      tier: 'science',
      verdict: 'warn',
      metrics: { rmsJy: 0.001 },
    });
    expect(q.checks).toEqual([
      { check: 'imageDynamicRange', verdict: 'pass', value: 6750, limit: 10, message: 'dynamic range 6750 >= 10' },
      { check: 'blankAreaPct', verdict: 'warn', value: 2, limit: 1, message: 'blank area 2 % > 1 %' },
    ]);
    expect(q.history.map((h) => h.tier)).toEqual(['quicklook']);
    expect((await call('qa.get', { mosaicId: data.mosaic.id })).verdict).toBe('warn');
    const two = await rejection(call('qa.get', { productId: id, mosaicId: 1 }));
    expect([two.code, two.field]).toEqual(['invalid_input', 'productId']);
    const none = await rejection(call('qa.get', {}));
    expect(none.field).toBe('productId');
    const missing = await rejection(call('qa.get', { imageId: 999 }));
    expect([missing.code, missing.field]).toEqual(['not_found', 'imageId']);
  });

  it('products.publish runs a publish job; an unknown product is not_found, an unreviewed one a conflict', async () => {
    const r = await call('products.publish', { id: data.product.id, actor: 'alice' });
    expect(r.outcome).toBe('already-published');
    expect(r.product.status).toBe('published');
    expect(engine.db.jobs.require(r.jobId)).toMatchObject({ kind: 'publish', state: 'succeeded' });
    const missing = await rejection(call('products.publish', { id: 'no-such' }));
    expect([missing.code, missing.field]).toEqual(['not_found', 'params.productId']);
    engine.db.products.register(
      {
        id: 'staged1',
        kind: 'mosaic',
        path: path.join(tmp.dir, 'staging', 'staged1'),
        sha256: 'cd'.repeat(32),
        sizeBytes: 1,
      },
      'pipeline',
    );
    const jobsBefore = counts().jobs;
    const staged = await rejection(call('products.publish', { id: 'staged1' }));
    expect([staged.code, staged.field]).toEqual(['conflict', 'params.productId']);
    expect(staged.message).toMatch(/staging/);
    expect(counts().jobs).toBe(jobsBefore);
    const bad = await rejection(call('products.publish', { id: 'has/slash' }));
    expect([bad.code, bad.field]).toEqual(['invalid_input', 'id']);
  });
});

describe('config.setUser', () => {
  it('writes user settings to the workspace config file and the engine takes them; submitted jobs keep theirs', async () => {
    const submitted = await call('jobs.submit', { type: 'convert', params: { groupId: data.group.id } });
    const r = await call('config.setUser', { settings: { 'imaging.niter': 500, 'publishing.autoPublish': true } });
    expect(r.changed.sort()).toEqual(['imaging.niter', 'publishing.autoPublish']);
    expect(r.shadowed).toEqual([]);
    expect(r.path).toBe(path.join(tmp.dir, 'config.json'));
    expect(JSON.parse(readFileSync(path.join(tmp.dir, 'config.json'), 'utf8'))).toEqual({
      imaging: { niter: 500 },
      publishing: { autoPublish: true },
    });
    expect(engine.config.imaging.niter).toBe(500);
    expect((await call('config.get', {})).origins['imaging.niter']).toBe(
      `config file ${path.join(tmp.dir, 'config.json')}`,
    );
    // The job submitted before keeps the configuration it was submitted with; a new one freezes the new one.
    expect((engine.db.jobs.frozen(submitted.job?.id ?? '').config?.imaging as { niter: number }).niter).toBe(1000);
    expect(engine.runner.jobConfig(submitted.job?.id ?? '')?.imaging.niter).toBe(1000);
    const after = await call('jobs.submit', { type: 'convert', params: { groupId: data.group.id } });
    expect((engine.db.jobs.frozen(after.job?.id ?? '').config?.imaging as { niter: number }).niter).toBe(500);
    // null: back to the default, the key leaves the file.
    await call('config.setUser', { settings: { 'publishing.autoPublish': null } });
    expect(engine.config.publishing.autoPublish).toBe(false);
    expect(JSON.parse(readFileSync(path.join(tmp.dir, 'config.json'), 'utf8'))).toEqual({ imaging: { niter: 500 } });
  });

  it('refuses machine settings, unknown keys, sections and invalid values, naming the setting; the file is unchanged', async () => {
    const file = path.join(tmp.dir, 'config.json');
    const before = readFileSync(file, 'utf8');
    const cases: [Record<string, unknown>, string, string][] = [
      [{ 'imaging.niter': -1 }, 'invalid_input', 'settings.imaging.niter'],
      [{ 'imaging.weighting': 'heavy' }, 'invalid_input', 'settings.imaging.weighting'],
      [{ workspace: '/tmp/other' }, 'invalid_input', 'settings.workspace'],
      [{ threads: 64 }, 'invalid_input', 'settings.threads'],
      [{ 'ingest.inputDir': '/data' }, 'invalid_input', 'settings.ingest.inputDir'],
      [{ 'imaging.nope': 1 }, 'invalid_input', 'settings.imaging.nope'],
      [{ imaging: { niter: 1 } }, 'invalid_input', 'settings.imaging'],
      [{ 'calibration.agingH': 1 }, 'invalid_input', 'settings.calibration.agingH'],
    ];
    for (const [settings, code, field] of cases) {
      const err = await rejection(call('config.setUser', { settings: settings as Record<string, never> }));
      expect([err.code, err.field], JSON.stringify(settings)).toEqual([code, field]);
    }
    const empty = await rejection(call('config.setUser', { settings: {} }));
    expect([empty.code, empty.field]).toEqual(['invalid_input', 'settings']);
    const badKey = await rejection(call('config.setUser', { settings: { 'bad key': 1 } }));
    expect(badKey.code).toBe('invalid_input');
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(engine.config.imaging.niter).toBe(500);
  });
});

describe('calibrators.search and calibrators.transits', () => {
  it('finds calibrators by name or alias, case-insensitively; by declination as before', async () => {
    const byAlias = await call('calibrators.search', { name: '3c286' });
    expect(byAlias.items.map((m) => [m.calibrator.name, m.matchedName])).toEqual([['1331+305', '3C286']]);
    const byName = await call('calibrators.search', { name: 'J1331+305' });
    expect(byName.items.map((m) => m.calibrator.name)).toEqual(['1331+305']);
    const byDec = await call('calibrators.search', { decDeg: 30.5, radiusDeg: 1 });
    expect(byDec.items.some((m) => m.calibrator.name === '1331+305')).toBe(true);
    expect(byDec.items.every((m) => m.matchedName === null)).toBe(true);
    const unknown = await rejection(call('calibrators.search', { name: 'NoSuchSource' }));
    expect([unknown.code, unknown.field]).toEqual(['not_found', 'name']);
    const neither = await rejection(call('calibrators.search', {}));
    expect([neither.code, neither.field]).toEqual(['invalid_input', 'decDeg']);
  });

  it('every transit in a time range, one sidereal day apart, with the data covering it', async () => {
    const start = parseIsoUtc('2026-01-10T00:00:00');
    const r = await call('calibrators.transits', { name: '3C286', startMjd: start, endMjd: start + 3 });
    expect(r.items.length).toBe(3);
    expect(r.truncated).toBe(false);
    const gaps = r.items.slice(1).map((t, i) => t.transitMjd - (r.items[i]?.transitMjd ?? 0));
    for (const g of gaps) expect(g).toBeCloseTo(0.99727, 4);
    expect(r.items.every((t) => t.calibrator === '1331+305' && t.groupId === null)).toBe(true);
    // A group starting a minute before a 0834+555 transit covers it.
    const cal = engine.db.calibration.requireCalibrator('0834+555');
    const tr = transitMjd((cal.raDeg * Math.PI) / 180, (cal.decDeg * Math.PI) / 180, T0 + 3, 'next');
    const gid = isoId(tr - 60 / 86400);
    engine.db.ingest.ensureGroup({ id: gid, startMjd: parseIsoUtc(gid), decDeg: 55.57 });
    const covered = await call('calibrators.transits', {
      decDeg: 55.5,
      radiusDeg: 0.5,
      startMjd: T0 + 2,
      endMjd: T0 + 6,
      withDataOnly: true,
    });
    expect(covered.items.map((t) => [t.calibrator, t.groupId])).toEqual([['0834+555', gid]]);
    expect(covered.items[0]?.transitMjd).toBeCloseTo(tr, 9);
    const strip = await call('calibrators.transits', {
      decDeg: 30,
      radiusDeg: 5,
      startMjd: start,
      endMjd: start + 10,
      limit: 5,
    });
    expect(strip.items.length).toBe(5);
    expect(strip.truncated).toBe(true);
    const order = await rejection(call('calibrators.transits', { name: '3C286', startMjd: start + 1, endMjd: start }));
    expect([order.code, order.field]).toEqual(['invalid_input', 'startMjd']);
    const long = await rejection(call('calibrators.transits', { name: '3C286', startMjd: start, endMjd: start + 400 }));
    expect([long.code, long.field]).toEqual(['invalid_input', 'endMjd']);
    const none = await rejection(call('calibrators.transits', { startMjd: start, endMjd: start + 1 }));
    expect(none.field).toBe('decDeg');
  });
});

describe('coverage.summary and images.list', () => {
  it('counts groups per declination strip and time bin in the database', async () => {
    const t0 = parseIsoUtc('2027-03-01T00:00:00');
    const five = 300 / 86400;
    // 12 groups at dec +30.2 over the first hour, 6 at -10.4 in the second, 2 of unknown dec.
    for (let i = 0; i < 12; i++)
      engine.db.ingest.ensureGroup({
        id: isoId(t0 + i * five),
        startMjd: t0 + i * five,
        decDeg: 30.2,
        state: i < 4 ? 'completed' : 'pending',
      });
    for (let i = 0; i < 6; i++)
      engine.db.ingest.ensureGroup({
        id: isoId(t0 + 1 / 24 + i * five + 1 / 86400),
        startMjd: t0 + 1 / 24 + i * five + 1 / 86400,
        decDeg: -10.4,
        state: 'collecting',
      });
    engine.db.ingest.ensureGroup({ id: isoId(t0 + 0.01), startMjd: t0 + 0.01 });
    engine.db.ingest.ensureGroup({ id: isoId(t0 + 0.05), startMjd: t0 + 0.05 });
    const r = await call('coverage.summary', { startMjd: t0, endMjd: t0 + 2 / 24, bins: 2, stripWidthDeg: 1 });
    expect(r.totalGroups).toBe(20);
    expect(r.binWidthDays).toBeCloseTo(1 / 24, 9);
    expect(r.strips.map((s) => [s.decDeg, s.groups, s.converted, s.incomplete, s.total])).toEqual([
      [30, [12, 0], [4, 0], [0, 0], 12],
      [-10, [0, 6], [0, 0], [0, 6], 6],
      [null, [1, 1], [0, 0], [1, 1], 2],
    ]);
    const wide = await call('coverage.summary', { startMjd: t0, endMjd: t0 + 2 / 24, bins: 1, stripWidthDeg: 90 });
    expect(wide.strips.map((s) => [s.decDeg, s.total])).toEqual([
      [0, 18],
      [null, 2],
    ]);
    for (const [args, field] of [
      [{ startMjd: t0, endMjd: t0, bins: 2 }, 'startMjd'],
      [{ startMjd: t0, endMjd: t0 + 1, bins: 0 }, 'bins'],
      [{ startMjd: t0, endMjd: t0 + 1, bins: 10, stripWidthDeg: -1 }, 'stripWidthDeg'],
      [{ startMjd: 'yesterday', endMjd: t0 + 1 }, 'startMjd'],
    ] as const) {
      const err = await rejection(call('coverage.summary', args as never));
      expect([err.code, err.field], JSON.stringify(args)).toEqual(['invalid_input', field]);
    }
  });

  it('images.list filters by declination, MS time and noise', async () => {
    expect((await call('images.list', { decMinDeg: 54, decMaxDeg: 55 })).total).toBe(1);
    expect((await call('images.list', { decMinDeg: 60 })).total).toBe(0);
    expect((await call('images.list', { startMjd: T0, endMjd: T0 + 0.01 })).total).toBe(1);
    expect((await call('images.list', { startMjd: T0 + 0.01 })).total).toBe(0);
    expect((await call('images.list', { maxRmsJy: 0.002 })).total).toBe(1);
    expect((await call('images.list', { maxRmsJy: 0.0005 })).total).toBe(0);
    const err = await rejection(call('images.list', { decMinDeg: 10, decMaxDeg: 0 }));
    expect([err.code, err.field]).toEqual(['invalid_input', 'decMinDeg']);
  });
});

describe('the job model', () => {
  it("a stage runs with the job's frozen configuration, not the one of the engine that resumes it", async () => {
    const seen: number[] = [];
    const { defineStage } = await import('../../src/main/engine/jobs');
    const { z } = await import('zod');
    engine.registry
      .registerStage(
        defineStage({
          name: 'test.config-probe',
          params: z.object({}),
          inputs: () => [],
          outputs: () => [],
          validate: () => undefined,
          verify: () => null,
          execute: async (ctx) => {
            seen.push(ctx.config?.imaging.size ?? -1);
            return {};
          },
          cleanup: () => undefined,
        }),
      )
      .registerJob({
        kind: 'test.probe',
        title: 'probe',
        params: z.object({}),
        build: () => [{ id: 'probe', stage: 'test.config-probe', params: {}, deps: [] }],
      });
    const id = engine.submit('test.probe', {});
    await call('config.setUser', { settings: { 'imaging.size': 1024 } });
    await engine.run(id);
    const fresh = engine.submit('test.probe', {});
    await engine.run(fresh);
    expect(seen).toEqual([2560, 1024]);
    expect(existsSync(path.join(tmp.dir, 'config.json'))).toBe(true);
  });
});

function isoId(mjd: number): string {
  const d = new Date((mjd - 40587) * 86400000);
  return d.toISOString().slice(0, 19);
}
