// Issue 14, cases 2 and 5: a subband file is identified by its content, not its name or path.
// The same observation indexed again from a copy of its directory, or one subband duplicated
// under a timestamp a few seconds later, creates no new group (and so no second MS); a different
// file claiming a registered subband is a conflict kept out of conversion until it is removed;
// files of two declinations with the same timestamps form two groups whatever the order of runs.
import { copyFileSync, cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertGroup, GroupConflictError } from '../../src/main/engine/convert';
import { openDatabase, type Database } from '../../src/main/engine/db';
import { indexDirectory } from '../../src/main/engine/ingest/indexer';
import { writeObservation } from './fixtures';

const JD = 2461041.5; // 2026-01-01T00:00:00 UTC
const stampOf = (sb: number) => `2026-01-01T00:00:0${sb % 3}`; // jittered names, one observation
let tmp: string;
const dbs: Database[] = [];
const open = (name: string) => {
  const db = openDatabase(path.join(tmp, `${name}.sqlite`));
  dbs.push(db);
  return db;
};
beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'dsa110-identity-'));
  await writeObservation(path.join(tmp, 'a'), { startJd: JD, decDeg: 55, stamp: stampOf });
}, 120_000);
afterAll(() => {
  for (const db of dbs) db.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('raw-data identity (issue 14 case 2)', () => {
  it('a copy of an indexed directory is the same observation: duplicates, no new group', async () => {
    const db = open('copy');
    const first = await indexDirectory(db, path.join(tmp, 'a'));
    expect(first).toMatchObject({ scanned: 16, registered: 16, failed: [], conflicts: [] });
    expect(first.groups.map((g) => [g.id, g.presentSubbands, g.state])).toEqual([
      ['2026-01-01T00:00:00', 16, 'pending'],
    ]);
    cpSync(path.join(tmp, 'a'), path.join(tmp, 'a-copy'), { recursive: true });
    const again = await indexDirectory(db, path.join(tmp, 'a-copy'));
    expect(again.registered).toBe(0);
    expect(again.duplicates).toHaveLength(16);
    expect(
      again.duplicates.every(
        (d) => d.sameAs.startsWith(path.join(tmp, 'a') + path.sep) && d.groupId === '2026-01-01T00:00:00',
      ),
    ).toBe(true);
    expect(db.ingest.listGroups()).toHaveLength(1);
    expect(db.ingest.emptyGroups()).toEqual([]);
  });

  it('one subband duplicated under a timestamp a few seconds later joins nothing and starts nothing', async () => {
    const db = open('dup');
    await indexDirectory(db, path.join(tmp, 'a'));
    const src = path.join(tmp, 'a', `${stampOf(3)}_sb03.hdf5`);
    const dup = path.join(tmp, 'a', '2026-01-01T00:00:07_sb03.hdf5');
    copyFileSync(src, dup);
    try {
      const r = await indexDirectory(db, path.join(tmp, 'a'));
      expect(r.registered).toBe(0);
      expect(r.duplicates).toEqual([{ path: dup, sameAs: src, groupId: '2026-01-01T00:00:00' }]);
      expect(db.ingest.listGroups().map((g) => g.id)).toEqual(['2026-01-01T00:00:00']);
      expect(db.ingest.filesOfGroup('2026-01-01T00:00:00')).toHaveLength(16);
    } finally {
      rmSync(dup);
    }
  });

  it('a moved directory: the rows follow the content to its new path', async () => {
    const db = open('moved');
    const dir = path.join(tmp, 'm');
    cpSync(path.join(tmp, 'a'), dir, { recursive: true });
    await indexDirectory(db, dir);
    renameSync(dir, path.join(tmp, 'm2'));
    const r = await indexDirectory(db, path.join(tmp, 'm2'));
    expect(r.moved).toHaveLength(16);
    expect(r.registered + r.duplicates.length).toBe(0);
    expect(db.ingest.allFiles().every((f) => f.path.startsWith(path.join(tmp, 'm2') + path.sep))).toBe(true);
    expect(db.ingest.listGroups()).toHaveLength(1);
  });

  it('a different file claiming a registered subband is a conflict: named, kept out of conversion, resolved by removing it', async () => {
    const db = open('conflict');
    const dir = path.join(tmp, 'c');
    cpSync(path.join(tmp, 'a'), dir, { recursive: true });
    // Same observation and declination, other content (another antenna set) for sb05.
    const other = path.join(tmp, 'c-other');
    const [bad] = await writeObservation(other, {
      startJd: JD,
      decDeg: 55,
      stamp: '2026-01-01T00:00:04',
      nants: 5,
      subbands: [5],
    });
    const intruder = path.join(dir, path.basename(bad!));
    renameSync(bad!, intruder);
    const r = await indexDirectory(db, dir);
    expect(r.registered).toBe(16);
    expect(r.conflicts).toHaveLength(1);
    expect(r.conflicts[0]).toMatchObject({
      path: intruder,
      groupId: '2026-01-01T00:00:00',
      subband: 5,
      registeredPath: path.join(dir, `${stampOf(5)}_sb05.hdf5`),
    });
    const err = await convertGroup(db, '2026-01-01T00:00:00', path.join(tmp, 'ms-c')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GroupConflictError);
    expect((err as Error).message).toMatch(
      /sb05 is claimed by two different files, .*_sb05\.hdf5 and .*2026-01-01T00:00:04_sb05\.hdf5; remove \(or move away\) the wrong file and run dsa110 index/,
    );
    expect(db.ms.list()).toEqual([]);
    rmSync(intruder);
    const after = await indexDirectory(db, dir);
    expect(after.conflicts).toEqual([]);
    expect(db.ingest.conflicts()).toEqual([]);
  });
});

describe('groups keyed by observation and declination (issue 14 case 5)', () => {
  let dec2: string;
  beforeAll(async () => {
    dec2 = path.join(tmp, 'dec2');
    // Another declination, the very same file names.
    await writeObservation(dec2, { startJd: JD, decDeg: 20, stamp: stampOf });
  }, 120_000);

  for (const order of [
    ['a', 'dec2'],
    ['dec2', 'a'],
  ] as const) {
    it(`two declinations with the same timestamps make two complete groups (indexed ${order.join(' then ')})`, async () => {
      const db = open(`dec-${order.join('-')}`);
      for (const d of order) {
        const r = await indexDirectory(db, path.join(tmp, d));
        expect(r.failed).toEqual([]);
        expect(r.conflicts).toEqual([]);
        expect(r.registered).toBe(16);
      }
      const groups = db.ingest.listGroups();
      expect(groups).toHaveLength(2);
      for (const g of groups) {
        expect(g.presentSubbands).toBe(16);
        const files = db.ingest.filesOfGroup(g.id);
        // Membership: each group holds exactly the files of one directory (one declination).
        expect(new Set(files.map((f) => path.dirname(f.path))).size).toBe(1);
        expect(files.every((f) => Math.abs((f.decDeg ?? NaN) - (g.decDeg ?? NaN)) < 1e-9)).toBe(true);
      }
      expect(groups.map((g) => Math.round(g.decDeg ?? 0)).sort()).toEqual([20, 55]);
      // The second declination indexed is named with its declination.
      const second = groups.find((g) => g.id.includes('_dec'));
      expect(second?.id).toBe(order[1] === 'dec2' ? '2026-01-01T00:00:00_dec+20.0' : '2026-01-01T00:00:00_dec+55.0');
    });
  }

  it('concurrent index runs of one workspace take turns: no empty groups, no file "already registered as" itself', async () => {
    const file = path.join(tmp, 'concurrent.sqlite');
    const a = openDatabase(file);
    const b = openDatabase(file);
    dbs.push(a, b);
    const [ra, rb] = await Promise.all([
      indexDirectory(a, path.join(tmp, 'a')),
      indexDirectory(b, path.join(tmp, 'a')),
    ]);
    expect([...ra.failed, ...rb.failed]).toEqual([]);
    expect(ra.registered + rb.registered).toBe(16);
    expect(ra.unchanged + rb.unchanged).toBe(16);
    expect(a.ingest.emptyGroups()).toEqual([]);
    expect(a.ingest.listGroups().map((g) => g.presentSubbands)).toEqual([16]);
    expect(a.leases.list()).toEqual([]);
  });
});
