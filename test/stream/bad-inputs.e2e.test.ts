// Bad input to the streaming daemon, each ending in a clear, logged state, the daemon never
// crashing and no group lost: a truncated file and a zero-byte file (refused with the reason;
// their group converted from the rest as partial, with a note), a non-HDF5 file with a correlator
// name (refused), a second, different file claiming a registered subband (the group failed with
// both names), a subband arriving after its group was converted (a `late` note), two
// declinations observed at the same time (two groups, both processed) and a file deleted after
// registration (forgotten, its group converted from the rest with a note).
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild } from '../integrity/cli';
import { feed } from './feeder';
import { makeWorkspace, query, simulateGroups, startDaemon, waitFor } from './helpers';

let tmp: string;
let main: string[][];
let otherDec: string[];
let variant: string[];

const START = '2026-01-15T03:00:00';

/** A correlator file name with its timestamp moved by `s` seconds. */
function shifted(file: string, s: number): string {
  const name = path.basename(file);
  const ms = Date.parse(`${name.slice(0, 19)}Z`) + s * 1000;
  return `${new Date(ms).toISOString().slice(0, 19)}${name.slice(19)}`;
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'stream-bad-'));
  main = simulateGroups(tmp, path.join(tmp, 'sim'), { start: START, chunks: 3 });
  // Another declination observed at the same time, and the second chunk again with other antennas.
  otherDec = simulateGroups(tmp, path.join(tmp, 'sim-dec30'), { start: START, chunks: 1, decDeg: 30 })[0]!;
  const second = path.basename(main[1]![0]!).slice(0, 19);
  variant = simulateGroups(tmp, path.join(tmp, 'sim-variant'), { start: second, chunks: 1, antennas: 10 })[0]!;
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

interface Row {
  group_id: string;
  state: string;
  note: string | null;
  last_error: string | null;
}

describe('stream: bad input', () => {
  it('ends every case in a clear state without crashing or losing a group', { timeout: 600_000 }, async () => {
    const ws = path.join(tmp, 'ws');
    const inc = path.join(tmp, 'incoming');
    makeWorkspace(ws);
    mkdirSync(inc);
    const d = startDaemon(tmp, ws, inc, ['--partial-timeout', '3', '--max-attempts', '2']);
    const rows = () => {
      try {
        return query<Row>(ws, 'SELECT group_id, state, note, last_error FROM stream_groups ORDER BY group_id');
      } catch {
        return [];
      }
    };
    const [g1, g2, g3] = main as [string[], string[], string[]];
    const fast = { gapMs: 10, groupGapMs: 100 };

    // G1: sb03 truncated to half, sb05 empty; and a text file with a correlator name.
    const truncated = path.join(inc, path.basename(g1[3]!));
    const empty = path.join(inc, path.basename(g1[5]!));
    const text = path.join(inc, '2026-01-15T03:40:00_sb00.hdf5');
    const bytes = readFileSync(g1[3]!);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    writeFileSync(empty, '');
    writeFileSync(text, 'this is not HDF5\n');
    await feed([g1.filter((_, i) => i !== 3 && i !== 5)], inc, fast);

    // G2: a different file (other antennas, same observation) claims sb07 right after the real one.
    await feed([g2.slice(0, 8)], inc, fast);
    const conflicting = path.join(inc, shifted(variant[7]!, 1));
    copyFileSync(variant[7]!, `${conflicting}.tmp-copy`);
    renameSync(`${conflicting}.tmp-copy`, conflicting);
    await feed([g2.slice(8)], inc, fast);

    // G3 without sb10 (it comes late); the other declination without sb15, and its sb04 deleted once registered.
    await feed([g3.filter((_, i) => i !== 10)], inc, fast);
    const renamed = otherDec.map((f) => {
      const to = path.join(tmp, 'dec30-renamed', shifted(f, 2));
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(f, to);
      return to;
    });
    await feed([renamed.slice(0, 15)], inc, fast);
    const doomed = path.join(inc, path.basename(renamed[4]!));
    await waitFor(
      `${doomed} registered`,
      () => {
        try {
          return query(ws, 'SELECT 1 FROM subband_files WHERE path = ?', doomed).length === 1;
        } catch {
          return false;
        }
      },
      120_000,
      d.output,
    );
    unlinkSync(doomed);

    // G3 converted from 15 subbands; then its sb10 arrives.
    const g3Id = () => rows().find((r) => r.group_id.startsWith(path.basename(g3[0]!).slice(0, 16)))?.group_id;
    await waitFor(
      'G3 completed as partial',
      () => rows().some((r) => r.group_id === g3Id() && r.state === 'completed'),
      240_000,
      d.output,
    );
    await feed([[g3[10]!]], inc, fast);

    const terminal = () => {
      const r = rows();
      return (
        r.length === 4 &&
        r.every((x) => x.state === 'completed' || x.state === 'failed') &&
        r.some((x) => /late: sb10/.test(x.note ?? ''))
      );
    };
    await waitFor('every group in a final state, the late file noted', terminal, 300_000, d.output);
    expect(d.output()).not.toMatch(/worker-error|tick-error|register-error/);
    d.kill('SIGTERM');
    const r = await d.done;
    expect(r.code, r.stderr.slice(-3000)).toBe(0);

    // Refused files, with their reasons.
    const rejects = Object.fromEntries(
      query<{ path: string; reason: string }>(ws, 'SELECT path, reason FROM stream_rejects').map((x) => [
        x.path,
        x.reason,
      ]),
    );
    expect(rejects[truncated]).toMatch(/^truncated: \d+ bytes, but its HDF5 superblock says the file ends at byte \d+/);
    expect(rejects[empty]).toBe('empty file (0 bytes)');
    expect(rejects[text]).toMatch(/not an HDF5 file/);
    expect(rejects[conflicting] ?? Object.values(rejects).find((v) => /claims sb07/.test(v))).toMatch(
      /claims sb07 of group .* already held by the different file/,
    );

    const all = rows();
    expect(all).toHaveLength(4);
    const byStart = (f: string) => all.find((x) => x.group_id.startsWith(path.basename(f).slice(0, 16)))!;
    const G1 = byStart(g1[0]!);
    expect(G1.state).toBe('completed');
    expect(G1.note).toMatch(/partial: 14 of 16 subbands .*missing sb03, sb05/);
    expect(G1.note).toMatch(/converted from 14 of 16 subbands/);
    const G2 = all.find((x) => x.state === 'failed')!;
    expect(G2.last_error).toMatch(/sb07 is claimed by two different files/);
    const G3 = all.find((x) => x.group_id === g3Id())!;
    expect(G3.state).toBe('completed');
    expect(G3.note).toMatch(/partial: 15 of 16 subbands .*missing sb10/);
    expect(G3.note).toMatch(/late: sb10 arrived .* already completed \(its MS was made without it\)/);
    const D = all.find((x) => x !== G1 && x !== G2 && x !== G3)!;
    expect(D.state).toBe('completed');
    expect(D.note).toMatch(/sb04 \(.*\) deleted after registration/);
    expect(D.note).toMatch(/converted from 14 of 16 subbands \(without sb04, sb15\)/);
    // Two declinations at the same time: two groups, far apart in declination, both imaged.
    const decs = query<{ id: string; dec_deg: number; start_mjd: number }>(
      ws,
      'SELECT id, dec_deg, start_mjd FROM ingest_groups WHERE id IN (?, ?)',
      G1.group_id,
      D.group_id,
    );
    expect(decs).toHaveLength(2);
    expect(Math.abs(decs[0]!.start_mjd - decs[1]!.start_mjd) * 86400).toBeLessThan(5);
    expect(Math.abs(decs[0]!.dec_deg - decs[1]!.dec_deg)).toBeGreaterThan(20);
    expect(query(ws, "SELECT 1 FROM images WHERE kind = 'clean'")).toHaveLength(3);

    // The doctor names the one thing left for a person: the two files claiming G2's sb07.
    const doctor = runChild(tmp, ws, 'doctor');
    const problems = doctor.stdout.split('\n').filter((l) => /^[a-z-]+: /.test(l));
    expect(
      problems.map((l) => l.split(':')[0]),
      doctor.stdout,
    ).toEqual(['ingest-conflict']);
  });
});
