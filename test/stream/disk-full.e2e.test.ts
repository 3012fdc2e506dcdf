// Disk full during conversion (injected ENOSPC on the MS write): the group's attempt fails with
// the reason and no partial MS, intake pauses and says why, it resumes once space is there
// again, and the group is converted on its next attempt; with no attempt left it ends failed
// with the reason.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feed } from './feeder';
import { makeWorkspace, query, simulateGroups, startDaemon, streamCounts, waitFor } from './helpers';

let tmp: string;
let groups: string[][];

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'stream-enospc-'));
  groups = simulateGroups(tmp, path.join(tmp, 'sim'), { start: '2026-01-15T03:00:00', chunks: 2 });
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('stream: disk full', () => {
  it('fails the attempt with ENOSPC, pauses intake, resumes and converts', { timeout: 400_000 }, async () => {
    const ws = path.join(tmp, 'ws');
    const inc = path.join(tmp, 'incoming');
    makeWorkspace(ws);
    mkdirSync(inc);
    const d = startDaemon(tmp, ws, inc, ['--max-attempts', '2', '--backoff', '2'], {
      DSA110_FAULT: 'convert:write=ENOSPC*1',
    });
    await feed(groups, inc, { gapMs: 10, groupGapMs: 100 });
    await waitFor('both groups completed', () => (streamCounts(ws).completed ?? 0) === 2, 300_000, d.output);
    d.kill('SIGTERM');
    const r = await d.done;
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const out = r.stdout;
    const first = query<{ group_id: string }>(ws, 'SELECT group_id FROM stream_groups ORDER BY group_id')[0]!.group_id;
    expect(out).toMatch(
      new RegExp(`retry: group ${first}: attempt 1 failed \\(.*ENOSPC: injected by DSA110_FAULT \\(convert:write\\)`),
    );
    expect(out).toMatch(/paused: intake paused: the disk was full while processing group/);
    expect(out).toMatch(/resumed: intake resumed: .* GiB free \(was paused: the disk was full/);
    // Paused before the next claim, resumed after: the order of the events says so.
    const at = (re: RegExp) => out.search(re);
    expect(at(/ paused: /)).toBeLessThan(at(/ resumed: /));
    expect(at(/ resumed: /)).toBeLessThan(at(new RegExp(`claimed: group ${first}: attempt 2`)));
    const rows = query<{ group_id: string; attempts: number; state: string }>(
      ws,
      'SELECT group_id, attempts, state FROM stream_groups ORDER BY group_id',
    );
    expect(rows).toEqual([
      { group_id: first, attempts: 2, state: 'completed' },
      { group_id: rows[1]!.group_id, attempts: 1, state: 'completed' },
    ]);
    expect(readdirSync(path.join(ws, 'ms')).filter((n) => n.includes('partial'))).toEqual([]);
  });

  it('with no attempt left, the group ends failed with the reason', { timeout: 400_000 }, async () => {
    const ws = path.join(tmp, 'ws2');
    const inc = path.join(tmp, 'incoming2');
    makeWorkspace(ws);
    mkdirSync(inc);
    const d = startDaemon(tmp, ws, inc, ['--max-attempts', '1', '--backoff', '1'], {
      DSA110_FAULT: 'convert:write=ENOSPC*1',
    });
    await feed([groups[0]!], inc, { gapMs: 10, groupGapMs: 0 });
    await waitFor('the group failed', () => (streamCounts(ws).failed ?? 0) === 1, 300_000, d.output);
    d.kill('SIGTERM');
    expect((await d.done).code).toBe(0);
    const row = query<{ last_error: string }>(ws, 'SELECT last_error FROM stream_groups')[0]!;
    expect(row.last_error).toMatch(/stage convert \(convert\) failed: ENOSPC: injected by DSA110_FAULT/);
    expect(readdirSync(path.join(ws, 'ms'))).toEqual([]);
  });
});
