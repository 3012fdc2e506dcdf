// Benchmark: a full-size simulated group (96 antennas, 16 x 48 channels, 24 integrations) converted
// to one MS in a child process (wall time and peak RSS), side by side with `cp -r` of the same
// input files on the same disk. Targets: conversion <= 3x the copy, peak memory < 2 GB.
// `npm run bench -- convert [--keep] [--dir DIR] [--input GROUPDIR] [--single-thread]`; the
// simulated input is cached in DIR (default: <tmpdir>/dsa110-bench-convert) and reused by later
// runs; --input converts an existing group's 16 files instead (e.g. /tmp/pipebench/input);
// --single-thread converts without the writer thread (for comparison).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const description = 'full-size group -> MS: time and peak RSS vs cp -r of the inputs';

const ANTENNAS = 96;
const CHANNELS = 48;
const START = '2026-01-15T03:00:00';
const DEC = 55.57;

function dirSize(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((a, n) => a + dirSize(path.join(p, n)), 0);
}

async function ensureInput(dir: string): Promise<{ groupId: string; files: string[] }> {
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => /_sb\d\d\.hdf5$/.test(n))
        .sort()
    : [];
  const marker = path.join(dir, 'bench-params.json');
  const want = JSON.stringify({ ANTENNAS, CHANNELS, START, DEC });
  if (files.length === 16 && existsSync(marker) && readFileSync(marker, 'utf8') === want) {
    return { groupId: files[0]!.slice(0, 19), files: files.map((f) => path.join(dir, f)) };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { NativePool } = await import('../src/main/engine/native/pool');
  const { simulate } = await import('../src/main/engine/sim/simulate');
  const { writeFileSync } = await import('node:fs');
  const pool = new NativePool({ workers: 2 });
  const t0 = performance.now();
  try {
    process.stdout.write(`simulating a full-size group into ${dir} (once) ... `);
    const r = await simulate(
      {
        outDir: dir,
        start: START,
        minutes: 5,
        decDeg: DEC,
        antennas: ANTENNAS,
        channelsPerSubband: CHANNELS,
        seed: 7,
        minFluxJy: 0.5,
        maxFluxJy: 2,
        corruptions: { rfi: false },
      },
      pool,
    );
    writeFileSync(marker, want);
    console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const c = r.chunks[0]!;
    return { groupId: c.groupId, files: c.files };
  } finally {
    await pool.close();
  }
}

/** A group's 16 subband files already on disk (the first file's timestamp names the group). */
function existingGroup(dir: string): { groupId: string; files: string[] } {
  const files = readdirSync(dir)
    .filter((n) => /_sb\d\d\.hdf5$/.test(n))
    .sort();
  if (files.length === 0) throw new Error(`--input ${dir}: no *_sbNN.hdf5 files`);
  return { groupId: files[0]!.slice(0, 19), files: files.map((f) => path.join(dir, f)) };
}

/** In the child: convert and report wall time and peak RSS as JSON on stdout. */
async function child(groupId: string, out: string, files: string[]): Promise<void> {
  const single = process.env.DSA_BENCH_SINGLE_THREAD === '1';
  const { planConversion, writeConversion } = await import('../src/main/engine/convert');
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const faults0 = process.resourceUsage().minorPageFault;
  const plan = await planConversion(groupId, files);
  const planS = (performance.now() - t0) / 1000;
  const r = await writeConversion(plan, out, { writerThread: !single });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ru = process.resourceUsage();
  process.stdout.write(
    JSON.stringify({
      seconds,
      planS,
      userS: cpu.user / 1e6,
      systemS: cpu.system / 1e6,
      maxRssKiB: ru.maxRSS,
      faults: ru.minorPageFault - faults0,
      rows: r.rows,
      spws: r.spws,
    }),
  );
}

export async function run(args: string[]): Promise<void> {
  const di = args.indexOf('--dir');
  const dir = di >= 0 && args[di + 1] ? path.resolve(args[di + 1]!) : path.join(tmpdir(), 'dsa110-bench-convert');
  const ii = args.indexOf('--input');
  const input =
    ii >= 0 && args[ii + 1] ? existingGroup(path.resolve(args[ii + 1]!)) : await ensureInput(path.join(dir, 'input'));
  const inBytes = input.files.reduce((a, f) => a + statSync(f).size, 0);
  // Warm the page cache once so the copy and the conversion read the inputs alike.
  for (const f of input.files) readFileSync(f);

  const copyDir = path.join(dir, 'copy');
  rmSync(copyDir, { recursive: true, force: true });
  mkdirSync(copyDir, { recursive: true });
  let t = performance.now();
  const cp = spawnSync('cp', ['-r', ...input.files, copyDir]);
  spawnSync('sync');
  const cpS = (performance.now() - t) / 1000;
  if (cp.status !== 0) throw new Error(`cp -r failed: ${String(cp.stderr)}`);
  rmSync(copyDir, { recursive: true, force: true });

  const out = path.join(dir, `${input.groupId}.ms`);
  rmSync(out, { recursive: true, force: true });
  t = performance.now();
  const self = fileURLToPath(import.meta.url);
  const c = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', input.groupId, out, ...input.files], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    cwd: path.resolve(path.dirname(self), '..'),
    env: { ...process.env, DSA_BENCH_SINGLE_THREAD: args.includes('--single-thread') ? '1' : '0' },
  });
  spawnSync('sync');
  const wallS = (performance.now() - t) / 1000;
  if (c.status !== 0) throw new Error(`conversion child failed (exit ${c.status}): ${c.stderr}`);
  const r = JSON.parse(c.stdout) as {
    seconds: number;
    planS: number;
    userS: number;
    systemS: number;
    maxRssKiB: number;
    faults: number;
    rows: number;
    spws: number;
  };
  const outBytes = dirSize(out);
  if (!args.includes('--keep')) rmSync(out, { recursive: true, force: true });

  const gb = (b: number): string => `${(b / 1e9).toFixed(2)} GB`;
  console.log(
    `input: ${ii >= 0 ? input.files[0] && path.dirname(input.files[0]) : `16 subbands, ${ANTENNAS} antennas, 16 x ${CHANNELS} channels, 24 integrations`}, ${gb(inBytes)}; load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  console.log(
    `cp -r of the inputs (same disk, + sync):       ${cpS.toFixed(2)} s  (${(inBytes / 1e6 / cpS).toFixed(0)} MB/s)`,
  );
  console.log(
    `convert -> MS (${r.rows} rows, ${r.spws} SPWs, ${gb(outBytes)}): ${r.seconds.toFixed(2)} s in the converter, ${wallS.toFixed(2)} s wall with process start and sync`,
  );
  console.log(
    `  of which planning (16 headers) ${r.planS.toFixed(2)} s; CPU (all threads) ${r.userS.toFixed(2)} s user + ${r.systemS.toFixed(2)} s system; ${r.faults} minor page faults; ${args.includes('--single-thread') ? 'single thread' : 'writer thread'}`,
  );
  console.log(`ratio convert / cp:  ${(wallS / cpS).toFixed(2)}x  (target <= 3x)`);
  console.log(`peak RSS of the conversion process: ${(r.maxRssKiB / 1024).toFixed(0)} MiB  (target < 2048 MiB)`);
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url && process.argv[2] === '--child') {
  const [groupId, out, ...files] = process.argv.slice(3);
  child(groupId!, out!, files).catch((e: unknown) => {
    console.error(e instanceof Error ? e.stack : String(e));
    process.exit(1);
  });
}
