// The fault driver: the streaming daemon SIGKILLed at many points (while files arrive, after a
// file is registered but before its group is queued, after a group is claimed, before and after
// convert and image, before and after the queue records completion) and restarted each time,
// once stopped by SIGTERM in the middle of a group; in the end every group is completed exactly
// once (one job, one MS, one image each), no partial output is left and the doctor agrees.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild } from '../integrity/cli';
import { feed } from './feeder';
import { makeWorkspace, query, simulateGroups, startDaemon, streamCounts, waitFor } from './helpers';

const N = 3;
let tmp: string;
let groups: string[][];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'stream-faults-'));
  groups = simulateGroups(tmp, path.join(tmp, 'sim'), { start: '2026-01-15T03:00:00', chunks: N });
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...walk(p));
  }
  return out;
}

describe('stream under faults', () => {
  it(
    'completes every group exactly once across SIGKILLs at 20+ points and a SIGTERM',
    { timeout: 900_000 },
    async () => {
      const ws = path.join(tmp, 'ws');
      const incoming = path.join(tmp, 'incoming');
      makeWorkspace(ws);
      mkdirSync(incoming);
      const kills: string[] = [];
      const allDone = () => (streamCounts(ws).completed ?? 0) === N;

      // Watch: killed three times while the first group's files are being written.
      for (const delayMs of [400, 1200, 2000]) {
        const d = startDaemon(tmp, ws, incoming);
        const feeding = feed([groups[0]!.slice(0, 8)], incoming, { gapMs: 60, groupGapMs: 0 });
        await sleep(delayMs);
        d.kill('SIGKILL');
        const r = await d.done;
        if (r.signal === 'SIGKILL') kills.push(`watch+${delayMs}ms`);
        await feeding;
      }
      // The rest arrives while no daemon runs (a bootstrap scan finds it).
      await feed([groups[0]!.slice(8), ...groups.slice(1)], incoming, { gapMs: 5, groupGapMs: 0 });

      const points = [
        'stream:registered',
        'stream:registered',
        'stream:registered',
        'stream:registered',
        ...Array.from({ length: N }, () => [
          'stream:claimed',
          'stage:convert:before',
          'stage:convert:after',
          'stage:image:before',
          'stage:image:after',
          'stream:before-complete',
          'stream:completed',
        ]).flat(),
      ];
      let sigtermDone = false;
      for (const point of points) {
        if (allDone()) break;
        if (!sigtermDone && kills.length >= 10) {
          // Once, a graceful stop in the middle of a group: exit 0, the group pending again.
          sigtermDone = true;
          const d = startDaemon(tmp, ws, incoming);
          await waitFor('a group to be claimed', () => /claimed: group/.test(d.output()), 120_000, d.output);
          await sleep(300);
          d.kill('SIGTERM');
          const r = await d.done;
          expect(r.code, r.stderr.slice(-3000) + r.stdout.slice(-3000)).toBe(0);
          expect(r.stdout).toMatch(/stopped \(interrupted by SIGTERM\)/);
        }
        const d = startDaemon(tmp, ws, incoming, [], { DSA110_FAULT: `${point}*1` });
        const outcome = await Promise.race([
          d.done,
          waitFor('all groups completed', allDone, 300_000).then(() => null),
        ]);
        const r = outcome ?? (d.kill('SIGTERM'), await d.done);
        if (r.signal === 'SIGKILL') kills.push(point);
        else expect(r.code, `${point}: ${r.signal} ${r.stderr.slice(-3000)}${r.stdout.slice(-3000)}`).toBe(0);
      }
      expect(sigtermDone).toBe(true);
      // A last clean run to the end (it also takes over the lease the last killed daemon left).
      const last = startDaemon(tmp, ws, incoming);
      await waitFor('all groups completed', allDone, 300_000, last.output);
      await waitFor('the daemon to start', () => /start: streaming/.test(last.output()), 60_000, last.output);
      last.kill('SIGTERM');
      expect((await last.done).code).toBe(0);

      console.info(`stream faults: ${kills.length} SIGKILLs (${kills.join(', ')})`);
      expect(kills.length, kills.join(', ')).toBeGreaterThanOrEqual(20);
      const rows = query<{ group_id: string; state: string; image_path: string; ms_path: string }>(
        ws,
        'SELECT * FROM stream_groups ORDER BY group_id',
      );
      expect(rows.map((r) => r.state)).toEqual(Array(N).fill('completed'));
      // Exactly once: one job per group, one MS per group, one image per group; nothing else.
      const jobs = query<{ group_id: string; n: number; ok: number }>(
        ws,
        `SELECT json_extract(params_json, '$.groupId') AS group_id, COUNT(*) AS n, SUM(state = 'succeeded') AS ok
       FROM jobs WHERE kind = 'stream.group' GROUP BY group_id ORDER BY group_id`,
      );
      expect(jobs).toEqual(rows.map((r) => ({ group_id: r.group_id, n: 1, ok: 1 })));
      const ms = query<{ group_id: string; status: string }>(
        ws,
        'SELECT group_id, status FROM measurement_sets ORDER BY group_id',
      );
      expect(ms.map((m) => m.group_id)).toEqual(rows.map((r) => r.group_id));
      const images = query<{ path: string }>(ws, "SELECT path FROM images WHERE kind = 'clean' ORDER BY path");
      expect(images.map((i) => i.path)).toEqual(rows.map((r) => r.image_path).sort());
      expect(query<{ n: number }>(ws, 'SELECT COUNT(*) AS n FROM subband_files')[0]?.n).toBe(16 * N);
      // No partial output anywhere in the workspace's products.
      const leftovers = [...walk(path.join(ws, 'ms')), ...walk(path.join(ws, 'images'))].filter((p) =>
        /partial|\.tmp|~$/.test(path.basename(p)),
      );
      expect(leftovers).toEqual([]);
      const doctor = runChild(tmp, ws, 'doctor');
      expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0);
      expect(doctor.stdout).toMatch(/no problems found/);
    },
  );
});
