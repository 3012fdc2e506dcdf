// Pipeline benchmark (issue 8): one full-size 5-minute group through the orchestrator's stages in one
// process (index, convert, calibrate.solve, calibrate.apply, image at the standard tier), per stage
// wall, CPU (all threads) and peak RSS, and the real-time factor (convert + apply + image) / sky time.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const description =
  'one full-size group: convert, solve, apply, image (standard tier) in one process; per-stage wall/CPU/RSS and the real-time factor; --workspace DIR --input DIR --threads N --keep';

/** One 5-minute group: 24 integrations of 12.884901888 s (src/shared/instrument). */
export const GROUP_SKY_S = 24 * 12.884901888;
/** Where the shared full-size workspace keeps raw groups (read only: files are copied out). */
const SHARED_INCOMING = '/tmp/fullws/incoming';
const SIM = { start: '2026-01-15T08:48:00', minutes: 5, dec: 55.57, channels: 48, antennas: 96 };
const FULL = { subbands: 16, antennas: 96, channels: 48 * 16, integrations: 24 };

export interface PipelineOptions {
  /** Benchmark directory: input/ (cached raw group), ws/ (engine workspace), reports. */
  dir: string;
  /** A directory holding one full-size raw group to copy (default: a cached copy, /tmp/fullws/incoming, or simulate). */
  input: string | null;
  threads: number;
  keep: boolean;
}

/** `[--workspace DIR] [--input DIR] [--threads N] [--keep]`; unknown options and bad values throw. */
export function parseOptions(
  args: string[],
  defaults = { dir: path.join(tmpdir(), 'dsa110-bench-pipeline'), threads: availableParallelism() },
): PipelineOptions {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      workspace: { type: 'string' },
      input: { type: 'string' },
      threads: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0)
    throw new Error(
      `bench pipeline: unexpected argument ${positionals[0]} (options: --workspace DIR --input DIR --threads N --keep)`,
    );
  const threads = values.threads === undefined ? defaults.threads : Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1)
    throw new Error(`bench pipeline: --threads: expected an integer >= 1, got ${values.threads}`);
  if (values.workspace === '')
    throw new Error('bench pipeline: --workspace: expected a directory, got an empty string');
  return {
    dir: path.resolve(values.workspace ?? defaults.dir),
    input: values.input ? path.resolve(values.input) : null,
    threads,
    keep: values.keep,
  };
}

export interface StageReport {
  name: string;
  /** Counted in the real-time factor: 'group' (per group), 'mosaic' (once per mosaic: the solve), 'none'. */
  counts: 'group' | 'mosaic' | 'none';
  wallS: number;
  /** User + system CPU of this process (main thread and all worker threads) and its children. */
  cpuS: number;
  /** Of cpuS, the kernel's (system) share: file reads and writes, page faults. */
  sysS: number;
  /** Peak RSS during the stage (MiB); when the kernel cannot reset the high-water mark, the process's peak so far. */
  peakRssMiB: number;
  peakIsStage: boolean;
  /** CPU seconds other processes used meanwhile (machine busy time minus ours), to judge the wall times. */
  othersCpuS: number;
  load1Start: number;
  detail: string;
  /** The stage's time split at its progress messages, summed per kind of message. */
  steps: StepReport[];
}

export interface StepReport {
  label: string;
  count: number;
  wallS: number;
  cpuS: number;
}

/** A progress message's kind: the part before a colon, numbers masked, paths shortened. */
export function stepLabel(message: string): string {
  const head = message.split(': ')[0] ?? message;
  return head
    .replace(/\S*\/\S+/g, 'PATH')
    .replace(/\d+(\.\d+)?(e[+-]?\d+)?/gi, '#')
    .slice(0, 48);
}

/** Splits a stage's wall and CPU time at its progress messages, summed per kind of message (stepLabel). */
export class StepRecorder {
  private readonly marks: { label: string; t: number; cpu: number }[];
  constructor(t: number, cpu: number) {
    this.marks = [{ label: '(start: checks before the first message)', t, cpu }];
  }
  mark(message: string, t: number, cpu: number): void {
    const label = stepLabel(message);
    // The same message repeated (progress fractions) continues its step.
    if (this.marks[this.marks.length - 1]?.label === label && !/#/.test(label)) return;
    this.marks.push({ label, t, cpu });
  }
  steps(endT: number, endCpu: number): StepReport[] {
    const out = new Map<string, StepReport>();
    this.marks.forEach((m, i) => {
      const next = this.marks[i + 1] ?? { t: endT, cpu: endCpu };
      const s = out.get(m.label) ?? { label: m.label, count: 0, wallS: 0, cpuS: 0 };
      s.count += 1;
      s.wallS += (next.t - m.t) / 1000;
      s.cpuS += next.cpu - m.cpu;
      out.set(m.label, s);
    });
    return [...out.values()];
  }
}

export interface Factors {
  /** (convert + apply + image) wall / sky time: the issue's real-time factor. */
  perGroup: number;
  /** The same with the solve added (one group that is also the transit). */
  withSolve: number;
  /** CPU seconds per sky second (convert + apply + image): the factor on one core without waiting. */
  cpuPerGroup: number;
  cpuWithSolve: number;
}

export function realTimeFactors(stages: StageReport[], skyS: number): Factors {
  if (!(skyS > 0)) throw new RangeError(`realTimeFactors: sky time must be positive, got ${skyS}`);
  const sum = (k: 'wallS' | 'cpuS', which: StageReport['counts'][]) =>
    stages.filter((s) => which.includes(s.counts)).reduce((a, s) => a + s[k], 0);
  return {
    perGroup: sum('wallS', ['group']) / skyS,
    withSolve: sum('wallS', ['group', 'mosaic']) / skyS,
    cpuPerGroup: sum('cpuS', ['group']) / skyS,
    cpuWithSolve: sum('cpuS', ['group', 'mosaic']) / skyS,
  };
}

export interface PipelineReport {
  benchmark: 'pipeline';
  startedIso: string;
  machine: { cores: number; cpuModel: string; threads: number; loadStart: number[]; loadEnd: number[] };
  input: { dir: string; source: string; bytes: number; files: number; preparedS: number; how: string };
  data: {
    groupId: string;
    antennas: number;
    channels: number;
    integrations: number;
    rows: number;
    visibilities: number;
    skyS: number;
  };
  imaging: { size: number; cellArcsec: number; weighting: string; robust: number; niter: number; column: string };
  stages: StageReport[];
  factors: Factors;
  targetFactor: number;
  processPeakRssMiB: number;
}

const f = (x: number, d = 1, w = 7) => x.toFixed(d).padStart(w);

/** The printed table (also the JSON report's human summary). */
export function formatReport(r: PipelineReport): string {
  const lines: string[] = [];
  const d = r.data;
  lines.push(
    `group ${d.groupId}: ${d.antennas} antennas, ${d.channels} channels, ${d.integrations} integrations, ${d.rows} rows, ${(d.visibilities / 1e6).toFixed(0)} M visibilities; ${d.skyS.toFixed(2)} s of sky`,
  );
  lines.push(
    `imaging: ${r.imaging.size} x ${r.imaging.cellArcsec}", ${r.imaging.weighting} ${r.imaging.robust}, niter ${r.imaging.niter}, ${r.imaging.column}; ${r.machine.threads} threads on ${r.machine.cores} cores (${r.machine.cpuModel})`,
  );
  lines.push(
    `load average (1, 5, 15 min) at start ${r.machine.loadStart.map((x) => x.toFixed(2)).join(' ')}, at end ${r.machine.loadEnd.map((x) => x.toFixed(2)).join(' ')}`,
  );
  lines.push('');
  lines.push(
    `${'stage'.padEnd(17)} ${'wall s'.padStart(7)} ${'CPU s'.padStart(7)} ${'sys s'.padStart(6)} ${'CPU/wall'.padStart(8)} ${'peak MiB'.padStart(8)} ${'others s'.padStart(8)} ${'load1'.padStart(6)}  ${'in RTF'.padEnd(7)} result`,
  );
  for (const s of r.stages) {
    const rss = `${s.peakRssMiB.toFixed(0)}${s.peakIsStage ? '' : '*'}`.padStart(8);
    lines.push(
      `${s.name.padEnd(17)} ${f(s.wallS)} ${f(s.cpuS)} ${f(s.sysS, 1, 6)} ${f(s.wallS > 0 ? s.cpuS / s.wallS : 0, 2, 8)} ${rss} ${f(s.othersCpuS, 1, 8)} ${f(s.load1Start, 2, 6)}  ${(s.counts === 'group' ? 'yes' : s.counts === 'mosaic' ? 'solve' : 'no').padEnd(7)} ${s.detail}`,
    );
  }
  const tot = (which: StageReport['counts'][]) => r.stages.filter((s) => which.includes(s.counts));
  const g = tot(['group']);
  const gs = tot(['group', 'mosaic']);
  const add = (a: StageReport[], k: 'wallS' | 'cpuS') => a.reduce((x, s) => x + s[k], 0);
  lines.push(`${'convert+apply+image'.padEnd(17)} ${f(add(g, 'wallS'))} ${f(add(g, 'cpuS'))}`);
  lines.push(`${'  + solve'.padEnd(17)} ${f(add(gs, 'wallS'))} ${f(add(gs, 'cpuS'))}`);
  lines.push('');
  const fa = r.factors;
  lines.push(
    `real-time factor (convert + apply + image) / ${d.skyS.toFixed(2)} s: ${fa.perGroup.toFixed(3)}  (target <= ${r.targetFactor}; operational pipeline ~2 on 40 cores)`,
  );
  lines.push(`  with the solve (once per mosaic, here on this group):  ${fa.withSolve.toFixed(3)}`);
  lines.push(
    `  CPU-seconds per sky-second: ${fa.cpuPerGroup.toFixed(3)} (${fa.cpuWithSolve.toFixed(3)} with the solve); with this CPU on an idle machine`,
  );
  lines.push(
    `  the factor would lie between ${(fa.cpuPerGroup / r.machine.threads).toFixed(3)} (all ${r.machine.threads} threads busy throughout) and ${fa.cpuPerGroup.toFixed(3)} (one at a time), I/O waits aside`,
  );
  lines.push(
    `process peak RSS ${r.processPeakRssMiB.toFixed(0)} MiB${r.stages.some((s) => !s.peakIsStage) ? '; * = process peak so far (could not reset the high-water mark)' : ''}`,
  );
  lines.push('"others s": CPU seconds other processes used during the stage (busy machine => longer walls; CPU holds)');
  const detailed = r.stages.filter((s) => s.steps.length > 1);
  if (detailed.length > 0) {
    lines.push('');
    lines.push("where the time goes (split at the stages' progress messages, numbers masked as #; wall s, CPU s):");
    for (const s of detailed) {
      s.steps.forEach((st, i) => {
        lines.push(
          `  ${(i === 0 ? s.name : '').padEnd(17)} ${`${st.label}${st.count > 1 ? ` (x${st.count})` : ''}`.padEnd(56)} ${f(st.wallS)} ${f(st.cpuS)}`,
        );
      });
    }
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------- measurement

/** Clock ticks per second of /proc (USER_HZ, 100 on Linux for every architecture in use). */
const USER_HZ = 100;

/** Reset this process's peak RSS (Linux >= 4.0: "5" to clear_refs); false when not possible. */
function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function statusKiB(field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU seconds of this process (all threads) plus its waited-for children. */
function ownCpu(): { cpuS: number; sysS: number } {
  const ru = process.resourceUsage();
  let children = 0;
  try {
    // Fields after the command name's ')': state is field 3, cutime and cstime fields 16 and 17.
    const s = readFileSync('/proc/self/stat', 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    children = (Number(rest[13]) + Number(rest[14])) / USER_HZ;
  } catch {
    // Not Linux: children are not counted (the stages start none).
  }
  return { cpuS: (ru.userCPUTime + ru.systemCPUTime) / 1e6 + children, sysS: ru.systemCPUTime / 1e6 };
}

/** Busy CPU seconds of the whole machine (all cores) from /proc/stat; null when unavailable. */
function machineBusyS(): number | null {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    return (user + nice + system + irq + softirq + steal) / USER_HZ;
  } catch {
    return null;
  }
}

/** The recorder of the stage being measured (the engine's progress events are routed to it). */
let recorder: StepRecorder | null = null;

async function measure<T>(
  name: string,
  counts: StageReport['counts'],
  fn: () => Promise<T>,
  detail: (r: T) => string,
): Promise<[T, StageReport]> {
  const load1Start = loadavg()[0] ?? 0;
  const reset = resetPeakRss();
  const busy0 = machineBusyS();
  const cpu0 = ownCpu();
  const t0 = performance.now();
  const rec = new StepRecorder(t0, cpu0.cpuS);
  recorder = rec;
  let r: T;
  try {
    r = await fn();
  } finally {
    recorder = null;
  }
  const t1 = performance.now();
  const wallS = (t1 - t0) / 1000;
  const cpu1 = ownCpu();
  const cpuS = cpu1.cpuS - cpu0.cpuS;
  const sysS = cpu1.sysS - cpu0.sysS;
  const busy1 = machineBusyS();
  const hwm = reset ? statusKiB('VmHWM') : null;
  const peakRssMiB = (hwm ?? process.resourceUsage().maxRSS) / 1024;
  const othersCpuS = busy0 !== null && busy1 !== null ? Math.max(0, busy1 - busy0 - cpuS) : NaN;
  const steps = rec.steps(t1, cpu1.cpuS);
  const s: StageReport = {
    name,
    counts,
    wallS,
    cpuS,
    sysS,
    peakRssMiB,
    peakIsStage: hwm !== null,
    othersCpuS,
    load1Start,
    detail: detail(r),
    steps,
  };
  console.log(
    `  ${name}: ${wallS.toFixed(1)} s wall, ${cpuS.toFixed(1)} s CPU (${sysS.toFixed(1)} s system), peak ${peakRssMiB.toFixed(0)} MiB; ${s.detail}`,
  );
  return [r, s];
}

// ------------------------------------------------------------------- input

const GROUP_FILE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})_sb(\d\d)\.hdf5$/;

/** The 16 subband files of the earliest complete group in `dir` (file timestamps within 60 s of the first). */
function groupFiles(dir: string): string[] | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .map((n) => ({ n, m: GROUP_FILE.exec(n) }))
    .filter((x) => x.m !== null)
    .map((x) => ({ name: x.n, t: Date.parse(`${x.m![1]}Z`), sb: Number(x.m![2]) }))
    .sort((a, b) => a.t - b.t || a.sb - b.sb);
  for (let i = 0; i < files.length; i++) {
    const group = files.filter((x) => x.t >= files[i]!.t && x.t - files[i]!.t <= 60_000);
    const bySb = new Map(group.map((x) => [x.sb, x.name]));
    if (bySb.size === FULL.subbands) return [...bySb.values()].map((n) => path.join(dir, n));
  }
  return null;
}

interface InputMarker {
  source: string;
  how: string;
  files: { name: string; size: number }[];
}

/** A full-size raw group in `<dir>/input`: the cached copy, a copy of --input or /tmp/fullws/incoming, or simulated. */
function prepareInput(o: PipelineOptions, root: string): PipelineReport['input'] & { files: number } {
  const dir = path.join(o.dir, 'input');
  const markerFile = path.join(dir, 'bench-input.json');
  const t0 = performance.now();
  const cached = existsSync(markerFile) ? (JSON.parse(readFileSync(markerFile, 'utf8')) as InputMarker) : null;
  const cacheValid =
    cached !== null &&
    (o.input === null || cached.source === o.input) &&
    cached.files.every((x) => existsSync(path.join(dir, x.name)) && statSync(path.join(dir, x.name)).size === x.size);
  let source: string;
  let how: string;
  if (cacheValid) {
    source = cached.source;
    how = `cached copy (${cached.how})`;
  } else {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const from = o.input ?? (groupFiles(SHARED_INCOMING) ? SHARED_INCOMING : null);
    if (from !== null) {
      const files = groupFiles(from);
      if (!files)
        throw new Error(`bench pipeline: ${from} holds no complete group (16 files NAME_sbNN.hdf5 within 60 s)`);
      process.stdout.write(`copying the raw group from ${from} into ${dir} ... `);
      for (const file of files) copyFileSync(file, path.join(dir, path.basename(file)));
      source = from;
      how = `copied in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    } else {
      process.stdout.write(
        `no raw group found: simulating one into ${dir} (dsa110 simulate, ${SIM.antennas} antennas, ${SIM.channels} channels per subband) ... `,
      );
      const args = [
        path.join(root, 'bin', 'dsa110.mjs'),
        'simulate',
        '--out',
        dir,
        '--start',
        SIM.start,
        '--minutes',
        String(SIM.minutes),
        '--dec',
        String(SIM.dec),
        '--channels-per-subband',
        String(SIM.channels),
        '--antennas',
        String(SIM.antennas),
      ];
      const cpu0 = ownCpu().cpuS;
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root, maxBuffer: 64 * 1024 * 1024 });
      if (r.status !== 0)
        throw new Error(`bench pipeline: dsa110 simulate failed (exit ${r.status}): ${r.stderr.slice(-2000)}`);
      source = 'simulated';
      how = `simulated in ${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${(ownCpu().cpuS - cpu0).toFixed(1)} s CPU, load average ${loadavg()[0]?.toFixed(2)}`;
    }
    console.log(how);
    const files = groupFiles(dir);
    if (!files) throw new Error(`bench pipeline: ${dir} holds no complete 16-subband group after preparing it`);
    const marker: InputMarker = {
      source,
      how,
      files: files.map((p) => ({ name: path.basename(p), size: statSync(p).size })),
    };
    writeFileSync(markerFile, JSON.stringify(marker, null, 1));
  }
  const files = groupFiles(dir)!;
  return {
    dir,
    source,
    how,
    files: files.length,
    bytes: files.reduce((a, p) => a + statSync(p).size, 0),
    preparedS: (performance.now() - t0) / 1000,
  };
}

// ------------------------------------------------------------------- the run

type Outputs = Record<string, unknown>;
const num = (o: Outputs, k: string): number => (typeof o[k] === 'number' ? o[k] : NaN);

export async function run(args: string[]): Promise<void> {
  const o = parseOptions(args);
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const startedIso = new Date().toISOString();
  const loadStart = loadavg();
  console.log(
    `pipeline benchmark ${startedIso}; load average ${loadStart.map((x) => x.toFixed(2)).join(' ')} on ${availableParallelism()} cores`,
  );
  const input = prepareInput(o, root);
  console.log(
    `input: ${input.files} files, ${(input.bytes / 1e9).toFixed(2)} GB in ${input.dir} (${input.how}; source ${input.source})`,
  );

  const ws = path.join(o.dir, 'ws');
  rmSync(ws, { recursive: true, force: true });
  const { Engine } = await import('../src/main/engine/engine');
  const { indexDirectory } = await import('../src/main/engine/ingest/indexer');
  const { MeasurementSet } = await import('../src/main/engine/ms');
  const engine = await Engine.open({ workspace: ws, overrides: { threads: o.threads } });
  const stages: StageReport[] = [];
  engine.onJobEvent((ev) => {
    if (ev.type === 'progress' && ev.message !== null) recorder?.mark(ev.message, performance.now(), ownCpu().cpuS);
  });
  let data: PipelineReport['data'] | null = null;
  const im = engine.config.imaging;
  try {
    // The stages run as the orchestrator runs them: each a job-runner stage (validate, verify, execute, verify).
    const runJob = async (kind: string, params: Record<string, unknown>): Promise<Outputs> => {
      const job = await engine.run(engine.submit(kind, params));
      const runs = engine.db.jobs.stageRuns(job.id);
      if (job.state !== 'succeeded')
        throw new Error(
          `bench pipeline: job ${kind} ${job.id} ${job.state}: ${
            runs
              .map((s) => s.error)
              .filter(Boolean)
              .join('; ') || job.error
          }`,
        );
      const last = runs[runs.length - 1];
      if (!last || last.state !== 'succeeded')
        throw new Error(
          `bench pipeline: job ${kind} ${job.id}: its stage ${last?.stageId} is ${last?.state}, expected succeeded (a stale workspace?)`,
        );
      return (last.outputs ?? {}) as Outputs;
    };
    console.log('');
    const [, sPool] = await measure(
      'native pool start',
      'none',
      async () => {
        const pool = engine.native();
        const a = () => new Float32Array(new SharedArrayBuffer(2 * 4 * 16 * 16));
        await Promise.all(Array.from({ length: pool.workers }, () => pool.fft2d(a(), 16, 16)));
        return pool.workers;
      },
      (n) => `${n} worker threads started (tsx + addon), outside the factor; idle workers stop after 30 s`,
    );
    stages.push(sPool);
    const [groups, sIndex] = await measure(
      'index',
      'none',
      async () => (await indexDirectory(engine.db, input.dir)).groups,
      (g) => `${g.length} group(s), ${g[0]?.presentSubbands ?? 0} subbands (headers only)`,
    );
    stages.push(sIndex);
    const group = groups.find((g) => g.presentSubbands === FULL.subbands);
    if (!group)
      throw new Error(
        `bench pipeline: indexing ${input.dir} found no complete group (${groups.map((g) => `${g.id}: ${g.presentSubbands}`).join(', ')})`,
      );
    const msDir = path.join(ws, 'ms');
    const [conv, sConv] = await measure(
      'convert',
      'group',
      () => runJob('convert', { groupId: group.id, outputDir: msDir }),
      (r) =>
        `${num(r, 'rows')} rows, ${num(r, 'spws')} SPWs, ${(100 * num(r, 'flaggedFraction')).toFixed(1)} % flagged`,
    );
    stages.push(sConv);
    const msPath = String(conv.path);
    // Between the stages (untimed): the shape and sky time of what was converted.
    const ms = MeasurementSet.open(msPath);
    try {
      const sm = ms.summary({ flags: false });
      const npol = sm.correlations.length;
      const channels = sm.spws.reduce((a, s) => a + s.nchan, 0);
      data = {
        groupId: group.id,
        antennas: sm.antennasWithData,
        channels,
        integrations: sm.ntimes,
        rows: sm.rows,
        visibilities: (sm.rows / Math.max(1, sm.spws.length)) * channels * npol,
        skyS: sm.endS - sm.startS,
      };
    } finally {
      ms.close();
    }
    const full =
      data.antennas === FULL.antennas && data.channels === FULL.channels && data.integrations === FULL.integrations;
    if (Math.abs(data.skyS - GROUP_SKY_S) > 1)
      console.log(
        `  WARNING: the MS spans ${data.skyS.toFixed(2)} s of sky, not a group's ${GROUP_SKY_S.toFixed(2)} s; the factor uses the MS's span`,
      );
    if (!full)
      console.log(
        `  WARNING: not a full-size group (${data.antennas} antennas, ${data.channels} channels, ${data.integrations} integrations; full size is ${FULL.antennas}, ${FULL.channels}, ${FULL.integrations})`,
      );
    const [, sSolve] = await measure(
      'calibrate.solve',
      'mosaic',
      () => runJob('calibrate', { msPath, mode: 'solve' }),
      (r) => {
        const t = (Array.isArray(r.tables) ? r.tables : []) as {
          kind: string;
          flaggedFraction: number;
          medianSnr: number;
        }[];
        return `on ${String(r.calibrator)}: ${t.map((x) => `${x.kind} ${(100 * x.flaggedFraction).toFixed(1)} % flagged, SNR ${x.medianSnr.toFixed(0)}`).join('; ')}`;
      },
    );
    stages.push(sSolve);
    const [, sApply] = await measure(
      'calibrate.apply',
      'group',
      () => runJob('calibrate', { msPath, mode: 'apply' }),
      (r) =>
        r.skipped === true
          ? 'SKIPPED (already applied: the timing is not an apply)'
          : `CORRECTED_DATA written, ${num(r, 'newlyFlagged')} samples newly flagged`,
    );
    stages.push(sApply);
    const prefix = path.join(ws, 'images', group.id);
    const [, sImage] = await measure(
      'image',
      'group',
      () => runJob('image', { msPath, prefix, tier: 'standard', column: 'CORRECTED_DATA' }),
      (r) =>
        `${num(r, 'iterations')} components, peak ${num(r, 'peakJy').toFixed(3)} Jy/beam, rms ${(1e3 * num(r, 'rmsJy')).toFixed(2)} mJy/beam, beam ${num(r, 'beamMajorArcsec').toFixed(1)}" x ${num(r, 'beamMinorArcsec').toFixed(1)}"`,
    );
    stages.push(sImage);
  } finally {
    await engine.close();
  }
  const report: PipelineReport = {
    benchmark: 'pipeline',
    startedIso,
    machine: {
      cores: availableParallelism(),
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      threads: o.threads,
      loadStart,
      loadEnd: loadavg(),
    },
    input: {
      dir: input.dir,
      source: input.source,
      bytes: input.bytes,
      files: input.files,
      preparedS: input.preparedS,
      how: input.how,
    },
    data: data!,
    imaging: {
      size: im.size,
      cellArcsec: im.cellArcsec,
      weighting: im.weighting,
      robust: im.robust,
      niter: im.niter,
      column: 'CORRECTED_DATA',
    },
    stages,
    factors: realTimeFactors(stages, data!.skyS),
    targetFactor: 0.2,
    processPeakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  console.log(`\n${formatReport(report)}`);
  const json = path.join(o.dir, `pipeline-${startedIso.replace(/[:.]/g, '-')}.json`);
  writeFileSync(json, `${JSON.stringify(report, null, 1)}\n`);
  console.log(`\nreport: ${json}`);
  if (o.keep) console.log(`kept the workspace ${ws} (MS, caltables, images) and the raw group ${input.dir}`);
  else rmSync(ws, { recursive: true, force: true });
}
