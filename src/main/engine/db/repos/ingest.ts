// Repository for raw subband files and the ingest groups they form.
import { nowMjd } from '../../../../shared/model/common';
import {
  IngestConflict,
  IngestGroup,
  IngestState,
  NewIngestGroup,
  SubbandFile,
  type GroupId,
} from '../../../../shared/model/ingest';
import type { Connection } from '../connection';
import { selectPage, Where, type Page, type PageInput } from '../page';
import { fromRow, guarded, insertSql, notFound, toRow, validate, type Row, type TableSpec } from '../table';

const groupSpec: TableSpec<IngestGroup> = {
  table: 'ingest_groups',
  label: 'ingest group',
  schema: IngestGroup,
  columns: {
    id: 'id',
    state: 'state',
    expectedSubbands: 'expected_subbands',
    presentSubbands: 'present_subbands',
    attempts: 'attempts',
    lastError: 'last_error',
    decDeg: 'dec_deg',
    startMjd: 'start_mjd',
    endMjd: 'end_mjd',
    createdMjd: 'created_mjd',
    updatedMjd: 'updated_mjd',
  },
};
const fileSpec: TableSpec<SubbandFile> = {
  table: 'subband_files',
  label: 'subband file',
  schema: SubbandFile,
  columns: {
    path: 'path',
    groupId: 'group_id',
    subband: 'subband',
    startMjd: 'start_mjd',
    decDeg: 'dec_deg',
    sizeBytes: 'size_bytes',
    mtimeMjd: 'mtime_mjd',
    checksumSha256: 'checksum_sha256',
    fingerprint: 'fingerprint',
  },
};
const conflictSpec: TableSpec<IngestConflict> = {
  table: 'ingest_conflicts',
  label: 'ingest conflict',
  schema: IngestConflict,
  columns: {
    path: 'path',
    groupId: 'group_id',
    subband: 'subband',
    fingerprint: 'fingerprint',
    registeredPath: 'registered_path',
    detectedMjd: 'detected_mjd',
  },
};

const SELECT_GROUP = `SELECT g.*, (SELECT COUNT(*) FROM subband_files f WHERE f.group_id = g.id) AS present_subbands
  FROM ingest_groups g`;

export interface GroupQuery {
  state?: IngestState;
  /** Groups starting at or after this MJD. */
  fromMjd?: number;
  /** Groups starting before this MJD. */
  toMjd?: number;
  limit?: number;
}

export class IngestRepo {
  constructor(private readonly conn: Connection) {}

  /** Create the group if it does not exist (an existing group is left as it is); returns it. */
  ensureGroup(input: NewIngestGroup): IngestGroup {
    const g = validate(this.conn, NewIngestGroup, 'ingest group', input);
    return this.conn.write(() => {
      const now = nowMjd();
      const row = toRow(groupSpec, {
        state: 'collecting',
        expectedSubbands: 16,
        ...g,
        attempts: 0,
        createdMjd: now,
        updatedMjd: now,
      });
      guarded(this.conn, groupSpec.table, groupSpec.label, row, () =>
        this.conn.stmt(insertSql('ingest_groups', row, 'OR IGNORE')).run(row),
      );
      return this.requireGroup(g.id);
    });
  }

  getGroup(id: GroupId): IngestGroup | undefined {
    const row = this.conn.stmt(`${SELECT_GROUP} WHERE g.id = ?`).get(id) as Row | undefined;
    return row ? fromRow(this.conn, groupSpec, row) : undefined;
  }

  requireGroup(id: GroupId): IngestGroup {
    const g = this.getGroup(id);
    if (!g) throw notFound(this.conn, 'ingest group', `id=${id}`);
    return g;
  }

  listGroups(q: GroupQuery = {}): IngestGroup[] {
    const rows = this.conn
      .stmt(
        `${SELECT_GROUP}
      WHERE (@state IS NULL OR g.state = @state) AND (@from IS NULL OR g.start_mjd >= @from) AND (@to IS NULL OR g.start_mjd < @to)
      ORDER BY g.start_mjd LIMIT @limit`,
      )
      .all({
        state: q.state ?? null,
        from: q.fromMjd ?? null,
        to: q.toMjd ?? null,
        limit: q.limit ?? -1,
      }) as Row[];
    return rows.map((r) => fromRow(this.conn, groupSpec, r));
  }

  /**
   * Register a subband file in its (existing) group. A group with all expected subbands moves
   * from `collecting` to `pending`. Re-registering the same path updates size/mtime/checksum.
   */
  addFile(input: SubbandFile): IngestGroup {
    const f = validate(this.conn, SubbandFile, 'subband file', input);
    return this.conn.write(() => {
      const row = toRow(fileSpec, f);
      guarded(this.conn, fileSpec.table, fileSpec.label, row, () =>
        this.conn
          .stmt(
            `${insertSql('subband_files', row)}
        ON CONFLICT (path) DO UPDATE SET size_bytes = excluded.size_bytes, mtime_mjd = excluded.mtime_mjd,
          checksum_sha256 = excluded.checksum_sha256, fingerprint = COALESCE(excluded.fingerprint, fingerprint)`,
          )
          .run(row),
      );
      const now = nowMjd();
      this.conn
        .stmt(
          `UPDATE ingest_groups SET updated_mjd = @now,
          dec_deg = COALESCE(dec_deg, @dec),
          start_mjd = MIN(start_mjd, @start),
          state = CASE WHEN state = 'collecting' AND
            (SELECT COUNT(*) FROM subband_files WHERE group_id = @id) >= expected_subbands THEN 'pending' ELSE state END
        WHERE id = @id`,
        )
        .run({ now, dec: f.decDeg, start: f.startMjd, id: f.groupId });
      return this.requireGroup(f.groupId);
    });
  }

  /** A page of groups, newest first; start time in [startMjd, endMjd]. */
  pageGroups(
    q: PageInput & {
      states?: readonly IngestState[];
      decMinDeg?: number;
      decMaxDeg?: number;
      startMjd?: number;
      endMjd?: number;
    } = {},
  ): Page<IngestGroup> {
    const w = new Where()
      .in('g.state', q.states, 'states')
      .cmp('g.dec_deg', '>=', q.decMinDeg, 'decMin')
      .cmp('g.dec_deg', '<=', q.decMaxDeg, 'decMax')
      .cmp('g.start_mjd', '>=', q.startMjd, 'startMjd')
      .cmp('g.start_mjd', '<=', q.endMjd, 'endMjd');
    const p = selectPage(this.conn, SELECT_GROUP, 'ingest_groups g', w, 'g.start_mjd DESC, g.id DESC', q);
    return { ...p, items: p.items.map((r) => fromRow(this.conn, groupSpec, r)) };
  }

  /** The registered file with this identity (wherever it was seen), if any. */
  getFileByFingerprint(fingerprint: string): SubbandFile | undefined {
    const row = this.conn.stmt('SELECT * FROM subband_files WHERE fingerprint = ?').get(fingerprint) as Row | undefined;
    return row ? fromRow(this.conn, fileSpec, row) : undefined;
  }

  /** The same file found at a new path (the old one is gone): the row follows it. */
  moveFile(oldPath: string, newPath: string, sizeBytes: number, mtimeMjd: number): void {
    this.conn.write(() =>
      this.conn
        .stmt('UPDATE subband_files SET path = ?, size_bytes = ?, mtime_mjd = ? WHERE path = ?')
        .run(newPath, sizeBytes, mtimeMjd, oldPath),
    );
  }

  /** Forget a file row (its file is gone and the group was never converted from it). */
  removeFile(path: string): void {
    this.conn.write(() => this.conn.stmt('DELETE FROM subband_files WHERE path = ?').run(path));
  }

  /** Record (or refresh) a conflict: `path` claims a subband `registeredPath` already holds. */
  addConflict(c: Omit<IngestConflict, 'detectedMjd'>): IngestConflict {
    const v = validate(this.conn, IngestConflict, 'ingest conflict', { ...c, detectedMjd: nowMjd() });
    return this.conn.write(() => {
      const row = toRow(conflictSpec, v);
      this.conn
        .stmt(
          `${insertSql('ingest_conflicts', row)} ON CONFLICT (path) DO UPDATE SET group_id = excluded.group_id, subband = excluded.subband,
        fingerprint = excluded.fingerprint, registered_path = excluded.registered_path`,
        )
        .run(row);
      return v;
    });
  }

  removeConflict(path: string): void {
    this.conn.write(() => this.conn.stmt('DELETE FROM ingest_conflicts WHERE path = ?').run(path));
  }

  /** Unresolved conflicts, of one group or all. */
  conflicts(groupId?: GroupId): IngestConflict[] {
    const rows = (
      groupId === undefined
        ? this.conn.stmt('SELECT * FROM ingest_conflicts ORDER BY group_id, subband, path').all()
        : this.conn.stmt('SELECT * FROM ingest_conflicts WHERE group_id = ? ORDER BY subband, path').all(groupId)
    ) as Row[];
    return rows.map((r) => fromRow(this.conn, conflictSpec, r));
  }

  /** Every registered file (for the doctor). */
  allFiles(): SubbandFile[] {
    return (this.conn.stmt('SELECT * FROM subband_files ORDER BY path').all() as Row[]).map((r) =>
      fromRow(this.conn, fileSpec, r),
    );
  }

  /** Groups without any file (left by an interrupted index of an older version). */
  emptyGroups(): IngestGroup[] {
    const rows = this.conn
      .stmt(
        `${SELECT_GROUP} WHERE NOT EXISTS (SELECT 1 FROM subband_files f WHERE f.group_id = g.id) ORDER BY g.start_mjd`,
      )
      .all() as Row[];
    return rows.map((r) => fromRow(this.conn, groupSpec, r));
  }

  /** Delete an empty group (a group with files is refused). */
  removeEmptyGroup(id: GroupId): boolean {
    return this.conn.write(
      () =>
        this.conn
          .stmt(
            'DELETE FROM ingest_groups WHERE id = ? AND NOT EXISTS (SELECT 1 FROM subband_files WHERE group_id = ?)',
          )
          .run(id, id).changes > 0,
    );
  }

  /**
   * Groups starting in [startMjd, endMjd) counted per declination strip (round(dec / width)) and
   * time bin, in SQL over the (start_mjd, dec_deg, state) index: groups, converted ones
   * (`completed`) and incomplete ones (`collecting`). Strip null: declination unknown.
   */
  coverage(q: {
    startMjd: number;
    endMjd: number;
    bins: number;
    stripWidthDeg: number;
  }): { strip: number | null; bin: number; groups: number; converted: number; incomplete: number }[] {
    const binWidth = (q.endMjd - q.startMjd) / q.bins;
    return this.conn
      .stmt(
        `SELECT CAST(round(dec_deg / @w) AS INTEGER) AS strip,
        MIN(CAST((start_mjd - @start) / @bw AS INTEGER), @last) AS bin,
        COUNT(*) AS groups, SUM(state = 'completed') AS converted, SUM(state = 'collecting') AS incomplete
      FROM ingest_groups
      WHERE start_mjd >= @start AND start_mjd < @end
      GROUP BY strip, bin ORDER BY strip, bin`,
      )
      .all({
        w: q.stripWidthDeg,
        start: q.startMjd,
        end: q.endMjd,
        bw: binWidth,
        last: q.bins - 1,
      }) as { strip: number | null; bin: number; groups: number; converted: number; incomplete: number }[];
  }

  getFile(path: string): SubbandFile | undefined {
    const row = this.conn.stmt('SELECT * FROM subband_files WHERE path = ?').get(path) as Row | undefined;
    return row ? fromRow(this.conn, fileSpec, row) : undefined;
  }

  /** The group's files in subband order (sb00, the highest frequency, first). */
  filesOfGroup(id: GroupId): SubbandFile[] {
    const rows = this.conn.stmt('SELECT * FROM subband_files WHERE group_id = ? ORDER BY subband').all(id) as Row[];
    return rows.map((r) => fromRow(this.conn, fileSpec, r));
  }

  /**
   * Move a group to a new state. Entering `in_progress` counts an attempt; `failed` records
   * the error; any other state clears it.
   */
  setGroupState(id: GroupId, state: IngestState, opts: { error?: string; endMjd?: number } = {}): IngestGroup {
    const s = validate(this.conn, IngestState, `state of ingest group ${id}`, state);
    return this.conn.write(() => {
      const r = this.conn
        .stmt(
          `UPDATE ingest_groups SET state = @state, updated_mjd = @now,
          attempts = attempts + (CASE WHEN @state = 'in_progress' THEN 1 ELSE 0 END),
          last_error = CASE WHEN @state = 'failed' THEN @error ELSE NULL END,
          end_mjd = COALESCE(@end, end_mjd)
        WHERE id = @id`,
        )
        .run({ state: s, now: nowMjd(), error: opts.error ?? 'unknown error', end: opts.endMjd ?? null, id });
      if (r.changes === 0) throw notFound(this.conn, 'ingest group', `id=${id}`);
      return this.requireGroup(id);
    });
  }

  /** Atomically take the oldest `pending` group and mark it `in_progress` (one taker wins). */
  claimNextPending(): IngestGroup | undefined {
    return this.conn.write(() => {
      const row = this.conn
        .stmt("SELECT id FROM ingest_groups WHERE state = 'pending' ORDER BY start_mjd LIMIT 1")
        .get() as { id: string } | undefined;
      return row ? this.setGroupState(row.id, 'in_progress') : undefined;
    });
  }
}
