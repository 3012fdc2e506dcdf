// The demo's checks of the engine facade: the database migrates, the native FFT runs on a pool
// worker and agrees with a direct DFT, and a built-in two-stage job runs through the JobRunner.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { defineStage, removeOutputs, writeFileAtomic, type JobRegistry } from '../../engine/jobs';
import { databaseStatus } from '../../engine/api';
import { sharedComplexArray } from '../../engine/native/pool';
import { nativeStatus } from '../app-info';
import type { DemoCheck } from './demo-step';
import { engineFor } from './engine-session';

export const databaseCheck: DemoCheck = async (ctx) => {
  const engine = await engineFor(ctx);
  const s = databaseStatus(engine.paths.database);
  const ok = s.schemaVersion === s.latestVersion;
  const rows = `${s.tables.calibrators ?? 0} calibrators, ${s.tables.jobs ?? 0} jobs`;
  return {
    name: 'database',
    status: ok ? 'ok' : 'fail',
    detail: `${s.file}: schema version ${s.schemaVersion}${ok ? ' (current)' : `, expected ${s.latestVersion}`}; ${rows}`,
  };
};

/** Deterministic values in [-1, 1) (a small LCG): the check must be reproducible. */
function testSignal(length: number): Float64Array {
  const out = new Float64Array(length);
  let s = 12345;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** One coefficient of the forward 2-D DFT (numpy fft2 convention) by direct summation in float64. */
function directDft(x: Float64Array, nx: number, ny: number, u: number, v: number): [number, number] {
  let re = 0;
  let im = 0;
  for (let y = 0; y < ny; y++) {
    for (let k = 0; k < nx; k++) {
      const phase = -2 * Math.PI * ((u * k) / nx + (v * y) / ny);
      const a = x[2 * (y * nx + k)] ?? 0;
      const b = x[2 * (y * nx + k) + 1] ?? 0;
      re += a * Math.cos(phase) - b * Math.sin(phase);
      im += a * Math.sin(phase) + b * Math.cos(phase);
    }
  }
  return [re, im];
}

export const nativeFftCheck: DemoCheck = async (ctx) => {
  const status = nativeStatus();
  if (status.status !== 'loaded') {
    return {
      name: 'native FFT',
      status: status.status === 'not built' ? 'warn' : 'fail',
      detail: `skipped: addon ${status.status} (${status.path})`,
    };
  }
  const engine = await engineFor(ctx);
  // 24 x 10 exercises a mixed-radix row length and a non-power-of-two column length.
  const nx = 24;
  const ny = 10;
  const data = sharedComplexArray(nx, ny, 'complex64');
  data.set(testSignal(data.length));
  const input = Float64Array.from(data);
  const t0 = performance.now();
  await engine.native().fft2d(data, nx, ny);
  const ms = performance.now() - t0;
  const points: [number, number][] = [
    [0, 0],
    [1, 0],
    [5, 3],
    [nx - 1, ny - 1],
  ];
  let err = 0;
  let scale = 0;
  for (const [u, v] of points) {
    const [re, im] = directDft(input, nx, ny, u, v);
    const i = 2 * (v * nx + u);
    err = Math.max(err, Math.hypot((data[i] ?? NaN) - re, (data[i + 1] ?? NaN) - im));
    scale = Math.max(scale, Math.hypot(re, im));
  }
  const rel = err / scale;
  // complex64 arithmetic over 240 points: a few 1e-7 relative is expected; 1e-5 means a wrong result.
  const ok = rel < 1e-5;
  return {
    name: 'native FFT',
    status: ok ? 'ok' : 'fail',
    detail:
      `fft2d ${nx} x ${ny} complex64 on a worker of the native pool (${engine.config.threads} worker(s); start-up included) in ${ms.toFixed(0)} ms; ` +
      `${points.length} coefficients vs a direct DFT: max relative error ${rel.toExponential(1)}${ok ? '' : ' (expected < 1e-5)'}`,
  };
};

const SELFTEST_KIND = 'demo.selftest';
const VALUES = 'selftest-values.f64';
const SUM = 'selftest-sum.json';

const WriteParams = z.object({ n: z.number().int().min(1).max(10_000_000) });
const SumParams = z.object({ n: z.number().int().min(1) });

/** Stage 1: the integers 0..n-1 as float64, written atomically. */
const writeValues = defineStage({
  name: 'selftest.write-values',
  params: WriteParams,
  inputs: () => [],
  outputs: (ctx) => [path.join(ctx.workspace, VALUES)],
  validate: () => undefined,
  verify: (ctx) => {
    const file = path.join(ctx.workspace, VALUES);
    return existsSync(file) && statSync(file).size === 8 * ctx.params.n ? { path: file, n: ctx.params.n } : null;
  },
  execute: async (ctx) => {
    const values = new Float64Array(ctx.params.n);
    for (let i = 0; i < values.length; i++) values[i] = i;
    ctx.progress(0.5, `${values.length} values`);
    const file = path.join(ctx.workspace, VALUES);
    await writeFileAtomic(file, new Uint8Array(values.buffer));
    ctx.log.info({ n: ctx.params.n, bytes: values.byteLength }, `wrote ${file}`);
    return { path: file, n: ctx.params.n };
  },
  cleanup: (ctx) => removeOutputs([path.join(ctx.workspace, VALUES)]),
});

/** Stage 2: sums the first stage's file; verified against n(n-1)/2. */
const sumValues = defineStage({
  name: 'selftest.sum-values',
  params: SumParams,
  inputs: (ctx) => [String(ctx.deps.write?.path ?? path.join(ctx.workspace, VALUES))],
  outputs: (ctx) => [path.join(ctx.workspace, SUM)],
  validate: (ctx) => {
    if (ctx.deps.write?.n !== ctx.params.n)
      throw new Error(
        `stage ${ctx.stageId}: dependency "write" produced n=${String(ctx.deps.write?.n)}, expected ${ctx.params.n}`,
      );
  },
  verify: (ctx) => {
    const file = path.join(ctx.workspace, SUM);
    if (!existsSync(file)) return null;
    const out = JSON.parse(readFileSync(file, 'utf8')) as { n?: unknown; sum?: unknown };
    const n = ctx.params.n;
    return out.n === n && out.sum === (n * (n - 1)) / 2 ? { path: file, n, sum: out.sum } : null;
  },
  execute: async (ctx) => {
    const buf = await readFile(String(ctx.deps.write?.path));
    const values = new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8);
    let sum = 0;
    for (const v of values) sum += v;
    const file = path.join(ctx.workspace, SUM);
    await writeFileAtomic(file, JSON.stringify({ n: values.length, sum }));
    ctx.log.info({ sum }, `sum of ${values.length} values = ${sum}`);
    return { path: file, n: values.length, sum };
  },
  cleanup: (ctx) => removeOutputs([path.join(ctx.workspace, SUM)]),
});

/** Register the self-test job kind (two stages, write -> sum) once per registry. */
export function registerSelfTest(registry: JobRegistry): void {
  if (registry.jobKinds().some((k) => k.kind === SELFTEST_KIND)) return;
  registry
    .registerStage(writeValues)
    .registerStage(sumValues)
    .registerJob({
      kind: SELFTEST_KIND,
      title: 'engine self-test: write 0..n-1, then sum them',
      params: z.object({ n: z.number().int().min(1).max(10_000_000).default(100_000) }),
      build: (p) => [
        { id: 'write', stage: writeValues.name, params: { n: p.n }, deps: [] },
        { id: 'sum', stage: sumValues.name, params: { n: p.n }, deps: ['write'] },
      ],
    });
}

export const jobRunnerCheck: DemoCheck = async (ctx) => {
  const engine = await engineFor(ctx);
  registerSelfTest(engine.registry);
  const n = 100_000;
  const id = engine.submit(SELFTEST_KIND, { n });
  const job = await engine.run(id);
  const stages = engine.db.jobs.stageRuns(id);
  const logs = engine.db.jobs.logs(id).length;
  const sum = stages.find((s) => s.stageId === 'sum')?.outputs?.sum;
  const expected = (n * (n - 1)) / 2;
  const timings = stages.map((s) => `${s.stageId} ${s.state} ${(s.durationS ?? 0).toFixed(3)} s`).join(', ');
  const ok = job.state === 'succeeded' && sum === expected;
  return {
    name: 'job runner',
    status: ok ? 'ok' : 'fail',
    detail: `job ${id} ${job.state}${job.error ? ` (${job.error})` : ''}: ${timings}; sum of 0..${n - 1} = ${String(sum)}${sum === expected ? ' as expected' : `, expected ${expected}`}; ${logs} log lines persisted`,
  };
};
