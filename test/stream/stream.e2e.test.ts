// The streaming daemon end to end, as a child process: a feeder writes simulated groups into the
// watched directory the way the correlator does (subbands a moment apart, under rsync and
// _incomplete temporary names then renamed, some written slowly in place); after N groups there
// are N Measurement Sets and N images, all recorded, the queue says completed once each, the
// doctor finds nothing, SIGTERM stops it with exit 0, and `dsa110 serve` exposes the metrics.
// (The full 12-group acceptance run is the bench: npm run bench -- stream.)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild, startChild } from '../integrity/cli';
import { feed } from './feeder';
import { makeWorkspace, query, simulateGroups, startDaemon, streamCounts, waitFor } from './helpers';

const N = 3;
let tmp: string;
let groups: string[][];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'stream-e2e-'));
  groups = simulateGroups(tmp, path.join(tmp, 'sim'), { start: '2026-01-15T03:00:00', chunks: N });
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('dsa110 stream', () => {
  it(
    `takes ${N} groups fed like the correlator to ${N} recorded MS and images, stops cleanly on SIGTERM`,
    { timeout: 400_000 },
    async () => {
      expect(groups).toHaveLength(N);
      for (const g of groups) expect(g).toHaveLength(16);
      const ws = path.join(tmp, 'ws');
      const incoming = path.join(tmp, 'incoming');
      makeWorkspace(ws);
      mkdirSync(incoming);
      const daemon = startDaemon(tmp, ws, incoming);
      await feed(groups, incoming, { gapMs: 40, groupGapMs: 300, slowPieces: 4, slowPieceMs: 80 });
      const settled = () => {
        const c = streamCounts(ws);
        return (c.completed ?? 0) + (c.failed ?? 0) === N;
      };
      await waitFor(`${N} groups completed or failed`, settled, 240_000, daemon.output);
      daemon.kill('SIGTERM');
      const r = await daemon.done;
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(/stopped \(interrupted by SIGTERM\)/);

      const rows = query<{ group_id: string; state: string; attempts: number; ms_path: string; image_path: string }>(
        ws,
        'SELECT * FROM stream_groups ORDER BY group_id',
      );
      expect(rows.map((x) => x.state)).toEqual(Array(N).fill('completed'));
      expect(rows.map((x) => x.attempts)).toEqual(Array(N).fill(1));
      const ms = query<{ path: string; group_id: string }>(ws, 'SELECT path, group_id FROM measurement_sets');
      expect(ms).toHaveLength(N);
      const images = query<{ path: string }>(ws, "SELECT path FROM images WHERE kind = 'clean'");
      expect(images).toHaveLength(N);
      for (const x of rows) {
        expect(existsSync(path.join(x.ms_path, 'table.dat'))).toBe(true);
        expect(existsSync(x.image_path)).toBe(true);
        expect(images.map((i) => i.path)).toContain(x.image_path);
        expect(ms.map((m) => m.group_id)).toContain(x.group_id);
      }
      // One job per group, succeeded; no file refused (temporaries are never registered).
      const jobs = query<{ state: string; n: number }>(
        ws,
        "SELECT state, COUNT(*) AS n FROM jobs WHERE kind = 'stream.group' GROUP BY state",
      );
      expect(jobs).toEqual([{ state: 'succeeded', n: N }]);
      expect(query(ws, 'SELECT * FROM stream_rejects')).toEqual([]);
      expect(query<{ n: number }>(ws, 'SELECT COUNT(*) AS n FROM subband_files')[0]?.n).toBe(16 * N);

      const doctor = runChild(tmp, ws, 'doctor');
      expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
      expect(doctor.stdout).toMatch(/no problems found/);

      const status = runChild(tmp, ws, 'stream', 'status', '--json');
      expect(status.code, status.stderr).toBe(0);
      const s = JSON.parse(status.stdout) as {
        queue: Record<string, number>;
        latencyS: { count: number; p50: number };
      };
      expect(s.queue.completed).toBe(N);
      expect(s.latencyS.count).toBe(N);
      expect(s.latencyS.p50).toBeGreaterThan(0);

      // The metrics through dsa110 serve, with the workspace token.
      const serve = startChild(tmp, ws, ['serve', '--port', '0', '--no-ui', '--json']);
      try {
        await waitFor('serve to print its URL', () => serve.output().includes('"url"'), 60_000, serve.output);
        const info = JSON.parse(serve.output().slice(serve.output().indexOf('{'))) as {
          url: string;
          tokenFile: string;
        };
        const token = readFileSync(info.tokenFile, 'utf8').trim();
        const res = await fetch(`${info.url}metrics`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        const text = await res.text();
        expect(text).toContain(`dsa110_stream_groups{state="completed"} ${N}`);
        expect(text).toContain(`dsa110_stream_latency_seconds_count ${N}`);
        expect(text).toMatch(/dsa110_stream_up 0/);
        const noToken = await fetch(`${info.url}api/metrics`);
        expect(noToken.status).toBe(401);
      } finally {
        serve.kill('SIGTERM');
        await serve.done;
      }
    },
  );
});
