// Indexing correlator files: grouping by observation (header time, 60 s tolerance), idempotence,
// copies recognised by content, incomplete and misnamed files, unreadable files reported with their path.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/main/engine/db';
import { indexDirectory } from '../../src/main/engine/ingest/indexer';
import { NativePool } from '../../src/main/engine/native/pool';
import { simulate, type SimulationResult } from '../../src/main/engine/sim/simulate';

let dir: string;
let sim: SimulationResult;
let db: Database;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dsa110-index-'));
  const pool = new NativePool({ workers: 1 });
  sim = await simulate(
    {
      outDir: path.join(dir, 'raw'),
      start: '2026-03-01T10:00:00',
      minutes: 10,
      decDeg: 16.3,
      antennas: 6,
      channelsPerSubband: 4,
      seed: 2,
      jitterS: 5,
    },
    pool,
  );
  await pool.close();
  db = openDatabase(path.join(dir, 'state.sqlite'));
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('indexDirectory', () => {
  it('groups 2 chunks x 16 subbands (jittered timestamps) into two complete groups', async () => {
    const r = await indexDirectory(db, path.join(dir, 'raw'));
    expect(r).toMatchObject({ scanned: 32, registered: 32, unchanged: 0, failed: [], ignored: [] });
    expect(r.groups.map((g) => [g.id, g.presentSubbands, g.state])).toEqual(
      sim.chunks.map((c) => [c.groupId, 16, 'pending']),
    );
    for (const g of r.groups) {
      expect(g.decDeg).toBeCloseTo(16.3, 9);
      const chunk = sim.chunks.find((c) => c.groupId === g.id)!;
      expect(Math.abs(g.startMjd - chunk.startMjd) * 86400).toBeLessThan(1e-3);
      expect(new Set(db.ingest.filesOfGroup(g.id).map((f) => f.subband)).size).toBe(16);
    }
  });

  it('is idempotent', async () => {
    const r = await indexDirectory(db, path.join(dir, 'raw'));
    expect(r).toMatchObject({ scanned: 32, registered: 0, unchanged: 32 });
    expect(r.groups).toHaveLength(2);
  });

  it('reports incomplete, misnamed and unreadable files without losing the rest', async () => {
    const other = path.join(dir, 'mixed');
    rmSync(other, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(other);
    const first = sim.chunks[0]!.files[0]!;
    copyFileSync(first, path.join(other, path.basename(first)));
    // Another copy of a file already registered, under the group's own timestamp.
    const sb = path.basename(first).slice(20, 24);
    copyFileSync(first, path.join(other, `${sim.chunks[0]!.groupId}_${sb}.hdf5`));
    writeFileSync(path.join(other, '2026-03-01T11:00:00_sb03_incomplete.hdf5'), 'partial');
    writeFileSync(path.join(other, 'notes.hdf5'), 'x');
    writeFileSync(path.join(other, '2026-03-01T11:00:00_sb04.hdf5'), 'this is not HDF5');
    utimesSync(path.join(other, path.basename(first)), new Date(), new Date());
    const r = await indexDirectory(db, other);
    // Both copies are the registered file (same content): duplicates, neither registered nor failed.
    expect(r.registered).toBe(0);
    expect(r.duplicates.map((d) => [path.basename(d.path), d.sameAs, d.groupId]).sort()).toEqual(
      [path.basename(first), `${sim.chunks[0]!.groupId}_${sb}.hdf5`]
        .filter((n, i, a) => a.indexOf(n) === i)
        .sort()
        .map((n) => [n, first, sim.chunks[0]!.groupId]),
    );
    const bad = r.failed.find((f) => /_sb04\.hdf5$/.test(f.path));
    expect(bad?.error).toMatch(/sb04\.hdf5/);
    expect(r.failed).toHaveLength(1);
    expect(r.ignored.map((f) => path.basename(f.path)).sort()).toEqual([
      '2026-03-01T11:00:00_sb03_incomplete.hdf5',
      'notes.hdf5',
    ]);
    // No copy starts a group of its own.
    expect(r.groups.map((g) => g.id)).toEqual([sim.chunks[0]!.groupId]);
    expect(db.ingest.listGroups()).toHaveLength(2);
  });
});
