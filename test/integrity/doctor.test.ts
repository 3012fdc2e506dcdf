// `dsa110 doctor` and `dsa110 db backup` (issue 14): a clean workspace has no problems; each
// kind of disagreement between the database and the disk is found with its fix; --fix moves
// orphans to the quarantine folder (never deletes them) and repairs the rows; a job whose
// process is gone shows as interrupted with how to resume it; a damaged database is named with
// its path and pointed to the latest backup.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/engine/db';
import { processStart } from '../../src/main/engine/db/owner';
import { nowMjd } from '../../src/shared/model/common';
import { cli } from './cli';

let tmp: string;
let ws: string;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'dsa110-doctor-'));
  ws = path.join(tmp, 'ws');
  expect((await cli(tmp, ws, 'db', 'status')).code).toBe(0);
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A pid that existed and is gone now, with its start time. */
async function deadPid(): Promise<{ pid: number; start: number }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const pid = child.pid!;
  const start = processStart(pid)!;
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  return { pid, start };
}

interface Report {
  problems: { kind: string; subject: string; message: string; fix: string; fixable: boolean; fixed?: string }[];
  quarantine: string | null;
}

describe('dsa110 doctor', () => {
  it('a fresh workspace: no problems, exit 0', async () => {
    const r = await cli(tmp, ws, 'doctor');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/no problems found/);
  });

  it('finds every kind of disagreement, says how to fix it, and --fix repairs without deleting', async () => {
    const dead = await deadPid();
    const db = openDatabase(path.join(ws, 'dsa110.sqlite'));
    const mjd = nowMjd();
    const partial = path.join(ws, 'ms', `.g.ms.partial-p${dead.pid}s${dead.start}-00000000`);
    // A live process's partial (another process than this one, which runs the CLI in process).
    const live = spawn('sleep', ['120'], { stdio: 'ignore' });
    const mine = path.join(ws, 'ms', `.h.ms.partial-p${live.pid}s${processStart(live.pid!)}-00000000`);
    try {
      // An unregistered MS, and a partial of a process that is gone, in the managed ms folder.
      mkdirSync(path.join(ws, 'ms', 'stray.ms'));
      writeFileSync(path.join(ws, 'ms', 'stray.ms', 'table.dat'), 'x');
      mkdirSync(partial);
      // A live process's partial is its own: not reported.
      mkdirSync(mine);
      // Two valid bandpass tables with the same validity window (a killed attempt's and the rerun's).
      for (const v of ['a', 'b']) {
        const p = path.join(ws, 'caltables', `x.B.${v}`);
        mkdirSync(p, { recursive: true });
        writeFileSync(path.join(p, 'table.dat'), 'x');
        db.calibration.insertTable({
          path: p,
          kind: 'B',
          solveMjd: mjd,
          validStartMjd: mjd - 0.5,
          validEndMjd: mjd + 0.5,
          status: 'valid',
        });
      }
      // A conversion recorded as running by nobody.
      db.ingest.ensureGroup({ id: '2026-01-01T00:00:00', startMjd: 61041, decDeg: 55 });
      db.ms.insert({
        path: path.join(ws, 'ms', '2026-01-01T00:00:00.ms'),
        groupId: '2026-01-01T00:00:00',
        startMjd: 61041,
        endMjd: 61041.003,
        midMjd: 61041.0015,
        decDeg: 55,
        status: 'converting',
      });
      // A lease of a dead process, and a running job whose process is gone.
      db.leases.tryAcquire('convert:gone', 'test', {
        pid: dead.pid,
        host: (await import('node:os')).hostname(),
        start: dead.start,
        token: 'dead-token',
      });
      db.jobs.create({
        id: 'job-killed',
        kind: 'convert',
        params: {},
        stages: [{ stageId: 's1', stageName: 'convert', deps: [], params: {} }],
      });
      db.jobs.update('job-killed', { state: 'running', startedMjd: mjd });
      db.jobs.updateStageRun('job-killed', 's1', { state: 'running', pid: dead.pid });
    } finally {
      db.close();
    }

    const jobs = await cli(tmp, ws, 'jobs', 'list');
    expect(jobs.stdout).toMatch(
      /job-killed +convert +interrupted .*pid \d+ is gone \(killed or crashed\); resume with: dsa110 jobs resume job-killed/,
    );
    const show = await cli(tmp, ws, 'jobs', 'show', 'job-killed');
    expect(show.stdout).toMatch(/state +interrupted \(0%\): pid \d+ is gone/);

    const r = await cli(tmp, ws, '--json', 'doctor');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    const kinds = report.problems.map((p) => `${p.kind} ${path.basename(p.subject)}`).sort();
    expect(kinds).toEqual(
      [
        'empty-group ingest group 2026-01-01T00:00:00',
        'interrupted-job job job-killed',
        `orphan-file stray.ms`,
        `orphan-partial ${path.basename(partial)}`,
        'overlapping-calibration x.B.a',
        'stale-conversion 2026-01-01T00:00:00.ms',
        'stale-lease lease convert:gone',
      ].sort(),
    );
    for (const p of report.problems) expect(p.fix.length).toBeGreaterThan(10);
    expect(r.stderr).toMatch(/doctor: 7 problem\(s\) found/);

    const fixed = await cli(tmp, ws, '--json', 'doctor', '--fix');
    const after = JSON.parse(fixed.stdout) as Report;
    // Everything but the interrupted job (resume or cancel is the user's call) is repaired.
    expect(after.problems.filter((p) => !p.fixed).map((p) => p.kind)).toEqual(['interrupted-job']);
    expect(fixed.code).toBe(1);
    expect(after.quarantine).not.toBeNull();
    // Moved, not deleted: the orphan and the dead partial are in the quarantine folder.
    expect(existsSync(path.join(after.quarantine!, 'ms', 'stray.ms', 'table.dat'))).toBe(true);
    expect(existsSync(path.join(after.quarantine!, 'ms', path.basename(partial)))).toBe(true);
    expect(existsSync(path.join(ws, 'ms', 'stray.ms'))).toBe(false);
    expect(existsSync(mine)).toBe(true);
    const db2 = openDatabase(path.join(ws, 'dsa110.sqlite'));
    try {
      expect(db2.calibration.listTables({ kind: 'B' }).map((t) => t.status)).toEqual(['superseded', 'valid']);
      expect(db2.ms.list()[0]?.status).toBe('failed');
      expect(db2.leases.list()).toEqual([]);
      db2.jobs.update('job-killed', { state: 'cancelled', finishedMjd: nowMjd() });
    } finally {
      db2.close();
    }
    live.kill('SIGKILL');
    rmSync(mine, { recursive: true });
    const clean = await cli(tmp, ws, 'doctor');
    expect(clean.code, clean.stdout).toBe(0);
  }, 120_000);
});

describe('dsa110 db backup and a damaged database', () => {
  it('makes a verified online copy, and a damaged database is named and pointed to it', async () => {
    const b = await cli(tmp, ws, '--json', 'db', 'backup');
    expect(b.code, b.stderr).toBe(0);
    const { backup } = JSON.parse(b.stdout) as { backup: string };
    expect(path.dirname(backup)).toBe(path.join(ws, 'backups'));
    const copy = openDatabase(backup, { readonly: true });
    try {
      expect(copy.calibration.listTables({ kind: 'B' })).toHaveLength(2);
    } finally {
      copy.close();
    }
    expect((await cli(tmp, ws, 'db', 'backup', backup)).stderr).toMatch(/already exists; name another file/);
    // Damage the live database: the message names it and the backup to restore.
    const file = path.join(ws, 'dsa110.sqlite');
    for (const f of readdirSync(ws).filter((n) => n.startsWith('dsa110.sqlite-'))) rmSync(path.join(ws, f));
    writeFileSync(file, Buffer.alloc(16384, 3));
    const r = await cli(tmp, ws, 'db', 'status');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${file}: the state database is damaged (file is not a database); restore the latest backup: copy ${backup} to ${file}`,
    );
  }, 60_000);
});
