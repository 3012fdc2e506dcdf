// The engine's CLI commands through the real binary (node bin/dsa110.mjs) on a temporary
// workspace holding real rows: jobs list|show|cancel, db status, calibrators, and demo's engine checks.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/main/engine/engine';
import { populate } from '../db/populate';
import { LATEST_VERSION } from '../../src/main/engine/db';

const BIN = path.resolve('bin/dsa110.mjs');
let tmp: string;
let ws: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-cli-engine-'));
  ws = path.join(tmp, 'ws');
  // Opened once here so the catalog is seeded before populate() adds its own calibrator row.
  const engine = await Engine.open({ workspace: ws, env: {} });
  populate(engine.db);
  await engine.close();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI from `tmp` (not the repository) on the test workspace, without DSA110_* variables. */
function run(...args: string[]): Run {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_')));
  const r = spawnSync(process.execPath, [BIN, '--workspace', ws, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...clean, HOME: tmp },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json<T>(r: Run): T {
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

describe('help', () => {
  it.each([['jobs list'], ['jobs show'], ['jobs cancel'], ['db status'], ['calibrators']])('%s --help', (cmd) => {
    const r = run(...cmd.split(' '), '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: dsa110 ${cmd}`);
    expect(r.stdout).toContain('--json');
  });
});

describe('db status', () => {
  it('shows the file, the schema version and rows per table; --json has the counts', () => {
    const human = run('db', 'status');
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toContain(`database  ${path.join(ws, 'dsa110.sqlite')}`);
    expect(human.stdout).toMatch(new RegExp(`schema {4}version ${LATEST_VERSION} \\(current\\)`));
    expect(human.stdout).toMatch(/^ {2}calibrators +210$/m);
    const s = json<{ schemaVersion: number; latestVersion: number; tables: Record<string, number> }>(
      run('db', 'status', '--json'),
    );
    expect(s.schemaVersion).toBe(s.latestVersion);
    expect(s.tables).toMatchObject({
      calibrators: 210,
      jobs: 1,
      stage_runs: 2,
      job_logs: 2,
      products: 1,
      subband_files: 16,
    });
  });
});

describe('jobs', () => {
  it('list: a table of jobs; --json is the page; --state filters', () => {
    const human = run('jobs', 'list');
    expect(human.status, human.stderr).toBe(0);
    // The populated job's process is gone: it shows as interrupted, with how to resume.
    expect(human.stdout).toMatch(
      /^job-populate-1 +calibrate +interrupted +50% .*resume with: dsa110 jobs resume job-populate-1/m,
    );
    const page = json<{ items: { id: string }[]; total: number }>(run('jobs', 'list', '--json'));
    expect(page.items.map((j) => j.id)).toEqual(['job-populate-1']);
    expect(run('jobs', 'list', '--state', 'queued').stdout.trim()).toBe('no jobs');
  });

  it('list: usage errors exit 2', () => {
    const bad = run('jobs', 'list', '--state', 'finished');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--state <state>' argument 'finished' is invalid.*queued, running/s);
    const big = run('jobs', 'list', '--limit', '501');
    expect(big.status).toBe(2);
    expect(big.stderr).toContain('jobs list: --limit: Too big');
  });

  it('show: stages with timings and the last log lines; --json has all of it', () => {
    const human = run('jobs', 'show', 'job-populate-1', '--lines', '1');
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^ {2}solve +bandpass +succeeded +1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +31\.5 s +-/m);
    expect(human.stdout).toMatch(/^ {2}apply +applycal +pending +0 +- +- +solve/m);
    expect(human.stdout).toContain('last 1 of 2 log lines:');
    expect(human.stdout).toMatch(/warn +antenna 17 flagged$/m);
    const shown = json<{
      job: { id: string };
      stages: { stageId: string }[];
      logs: { total: number; items: { message: string }[] };
    }>(run('jobs', 'show', 'job-populate-1', '--json'));
    expect(shown.stages.map((s) => s.stageId)).toEqual(['solve', 'apply']);
    expect(shown.logs.total).toBe(2);
    expect(shown.logs.items.map((l) => l.message)).toEqual(['bandpass solved', 'antenna 17 flagged']);
  });

  it('show: an unknown id exits 1 naming the id and the database; a missing id is a usage error', () => {
    const r = run('jobs', 'show', 'no-such-job');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      `dsa110: jobs show: no job with id "no-such-job" (database ${path.join(ws, 'dsa110.sqlite')})`,
    );
    const j = run('jobs', 'show', 'no-such-job', '--json');
    expect(JSON.parse(j.stderr)).toMatchObject({ error: { exitCode: 1 } });
    expect(run('jobs', 'show').status).toBe(2);
    expect(run('jobs', 'show', 'bad id!').status).toBe(2);
  });

  it('cancel: records the cancel, then reports the job as finished; unknown ids exit 1', () => {
    const r = json<{ accepted: boolean; job: { state: string } }>(
      run('jobs', 'cancel', 'job-populate-1', '--reason', 'test run', '--json'),
    );
    expect(r).toMatchObject({ accepted: true, job: { state: 'cancelled' } });
    const again = run('jobs', 'cancel', 'job-populate-1');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('had already finished (cancelled)');
    const shown = json<{ logs: { items: { message: string }[] } }>(run('jobs', 'show', 'job-populate-1', '--json'));
    expect(shown.logs.items.at(-1)?.message).toBe('cancel requested: test run');
    const unknown = run('jobs', 'cancel', 'nope');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('jobs cancel: no job with id "nope"');
  });
});

describe('calibrators', () => {
  it('ranks candidates by beam-weighted flux with the next transit', () => {
    const human = run('calibrators', '--dec', '55.57', '--after', '2025-10-02T14:03:07', '--limit', '3');
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toContain('beam airy-4.65m');
    const rows = human.stdout.trim().split('\n').slice(2);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^0834\+555 +128\.7288 +55\.5725 +0\.00 +8\.80 +8\.80 +2025-10-02 15:/);
    const r = json<{ items: { calibrator: { name: string }; nextTransitMjd: number; beamWeightedFluxJy: number }[] }>(
      run('calibrators', '--dec', '55.57', '--after', '60950.585497685185', '--json'),
    );
    expect(r.items[0]?.calibrator.name).toBe('0834+555');
    expect(r.items.length).toBeLessThanOrEqual(10);
    for (const m of r.items) expect(m.nextTransitMjd).toBeGreaterThan(60950.585497685185);
  });

  it('usage errors exit 2 naming the option', () => {
    const missing = run('calibrators');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("required option '--dec <deg>' not specified");
    const far = run('calibrators', '--dec', '95');
    expect(far.status).toBe(2);
    expect(far.stderr).toContain('calibrators: --dec: Too big');
    const time = run('calibrators', '--dec', '50', '--after', 'tomorrow');
    expect(time.status).toBe(2);
    expect(time.stderr).toContain('expected an MJD such as 60950.5 or an ISO UTC time');
  });
});

describe('demo', () => {
  it('checks the database, the native FFT on the pool and a job through the runner', () => {
    const r = json<{ ok: boolean; steps: { name: string; status: string; detail: string }[] }>(
      run('demo', '--checks-only', '--json'),
    );
    const step = (name: string) => r.steps.find((s) => s.name === name);
    expect(step('database')).toMatchObject({ status: 'ok' });
    expect(step('database')?.detail).toMatch(
      new RegExp(`schema version ${LATEST_VERSION} \\(current\\); 210 calibrators`),
    );
    const fft = step('native FFT');
    expect(['ok', 'warn']).toContain(fft?.status);
    if (fft?.status === 'ok') expect(fft.detail).toMatch(/max relative error \d\.\de-\d+/);
    expect(step('job runner')).toMatchObject({ status: 'ok' });
    expect(step('job runner')?.detail).toMatch(
      /succeeded: write succeeded .* sum succeeded .*sum of 0\.\.99999 = 4999950000 as expected/,
    );
    expect(r.ok).toBe(true);
  });
});
