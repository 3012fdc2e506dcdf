// Mosaic planning on a database of registered raw groups (no data files needed): the window
// around a transit, asymmetric and gapped windows, incomplete groups, calibration reuse, the
// `next` sliding windows, and the clear errors for a calibrator with no data or no calibrator.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transitMjd } from '../../src/shared/astro';
import { CHUNK_S } from '../../src/shared/instrument';
import { defaultConfig, workspacePaths, type Config, type WorkspacePaths } from '../../src/main/engine/config';
import { openDatabase, type Database } from '../../src/main/engine/db';
import { seedCalibrators } from '../../src/main/engine/calibration/calibrators';
import { formatIsoUtc } from '../../src/shared/astro';
import { coveringMosaic, jobGraph, planCentered, planNext, PlanError } from '../../src/main/engine/orchestrator';

const CHUNK_D = CHUNK_S / 86400;
const DEG = Math.PI / 180;
let dir: string;
let db: Database;
let config: Config;
let paths: WorkspacePaths;
let engine: { db: Database; config: Config; paths: WorkspacePaths };

/** 0834+555 transits near this epoch (it is in the curated list seeded into the database). */
function transit(): number {
  const cal = db.calibration.requireCalibrator('0834+555');
  return transitMjd(cal.raDeg * DEG, cal.decDeg * DEG, 61055, 'next');
}

/** Register a group of `subbands` files starting at `startMjd` (ids like the correlator's). */
function addGroup(startMjd: number, decDeg = 55.57, subbands = 16): string {
  const id = formatIsoUtc(startMjd, 0).slice(0, 19);
  db.ingest.ensureGroup({ id, startMjd, decDeg, endMjd: startMjd + CHUNK_D });
  for (let sb = 0; sb < subbands; sb++) {
    db.ingest.addFile({
      path: path.join(dir, `${id}_sb${String(sb).padStart(2, '0')}.hdf5`),
      groupId: id,
      subband: sb,
      startMjd,
      decDeg,
      sizeBytes: 1,
      mtimeMjd: startMjd,
      checksumSha256: null,
    });
  }
  return id;
}

/** Consecutive groups from `fromMin` to `toMin` minutes around `t0` (chunk cadence). */
function addRun(t0: number, fromMin: number, toMin: number, decDeg = 55.57): string[] {
  const ids: string[] = [];
  for (let t = t0 + fromMin / 1440; t < t0 + toMin / 1440; t += CHUNK_D) ids.push(addGroup(t, decDeg));
  return ids;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'orch-plan-'));
  db = openDatabase(path.join(dir, 'state.sqlite'));
  seedCalibrators(db);
  config = defaultConfig({ workspace: dir, threads: 2 });
  paths = workspacePaths(config);
  engine = { db, config, paths };
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('planCentered', () => {
  it('takes the groups within +-25 min of the earliest covered transit and solves on the transit group', () => {
    const t = transit();
    const ids = addRun(t, -40, 40);
    const plan = planCentered(engine, '0834+555', 50);
    expect(plan.window.startMjd).toBeCloseTo(t - 25 / 1440, 9);
    // Groups whose midpoint lies in the 50-min window: 50 / 5.15 min ~ 9.7, so 9 or 10.
    expect(plan.groups.length).toBeGreaterThanOrEqual(9);
    expect(plan.groups.length).toBeLessThanOrEqual(10);
    const solve = plan.calibration.solveGroupId;
    expect(solve).not.toBeNull();
    const sg = db.ingest.requireGroup(solve ?? '');
    expect(sg.startMjd).toBeLessThanOrEqual(t);
    expect(sg.startMjd + CHUNK_D).toBeGreaterThan(t);
    expect(plan.asymmetric).toBe(false);
    expect(plan.groups.map((g) => g.groupId)).toEqual(ids.filter((id) => plan.groups.some((g) => g.groupId === id)));
    expect(plan.name).toMatch(/^mosaic_0834\+555_\d{8}T\d{4}$/);
    expect(plan.outputDir).toBe(path.join(paths.staging, plan.name));
  });

  it('says a window is asymmetric when the data start after it opens, down to 3 images', () => {
    const t = transit();
    addRun(t, -8, 40);
    const plan = planCentered(engine, '0834+555', 50);
    expect(plan.asymmetric).toBe(true);
    expect(plan.notes[0]).toMatch(/asymmetric window: data cover .* before and .* after the transit/);
    expect(plan.missing[0]?.reason).toBe('no data');
  });

  it('refuses a window with fewer than mosaic.minImages images, saying how many there are', () => {
    const t = transit();
    addRun(t, -3, 3);
    expect(() => planCentered(engine, '0834+555', 50)).toThrow(/only 2 usable 5-minute group\(s\).*at least 3/);
  });

  it('leaves out groups with missing subbands and reports the gap', () => {
    const t = transit();
    const ids = addRun(t, -40, 5);
    const next = db.ingest.requireGroup(ids[ids.length - 1] ?? '').startMjd + CHUNK_D;
    const incomplete = addGroup(next, 55.57, 12); // an incomplete group right after the transit
    addRun(next + CHUNK_D, 0, 25);
    const plan = planCentered(engine, '0834+555', 50);
    expect(plan.missing.some((m) => m.reason === 'only 12 of 16 subbands on disk')).toBe(true);
    expect(plan.notes.some((n) => /left out: only 12 of 16 subbands/.test(n))).toBe(true);
    expect(plan.groups.map((g) => g.groupId)).not.toContain(incomplete);
    // The hole it leaves (one chunk, 5.15 min) is within mosaic.maxGapMin (6), so no 'no data' gap.
    expect(plan.missing.filter((m) => m.reason === 'no data')).toEqual([]);
  });

  it('names the calibrator and the data declination when no transit is covered', () => {
    const t = transit();
    addRun(t + 0.3, 0, 30, 20.1); // data elsewhere in the sky
    expect(() => planCentered(engine, '0834+555', 50)).toThrow(PlanError);
    expect(() => planCentered(engine, '0834+555', 50)).toThrow(
      /0834\+555 \(dec 55\.\d+\) has no data.*data are at dec 20\.10/,
    );
    expect(() => planCentered(engine, 'NOPE', 50)).toThrow(/calibrator NOPE is not in the calibrator catalog/);
  });

  it('reuses registered tables valid over the whole window instead of solving', () => {
    const t = transit();
    addRun(t, -25, 25);
    const solved = planCentered(engine, '0834+555', 50);
    expect(solved.calibration.mode).toBe('solve');
    const table = (kind: 'B' | 'Gap', file: string) => {
      writeFileSync(path.join(dir, file), '');
      return db.calibration.insertTable({
        path: path.join(dir, file),
        kind,
        status: 'valid',
        calibrator: '0834+555',
        refAnt: 'DSA-104',
        solveMjd: t,
        validStartMjd: t - 1,
        validEndMjd: t + 1,
      });
    };
    const b = table('B', 'x.B');
    const g = table('Gap', 'x.Gap');
    const plan = planCentered(engine, '0834+555', 50);
    expect(plan.calibration).toEqual({ mode: 'reuse', solveGroupId: null, solveMsPath: null, tableIds: [b.id, g.id] });
    expect(jobGraph({ plan, autoPublish: true, register: true }).map((s) => s.id)).not.toContain('solve');
    // A table file deleted from disk is not reused: the plan solves again.
    rmSync(path.join(dir, 'x.Gap'));
    expect(planCentered(engine, '0834+555', 50).calibration.mode).toBe('solve');
  });
});

describe('planNext', () => {
  it('slides windows of 10 by 8 and skips windows that already have a product', () => {
    const t = transit();
    addRun(t, -5, 5 + 18 * CHUNK_D * 1440);
    const first = planNext(engine);
    expect(first.groups.length).toBe(10);
    expect(first.calibrator).toBe('0834+555');
    db.products.register(
      {
        id: first.name,
        kind: 'mosaic',
        path: path.join(paths.staging, first.name),
        sha256: 'a'.repeat(64),
        sizeBytes: 1,
      },
      'test',
    );
    const second = planNext(engine);
    expect(second.name).not.toBe(first.name);
    // The name is the product id, so it carries no '.' (which would read as an extension).
    expect(first.name).toMatch(/^mosaic_dec\+55_6_\d{8}T\d{4}$/);
    // Consecutive windows share config.mosaic.overlap (2) images.
    const shared = second.groups.filter((g) => first.groups.some((f) => f.groupId === g.groupId));
    expect(shared.length).toBe(2);
  });

  it('skips a window whose groups are all in a mosaic of another plan (e.g. a centered one)', () => {
    const t = transit();
    addRun(t, -5, 5 + 18 * CHUNK_D * 1440);
    const first = planNext(engine);
    // A differently named mosaic over the same groups (a `mosaic centered` run, say), not rejected.
    const other = { ...first, name: 'centered_0834' };
    db.qa.insertPlan({
      name: other.name,
      params: {},
      plan: other as unknown as Parameters<typeof db.qa.insertPlan>[0]['plan'],
    });
    db.products.register(
      {
        id: other.name,
        kind: 'mosaic',
        path: path.join(paths.staging, other.name),
        sha256: 'b'.repeat(64),
        sizeBytes: 1,
      },
      'test',
    );
    expect(
      coveringMosaic(
        db,
        first.groups.map((g) => g.groupId),
        first.name,
      ),
    ).toBe('centered_0834');
    const next = planNext(engine);
    expect(next.name).not.toBe(first.name);
    expect(next.groups[0]?.groupId).toBe(first.groups[8]?.groupId);
    // A rejected mosaic covers nothing: the window is offered again.
    db.products.transition(other.name, 'qa_failed', { actor: 'test' });
    db.products.transition(other.name, 'rejected', { actor: 'test', note: 'bad calibration' });
    expect(
      coveringMosaic(
        db,
        first.groups.map((g) => g.groupId),
        first.name,
      ),
    ).toBeNull();
    expect(planNext(engine).name).toBe(first.name);
  });

  it('fails clearly for a declination with no known calibrator', () => {
    addRun(61055, 0, 30, -60);
    expect(() => planNext(engine)).toThrow(/no known calibrator \(>= 1 Jy\) within 2\.5 deg of dec -60\.00/);
  });
});

describe('jobGraph', () => {
  it('converts, solves, applies and images every group, then builds, QAs and publishes the mosaic', () => {
    const t = transit();
    addRun(t, -15, 15);
    const plan = planCentered(engine, '0834+555', 30);
    const stages = jobGraph({ plan, autoPublish: true, register: true });
    const ids = stages.map((s) => s.id);
    for (const g of plan.groups) {
      expect(ids).toContain(`convert:${g.groupId}`);
      expect(stages.find((s) => s.id === `apply:${g.groupId}`)?.deps).toEqual([`convert:${g.groupId}`, 'solve']);
      expect(stages.find((s) => s.id === `image:${g.groupId}`)?.params).toMatchObject({
        column: 'CORRECTED_DATA',
        msPath: g.msPath,
      });
    }
    // The transit group is one of the tiles: it is solved and calibrated in one pass.
    expect(stages.find((s) => s.id === 'solve')?.params).toMatchObject({
      msPath: plan.calibration.solveMsPath,
      apply: true,
    });
    expect(ids.slice(-3)).toEqual(['mosaic', 'qa', 'publish']);
    expect(stages.find((s) => s.id === 'mosaic')?.deps.length).toBe(plan.groups.length);
    expect(jobGraph({ plan, autoPublish: true, register: false }).map((s) => s.id)).not.toContain('publish');
    // With photometry: measured after QA and before publishing moves the files.
    const phot = jobGraph({ plan, autoPublish: true, register: true, photometry: true });
    expect(phot.map((s) => s.id).slice(-4)).toEqual(['mosaic', 'qa', 'photometry', 'publish']);
    expect(phot.find((s) => s.id === 'photometry')?.deps).toEqual(['qa']);
    expect(phot.find((s) => s.id === 'publish')?.deps).toEqual(['qa', 'photometry']);
  });
});
