// Issue 14, liveness and signals: SIGINT/SIGTERM stop at the next safe point, remove the current
// stage's partial outputs and record the job as interrupted (with how to resume it); a resume
// completes it. A real `dsa110 convert` process sent SIGTERM mid-conversion exits 143 and leaves
// no partial output; run again, it converts the group.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVERT_KIND } from '../../src/main/engine/convert';
import { Engine } from '../../src/main/engine/engine';
import { indexDirectory } from '../../src/main/engine/ingest/indexer';
import { jobLiveness } from '../../src/main/engine/jobs';
import { runChild, startChild } from './cli';
import { writeObservation } from './fixtures';

const GROUP = '2026-01-01T00:00:00';
let tmp: string;
let raw: string;
let big: string;
beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'dsa110-signals-'));
  raw = path.join(tmp, 'raw');
  await writeObservation(raw, { startJd: 2461041.5, decDeg: 55, stamp: GROUP });
  // Big enough that converting takes a few seconds (the signal must land mid-conversion).
  big = path.join(tmp, 'big');
  await writeObservation(big, { startJd: 2461041.5, decDeg: 55, stamp: GROUP, nants: 40 });
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const partials = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.includes('.partial-')) : []);

describe('SIGINT / SIGTERM', () => {
  it('a job interrupted mid-stage is recorded interrupted, its partial outputs removed; resume completes it', async () => {
    const ws = path.join(tmp, 'ws-job');
    const engine = await Engine.open({
      workspace: ws,
      overrides: { threads: 1 },
      env: {},
      app: { name: 'test', version: '0' },
    });
    try {
      await indexDirectory(engine.db, raw);
      const out = path.join(tmp, 'ms-job');
      const id = engine.submit(CONVERT_KIND, { groupId: GROUP, outputDir: out });
      let sent = false;
      const off = engine.onJobEvent((e) => {
        if (!sent && e.type === 'progress' && e.jobId === id) {
          sent = true;
          engine.interrupt('SIGTERM');
        }
      });
      const job = await engine.run(id);
      off();
      expect(sent).toBe(true);
      expect(job.state).toBe('queued');
      expect(job.message).toBe(`interrupted (SIGTERM); resume with: dsa110 jobs resume ${id}`);
      expect(jobLiveness(engine.db, job)).toEqual({
        shown: 'interrupted',
        note: `interrupted (SIGTERM); resume with: dsa110 jobs resume ${id}`,
      });
      expect(engine.db.jobs.stageRuns(id)[0]?.state).toBe('cancelled');
      expect(partials(out)).toEqual([]);
      expect(existsSync(path.join(out, `${GROUP}.ms`))).toBe(false);
      const resumed = await engine.run(id);
      expect(resumed.state).toBe('succeeded');
      expect(existsSync(path.join(out, `${GROUP}.ms`))).toBe(true);
      expect(engine.db.leases.list()).toEqual([]);
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('dsa110 convert sent SIGTERM mid-conversion exits 143 and leaves no partial; run again it converts', async () => {
    const ws = path.join(tmp, 'ws-cli');
    const out = path.join(tmp, 'ms-cli');
    const p = startChild(tmp, ws, ['convert', '--input-dir', big, '--output-dir', out]);
    // Wait for the conversion's temporary MS to appear, then signal.
    const t0 = Date.now();
    while (partials(out).length === 0 && Date.now() - t0 < 240_000) await new Promise((r) => setTimeout(r, 20));
    expect(partials(out).length, p.output()).toBe(1);
    p.kill('SIGTERM');
    const r = await p.done;
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/SIGTERM: stopping at the next safe point/);
    expect(r.stderr).toMatch(/interrupted by SIGTERM/);
    expect(partials(out)).toEqual([]);
    expect(existsSync(path.join(out, `${GROUP}.ms`))).toBe(false);
    const again = runChild(tmp, ws, '--json', 'convert', '--input-dir', big, '--output-dir', out);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as { converted: { skipped: boolean }[] }).converted[0]?.skipped).toBe(false);
    const doctor = runChild(tmp, ws, 'doctor');
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
  }, 600_000);
});
