// Benchmark: one full-size MS (96 antennas, 16 x 48 channels, 24 integrations) imaged by ours and
// by WSClean 3.1 side by side, 2 threads each, the same size, pixel, weighting (Briggs 0), niter,
// mgain 0.8 and auto-threshold 3: WSClean in its default w-stacking mode (its fastest here) and,
// at niter 0, in wgridder mode at 1e-5 as the accuracy reference. Wall, CPU (user + sys) and peak
// RSS of every run from /usr/bin/time; our per-step times and gridding throughput; accuracy of
// both dirty images against the reference. `npm run bench -- image [--ms PATH] [--column C]
// [--size N] [--scale ARCSEC] [--niter 0,1000] [--threads N] [--dir DIR] [--antennas N]
// [--epsilon E] [--ours-only]` (--ours-only: no WSClean runs, ours alone, for quick timings).
// With --ms the MS is copied once into DIR (neither tool then touches the original); without it
// a group is simulated and converted into DIR once.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFitsImage } from '../src/main/engine/fits';
import { wscleanArgs, wscleanEnv } from '../test/helpers/wsclean';

export const description =
  'full-size MS imaged by ours and WSClean 3.1 (w-stacking; wgridder as reference), 2 threads, niter 0 and 1000: wall/CPU time, memory, accuracy';

const START = '2026-01-15T03:00:00';
const DEC = 55.57;

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

async function simulatedMs(dir: string, antennas: number): Promise<string> {
  const ms = path.join(dir, 'bench.ms');
  const marker = path.join(dir, 'bench-params.json');
  const want = JSON.stringify({ antennas, START, DEC, channels: 48 });
  if (existsSync(path.join(ms, 'table.dat')) && existsSync(marker) && readFileSync(marker, 'utf8') === want) return ms;
  rmSync(ms, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { NativePool } = await import('../src/main/engine/native/pool');
  const { simulate } = await import('../src/main/engine/sim/simulate');
  const { planConversion, writeConversion } = await import('../src/main/engine/convert');
  const pool = new NativePool({ workers: 2 });
  try {
    const t0 = performance.now();
    process.stdout.write(`simulating and converting a ${antennas}-antenna group into ${dir} (once) ... `);
    const raw = path.join(dir, 'raw');
    const r = await simulate(
      {
        outDir: raw,
        start: START,
        minutes: 5,
        decDeg: DEC,
        antennas,
        channelsPerSubband: 48,
        seed: 7,
        minFluxJy: 0.5,
        maxFluxJy: 2,
        corruptions: { rfi: false, gains: false, bandpass: false },
      },
      pool,
    );
    const c = r.chunks[0]!;
    await writeConversion(await planConversion(c.groupId, c.files), ms);
    rmSync(raw, { recursive: true, force: true });
    writeFileSync(marker, want);
    console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return ms;
  } finally {
    await pool.close();
  }
}

/** A private copy of `source` in `dir` (made once, redone when the source changes). */
function copiedMs(dir: string, source: string): string {
  const ms = path.join(dir, 'bench.ms');
  if (path.resolve(source) === ms) return ms;
  const marker = path.join(dir, 'bench-source.json');
  const want = JSON.stringify({
    source: path.resolve(source),
    mtimeMs: statSync(path.join(source, 'table.dat')).mtimeMs,
  });
  if (existsSync(path.join(ms, 'table.dat')) && existsSync(marker) && readFileSync(marker, 'utf8') === want) return ms;
  rmSync(ms, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.stdout.write(`copying ${source} into ${dir} (once) ... `);
  const t0 = performance.now();
  cpSync(source, ms, { recursive: true });
  writeFileSync(marker, want);
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return ms;
}

interface ChildParams {
  ms: string;
  prefix: string;
  size: number;
  scale: number;
  niter: number;
  threads: number;
  column: 'DATA' | 'CORRECTED_DATA';
  epsilon: number;
}

/** In the child: image, then print per-step times and gridder stats as JSON on stdout. */
async function child(c: ChildParams): Promise<void> {
  const { NativePool } = await import('../src/main/engine/native/pool');
  const { imageMeasurementSet } = await import('../src/main/engine/imaging');
  const pool = new NativePool({ workers: 1 });
  const out = await imageMeasurementSet(pool, {
    msPath: c.ms,
    prefix: c.prefix,
    params: {
      size: c.size,
      cellArcsec: c.scale,
      weighting: 'briggs',
      robust: 0,
      niter: c.niter,
      mgain: 0.8,
      autoThresholdSigma: 3,
      pbCut: 0.2,
      beamModel: 'airy',
      threads: c.threads,
      column: c.column,
      epsilon: c.epsilon,
    },
  });
  await pool.close();
  process.stdout.write(
    JSON.stringify({
      timings: out.timings,
      gridder: out.gridder,
      kernel: out.kernel,
      iterations: out.iterations,
      majors: out.majorCycles.length,
      rms: out.rmsJy,
      peak: out.peakJy,
      nvis: out.visibilities,
    }),
  );
}

interface Timed {
  wall: number;
  cpu: number;
  rssMiB: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time: wall, user + sys CPU seconds and peak RSS. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Timed {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %U %S %M', cmd, ...args], {
    encoding: 'utf8',
    env,
    cwd,
    maxBuffer: 256 * 1024 * 1024,
  });
  const line = r.stderr
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('TIME '));
  if (r.status !== 0 || !line) throw new Error(`${cmd} failed (exit ${r.status}): ${r.stderr.slice(-3000)}`);
  const [wall, user, sys, kib] = line.slice(5).split(' ').map(Number) as [number, number, number, number];
  return { wall, cpu: user + sys, rssMiB: kib / 1024, stdout: r.stdout };
}

/** WSClean's closing line "Inversion: hh:mm:ss.s, prediction: ..., deconvolution: ..." in seconds. */
function wscleanSteps(stdout: string): { inversion: number; prediction: number; deconvolution: number } | null {
  const m = /Inversion: ([\d:.]+), prediction: ([\d:.]+), deconvolution: ([\d:.]+)/.exec(stdout);
  if (!m) return null;
  const s = (t: string) => t.split(':').reduce((a, v) => 60 * a + Number(v), 0);
  return { inversion: s(m[1]!), prediction: s(m[2]!), deconvolution: s(m[3]!) };
}

/** max |a - b| and rms(a - b), both over max |ref|. */
function compare(a: ArrayLike<number>, b: ArrayLike<number>, ref: ArrayLike<number>): { max: number; rms: number } {
  let pk = 0;
  let mx = 0;
  let ss = 0;
  for (let i = 0; i < ref.length; i++) {
    pk = Math.max(pk, Math.abs(ref[i]!));
    const d = a[i]! - b[i]!;
    mx = Math.max(mx, Math.abs(d));
    ss += d * d;
  }
  return { max: mx / pk, rms: Math.sqrt(ss / ref.length) / pk };
}

const f1 = (v: number) => v.toFixed(1);

export async function run(args: string[]): Promise<void> {
  const dir = path.resolve(option(args, '--dir', path.join(tmpdir(), 'dsa110-bench-image')));
  const source = option(args, '--ms', '');
  const size = Number(option(args, '--size', '2048'));
  const scale = Number(option(args, '--scale', '6'));
  const threads = Number(option(args, '--threads', '2'));
  const niters = option(args, '--niter', '0,1000').split(',').map(Number);
  const epsilon = Number(option(args, '--epsilon', '1e-4'));
  const oursOnly = args.includes('--ours-only');
  const ms = source ? copiedMs(dir, source) : await simulatedMs(dir, Number(option(args, '--antennas', '96')));
  const column = option(args, '--column', source ? 'CORRECTED_DATA' : 'DATA') as 'DATA' | 'CORRECTED_DATA';
  const self = fileURLToPath(import.meta.url);
  const root = path.resolve(path.dirname(self), '..');
  const out = path.join(dir, 'out');
  const clear = () => {
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
  };
  console.log(
    `${ms}: column ${column}, ${size} x ${size} pixels of ${scale}", Briggs 0, mgain 0.8, auto-threshold 3, ${threads} threads each; our gridder epsilon ${epsilon}`,
  );
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const wsc = (name: string, niter: number, wgridder: number | null): Timed =>
    timed(
      'wsclean',
      wscleanArgs(ms, name, {
        size,
        scaleArcsec: scale,
        weight: ['briggs', '0'],
        niter,
        mgain: 0.8,
        autoThreshold: 3,
        threads,
        wgridderAccuracy: wgridder,
        dataColumn: column,
        // Not quiet: its closing line gives the inversion / prediction / deconvolution times.
      }).filter((a) => a !== '-quiet'),
      wscleanEnv(),
      out,
    );
  for (const niter of niters) {
    clear();
    const prefix = path.join(out, 'ours');
    const ours = timed(
      process.execPath,
      [
        '--import',
        'tsx',
        self,
        '--child',
        JSON.stringify({ ms, prefix, size, scale, niter, threads, column, epsilon } satisfies ChildParams),
      ],
      process.env,
      root,
    );
    const o = JSON.parse(ours.stdout) as {
      timings: Record<string, number>;
      iterations: number;
      majors: number;
      rms: number;
      peak: number;
      nvis: number;
      gridder: {
        gridCalls: number;
        gridSeconds: number;
        gridCpuSeconds: number;
        gridVisibilities: number;
        degridCalls: number;
        degridSeconds: number;
        degridCpuSeconds: number;
        degridVisibilities: number;
        residualCalls: number;
        residualSeconds: number;
        residualCpuSeconds: number;
        residualVisibilities: number;
      };
      kernel: { support: number; sigma: number; nplanes: number; nu: number };
    };
    const g = o.gridder;
    console.log(`\nniter ${niter}`);
    console.log(
      `  ours      ${f1(ours.wall)} s wall, ${f1(ours.cpu)} s CPU, peak RSS ${ours.rssMiB.toFixed(0)} MiB; ${o.iterations} components, ${o.majors} major cycles`,
    );
    console.log(
      `            steps (s): ${Object.entries(o.timings)
        .map(([k, v]) => `${k} ${v.toFixed(1)}`)
        .join(', ')}`,
    );
    console.log(
      `            kernel: support ${o.kernel.support}, oversampling ${o.kernel.sigma}, ${o.kernel.nu}^2 grid, ${o.kernel.nplanes} w planes`,
    );
    const rate = (n: number, wall: number, cpu: number) =>
      `${(n / wall / threads / 1e6).toFixed(1)} M vis/s/core (wall), ${(n / cpu / 1e6).toFixed(1)} M vis/CPU-s`;
    console.log(
      `            gridding ${g.gridCalls} x ${(g.gridVisibilities / g.gridCalls / 1e6).toFixed(1)} M vis in ${f1(g.gridSeconds)} s wall, ${f1(g.gridCpuSeconds)} s CPU: ` +
        rate(g.gridVisibilities, g.gridSeconds, g.gridCpuSeconds) +
        (g.degridCalls > 0
          ? `; degridding ${g.degridCalls} x in ${f1(g.degridSeconds)} s wall, ${f1(g.degridCpuSeconds)} s CPU: ${rate(g.degridVisibilities, g.degridSeconds, g.degridCpuSeconds)}`
          : '') +
        (g.residualCalls > 0
          ? `; major cycles (predict + grid, one pass) ${g.residualCalls} x in ${f1(g.residualSeconds)} s wall, ${f1(g.residualCpuSeconds)} s CPU`
          : ''),
    );
    if (oursOnly) continue;
    const ws = wsc(path.join(out, 'wsc'), niter, null);
    const steps = wscleanSteps(ws.stdout);
    console.log(
      `  WSClean   ${f1(ws.wall)} s wall, ${f1(ws.cpu)} s CPU, peak RSS ${ws.rssMiB.toFixed(0)} MiB (w-stacking)` +
        (steps
          ? `; inversion ${f1(steps.inversion)} s, prediction ${f1(steps.prediction)} s, deconvolution ${f1(steps.deconvolution)} s`
          : ''),
    );
    console.log(
      `  ratio ours/WSClean: wall ${(ours.wall / ws.wall).toFixed(2)}, CPU ${(ours.cpu / ws.cpu).toFixed(2)}, memory ${(ours.rssMiB / ws.rssMiB).toFixed(2)}`,
    );
    if (niter === 0) {
      const ref = wsc(path.join(out, 'ref'), 0, 1e-5);
      console.log(
        `  WSClean wgridder 1e-5 (reference): ${f1(ref.wall)} s wall, ${f1(ref.cpu)} s CPU, peak RSS ${ref.rssMiB.toFixed(0)} MiB`,
      );
      const r = readFitsImage(path.join(out, 'ref-dirty.fits')).data;
      const a = compare(readFitsImage(`${prefix}-dirty.fits`).data, r, r);
      const b = compare(readFitsImage(path.join(out, 'wsc-dirty.fits')).data, r, r);
      console.log(
        `  dirty image vs the reference, of its peak: ours max ${a.max.toExponential(2)} rms ${a.rms.toExponential(2)}; ` +
          `WSClean w-stacking max ${b.max.toExponential(2)} rms ${b.rms.toExponential(2)}`,
      );
    } else {
      const res = (f: string) => {
        const d = readFitsImage(f).data;
        let ss = 0;
        for (let i = 0; i < d.length; i++) ss += d[i]! * d[i]!;
        return Math.sqrt(ss / d.length);
      };
      const wf = readFitsImage(path.join(out, 'wsc-image.fits'));
      const of = readFitsImage(`${prefix}-image.fits`);
      const c = compare(of.data, wf.data, wf.data);
      console.log(
        `  residual rms: ours ${res(`${prefix}-residual.fits`).toExponential(3)}, WSClean ${res(path.join(out, 'wsc-residual.fits')).toExponential(3)} Jy/beam; ` +
          `restored images differ by max ${c.max.toExponential(2)} rms ${c.rms.toExponential(2)} of WSClean's peak`,
      );
      const beam = (f: typeof wf) =>
        ['BMAJ', 'BMIN', 'BPA'].map((k) => Number(f.keywords.get(k)) * (k === 'BPA' ? 1 : 3600));
      const [om, on, op] = beam(of);
      const [wm, wn, wp] = beam(wf);
      console.log(
        `  restoring beams: ours ${om!.toFixed(2)}" x ${on!.toFixed(2)}" PA ${op!.toFixed(1)}, WSClean ${wm!.toFixed(2)}" x ${wn!.toFixed(2)}" PA ${wp!.toFixed(1)}`,
      );
      // The brightest components: peak values of both restored images at WSClean's 5 brightest peaks.
      const model = readFitsImage(path.join(out, 'wsc-model.fits')).data;
      const order = Array.from(model.keys())
        .filter((i) => model[i] !== 0)
        .sort((a, b) => model[b]! - model[a]!);
      const seen: number[] = [];
      for (const i of order) {
        if (seen.length >= 5) break;
        if (seen.some((j) => Math.hypot((i % size) - (j % size), Math.floor(i / size) - Math.floor(j / size)) < 20))
          continue;
        seen.push(i);
      }
      console.log(
        `  restored values at WSClean's brightest components (ours / WSClean, Jy/beam): ${seen.map((i) => `${of.data[i]!.toFixed(4)}/${wf.data[i]!.toFixed(4)}`).join(', ')}`,
      );
      // Independent of the restoring beams: CLEAN flux (model sum) within 5 pixels of each.
      const ours = readFitsImage(`${prefix}-model.fits`).data;
      const near = (m: ArrayLike<number>, i: number) => {
        let sum = 0;
        for (let dy = -5; dy <= 5; dy++) for (let dx = -5; dx <= 5; dx++) sum += m[i + dy * size + dx] ?? 0;
        return sum;
      };
      console.log(
        `  model flux within 5 pixels of them (ours / WSClean, Jy): ${seen.map((i) => `${near(ours, i).toFixed(4)}/${near(model, i).toFixed(4)}`).join(', ')}`,
      );
    }
  }
  for (const f of readdirSync(dir)) if (f.endsWith('.tmp')) rmSync(path.join(dir, f), { force: true });
  clear();
  console.log(
    `\nload average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === '--child') {
  child(JSON.parse(process.argv[3]!) as ChildParams).catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
