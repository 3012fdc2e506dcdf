// The persistent queue and the daemon's intake in process: due order and backoff, counts,
// latencies and the Prometheus text; the disk-space guard pauses intake (a complete group stays
// pending, the daemon says so and records it), resumes once space returns, and a stop request
// ends the run cleanly with the daemon recorded stopped.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowMjd } from '../../src/shared/model/common';
import type { Engine } from '../../src/main/engine/engine';
import {
  StreamDaemon,
  defaultStreamOptions,
  quantile,
  streamMetrics,
  streamStatus,
  type StreamEvent,
} from '../../src/main/engine/stream';
import { openTestEngine, tempDir } from '../engine/helpers';
import { writeObservation } from '../integrity/fixtures';

let tmp: ReturnType<typeof tempDir>;
let engine: Engine;

beforeAll(async () => {
  tmp = tempDir('stream-queue-');
  engine = await openTestEngine(path.join(tmp.dir, 'ws'));
});

afterAll(async () => {
  await engine.close();
  tmp.remove();
});

describe('stream queue', () => {
  it('orders due groups by observation, honours backoff, counts and measures', () => {
    const db = engine.db;
    const t = nowMjd();
    for (const [id, start] of [
      ['2026-01-15T04:00:00', 61055.1667],
      ['2026-01-15T03:00:00', 61055.125],
    ] as const) {
      db.ingest.ensureGroup({ id, startMjd: start, decDeg: 55 });
      db.stream.arrived(id, t - 1 / 1440);
    }
    expect(db.stream.nextDue(['pending'])).toBeUndefined();
    db.stream.update('2026-01-15T04:00:00', { state: 'pending' });
    db.stream.update('2026-01-15T03:00:00', { state: 'pending', nextAttemptMjd: t + 60 / 86400 });
    // The older observation is backing off: the newer one is due first.
    expect(db.stream.nextDue(['pending'], t)?.groupId).toBe('2026-01-15T04:00:00');
    expect(db.stream.nextDue(['pending'], t + 61 / 86400)?.groupId).toBe('2026-01-15T03:00:00');
    db.stream.update('2026-01-15T04:00:00', { state: 'completed', attempts: 1, finishedMjd: t });
    db.stream.update('2026-01-15T03:00:00', { state: 'failed', attempts: 3, lastError: 'disk full' });
    expect(db.stream.counts()).toMatchObject({ completed: 1, failed: 1, pending: 0 });
    const lat = db.stream.latenciesS();
    expect(lat).toHaveLength(1);
    expect(lat[0]!.latencyS).toBeCloseTo(60, 0);
    const s = streamStatus(db);
    expect(s.lastErrors).toEqual([
      { groupId: '2026-01-15T03:00:00', state: 'failed', error: 'disk full', attempts: 3 },
    ]);
    const text = streamMetrics(db);
    expect(text).toMatch(/^# HELP dsa110_stream_groups /);
    expect(text).toContain('dsa110_stream_groups{state="completed"} 1');
    expect(text).toContain('dsa110_stream_groups{state="failed"} 1');
    expect(text).toContain('dsa110_stream_attempts 4');
    expect(text).toMatch(/dsa110_stream_latency_seconds\{quantile="0.5"\} 60\.\d+/);
    expect(text.endsWith('\n')).toBe(true);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.99)).toBe(4);
    expect(quantile([], 0.5)).toBeNull();
  });

  it('pauses intake below the free-space threshold, says so, and resumes when space returns', async () => {
    const inc = path.join(tmp.dir, 'incoming');
    mkdirSync(inc);
    await writeObservation(inc, { startJd: 2461055.75, decDeg: 40, stamp: '2026-01-15T06:00:00' });
    const events: StreamEvent[] = [];
    const opts = {
      ...defaultStreamOptions(engine.config, inc),
      pollMs: 100,
      settleMs: 150,
      pollOnly: true,
      minFreeBytes: 1000,
      backoffS: 3600,
      maxAttempts: 1,
    };
    const saved = process.env.DSA110_STREAM_FREE_BYTES;
    process.env.DSA110_STREAM_FREE_BYTES = '10';
    const stop = new AbortController();
    const daemon = new StreamDaemon(engine, opts, (e) => events.push(e));
    const running = daemon.run(stop.signal);
    try {
      const id = '2026-01-15T06:00:00';
      const until = async (what: string, cond: () => boolean) => {
        for (let i = 0; i < 200 && !cond(); i++) await sleep(50);
        expect(cond(), what).toBe(true);
      };
      await until('group queued', () => engine.db.stream.get(id)?.state === 'pending');
      await until('paused', () => events.some((e) => e.event === 'paused'));
      expect(events.find((e) => e.event === 'paused')?.message).toMatch(
        /^intake paused: 0\.00 GiB free on .*, below the 0\.00 GiB threshold; files are still registered/,
      );
      await sleep(500);
      expect(engine.db.stream.get(id)?.state).toBe('pending');
      expect(engine.db.stream.daemon()).toMatchObject({ paused: true, freeBytes: 10 });
      expect(streamStatus(engine.db).daemon?.alive).toBe(true);
      expect(streamMetrics(engine.db)).toContain('dsa110_stream_intake_paused 1');
      process.env.DSA110_STREAM_FREE_BYTES = String(1e12);
      await until('resumed', () => events.some((e) => e.event === 'resumed'));
      await until('claimed', () => (engine.db.stream.get(id)?.attempts ?? 0) >= 1);
      expect(engine.db.stream.get(id)?.jobId).toMatch(/^stream_group-/);
    } finally {
      stop.abort(new Error('test over'));
      await running;
      if (saved === undefined) delete process.env.DSA110_STREAM_FREE_BYTES;
      else process.env.DSA110_STREAM_FREE_BYTES = saved;
    }
    expect(events.at(-1)).toMatchObject({ event: 'stopped', message: 'stopped (test over)' });
    expect(engine.db.stream.daemon()?.stoppedMjd).not.toBeNull();
    expect(streamStatus(engine.db).daemon?.alive).toBe(false);
    // Whatever its job made of the tiny fixture, the group is in a state the queue knows.
    expect(['pending', 'in_progress', 'completed', 'failed']).toContain(
      engine.db.stream.get('2026-01-15T06:00:00')?.state,
    );
  });
});
