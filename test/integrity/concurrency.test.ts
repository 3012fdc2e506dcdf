// Issue 14 acceptance: two and three concurrent processes of index, convert and `mosaic
// centered` on one workspace (two and three index runs; convert, convert and mosaic centered;
// then two mosaic centered) (a small simulated one: 3 chunks around a 0834+555 transit, 48
// antennas, 2 channels per subband, 512 px images). Every group is converted exactly once, no
// run fails because of the other, one mosaic job is built and published once, no lease is left,
// and `dsa110 doctor` finds nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild, startChild, type CliRun } from './cli';

let tmp: string;
let ws: string;

function ok(r: CliRun, what: string): string {
  expect(r.code, `${what}\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
}

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(path.join(ws, 'dsa110.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const CENTERED = [
  'mosaic',
  'centered',
  '--calibrator',
  '0834+555',
  '--timespan-minutes',
  '15',
  '--catalog',
  'SIM',
  '--tier',
  'quicklook',
  '--wait',
];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-concurrent-'));
  ws = path.join(tmp, 'ws');
  ok(
    runChild(
      tmp,
      ws,
      'simulate',
      '--out',
      path.join(ws, 'incoming'),
      '--start',
      '2026-01-15T08:43:00',
      '--minutes',
      '15',
      '--dec',
      '55.57',
      '--antennas',
      '48',
      '--channels-per-subband',
      '2',
      '--seed',
      '7',
    ),
    'simulate',
  );
  writeFileSync(
    path.join(ws, 'config.json'),
    JSON.stringify({
      imaging: { size: 512, cellArcsec: 6, niter: 300 },
      mosaic: { timespanMin: 15, minImages: 3, overlap: 1 },
      publishing: { minQaTier: 'warn' },
    }),
  );
  ok(
    runChild(
      tmp,
      ws,
      'catalog',
      'import',
      path.join(ws, 'incoming', 'truth.json'),
      '--name',
      'SIM',
      '--format',
      'sim-truth',
    ),
    'catalog import',
  );
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('concurrent processes on one workspace (issue 14)', () => {
  it('two index runs at once: every file registered once, no empty group, no failure', async () => {
    const runs = await Promise.all(
      [0, 1].map(() => startChild(tmp, ws, ['--json', 'index', '--input-dir', path.join(ws, 'incoming')]).done),
    );
    for (const r of runs) ok(r, 'index');
    const res = runs.map(
      (r) =>
        JSON.parse(r.stdout) as { registered: number; unchanged: number; failed: unknown[]; duplicates: unknown[] },
    );
    expect(res[0]!.registered + res[1]!.registered).toBe(48);
    expect(res.every((x) => x.failed.length === 0 && x.duplicates.length === 0)).toBe(true);
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM subband_files')[0]!.n).toBe(48);
    const groups = query<{ id: string; n: number }>(
      'SELECT g.id, (SELECT COUNT(*) FROM subband_files f WHERE f.group_id = g.id) AS n FROM ingest_groups g',
    );
    expect(groups.map((g) => g.n)).toEqual([16, 16, 16]);
  }, 300_000);

  it('three index runs at once on a fresh workspace: every file registered once, no empty group, no failure', async () => {
    const ws3 = path.join(tmp, 'ws3');
    const runs = await Promise.all(
      [0, 1, 2].map(() => startChild(tmp, ws3, ['--json', 'index', '--input-dir', path.join(ws, 'incoming')]).done),
    );
    for (const r of runs) ok(r, 'index');
    const res = runs.map(
      (r) =>
        JSON.parse(r.stdout) as { registered: number; unchanged: number; failed: unknown[]; duplicates: unknown[] },
    );
    expect(res.reduce((n, x) => n + x.registered, 0)).toBe(48);
    expect(res.every((x) => x.failed.length === 0 && x.duplicates.length === 0)).toBe(true);
    const db = new Database(path.join(ws3, 'dsa110.sqlite'), { readonly: true });
    try {
      expect((db.prepare('SELECT COUNT(*) AS n FROM subband_files').get() as { n: number }).n).toBe(48);
      const groups = db
        .prepare(
          'SELECT (SELECT COUNT(*) FROM subband_files f WHERE f.group_id = g.id) AS n FROM ingest_groups g ORDER BY g.id',
        )
        .all() as { n: number }[];
      expect(groups.map((g) => g.n)).toEqual([16, 16, 16]);
      expect(db.prepare('SELECT * FROM leases').all()).toEqual([]);
    } finally {
      db.close();
    }
    const doctor = runChild(tmp, ws3, '--json', 'doctor');
    expect((JSON.parse(doctor.stdout || '{}') as { problems: unknown[] }).problems, doctor.stderr).toEqual([]);
  }, 300_000);

  it('convert, convert and mosaic centered at once: each group converted exactly once, one job, one publish, doctor clean', async () => {
    const out = path.join(ws, 'ms');
    const procs = [
      startChild(tmp, ws, ['--json', 'convert', '--input-dir', path.join(ws, 'incoming'), '--output-dir', out]),
      startChild(tmp, ws, ['--json', 'convert', '--input-dir', path.join(ws, 'incoming'), '--output-dir', out]),
      startChild(tmp, ws, [...CENTERED, '--json']),
    ];
    const [c1, c2, m] = await Promise.all(procs.map((p) => p.done));
    ok(c1!, 'convert 1');
    ok(c2!, 'convert 2');
    ok(m!, 'mosaic centered');
    const conv = [c1!, c2!].map(
      (r) => JSON.parse(r.stdout) as { converted: { groupId: string; skipped: boolean }[]; failed: unknown[] },
    );
    // Each group written by exactly one of the three processes (the mosaic job converts too).
    const written = conv.flatMap((c) => c.converted.filter((x) => !x.skipped).map((x) => x.groupId));
    expect(new Set(written).size).toBe(written.length);
    const groups = query<{ id: string; attempts: number; state: string }>(
      'SELECT id, attempts, state FROM ingest_groups ORDER BY id',
    );
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(g, g.id).toMatchObject({ attempts: 1, state: 'completed' });
    expect(query<{ n: number }>('SELECT COUNT(*) AS n FROM measurement_sets')[0]!.n).toBe(3);
    const status = (JSON.parse(m!.stdout) as { status: { jobState: string; product: { status: string } | null } })
      .status;
    expect(status.jobState).toBe('succeeded');
    expect(status.product?.status).toBe('published');
    expect(query<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'mosaic'")[0]!.n).toBe(1);
    expect(query<{ n: number }>("SELECT COUNT(*) AS n FROM product_events WHERE to_status = 'published'")[0]!.n).toBe(
      1,
    );
    expect(query('SELECT * FROM leases')).toEqual([]);

    // Two more mosaic centered at once: the plan's job is done; both report it, neither fails.
    const again = await Promise.all([0, 1].map(() => startChild(tmp, ws, [...CENTERED, '--json']).done));
    for (const r of again) ok(r, 'mosaic centered again');
    expect(query<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'mosaic'")[0]!.n).toBe(1);

    const doctor = runChild(tmp, ws, '--json', 'doctor');
    const report = JSON.parse(doctor.stdout || '{}') as {
      problems: { kind: string; subject: string; message: string }[];
    };
    expect(report.problems, doctor.stderr).toEqual([]);
    expect(doctor.code).toBe(0);
  }, 900_000);
});
