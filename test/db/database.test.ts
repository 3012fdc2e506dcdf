// The state database: migrations, a full round trip through every repository, constraints.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Connection,
  DbConstraintError,
  DbError,
  DbValidationError,
  LATEST_VERSION,
  MIGRATIONS,
  currentVersion,
  migrate,
  openDatabase,
} from '../../src/main/engine/db';
import { T0, populate, readBack } from './populate';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dsa-db-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The schema as SQLite stores it, normalised, to compare a migrated file with a fresh one. */
function schemaOf(conn: Connection): string[] {
  const rows = conn.sql
    .prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
    .all() as { type: string; name: string; sql: string | null }[];
  return rows.map((r) => `${r.type} ${r.name}: ${(r.sql ?? '').replace(/\s+/g, ' ')}`);
}

describe('migrations', () => {
  it('migrates an empty file to the latest version with WAL and foreign keys on', () => {
    const file = join(dir, 'state.sqlite');
    const db = openDatabase(file);
    db.close();
    const conn = new Connection(file);
    expect(currentVersion(conn)).toBe(LATEST_VERSION);
    expect(conn.sql.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(conn.sql.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(conn.sql.pragma('busy_timeout', { simple: true }))).toBeGreaterThan(0);
    const applied = conn.sql.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as {
      version: number;
    }[];
    expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    conn.close();
  });

  it('re-opening an up-to-date file applies nothing', () => {
    const file = join(dir, 'state.sqlite');
    openDatabase(file).close();
    const conn = new Connection(file);
    expect(migrate(conn)).toEqual([]);
    conn.close();
  });

  // Generic over the migration list, so it stays true as migrations are added.
  // (Every version a file can be at: 0 and each migration's, which need not be contiguous.)
  for (const from of [0, ...MIGRATIONS.map((m) => m.version).filter((v) => v < LATEST_VERSION)]) {
    it(`migrates a file at version ${from} to ${LATEST_VERSION}, ending with the same schema as a fresh file`, () => {
      const fresh = new Connection(join(dir, 'fresh.sqlite'));
      migrate(fresh);
      const expected = schemaOf(fresh);
      fresh.close();

      const file = join(dir, `v${from}.sqlite`);
      const old = new Connection(file);
      migrate(old, from);
      expect(currentVersion(old)).toBe(from);
      old.close();

      const db = openDatabase(file);
      const written = populate(db);
      db.close();
      const conn = new Connection(file);
      expect(currentVersion(conn)).toBe(LATEST_VERSION);
      expect(schemaOf(conn)).toEqual(expected);
      expect(conn.sql.pragma('integrity_check', { simple: true })).toBe('ok');
      conn.close();
      const again = openDatabase(file);
      expect(readBack(again, written).product).toEqual(written.product);
      again.close();
    });
  }

  it('refuses a file from a newer program', () => {
    const file = join(dir, 'future.sqlite');
    openDatabase(file).close();
    const conn = new Connection(file);
    conn.sql
      .prepare('INSERT INTO schema_migrations (version, name, applied_mjd) VALUES (?, ?, ?)')
      .run(LATEST_VERSION + 1, 'future', T0);
    conn.close();
    expect(() => openDatabase(file)).toThrow(/schema version \d+ is newer than this program knows/);
  });
});

describe('round trip through every repository', () => {
  it('reads back after close and reopen exactly what was written', () => {
    const file = join(dir, 'state.sqlite');
    const db = openDatabase(file);
    const written = populate(db);
    db.close();

    const reopened = openDatabase(file);
    const { claimed: _claimed, ...expected } = written;
    expect(readBack(reopened, written)).toEqual(expected);
    reopened.close();

    // Spot-check the behaviour the round trip relies on, not just equality.
    expect(written.claimed?.state).toBe('in_progress');
    expect(written.claimed?.attempts).toBe(1);
    expect(written.group.presentSubbands).toBe(16);
    expect(written.files.map((f) => f.subband)).toEqual([...Array(16).keys()]);
    expect(written.events.map((e) => [e.fromStatus, e.toStatus])).toEqual([
      [null, 'staging'],
      ['staging', 'qa_passed'],
      ['qa_passed', 'approved'],
      ['approved', 'published'],
    ]);
    expect(written.product.reviewer).toBe('alice');
    expect(written.product.comment).toBe('looks clean');
    expect(written.mosaicGroup.memberImageIds).toEqual([written.image.id]);
    expect(written.logs.map((l) => l.message)).toEqual(['bandpass solved', 'antenna 17 flagged']);
    expect(written.stageRuns.map((s) => [s.stageId, s.state, s.attempt])).toEqual([
      ['solve', 'succeeded', 1],
      ['apply', 'pending', 0],
    ]);
  });
});

describe('repository behaviour', () => {
  it('a group becomes pending only when all expected subbands are present', () => {
    const db = openDatabase(join(dir, 'state.sqlite'));
    db.ingest.ensureGroup({ id: '2025-10-02T15:00:00', startMjd: T0 + 0.1, expectedSubbands: 16 });
    for (let sb = 0; sb < 15; sb++) {
      const g = db.ingest.addFile({
        path: `/in/2025-10-02T15:00:00_sb${sb}.hdf5`,
        groupId: '2025-10-02T15:00:00',
        subband: sb,
        startMjd: T0 + 0.1,
        decDeg: 16.3,
        sizeBytes: 1,
        mtimeMjd: T0,
        checksumSha256: null,
      });
      expect(g.state).toBe('collecting');
    }
    expect(db.ingest.claimNextPending()).toBeUndefined();
    const g = db.ingest.addFile({
      path: '/in/2025-10-02T15:00:00_sb15.hdf5',
      groupId: '2025-10-02T15:00:00',
      subband: 15,
      startMjd: T0 + 0.1,
      decDeg: 16.3,
      sizeBytes: 1,
      mtimeMjd: T0,
      checksumSha256: null,
    });
    expect(g.state).toBe('pending');
    expect(g.decDeg).toBe(16.3);
    const failed = db.ingest.setGroupState(g.id, 'failed', { error: 'sb03: truncated visdata' });
    expect(failed.lastError).toBe('sb03: truncated visdata');
    db.close();
  });

  it('finds calibration tables valid at a time before and after the solve, nearest solve first', () => {
    const db = openDatabase(join(dir, 'state.sqlite'));
    const mk = (path: string, solve: number, status: 'valid' | 'superseded' = 'valid') =>
      db.calibration.insertTable({
        path,
        kind: 'G',
        solveMjd: solve,
        validStartMjd: solve - 1 / 24,
        validEndMjd: solve + 1 / 24,
        status,
      });
    const a = mk('/cal/a.G', T0);
    const b = mk('/cal/b.G', T0 + 0.5 / 24);
    mk('/cal/c.G', T0 + 0.2 / 24, 'superseded');
    expect(db.calibration.findValid('G', T0 - 0.9 / 24).map((t) => t.id)).toEqual([a.id]);
    expect(db.calibration.findValid('G', T0 + 0.4 / 24).map((t) => t.id)).toEqual([b.id, a.id]);
    expect(db.calibration.findValid('G', T0 + 1.4 / 24).map((t) => t.id)).toEqual([b.id]);
    expect(db.calibration.findValid('G', T0 + 2 / 24)).toEqual([]);
    expect(db.calibration.findValid('B', T0)).toEqual([]);
    db.close();
  });

  it('cone search handles RA wrap-around and returns nearest first', () => {
    const db = openDatabase(join(dir, 'state.sqlite'));
    db.sources.upsertSource({ name: 'east', catalog: 'NVSS', raDeg: 0.05, decDeg: 30, fluxJy: 0.1 });
    db.sources.upsertSource({ name: 'west', catalog: 'NVSS', raDeg: 359.9, decDeg: 30, fluxJy: 0.1 });
    db.sources.upsertSource({ name: 'far', catalog: 'NVSS', raDeg: 1, decDeg: 30, fluxJy: 0.1 });
    const hits = db.sources.cone(0, 30, 0.2);
    expect(hits.map((h) => h.name)).toEqual(['east', 'west']);
    // 0.05 deg of RA at dec 30 is 0.0433 deg on the sky (cos 30); tolerance 1e-6 deg.
    expect(hits[0]?.separationDeg).toBeCloseTo(0.05 * Math.cos(Math.PI / 6), 6);
    const updated = db.sources.upsertSource({ name: 'east', catalog: 'NVSS', raDeg: 0.05, decDeg: 30, fluxJy: 0.2 });
    expect(updated.fluxJy).toBe(0.2);
    expect(db.sources.cone(0, 30, 5).length).toBe(3);
    db.close();
  });
});

describe('constraint violations give clear errors', () => {
  it('names the table, the field and what was expected', () => {
    const file = join(dir, 'state.sqlite');
    const db = openDatabase(file);
    const base = { path: '/ms/a.ms', startMjd: T0, endMjd: T0 + 0.003, midMjd: T0 + 0.0015, decDeg: 54.57 };
    const ms = db.ms.insert(base);

    const dup = (() => {
      try {
        db.ms.insert(base);
      } catch (e) {
        return e;
      }
    })();
    expect(dup).toBeInstanceOf(DbConstraintError);
    expect(String((dup as Error).message)).toContain('measurement_sets');
    expect(String((dup as Error).message)).toContain('path="/ms/a.ms" already exists');

    expect(() => db.ms.insert({ ...base, path: '/ms/b.ms', decDeg: 95 })).toThrow(DbValidationError);
    expect(() => db.ms.insert({ ...base, path: '/ms/b.ms', decDeg: 95 })).toThrow(
      /invalid measurement set: decDeg: .*<=90/,
    );

    expect(() =>
      db.calibration.insertTable({
        path: '/cal/x',
        kind: 'B',
        msId: ms.id + 99,
        solveMjd: T0,
        validStartMjd: T0,
        validEndMjd: T0 + 1,
      }),
    ).toThrow(
      new RegExp(
        `caltables: foreign key failed: ms_id=${ms.id + 99} does not reference an existing measurement_sets.id`,
      ),
    );

    expect(() =>
      db.calibration.insertTable({ path: '/cal/y', kind: 'B', solveMjd: T0, validStartMjd: T0 + 1, validEndMjd: T0 }),
    ).toThrow(/valid_end_mjd.*violates CHECK \(valid_end_mjd >= valid_start_mjd\)/);

    db.products.register(
      { id: 'img-1', kind: 'image', path: '/p/img-1.fits', sha256: 'cd'.repeat(32), sizeBytes: 10 },
      'pipeline',
    );
    expect(() => db.products.transition('img-1', 'published', { actor: 'bob', publishedPath: '/x' })).toThrow(
      /product img-1 is staging; cannot move to published \(allowed: qa_passed, qa_failed\)/,
    );
    expect(() =>
      db.products.register(
        { id: 'bad id/with slash', kind: 'image', path: '/p/z', sha256: 'cd'.repeat(32), sizeBytes: 1 },
        'p',
      ),
    ).toThrow(/invalid product: id: expected a file-name-safe id/);
    expect(() => db.jobs.update('no-such-job', { progress: 0.5 })).toThrow(/no job with id=no-such-job/);
    expect(() => db.jobs.update('no-such-job', { progress: 1.5 })).toThrow(
      /invalid update of job no-such-job: progress/,
    );
    expect(() =>
      db.ingest.addFile({
        path: '/in/orphan.hdf5',
        groupId: '2025-01-01T00:00:00',
        subband: 0,
        startMjd: T0,
        decDeg: null,
        sizeBytes: 1,
        mtimeMjd: T0,
        checksumSha256: null,
      }),
    ).toThrow(/group_id="2025-01-01T00:00:00" does not reference an existing ingest_groups.id/);
    expect(new DbError('x')).toBeInstanceOf(Error);
    db.close();
  });
});
