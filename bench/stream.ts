// `npm run bench -- stream [--groups N] [--cadence S] [--sim-dir DIR] [--keep]`: the streaming
// daemon fed like the correlator, faster than real time. N simulated groups (default 12, the
// acceptance run; 288 is a simulated day, the soak) at a small size (12 antennas, 2 channels per
// subband, 256 px images) are written into the watched directory one group every S seconds
// (default 8; the telescope's cadence is 309 s), each subband under a temporary name then
// renamed, some slowly in place. Reported: per-group latency from the last subband's arrival to
// the image registered (p50/p99), the processing time per group against the 309 s cadence
// (throughput), and the daemon's RSS sampled each second (flat within 10 % after warm-up?).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { feed } from '../test/stream/feeder';
import {
  groupFiles,
  makeWorkspace,
  query,
  simulateGroups,
  startDaemon,
  streamCounts,
  waitFor,
} from '../test/stream/helpers';

export const description = 'streaming daemon soak: latency last file -> image (p50/p99), throughput vs 309 s, RSS';

const CADENCE_S = 309.237645312;

function arg(args: string[], name: string, def: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
}

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function q(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

export async function run(args: string[]): Promise<void> {
  const n = Number(arg(args, '--groups', '12'));
  const cadenceS = Number(arg(args, '--cadence', '8'));
  const keep = args.includes('--keep');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'bench-stream-'));
  const simDir = path.resolve(arg(args, '--sim-dir', path.join(tmp, 'sim')));
  try {
    let groups = existsSync(simDir) ? groupFiles(simDir) : [];
    if (groups.length < n) {
      const t0 = Date.now();
      groups = simulateGroups(tmp, simDir, { start: '2026-01-15T00:00:00', chunks: n });
      console.log(
        `stream: simulated ${groups.length} groups into ${simDir} in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
    }
    groups = groups.slice(0, n);
    if (groups.length < n) throw new Error(`stream: only ${groups.length} of ${n} groups simulated in ${simDir}`);
    const ws = path.join(tmp, 'ws');
    const inc = path.join(tmp, 'incoming');
    makeWorkspace(ws);
    mkdirSync(inc);
    const daemon = startDaemon(tmp, ws, inc, ['--partial-timeout', '120']);
    const rss: { t: number; mib: number }[] = [];
    const t0 = Date.now();
    const sampler = setInterval(() => rss.push({ t: (Date.now() - t0) / 1000, mib: rssMiB(daemon.pid) }), 1000);
    const lastArrival = new Map<number, number>();
    let fileNo = 0;
    const gapMs = Math.max(5, (cadenceS * 1000 * 0.5) / 16);
    await feed(groups, inc, {
      gapMs,
      groupGapMs: Math.max(0, cadenceS * 1000 - 16 * gapMs),
      slowPieces: 4,
      slowPieceMs: 60,
      onFile: (_dest, at) => {
        lastArrival.set(Math.floor(fileNo / 16), at);
        fileNo++;
      },
    });
    const fedS = (Date.now() - t0) / 1000;
    await waitFor(
      `${n} groups completed or failed`,
      () => {
        const c = streamCounts(ws);
        return (c.completed ?? 0) + (c.failed ?? 0) >= n;
      },
      Math.max(600_000, n * 120_000),
      daemon.output,
    );
    const totalS = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    daemon.kill('SIGTERM');
    const stopped = await daemon.done;

    const rows = query<{
      group_id: string;
      state: string;
      started_mjd: number;
      finished_mjd: number;
      first_arrival_mjd: number;
    }>(
      ws,
      `SELECT s.group_id, s.state, s.started_mjd, s.finished_mjd, s.first_arrival_mjd FROM stream_groups s
       JOIN ingest_groups g ON g.id = s.group_id ORDER BY g.start_mjd`,
    );
    const toMs = (mjd: number) => (mjd - 40587) * 86400000;
    const latency = rows
      .map((r, i) => (r.state === 'completed' ? (toMs(r.finished_mjd) - (lastArrival.get(i) ?? NaN)) / 1000 : NaN))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const work = rows
      .filter((r) => r.state === 'completed')
      .map((r) => (toMs(r.finished_mjd) - toMs(r.started_mjd)) / 1000)
      .sort((a, b) => a - b);
    const meanWork = work.reduce((a, b) => a + b, 0) / Math.max(1, work.length);
    const completed = rows.filter((r) => r.state === 'completed').length;
    const images = query<{ n: number }>(ws, "SELECT COUNT(*) AS n FROM images WHERE kind = 'clean'")[0]?.n ?? 0;
    const ms = query<{ n: number }>(ws, 'SELECT COUNT(*) AS n FROM measurement_sets')[0]?.n ?? 0;
    // RSS: warm-up is the first quarter of the run; flat means the later samples stay within 10 % of its end.
    const good = rss.filter((s) => Number.isFinite(s.mib));
    const warm = good.filter((s) => s.t >= totalS / 4);
    const base = warm[0]?.mib ?? NaN;
    const maxAfter = Math.max(...warm.map((s) => s.mib));
    const last = warm[warm.length - 1]?.mib ?? NaN;

    console.log(
      `stream: ${n} groups fed one every ${cadenceS} s (${(CADENCE_S / cadenceS).toFixed(0)}x real time) in ${fedS.toFixed(0)} s; all done after ${totalS.toFixed(0)} s; ${os.cpus().length} cores, node ${process.versions.node}`,
    );
    console.log(`  completed ${completed}/${n}, ${ms} MS, ${images} images; daemon exit ${stopped.code}`);
    console.log(
      `  latency last subband -> image registered: p50 ${q(latency, 0.5).toFixed(1)} s, p99 ${q(latency, 0.99).toFixed(1)} s, max ${(latency[latency.length - 1] ?? NaN).toFixed(1)} s`,
    );
    console.log(
      `  processing per group: mean ${meanWork.toFixed(1)} s, p99 ${q(work, 0.99).toFixed(1)} s = ${((100 * meanWork) / CADENCE_S).toFixed(1)} % of the 309 s cadence (sustainable ${(CADENCE_S / meanWork).toFixed(0)}x real time)`,
    );
    console.log(
      `  RSS: start ${(good[0]?.mib ?? NaN).toFixed(0)} MiB, after warm-up ${base.toFixed(0)} MiB, max after ${maxAfter.toFixed(0)} MiB, end ${last.toFixed(0)} MiB: ${(((maxAfter - base) / base) * 100).toFixed(1)} % above the warm-up level (${maxAfter <= base * 1.1 ? 'flat within 10 %' : 'NOT flat within 10 %'})`,
    );
    if (keep) console.log(`  kept ${tmp}`);
  } finally {
    if (!keep) rmSync(tmp, { recursive: true, force: true });
  }
}
