// Benchmark: a full-size simulated MS (96 antennas, 16 x 48 channels, 24 integrations) imaged by
// our imager and by WSClean 3.1 side by side: 2 threads each, the same size, pixel and weighting
// (Briggs 0, wgridder at 1e-5, no small inversion), niter 0 and niter 1000 (mgain 0.8, auto-
// threshold 3). Wall time and peak RSS of both (ours in a child process, WSClean under
// /usr/bin/time). `npm run bench -- image [--size N] [--scale ARCSEC] [--dir DIR] [--antennas N]`;
// the simulated group and its MS are cached in DIR (default $TMPDIR/dsa110-bench-image).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const description = 'full-size MS imaged by ours and by WSClean 3.1 (2 threads, niter 0 and 1000): wall time and peak RSS';

const START = '2026-01-15T03:00:00';
const DEC = 55.57;

function option(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

async function ensureMs(dir: string, antennas: number): Promise<string> {
  const ms = path.join(dir, 'bench.ms');
  const marker = path.join(dir, 'bench-params.json');
  const want = JSON.stringify({ antennas, START, DEC, channels: 48 });
  if (existsSync(path.join(ms, 'table.dat')) && existsSync(marker) && readFileSync(marker, 'utf8') === want) return ms;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { NativePool } = await import('../src/main/engine/native/pool');
  const { simulate } = await import('../src/main/engine/sim/simulate');
  const { planConversion, writeConversion } = await import('../src/main/engine/convert');
  const pool = new NativePool({ workers: 2 });
  try {
    const t0 = performance.now();
    process.stdout.write(`simulating and converting a ${antennas}-antenna group into ${dir} (once) ... `);
    const raw = path.join(dir, 'raw');
    const r = await simulate({
      outDir: raw, start: START, minutes: 5, decDeg: DEC, antennas, channelsPerSubband: 48, seed: 7, minFluxJy: 0.5, maxFluxJy: 2, corruptions: { rfi: false, gains: false, bandpass: false },
    }, pool);
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

/** In the child: image and report wall time and peak RSS as JSON on stdout. */
async function child(ms: string, prefix: string, size: number, scale: number, niter: number): Promise<void> {
  const { NativePool } = await import('../src/main/engine/native/pool');
  const { imageMeasurementSet } = await import('../src/main/engine/imaging');
  const pool = new NativePool({ workers: 2 });
  const t0 = performance.now();
  const out = await imageMeasurementSet(pool, {
    msPath: ms, prefix, params: { size, cellArcsec: scale, weighting: 'briggs', robust: 0, niter, mgain: 0.8, autoThresholdSigma: 3, pbCut: 0.2, beamModel: 'airy', threads: 2 },
  });
  const seconds = (performance.now() - t0) / 1000;
  await pool.close();
  process.stdout.write(JSON.stringify({ seconds, maxRssKiB: process.resourceUsage().maxRSS, iterations: out.iterations, majors: out.majorCycles.length, rms: out.rmsJy, peak: out.peakJy }));
}

export async function run(args: string[]): Promise<void> {
  const dir = path.resolve(option(args, '--dir', path.join(tmpdir(), 'dsa110-bench-image')));
  const antennas = Number(option(args, '--antennas', '96'));
  const size = Number(option(args, '--size', '2048'));
  const scale = Number(option(args, '--scale', '6'));
  const ms = await ensureMs(dir, antennas);
  const self = fileURLToPath(import.meta.url);
  const rows: string[] = [];
  for (const niter of [0, 1000]) {
    const prefix = path.join(dir, `ours-${niter}`);
    let t = performance.now();
    const c = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', ms, prefix, String(size), String(scale), String(niter)], {
      encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, cwd: path.resolve(path.dirname(self), '..'),
    });
    const oursWall = (performance.now() - t) / 1000;
    if (c.status !== 0) throw new Error(`imaging child failed (exit ${c.status}): ${c.stderr}`);
    const o = JSON.parse(c.stdout) as { seconds: number; maxRssKiB: number; iterations: number; majors: number; rms: number; peak: number };
    const name = path.join(dir, `wsc-${niter}`);
    // WSClean writes into the MS it images (its SSM then has a second bucket index our reader
    // does not read yet): it gets a fresh copy each run, made before the clock starts.
    const wscMs = path.join(dir, 'wsc-copy.ms');
    rmSync(wscMs, { recursive: true, force: true });
    spawnSync('cp', ['-r', ms, wscMs]);
    t = performance.now();
    const w = spawnSync('/usr/bin/time', ['-f', '%M', 'wsclean', '-quiet', '-size', String(size), String(size), '-scale', `${scale}asec`, '-weight', 'briggs', '0',
      '-niter', String(niter), '-mgain', '0.8', '-auto-threshold', '3', '-reorder', '-use-wgridder', '-wgridder-accuracy', '1e-5', '-no-small-inversion',
      '-j', '2', '-name', name, wscMs], { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 64 * 1024 * 1024 });
    const wscWall = (performance.now() - t) / 1000;
    if (w.status !== 0) throw new Error(`wsclean failed (exit ${w.status}): ${w.stderr.slice(-2000)}`);
    const wscRss = Number(w.stderr.trim().split('\n').pop());
    for (const f of readdirSync(dir)) if (f.startsWith('ours-') || f.startsWith('wsc')) rmSync(path.join(dir, f), { force: true, recursive: true });
    rows.push(`niter ${String(niter).padEnd(5)} ours ${oursWall.toFixed(1)} s wall (${o.seconds.toFixed(1)} s imaging, ${o.iterations} components, ${o.majors} major cycles), ` +
      `peak RSS ${(o.maxRssKiB / 1024).toFixed(0)} MiB | WSClean ${wscWall.toFixed(1)} s, peak RSS ${(wscRss / 1024).toFixed(0)} MiB | ratio ours/WSClean ${(oursWall / wscWall).toFixed(2)}`);
    console.log(rows[rows.length - 1]);
  }
  console.log(`(${antennas} antennas, 768 channels, 24 integrations; ${size} x ${size} pixels of ${scale}", Briggs 0, 2 threads each)`);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === '--child') {
  const [ms, prefix, size, scale, niter] = process.argv.slice(3);
  child(ms!, prefix!, Number(size), Number(scale), Number(niter)).catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exitCode = 1;
  });
}
