// The v3 tables: QA results, mosaic validations and plans round-trip through their repository.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DbConstraintError, openDatabase, type Database } from '../../src/main/engine/db';
import type { MosaicPlanDoc } from '../../src/shared/model/qa';

const PLAN: MosaicPlanDoc = {
  version: 1,
  name: 'night1',
  mode: 'range',
  calibrator: null,
  transitMjd: null,
  window: { startMjd: 61000, endMjd: 61000.04 },
  decDeg: 55.5,
  groups: [
    {
      groupId: '2026-01-15T08:48:13',
      startMjd: 61000.01,
      decDeg: 55.5,
      msPath: '/ms/a.ms',
      converted: true,
      imagePrefix: '/img/a',
    },
  ],
  calibration: { mode: 'reuse', solveGroupId: null, solveMsPath: null, tableIds: [1, 2] },
  method: 'pbweighted',
  tier: 'science',
  catalog: null,
  outputDir: '/out',
  asymmetric: false,
  notes: [],
  missing: [],
};

let dir: string;
let db: Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qa-repo-'));
  db = openDatabase(join(dir, 'state.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('QaRepo', () => {
  it('stores QA results per subject, newest first for latestFor, whole history in order', () => {
    const a = db.qa.insertResult({
      subject: 'mosaic',
      subjectId: 7,
      tier: 'science',
      verdict: 'fail',
      metrics: { rmsJy: 0.001 },
      reasons: [
        {
          check: 'flux_ratio',
          severity: 'fail',
          message: 'median flux ratio 0.80 outside 0.9..1.1',
          value: 0.8,
          limit: 0.9,
        },
      ],
    });
    const b = db.qa.insertResult({
      subject: 'mosaic',
      subjectId: 7,
      tier: 'science',
      verdict: 'pass',
      metrics: { rmsJy: 0.0009 },
      reasons: [],
    });
    db.qa.insertResult({
      subject: 'image',
      subjectId: 7,
      tier: 'quicklook',
      verdict: 'warn',
      metrics: {},
      reasons: [],
    });
    expect(db.qa.latestFor('mosaic', 7)).toEqual(b);
    expect(db.qa.history('mosaic', 7).map((r) => r.id)).toEqual([a.id, b.id]);
    expect(a.reasons[0]?.value).toBe(0.8);
    expect(db.qa.latestFor('mosaic', 8)).toBeUndefined();
  });

  it('refuses an unknown verdict with a validation error naming the field', () => {
    expect(() =>
      db.qa.insertResult({
        subject: 'image',
        subjectId: 1,
        tier: 'science',
        verdict: 'maybe' as 'pass',
        metrics: {},
        reasons: [],
      }),
    ).toThrow(/verdict/);
  });

  it('stores validations with their boolean outcome', () => {
    const g = db.images.insertMosaicGroup({ name: 'g1', decDeg: 55, startMjd: 61000, endMjd: 61000.1 });
    const v = db.qa.insertValidation({
      groupId: g.id,
      ok: false,
      checks: [{ check: 'dec_strip', ok: false, message: 'spread 0.3 deg', imageIds: [1, 2] }],
    });
    expect(v.ok).toBe(false);
    const w = db.qa.insertValidation({ groupId: g.id, ok: true, checks: [] });
    expect(db.qa.latestValidation(g.id)).toEqual(w);
  });

  it('records, updates and lists plans (the declared plan document); names are unique', () => {
    const p = db.qa.insertPlan({ name: 'night1', params: { method: 'pbweighted' }, plan: PLAN });
    expect(p.status).toBe('planned');
    expect(() => db.qa.insertPlan({ name: 'night1', params: {}, plan: PLAN })).toThrow(DbConstraintError);
    const q = db.qa.updatePlan('night1', { status: 'failed' });
    expect(q.status).toBe('failed');
    expect(q.plan).toEqual(PLAN);
    expect(db.qa.listPlans().map((x) => x.name)).toEqual(['night1']);
  });

  it('refuses a plan document that is not a valid plan, naming the field', () => {
    expect(() => db.qa.insertPlan({ name: 'bad', params: {}, plan: { ...PLAN, decDeg: 123 } })).toThrow(/decDeg/);
    expect(() => db.qa.insertPlan({ name: 'bad', params: {}, plan: { ...PLAN, groups: [] } })).toThrow(/groups/);
  });
});
