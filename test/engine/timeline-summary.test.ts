// timeline.summary against a real engine's database: every group counted once, in its strip and
// time bin, under the furthest pipeline state it reached (raw, converted, calibrated, imaged, in a
// mosaic, in a published mosaic; failed), compared with a brute-force classification of the same
// rows; calibration solutions as one validity window per solve; the workspace's extent.
import Sqlite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import { TIMELINE_STATES } from '../../src/shared/api';
import { call, openTestEngine, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let engine: Engine;
const T0 = 61055; // 2026-01-15
const FIVE = 300 / 86400;
/** Brute-force truth: group start, dec, expected state index. */
const truth: { start: number; dec: number | null; st: number }[] = [];

beforeAll(async () => {
  tmp = tempDir('dsa110-timeline-');
  engine = await openTestEngine(tmp.dir);
  const sql = new Sqlite(engine.paths.database);
  try {
    const group = sql.prepare(
      `INSERT INTO ingest_groups (id, state, dec_deg, start_mjd, end_mjd, created_mjd, updated_mjd)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const ms = sql.prepare(
      `INSERT INTO measurement_sets (path, group_id, start_mjd, end_mjd, mid_mjd, dec_deg, status, created_mjd, updated_mjd)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const image = sql.prepare(
      `INSERT INTO images (path, ms_id, kind, center_ra_deg, center_dec_deg, width_px, height_px, cell_arcsec, freq_hz, tier, created_mjd)
       VALUES (?, ?, 'clean', 128, ?, 64, 64, 6, 1.4e9, 'quicklook', ?)`,
    );
    // 48 groups at Dec +55.6 in 4 hours, cycling through the states; 10 at -10.2; 2 of unknown Dec.
    const plan = ['raw', 'converted', 'calibrated', 'imaged', 'mosaicked', 'published', 'failed', 'msfailed'];
    const mosaicMs: { ms: number; published: boolean }[] = [];
    for (let i = 0; i < 48; i++) {
      const start = T0 + i * FIVE;
      const id = `g55-${i}`;
      const kind = plan[i % plan.length]!;
      group.run(
        id,
        kind === 'failed' ? 'failed' : kind === 'raw' ? 'pending' : 'completed',
        55.6,
        start,
        start + FIVE,
        T0,
        T0,
      );
      let st = TIMELINE_STATES.indexOf(kind === 'msfailed' ? 'failed' : (kind as (typeof TIMELINE_STATES)[number]));
      if (kind !== 'raw' && kind !== 'failed') {
        const status =
          kind === 'converted'
            ? 'converted'
            : kind === 'calibrated'
              ? 'calibrated'
              : kind === 'msfailed'
                ? 'failed'
                : 'imaged';
        const r = ms.run(`/ms/${id}.ms`, id, start, start + FIVE, start + FIVE / 2, 55.6, status, T0, T0);
        const msId = Number(r.lastInsertRowid);
        if (kind === 'imaged' || kind === 'mosaicked' || kind === 'published')
          image.run(`/img/${id}.fits`, msId, 55.6, T0);
        if (kind === 'mosaicked' || kind === 'published') mosaicMs.push({ ms: msId, published: kind === 'published' });
      }
      if (kind === 'msfailed') st = TIMELINE_STATES.indexOf('failed');
      truth.push({ start, dec: 55.6, st });
    }
    for (const [name, published] of [
      ['mosaic-a', false],
      ['mosaic-b', true],
    ] as const) {
      const g = sql
        .prepare(
          `INSERT INTO mosaic_groups (name, dec_deg, start_mjd, end_mjd, status, created_mjd, updated_mjd) VALUES (?, 55.6, ?, ?, 'completed', ?, ?)`,
        )
        .run(name, T0, T0 + 1, T0, T0);
      for (const m of mosaicMs.filter((x) => x.published === published))
        sql.prepare('INSERT INTO mosaic_group_ms (group_id, ms_id) VALUES (?, ?)').run(g.lastInsertRowid, m.ms);
      sql
        .prepare(
          `INSERT INTO products (id, kind, path, sha256, size_bytes, status, created_mjd, updated_mjd, published_path)
           VALUES (?, 'mosaic', ?, ?, 1, ?, ?, ?, ?)`,
        )
        .run(
          name,
          `/stage/${name}`,
          'a'.repeat(64),
          published ? 'published' : 'qa_passed',
          T0,
          T0,
          published ? `/pub/${name}` : null,
        );
    }
    for (let i = 0; i < 10; i++) {
      const start = T0 + 0.5 + i * FIVE;
      group.run(`gm10-${i}`, 'pending', -10.2, start, start + FIVE, T0, T0);
      truth.push({ start, dec: -10.2, st: 0 });
    }
    for (let i = 0; i < 2; i++) {
      const start = T0 + 0.25 + i * FIVE;
      group.run(`gx-${i}`, 'collecting', null, start, null, T0, T0);
      truth.push({ start, dec: null, st: 0 });
    }
    const cal = sql.prepare(
      `INSERT INTO caltables (path, kind, calibrator, solve_mjd, valid_start_mjd, valid_end_mjd, status, created_mjd)
       VALUES (?, ?, '0834+555', ?, ?, ?, 'valid', ?)`,
    );
    for (const k of ['K', 'B', 'G']) cal.run(`/cal/a.${k}`, k, T0 + 0.1, T0, T0 + 0.2, T0);
    cal.run('/cal/old.G', 'G', T0 - 3, T0 - 3.1, T0 - 2.9, T0);
  } finally {
    sql.close();
  }
});

afterAll(async () => {
  await engine.close();
  tmp.remove();
});

describe('timeline.summary', () => {
  it('counts every group once, in its strip, bin and furthest state (against a brute-force count)', async () => {
    const q = { startMjd: T0 - 0.01, endMjd: T0 + 0.6, bins: 13, stripWidthDeg: 1 };
    const r = await call(engine, 'timeline.summary', q);
    expect(r.totalGroups).toBe(60);
    expect(r.states).toEqual([...TIMELINE_STATES]);
    expect(r.strips.map((s) => s.decDeg)).toEqual([56, -10, null]);
    const bw = (q.endMjd - q.startMjd) / q.bins;
    for (const strip of r.strips) {
      const expected = TIMELINE_STATES.map(() => new Array<number>(q.bins).fill(0));
      for (const t of truth) {
        const s = t.dec === null ? null : Math.round(t.dec);
        if (s !== strip.decDeg) continue;
        const b = Math.min(Math.floor((t.start - q.startMjd) / bw), q.bins - 1);
        expected[t.st]![b]! += 1;
      }
      expect(strip.counts).toEqual(expected);
    }
    const north = r.strips[0]!;
    // 48 groups, 6 of each state, failed twice over (the group, or its MS).
    expect(north.counts.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([6, 6, 6, 6, 6, 6, 12]);
  });

  it('bins only the range asked for, and reports the whole extent and the solutions valid in it', async () => {
    const r = await call(engine, 'timeline.summary', { startMjd: T0 + 0.5, endMjd: T0 + 0.55, bins: 4 });
    expect(r.totalGroups).toBe(10);
    expect(r.strips.map((s) => s.decDeg)).toEqual([-10]);
    expect(r.extent).toEqual({ firstMjd: T0, lastMjd: T0 + 0.5 + 9 * FIVE, groups: 60 });
    const solved = await call(engine, 'timeline.summary', { startMjd: T0 - 0.01, endMjd: T0 + 0.1, bins: 1 });
    expect(solved.solutions.map((s) => [s.kind.split(',').sort().join(','), s.validStartMjd, s.validEndMjd])).toEqual([
      ['B,G,K', T0, T0 + 0.2],
    ]);
  });

  it('refuses an empty range, naming the field', async () => {
    await expect(call(engine, 'timeline.summary', { startMjd: T0, endMjd: T0, bins: 4 })).rejects.toMatchObject({
      field: 'startMjd',
    });
  });
});
