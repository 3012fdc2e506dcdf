// `dsa110 serve` under load: requests per second and p50/p99 latency of `jobs.list` (a page of
// 100 jobs from a workspace holding 300) and of `app.info` (a small request) with 1, 10 and 50
// concurrent keep-alive clients on loopback, beside the same requests through the dispatcher in
// one process (the reference: what HTTP adds); then the server's RSS after 100,000 requests
// against its RSS at start and after a warm-up.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createApiHandlers } from '../src/main/engine/api';
import { Engine } from '../src/main/engine/engine';
import { createDispatcher } from '../src/shared/api';

export const description =
  'HTTP API of dsa110 serve: req/s, p50/p99 of jobs.list and app.info at 1/10/50 clients vs in-process dispatch; RSS after 100k requests; --requests --memory-requests --keep';

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../bin/dsa110.mjs');

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

interface Result {
  clients: number;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** `total` requests spread over `clients` sequential loops on keep-alive sockets. */
async function load(
  base: URL,
  token: string,
  channel: string,
  body: string,
  clients: number,
  total: number,
): Promise<Result> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  const latencies: number[] = [];
  let errors = 0;
  let issued = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = http.request(
        {
          host: base.hostname,
          port: base.port,
          path: `/api/rpc/${channel}`,
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) errors += 1;
            latencies.push(performance.now() - t);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end(body);
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (issued < total) {
        issued += 1;
        await one();
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    clients,
    requests: latencies.length,
    seconds,
    rps: latencies.length / seconds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    errors,
  };
}

/** The same request through the dispatcher in this process (validation both ways, no HTTP). */
async function inProcess(
  engine: Engine,
  channel: string,
  input: unknown,
  n: number,
): Promise<{ p50: number; rps: number }> {
  const dispatch = createDispatcher(createApiHandlers(engine));
  const times: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await dispatch(channel, { input });
    if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
    times.push(performance.now() - t);
  }
  const s = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  return { p50: quantile(times, 0.5), rps: n / s };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      requests: { type: 'string', default: '3000' },
      'memory-requests': { type: 'string', default: '100000' },
      keep: { type: 'boolean', default: false },
    },
  });
  const perRun = Number(values.requests);
  const memRequests = Number(values['memory-requests']);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-bench-api-'));
  const ws = path.join(tmp, 'ws');
  // A workspace with 300 jobs of 2 stages each, so jobs.list returns a full page of 100.
  const engine = await Engine.open({ workspace: ws, env: {}, overrides: { threads: 1 } });
  for (let i = 0; i < 300; i++) {
    engine.db.jobs.create({
      id: `bench-${String(i).padStart(4, '0')}`,
      kind: 'convert',
      params: { groupId: `2026-01-15T08:${String(i % 60).padStart(2, '0')}:00` },
      stages: [
        { stageId: 'convert', stageName: 'convert', deps: [], params: {} },
        { stageId: 'image', stageName: 'image', deps: ['convert'], params: {} },
      ],
    });
  }
  const ref = {
    list: await inProcess(engine, 'jobs.list', { limit: 100 }, 500),
    info: await inProcess(engine, 'app.info', {}, 2000),
  };
  await engine.close();

  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_')));
  const child = spawn(
    process.execPath,
    [BIN, '--workspace', ws, '--threads', '1', '--json', 'serve', '--port', '0', '--no-ui'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: clean },
  );
  try {
    const started = await new Promise<{ url: string; loginUrl: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        try {
          resolve(JSON.parse(out) as { url: string; loginUrl: string });
        } catch {
          // not complete yet
        }
      });
      child.on('exit', (code) => reject(new Error(`dsa110 serve exited with ${code}`)));
    });
    const base = new URL(started.url);
    const token = new URL(started.loginUrl).searchParams.get('token') ?? '';
    const pid = child.pid ?? 0;
    const rssStart = rssMiB(pid);
    console.log(
      `api: dsa110 serve pid ${pid} on ${started.url}, RSS at start ${rssStart.toFixed(1)} MiB; ${perRun} requests per row; node ${process.versions.node}, ${os.cpus().length} cores`,
    );
    console.log(
      `reference (in process, dispatcher only): jobs.list p50 ${ref.list.p50.toFixed(3)} ms (${ref.list.rps.toFixed(0)} req/s), app.info p50 ${ref.info.p50.toFixed(3)} ms (${ref.info.rps.toFixed(0)} req/s)`,
    );
    // Warm-up (JIT, caches), not reported.
    await load(base, token, 'app.info', '{}', 10, 1000);
    await load(base, token, 'jobs.list', '{"limit":100}', 10, 300);
    const rssWarm = rssMiB(pid);
    console.log('\nrequest     clients   req/s    p50 ms   p99 ms   p50 vs in-process   errors');
    for (const [channel, body, r] of [
      ['jobs.list', '{"limit":100}', ref.list],
      ['app.info', '{}', ref.info],
    ] as const) {
      for (const clients of [1, 10, 50]) {
        const x = await load(base, token, channel, body, clients, perRun);
        console.log(
          `${channel.padEnd(11)} ${String(clients).padStart(7)} ${x.rps.toFixed(0).padStart(7)} ${x.p50.toFixed(2).padStart(8)} ${x.p99.toFixed(2).padStart(8)} ${`x${(x.p50 / r.p50).toFixed(1)}`.padStart(19)} ${String(x.errors).padStart(8)}`,
        );
      }
    }
    // Memory: 100,000 more requests (mostly the small one, a tenth jobs.list), then RSS again.
    const t0 = performance.now();
    let done = 0;
    let errors = 0;
    while (done < memRequests) {
      const n = Math.min(10_000, memRequests - done);
      const a = await load(base, token, 'app.info', '{}', 50, Math.round(n * 0.9));
      const b = await load(base, token, 'jobs.list', '{"limit":100}', 10, n - Math.round(n * 0.9));
      done += a.requests + b.requests;
      errors += a.errors + b.errors;
    }
    const rssEnd = rssMiB(pid);
    console.log(
      `\nmemory: ${done} requests in ${((performance.now() - t0) / 1000).toFixed(0)} s (${errors} errors): RSS ${rssStart.toFixed(1)} MiB at start, ${rssWarm.toFixed(1)} after warm-up, ${rssEnd.toFixed(1)} after; ` +
        `${(((rssEnd - rssStart) / rssStart) * 100).toFixed(1)} % vs start, ${(((rssEnd - rssWarm) / rssWarm) * 100).toFixed(1)} % vs warm-up`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    if (!values.keep) rmSync(tmp, { recursive: true, force: true });
  }
}
