// The engine facade's life cycle: workspace and database on open, the calibrator seed (once),
// the lazy native pool, job events mapped onto the contract, and a close that cancels running work.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { curatedCalibrators, engineEvents, seedCalibrators } from '../../src/main/engine/api';
import { ConfigError } from '../../src/main/engine/config';
import { openDatabase } from '../../src/main/engine/db';
import { sharedComplexArray } from '../../src/main/engine/native/pool';
import { validateEvent, type EventName } from '../../src/shared/api';
import { openTestEngine, registerTestJobs, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('dsa110-engine-');
});
afterEach(() => tmp.remove());

describe('Engine.open', () => {
  it('creates the workspace, migrates the database and seeds the calibrators once', async () => {
    const ws = path.join(tmp.dir, 'ws');
    const engine = await openTestEngine(ws);
    for (const dir of ['logs', 'ms', 'images', 'mosaics', 'jobs', 'incoming'])
      expect(existsSync(path.join(ws, dir)), dir).toBe(true);
    expect(engine.paths.database).toBe(path.join(ws, 'dsa110.sqlite'));
    const seeded = engine.db.calibration.listCalibrators();
    expect(seeded.length).toBe(curatedCalibrators().length);
    expect(engine.db.calibration.getCalibrator('0834+555')).toMatchObject({
      flux1400Jy: 8.8,
      catalog: 'vla',
      positionCode: 'A',
    });
    // A user's edit survives re-opening: the seed only fills an empty table.
    engine.db.calibration.upsertCalibrator({ ...seeded[0]!, flux1400Jy: 99 });
    expect(seedCalibrators(engine.db)).toBe(0);
    await engine.close();
    const again = await openTestEngine(ws);
    expect(again.db.calibration.listCalibrators().length).toBe(seeded.length);
    expect(again.db.calibration.getCalibrator(seeded[0]!.name)?.flux1400Jy).toBe(99);
    await again.close();
  });

  it('reports an invalid configuration with the key and its source, before touching the disk', async () => {
    const ws = path.join(tmp.dir, 'never');
    const err = await openTestEngine(ws, { overrides: { threads: 0 } }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/threads: .*>=1.*got 0/);
    expect(existsSync(ws)).toBe(false);
  });

  it('closes idempotently; the pool is refused afterwards and the database is closed', async () => {
    const engine = await openTestEngine(tmp.dir);
    expect(engine.nativeStarted).toBe(false);
    await engine.close();
    await engine.close();
    expect(() => engine.native()).toThrow(/native\(\) called after close/);
    expect(() => engine.db.jobs.list()).toThrow(/not open/);
  });
});

describe('Engine.native', () => {
  it('starts the pool on first use with the configured threads and runs the FFT', async () => {
    const engine = await openTestEngine(tmp.dir);
    try {
      const pool = engine.native();
      expect(engine.nativeStarted).toBe(true);
      expect(pool.workers).toBe(1);
      expect(engine.native()).toBe(pool);
      // A unit impulse at the origin transforms to all ones.
      const data = sharedComplexArray(8, 4, 'complex64');
      data[0] = 1;
      await pool.fft2d(data, 8, 4);
      for (let i = 0; i < data.length; i += 2) expect([data[i], data[i + 1]]).toEqual([1, 0]);
    } finally {
      await engine.close();
    }
  });
});

describe('job events and shutdown', () => {
  it('publishes the runner events as contract events, each one valid', async () => {
    const engine = await openTestEngine(tmp.dir);
    registerTestJobs(engine);
    const seen: { event: EventName; payload: unknown }[] = [];
    const off = engineEvents(engine).subscribe((event, payload) => seen.push({ event, payload }));
    const id = engine.submit('test.two', {});
    await engine.run(id);
    off();
    await engine.close();
    for (const { event, payload } of seen) expect(() => validateEvent(event, payload)).not.toThrow();
    const states = seen
      .filter((s) => s.event === 'job.state')
      .map((s) => (s.payload as { job: { state: string } }).job.state);
    expect(states).toEqual(['queued', 'running', 'succeeded']);
    const names = new Set(seen.map((s) => s.event));
    expect([...names].sort()).toEqual(['job.log', 'job.progress', 'job.stage', 'job.state']);
    expect(seen.filter((s) => s.event === 'job.stage').length).toBeGreaterThanOrEqual(4);
  });

  it('close() cancels a job it is running and waits until the job is recorded cancelled', async () => {
    const engine = await openTestEngine(tmp.dir);
    registerTestJobs(engine);
    const id = engine.submit('test.wait', {});
    const started = new Promise<void>((resolve) =>
      engine.onJobEvent((e) => {
        if (e.type === 'stage' && e.state === 'running') resolve();
      }),
    );
    const run = engine.run(id);
    await started;
    await engine.close();
    await expect(run).resolves.toMatchObject({ id, state: 'cancelled' });
    const db = openDatabase(path.join(tmp.dir, 'dsa110.sqlite'));
    try {
      expect(db.jobs.require(id).state).toBe('cancelled');
      expect(db.jobs.stageRuns(id).map((s) => s.state)).toEqual(['cancelled']);
    } finally {
      db.close();
    }
  });
});
