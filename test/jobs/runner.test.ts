// The job runner: crash and resume across processes, cancellation, failure, DAG order.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../src/shared/model/jobs';
import { openDatabase, type Database } from '../../src/main/engine/db';
import { z } from 'zod';
import { defineStage, JobRegistry, JobRunner } from '../../src/main/engine/jobs';
import { executions, partials, testRegistry } from './stages';

const CHILD = join(import.meta.dirname, 'run-job.ts');
let dir: string;
let dbFile: string;
let ws: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dsa-jobs-'));
  dbFile = join(dir, 'state.sqlite');
  ws = join(dir, 'ws');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function child(args: string[]) {
  const p = spawn(process.execPath, ['--import', 'tsx', CHILD, dbFile, ws, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  p.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    p.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { p, exit, out: () => stdout, err: () => stderr };
}

async function until(what: string, cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const read = (p: string) => readFileSync(p, 'utf8');

describe('crash and resume', () => {
  it('a second process resumes a job killed in stage 2: stage 1 not re-executed, stage 2 re-run clean, job succeeds', async () => {
    const first = child(['submit', 'chain3', JSON.stringify({ slowSteps: 15, stepMs: 100 })]);
    await until('the job id', () => /job (\S+)\n/.test(first.out()));
    const jobId = /job (\S+)\n/.exec(first.out())?.[1] ?? '';
    const jws = join(ws, jobId);
    // Stage 2 has written its first chunk to a temp file: kill the process mid-stage.
    await until(
      'stage 2 to start writing',
      () => existsSync(join(jws, 'markers')) && read(join(jws, 'markers')).includes('s2'),
    );
    first.p.kill('SIGKILL');
    expect((await first.exit).signal).toBe('SIGKILL');

    let db: Database = openDatabase(dbFile);
    expect(db.jobs.require(jobId).state).toBe('running');
    expect(db.jobs.requireStageRun(jobId, 's2').state).toBe('running');
    expect(partials(join(jws, 'two.txt')).length).toBe(1);
    db.close();

    const second = child(['resume', jobId]);
    const { code } = await second.exit;
    expect(code, second.err()).toBe(0);
    expect(second.out()).toContain('final succeeded');

    expect(executions(jws, 's1')).toBe(1);
    expect(executions(jws, 's2')).toBe(2);
    expect(executions(jws, 's3')).toBe(1);
    // The killed run left a partial file (checked above); the re-run started without it.
    expect(
      read(join(jws, 'order.log'))
        .split('\n')
        .filter((l) => l.startsWith('start s2')),
    ).toEqual(['start s2 partials=0', 'start s2 partials=0']);
    expect(partials(join(jws, 'two.txt'))).toEqual([]);
    expect(read(join(jws, 'three.txt'))).toBe('A;B;C;\n#complete\n');

    db = openDatabase(dbFile);
    const job = db.jobs.require(jobId);
    expect([job.state, job.progress, job.error]).toEqual(['succeeded', 1, null]);
    const runs = db.jobs.stageRuns(jobId);
    expect(runs.map((r) => [r.stageId, r.state, r.attempt])).toEqual([
      ['s1', 'succeeded', 1],
      ['s2', 'succeeded', 2],
      ['s3', 'succeeded', 1],
    ]);
    expect(runs.find((r) => r.stageId === 's3')?.outputs).toEqual({ path: join(jws, 'three.txt'), content: 'A;B;C;' });
    const warn = db.jobs.logs(jobId, { minLevel: 'warn' }).map((l) => l.message);
    expect(warn.some((m) => m.includes('stage s2 was left running by a process that is gone'))).toBe(true);
    db.close();
  });
});

describe('in-process runs', () => {
  let db: Database;
  let runner: JobRunner;
  let events: JobEvent[];
  beforeEach(() => {
    db = openDatabase(dbFile);
    runner = new JobRunner({ db, registry: testRegistry(), workspace: ws, cancelPollMs: 50 });
    events = [];
    runner.on((e) => events.push(e));
  });
  afterEach(() => db.close());

  it('cancel aborts the running stage, removes its partial output, ends the job cancelled', async () => {
    const jobId = runner.submit('chain3', { slowSteps: 200, stepMs: 50 });
    const jws = join(ws, jobId);
    const done = runner.run(jobId);
    await until('stage 2 progress', () =>
      events.some((e) => e.type === 'progress' && e.stageId === 's2' && e.fraction >= 0.02),
    );
    expect(partials(join(jws, 'two.txt')).length).toBe(1);
    await runner.cancel(jobId);
    const job = await done;
    expect(job.state).toBe('cancelled');
    expect(partials(join(jws, 'two.txt'))).toEqual([]);
    expect(existsSync(join(jws, 'two.txt'))).toBe(false);
    expect(existsSync(join(jws, 'one.txt'))).toBe(true);
    expect(executions(jws, 's3')).toBe(0);
    expect(db.jobs.stageRuns(jobId).map((r) => [r.stageId, r.state])).toEqual([
      ['s1', 'succeeded'],
      ['s2', 'cancelled'],
      ['s3', 'pending'],
    ]);
    const jobStates = events.filter((e) => e.type === 'job').map((e) => (e.type === 'job' ? e.state : ''));
    expect(jobStates.at(-1)).toBe('cancelled');
    // Progress stopped part-way: s1 done (1/3) plus a fraction of s2.
    expect(job.progress).toBeGreaterThan(1 / 3);
    expect(job.progress).toBeLessThan(2 / 3);
  });

  it('a cancel written by another process is seen by the running job', async () => {
    const jobId = runner.submit('chain3', { slowSteps: 200, stepMs: 50 });
    const done = runner.run(jobId);
    await until('stage 2 progress', () => events.some((e) => e.type === 'progress' && e.stageId === 's2'));
    const other = openDatabase(dbFile);
    const otherRunner = new JobRunner({ db: other, registry: testRegistry(), workspace: ws });
    await otherRunner.cancel(jobId);
    other.close();
    const job = await done;
    expect(job.state).toBe('cancelled');
    expect(partials(join(ws, jobId, 'two.txt'))).toEqual([]);
  });

  it('a failing stage fails the job with its message; downstream stages do not run', async () => {
    const jobId = runner.submit('chain3', { failAt2: 'bandpass: 87% of solutions flagged (limit 25%)' });
    const job = await runner.run(jobId);
    expect(job.state).toBe('failed');
    expect(job.error).toBe('stage s2 (test.write-file) failed: bandpass: 87% of solutions flagged (limit 25%)');
    expect(executions(join(ws, jobId), 's3')).toBe(0);
    expect(partials(join(ws, jobId, 'two.txt'))).toEqual([]);
    expect(db.jobs.stageRuns(jobId).map((r) => [r.stageId, r.state])).toEqual([
      ['s1', 'succeeded'],
      ['s2', 'failed'],
      ['s3', 'pending'],
    ]);
    expect(db.jobs.requireStageRun(jobId, 's2').error).toBe('bandpass: 87% of solutions flagged (limit 25%)');
    const errors = db.jobs.logs(jobId, { minLevel: 'error' });
    expect(errors.some((l) => l.stageId === 's2' && l.message.includes('87% of solutions flagged'))).toBe(true);
    // Running a failed job again is a no-op unless retried.
    expect((await runner.run(jobId)).state).toBe('failed');
  });

  it('runs a diamond a -> (b, c) -> d in dependency order', async () => {
    const jobId = runner.submit('diamond', {});
    const job = await runner.run(jobId);
    expect(job.state).toBe('succeeded');
    const lines = read(join(ws, jobId, 'order.log'))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ').slice(0, 2).join(' '));
    const at = (l: string) => lines.indexOf(l);
    expect(at('end a')).toBeLessThan(at('start b'));
    expect(at('end a')).toBeLessThan(at('start c'));
    expect(at('end b')).toBeLessThan(at('start d'));
    expect(at('end c')).toBeLessThan(at('start d'));
    expect(lines.length).toBe(8);
    // d's content is built from b and c, each built from a.
    expect(db.jobs.requireStageRun(jobId, 'd').outputs).toMatchObject({ content: 'A;B;A;C;D;' });
    const stageEvents = events
      .filter((e) => e.type === 'stage' && e.state === 'succeeded')
      .map((e) => (e.type === 'stage' ? e.stageId : ''));
    expect(stageEvents[0]).toBe('a');
    expect(stageEvents.at(-1)).toBe('d');
  });

  it('runs independent stages concurrently up to the bound, and one at a time with concurrency 1', async () => {
    const sequence = (events: JobEvent[]) =>
      events
        .filter(
          (e): e is Extract<JobEvent, { type: 'stage' }> =>
            e.type === 'stage' && (e.state === 'running' || e.state === 'succeeded'),
        )
        .map((e) => `${e.stageId}:${e.state}`);
    // Concurrency 2: b and c are both claimed in the same scheduling pass, before either ends.
    const two = runner.submit('diamond', { stepMs: 5 });
    await runner.run(two);
    const seq2 = sequence(events.filter((e) => e.jobId === two));
    expect(seq2.slice(0, 4)).toEqual(['a:running', 'a:succeeded', 'b:running', 'c:running']);
    const serial = new JobRunner({ db, registry: testRegistry(), workspace: ws, concurrency: 1 });
    const serialEvents: JobEvent[] = [];
    serial.on((e) => serialEvents.push(e));
    const one = serial.submit('diamond', { stepMs: 5 });
    await serial.run(one);
    // Declaration order among ready stages is d, b, c, a: so b before c, never overlapping.
    expect(sequence(serialEvents.filter((e) => e.jobId === one))).toEqual([
      'a:running',
      'a:succeeded',
      'b:running',
      'b:succeeded',
      'c:running',
      'c:succeeded',
      'd:running',
      'd:succeeded',
    ]);
  });

  it('a queued job cancelled before it runs ends cancelled without running a stage', async () => {
    const jobId = runner.submit('chain3', {});
    expect((await runner.cancel(jobId)).state).toBe('cancelled');
    expect((await runner.run(jobId)).state).toBe('cancelled');
    expect(executions(join(ws, jobId), 's1')).toBe(0);
    expect(db.jobs.stageRuns(jobId).map((r) => r.state)).toEqual(['pending', 'pending', 'pending']);
  });

  it('a succeeded stage whose output vanished is re-run on resume; dependants are re-checked, not blindly kept', async () => {
    const jobId = runner.submit('diamond', { stepMs: 0 });
    await runner.run(jobId);
    rmSync(join(ws, jobId, 'b.txt'));
    db.jobs.update(jobId, { state: 'running' });
    const job = await runner.run(jobId);
    expect(job.state).toBe('succeeded');
    const jws = join(ws, jobId);
    // b is re-executed; d is re-checked against its inputs and, as b's content is the same,
    // its existing output verifies and it is skipped rather than redone.
    expect([executions(jws, 'a'), executions(jws, 'b'), executions(jws, 'c'), executions(jws, 'd')]).toEqual([
      1, 2, 1, 1,
    ]);
    expect(db.jobs.stageRuns(jobId).map((r) => [r.stageId, r.state])).toEqual([
      ['d', 'skipped'],
      ['b', 'succeeded'],
      ['c', 'succeeded'],
      ['a', 'succeeded'],
    ]);
    expect(read(join(jws, 'b.txt'))).toBe('A;B;\n#complete\n');
  });

  it('a stage whose outputs already exist is skipped, not redone', async () => {
    const first = runner.submit('chain3', {});
    await runner.run(first);
    // A second job of the same kind writing to the same workspace would find valid outputs.
    const second = runner.submit('chain3', {});
    const { cpSync } = await import('node:fs');
    cpSync(join(ws, first), join(ws, second), { recursive: true });
    const job = await runner.run(second);
    expect(job.state).toBe('succeeded');
    expect(db.jobs.stageRuns(second).map((r) => r.state)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(executions(join(ws, second), 's1')).toBe(1); // copied count from the first job, no new execution
  });

  it('rejects invalid graphs and params with clear errors', () => {
    expect(() => runner.submit('cyclic', {})).toThrow(/job cyclic: the stage graph has a cycle among x, y/);
    expect(() => runner.submit('chain3', { slowSteps: 0 })).toThrow(/job chain3: invalid params: slowSteps: Too small/);
    expect(() => runner.submit('nope', {})).toThrow(/no job kind nope \(registered: chain3, diamond, cyclic\)/);
  });
});

describe('a stage asked to overwrite its outputs', () => {
  // Its verify refuses existing outputs before executing (they are to be replaced), and checks
  // what execute wrote after it (ctx.executed): the run succeeds. Before, the runner's check
  // after execute got null and failed every such job (CLI image, convert --overwrite).
  const stage = defineStage({
    name: 'test.overwrite',
    params: z.object({ file: z.string(), overwrite: z.boolean() }),
    inputs: () => [],
    outputs: (ctx) => [ctx.params.file],
    validate: () => undefined,
    verify: (ctx) => {
      if (ctx.params.overwrite && !ctx.executed) return null;
      return existsSync(ctx.params.file) ? { text: readFileSync(ctx.params.file, 'utf8') } : null;
    },
    execute: (ctx) => {
      writeFileSync(ctx.params.file, `job ${ctx.jobId}`);
      return Promise.resolve({ text: `job ${ctx.jobId}` });
    },
    cleanup: () => undefined,
  });
  const registry = new JobRegistry().registerStage(stage).registerJob({
    kind: 'overwrite',
    title: 'one stage that overwrites',
    params: z.object({ file: z.string(), overwrite: z.boolean() }),
    build: (p) => [{ id: 'w', stage: 'test.overwrite', params: p, deps: [] }],
  });

  it('replaces existing outputs and succeeds; without overwrite they are kept (skipped)', async () => {
    const db = openDatabase(dbFile);
    try {
      const runner = new JobRunner({ db, registry, workspace: ws });
      mkdirSync(dir, { recursive: true });
      const file = join(dir, 'out.txt');
      writeFileSync(file, 'old');
      const over = runner.submit('overwrite', { file, overwrite: true });
      expect((await runner.run(over)).state).toBe('succeeded');
      expect(db.jobs.stageRuns(over)[0]?.state).toBe('succeeded');
      expect(read(file)).toBe(`job ${over}`);
      const keep = runner.submit('overwrite', { file, overwrite: false });
      expect((await runner.run(keep)).state).toBe('succeeded');
      expect(db.jobs.stageRuns(keep)[0]?.state).toBe('skipped');
      expect(read(file)).toBe(`job ${over}`);
    } finally {
      db.close();
    }
  });
});
