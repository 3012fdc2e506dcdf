// Reliability: the server killed with SIGKILL while a job runs, then started again on the same
// workspace, resumes that job through the job runner (the interrupted stage is cleaned up and
// re-run, nothing else) and the API reports it: running again, then succeeded, with the resume
// in the job's log.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const CHILD = path.resolve('test/server/serve-child.ts');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-recover-'));
const ws = path.join(tmp, 'ws');
const children: ChildProcess[] = [];

interface Started {
  child: ChildProcess;
  url: string;
  token: string;
  pid: number;
  job: string | null;
  recovered: string[];
}

function start(args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ws, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, ...(JSON.parse(out.slice(0, nl)) as Omit<Started, 'child'>) });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before it was ready: ${err}`)));
  });
}

async function get(
  s: Started,
  url: string,
): Promise<{ status: number; body: { ok: boolean; value: Record<string, unknown> } }> {
  const r = await fetch(`${s.url}${url}`, { headers: { authorization: `Bearer ${s.token}` } });
  return { status: r.status, body: (await r.json()) as { ok: boolean; value: Record<string, unknown> } };
}

async function until<T>(what: string, fn: () => Promise<T | null>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

describe('SIGKILL during a job', () => {
  it('the restarted server resumes the job and the API reports it', async () => {
    const first = await start(['--submit']);
    const jobId = first.job ?? '';
    expect(jobId).not.toBe('');
    // Kill while the slow stage is midway.
    await until('the slow stage to be midway', async () => {
      const { body } = await get(first, `/api/jobs/${jobId}`);
      const job = body.value.job as { progress: number; state: string };
      return job.state === 'running' && job.progress > 0.1 ? job : null;
    });
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await start([]);
    expect(second.pid).not.toBe(first.pid);
    expect(second.recovered).toEqual([jobId]);
    // The API reports the job running again (this process), then succeeded.
    const done = await until('the resumed job to finish', async () => {
      const { body } = await get(second, `/api/jobs/${jobId}`);
      const job = body.value.job as { state: string };
      return job.state === 'succeeded' || job.state === 'failed' ? body.value : null;
    });
    expect((done.job as { state: string; progress: number }).state).toBe('succeeded');
    expect((done.job as { progress: number }).progress).toBe(1);
    const stages = done.stages as { stageId: string; state: string; attempt: number }[];
    expect(stages.map((s) => [s.stageId, s.state])).toEqual([
      ['slow', 'succeeded'],
      ['quick', 'succeeded'],
    ]);
    // The interrupted stage ran twice (killed, then resumed by the new process); the next one once.
    const jobDir = path.join(ws, 'jobs', jobId);
    expect(readFileSync(path.join(jobDir, 'slow.attempts'), 'utf8').trim().split('\n')).toEqual([
      String(first.pid),
      String(second.pid),
    ]);
    expect(readFileSync(path.join(jobDir, 'quick.attempts'), 'utf8').trim().split('\n')).toEqual([String(second.pid)]);
    // jobs.status through the REST route: finished here, nothing interrupted any more.
    const status = await get(second, `/api/jobs/${jobId}/status`);
    expect(status.status).toBe(200);
    expect(status.body.value).toMatchObject({ state: 'succeeded', stagesDone: 2, stagesFailed: 0, interrupted: false });
    // The job's log says what happened, through the job API.
    const logs = await get(second, `/api/jobs/${jobId}/logs?limit=500`);
    const messages = (logs.body.value.items as { message: string }[]).map((l) => l.message);
    expect(messages.some((m) => m.includes('resumed by dsa110 serve') && m.includes(`pid ${first.pid}`))).toBe(true);
    expect(messages.some((m) => m.includes('left running by a process that is gone'))).toBe(true);

    // A third start finds nothing to resume.
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));
    const third = await start([]);
    expect(third.recovered).toEqual([]);
    third.child.kill('SIGTERM');
    await new Promise((r) => third.child.once('exit', r));
  }, 180_000);
});
