// Startup benchmark: wall time and peak memory (max RSS) of `dsa110 --help` and `dsa110 version`
// (node bin/dsa110.mjs, the bundled CLI) beside bare `node -e 0`, interleaved in one run, medians
// over --repeats; judged against the acceptance bounds of at most 0.3 s more than bare Node and
// at most 150 MB; CPU time (user + system) is shown too, steadier under load. --with-tsx adds the TypeScript sources run through tsx (how the CLI ran before).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const description =
  'dsa110 --help / version start-up time and peak RSS vs bare node -e 0; --repeats N --with-tsx';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin', 'dsa110.mjs');
/** GNU time reports the child's peak RSS (getrusage ru_maxrss), which Node's spawn does not. */
const GNU_TIME = '/usr/bin/time';
const EXTRA_S = 0.3;
const PEAK_MB = 150;

interface Case {
  name: string;
  args: string[];
  /** Judged against the acceptance bounds. */
  judged: boolean;
}

interface Sample {
  wallS: number;
  /** User + system CPU seconds: less sensitive than wall time to other load on the machine. */
  cpuS: number;
  rssMb: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function measure(c: Case, cwd: string, env: NodeJS.ProcessEnv): Sample {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(GNU_TIME, ['-f', 'maxrss_kb=%M cpu_s=%U+%S', process.execPath, ...c.args], {
    cwd,
    env,
    encoding: 'utf8',
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const m = /maxrss_kb=(\d+) cpu_s=([\d.]+)\+([\d.]+)/.exec(r.stderr);
  if (r.status !== 0 || !m)
    throw new Error(`bench startup: ${c.name} failed (exit ${r.status}): ${r.stderr.trim().slice(-500)}`);
  return { wallS, cpuS: Number(m[2]) + Number(m[3]), rssMb: Number(m[1]) / 1024 };
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { repeats: { type: 'string', default: '9' }, 'with-tsx': { type: 'boolean', default: false } },
  });
  const repeats = Number(values.repeats);
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new Error(`bench startup: --repeats expects an integer >= 1, got "${values.repeats}"`);
  if (!existsSync(GNU_TIME))
    throw new Error(
      `bench startup: ${GNU_TIME} (GNU time, Debian package "time") is needed to measure the peak memory of a child process`,
    );

  const cases: Case[] = [
    { name: 'node -e 0', args: ['-e', '0'], judged: false },
    { name: 'dsa110 --help', args: [BIN, '--help'], judged: true },
    { name: 'dsa110 version', args: [BIN, 'version'], judged: true },
  ];
  if (values['with-tsx']) {
    const script = `const { main } = await import(${JSON.stringify(path.join(root, 'src/main/cli/main.ts'))}); process.exitCode = await main(['node', 'dsa110', '--help']);`;
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    cases.push({
      name: 'tsx sources --help',
      args: ['--import', tsx, '--input-type=module', '-e', script],
      judged: false,
    });
  }
  // From a scratch folder with no DSA110_* settings, as a user would start it.
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'dsa110-bench-startup-'));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_') && k !== 'NODE_OPTIONS'),
  );
  const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
  try {
    for (const c of cases) measure(c, cwd, env); // warm the page cache
    // Interleaved, so load from other processes falls on every case alike.
    for (let i = 0; i < repeats; i++) for (const c of cases) samples.get(c.name)!.push(measure(c, cwd, env));
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }

  const baseS = median(samples.get('node -e 0')!.map((s) => s.wallS));
  const baseCpuS = median(samples.get('node -e 0')!.map((s) => s.cpuS));
  console.log(
    `startup: ${repeats} runs each, interleaved; median wall time and peak RSS (max over runs in brackets); node ${process.version}, ${os.cpus().length} CPUs, load ${os.loadavg()[0]!.toFixed(2)}`,
  );
  console.log(
    `${'case'.padEnd(22)} ${'wall s'.padStart(7)} ${'vs node'.padStart(8)} ${'ratio'.padStart(6)} ${'CPU s'.padStart(6)} ${'vs node'.padStart(8)} ${'RSS MB'.padStart(7)} ${'(max)'.padStart(7)}  verdict`,
  );
  let ok = true;
  for (const c of cases) {
    const s = samples.get(c.name)!;
    const wall = median(s.map((x) => x.wallS));
    const cpu = median(s.map((x) => x.cpuS));
    const rss = median(s.map((x) => x.rssMb));
    const rssMax = Math.max(...s.map((x) => x.rssMb));
    const extra = wall - baseS;
    let verdict = '';
    if (c.judged) {
      const pass = extra <= EXTRA_S && rssMax <= PEAK_MB;
      ok &&= pass;
      verdict = `${pass ? 'ok' : 'FAILED'} (bounds: +${EXTRA_S} s, ${PEAK_MB} MB)`;
    }
    console.log(
      `${c.name.padEnd(22)} ${wall.toFixed(3).padStart(7)} ${(c.name === 'node -e 0' ? '' : `+${extra.toFixed(3)}`).padStart(8)} ${(wall / baseS).toFixed(2).padStart(6)} ` +
        `${cpu.toFixed(2).padStart(6)} ${(c.name === 'node -e 0' ? '' : `+${(cpu - baseCpuS).toFixed(2)}`).padStart(8)} ${rss.toFixed(1).padStart(7)} ${`(${rssMax.toFixed(1)})`.padStart(7)}  ${verdict}`,
    );
  }
  console.log(
    `acceptance: ${ok ? 'ok' : 'FAILED'}${os.loadavg()[0]! > os.cpus().length ? ` (the load average exceeds the ${os.cpus().length} CPUs: wall times are inflated; CPU times are the steadier measure)` : ''}`,
  );
}
