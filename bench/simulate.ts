// Simulator benchmark: `simulate()` as `dsa110 simulate` runs it (demo size by default: 11
// five-minute chunks, 96 antennas, 16 subbands x 8 channels), wall and CPU time (main thread +
// workers, user + sys), bytes written and the load average (the machine may be shared).
// Outputs are deleted unless --keep (the 11 demo chunks take 5.5 GB).
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { NativePool } from '../src/main/engine/native/pool';
import { simulate } from '../src/main/engine/sim/simulate';

export const description =
  'simulate() at demo size (11 chunks) or --channels-per-subband 48 --minutes 5; wall, CPU, bytes, load; --threads --antennas --seed --out --keep';

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      minutes: { type: 'string', default: '56.7' },
      'channels-per-subband': { type: 'string', default: '8' },
      antennas: { type: 'string', default: '96' },
      threads: { type: 'string', default: String(availableParallelism()) },
      seed: { type: 'string', default: '110' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const threads = Number(values.threads);
  const outDir = values.out ?? mkdtempSync(path.join(tmpdir(), 'dsa110-bench-sim-'));
  const pool = new NativePool({ workers: threads });
  const load0 = loadavg();
  try {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await simulate(
      {
        outDir,
        start: '2026-01-15T08:22:27',
        minutes: Number(values.minutes),
        decDeg: 55.57,
        seed: Number(values.seed),
        antennas: Number(values.antennas),
        channelsPerSubband: Number(values['channels-per-subband']),
        threads,
      },
      pool,
    );
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(process.cpuUsage(c0));
    const bytes = readdirSync(outDir).reduce((s, f) => s + statSync(path.join(outDir, f)).size, 0);
    const load1 = loadavg();
    console.log(
      JSON.stringify(
        {
          chunks: r.chunks.length,
          files: r.chunks.length * 16,
          sources: r.sources.length,
          threads,
          wallS: Number(wall.toFixed(2)),
          cpuS: Number(cpu.toFixed(2)),
          perChunkWallS: Number((wall / r.chunks.length).toFixed(2)),
          gbWritten: Number((bytes / 1e9).toFixed(2)),
          writeMBps: Number((bytes / 1e6 / wall).toFixed(0)),
          loadBefore: load0.map((x) => Number(x.toFixed(2))),
          loadAfter: load1.map((x) => Number(x.toFixed(2))),
          cpus: availableParallelism(),
        },
        null,
        2,
      ),
    );
  } finally {
    await pool.close();
    if (!values.keep) rmSync(outDir, { recursive: true, force: true });
  }
}
