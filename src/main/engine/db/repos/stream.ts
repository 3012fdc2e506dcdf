// Repository of the streaming daemon's state: the group queue (stream_groups), the files the
// watcher refused (stream_rejects), the daemon's heartbeat (stream_daemon) and its mosaic
// windows (stream_windows). Every method is one write transaction; callers compose several
// in `Database.transaction` so a transition and its outputs commit together.
import { nowMjd } from '../../../../shared/model/common';
import { StreamGroup, type StreamState } from '../../../../shared/model/stream';
import type { Connection } from '../connection';
import { notFound, validate, type Row } from '../table';

export interface StreamReject {
  path: string;
  reason: string;
  sizeBytes: number | null;
  mtimeMs: number | null;
  seenMjd: number;
}

export interface StreamDaemonState {
  pid: number;
  host: string;
  inputDir: string;
  startedMjd: number;
  heartbeatMjd: number;
  stoppedMjd: number | null;
  paused: boolean;
  pauseReason: string | null;
  freeBytes: number | null;
  options: Record<string, unknown>;
}

export interface StreamWindow {
  name: string;
  decDeg: number;
  startMjd: number;
  groups: string[];
  state: 'pending' | 'in_progress' | 'completed' | 'failed';
  jobId: string | null;
  outcome: string | null;
  lastError: string | null;
  createdMjd: number;
  updatedMjd: number;
}

export type StreamGroupPatch = Partial<Omit<StreamGroup, 'groupId' | 'firstArrivalMjd' | 'updatedMjd'>>;

const COLUMNS: Record<keyof StreamGroupPatch, string> = {
  state: 'state',
  attempts: 'attempts',
  nextAttemptMjd: 'next_attempt_mjd',
  lastError: 'last_error',
  note: 'note',
  jobId: 'job_id',
  msPath: 'ms_path',
  imagePath: 'image_path',
  lastArrivalMjd: 'last_arrival_mjd',
  startedMjd: 'started_mjd',
  finishedMjd: 'finished_mjd',
};

function toGroup(conn: Connection, r: Row): StreamGroup {
  return validate(conn, StreamGroup, 'stream group', {
    groupId: r.group_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptMjd: r.next_attempt_mjd,
    lastError: r.last_error,
    note: r.note,
    jobId: r.job_id,
    msPath: r.ms_path,
    imagePath: r.image_path,
    firstArrivalMjd: r.first_arrival_mjd,
    lastArrivalMjd: r.last_arrival_mjd,
    startedMjd: r.started_mjd,
    finishedMjd: r.finished_mjd,
    updatedMjd: r.updated_mjd,
  });
}

function toWindow(r: Row): StreamWindow {
  return {
    name: String(r.name),
    decDeg: Number(r.dec_deg),
    startMjd: Number(r.start_mjd),
    groups: JSON.parse(String(r.groups_json)) as string[],
    state: r.state as StreamWindow['state'],
    jobId: (r.job_id as string | null) ?? null,
    outcome: (r.outcome as string | null) ?? null,
    lastError: (r.last_error as string | null) ?? null,
    createdMjd: Number(r.created_mjd),
    updatedMjd: Number(r.updated_mjd),
  };
}

export class StreamRepo {
  constructor(private readonly conn: Connection) {}

  get(groupId: string): StreamGroup | undefined {
    const r = this.conn.stmt('SELECT * FROM stream_groups WHERE group_id = ?').get(groupId) as Row | undefined;
    return r ? toGroup(this.conn, r) : undefined;
  }

  require(groupId: string): StreamGroup {
    const g = this.get(groupId);
    if (!g) throw notFound(this.conn, 'stream group', `group_id=${groupId}`);
    return g;
  }

  /** A file of the group arrived: the group enters the queue (collecting) or its latest arrival moves. */
  arrived(groupId: string, atMjd = nowMjd()): StreamGroup {
    return this.conn.write(() => {
      this.conn
        .stmt(
          `INSERT INTO stream_groups (group_id, state, first_arrival_mjd, last_arrival_mjd, updated_mjd)
           VALUES (@id, 'collecting', @at, @at, @at)
           ON CONFLICT (group_id) DO UPDATE SET last_arrival_mjd = MAX(last_arrival_mjd, @at), updated_mjd = @at`,
        )
        .run({ id: groupId, at: atMjd });
      return this.require(groupId);
    });
  }

  update(groupId: string, patch: StreamGroupPatch): StreamGroup {
    return this.conn.write(() => {
      const sets: string[] = ['updated_mjd = @updated'];
      const values: Row = { id: groupId, updated: nowMjd() };
      for (const [k, col] of Object.entries(COLUMNS)) {
        const v = patch[k as keyof StreamGroupPatch];
        if (v === undefined) continue;
        sets.push(`${col} = @${k}`);
        values[k] = v;
      }
      const r = this.conn.stmt(`UPDATE stream_groups SET ${sets.join(', ')} WHERE group_id = @id`).run(values);
      if (r.changes === 0) throw notFound(this.conn, 'stream group', `group_id=${groupId}`);
      return this.require(groupId);
    });
  }

  /** Groups in a state (all when omitted), oldest observation first. */
  list(q: { states?: readonly StreamState[]; limit?: number } = {}): StreamGroup[] {
    const states = q.states ?? null;
    const rows = this.conn
      .stmt(
        `SELECT s.* FROM stream_groups s JOIN ingest_groups g ON g.id = s.group_id
         WHERE (@all = 1 OR s.state IN (SELECT value FROM json_each(@states)))
         ORDER BY g.start_mjd, g.id LIMIT @limit`,
      )
      .all({ all: states === null ? 1 : 0, states: JSON.stringify(states ?? []), limit: q.limit ?? -1 }) as Row[];
    return rows.map((r) => toGroup(this.conn, r));
  }

  /** The next group a worker may take: pending (or a partial one let through), due, oldest observation first. */
  nextDue(states: readonly StreamState[], atMjd = nowMjd()): StreamGroup | undefined {
    const r = this.conn
      .stmt(
        `SELECT s.* FROM stream_groups s JOIN ingest_groups g ON g.id = s.group_id
         WHERE s.state IN (SELECT value FROM json_each(@states)) AND (s.next_attempt_mjd IS NULL OR s.next_attempt_mjd <= @at)
         ORDER BY g.start_mjd, g.id LIMIT 1`,
      )
      .get({ states: JSON.stringify(states), at: atMjd }) as Row | undefined;
    return r ? toGroup(this.conn, r) : undefined;
  }

  counts(): Record<StreamState, number> {
    const out: Record<StreamState, number> = {
      collecting: 0,
      pending: 0,
      in_progress: 0,
      completed: 0,
      failed: 0,
      partial: 0,
    };
    for (const r of this.conn.stmt('SELECT state, COUNT(*) AS n FROM stream_groups GROUP BY state').all() as {
      state: StreamState;
      n: number;
    }[])
      out[r.state] = r.n;
    return out;
  }

  /** Completed groups: seconds from the last file's arrival to the image registered, oldest first. */
  latenciesS(limit = 10000): { groupId: string; latencyS: number; finishedMjd: number }[] {
    return (
      this.conn
        .stmt(
          `SELECT group_id, (finished_mjd - last_arrival_mjd) * 86400 AS latency_s, finished_mjd FROM stream_groups
           WHERE state = 'completed' AND finished_mjd IS NOT NULL ORDER BY finished_mjd DESC LIMIT ?`,
        )
        .all(limit) as { group_id: string; latency_s: number; finished_mjd: number }[]
    )
      .map((r) => ({ groupId: r.group_id, latencyS: Math.max(0, r.latency_s), finishedMjd: r.finished_mjd }))
      .reverse();
  }

  /** Total attempts over all groups (retries show as attempts beyond one per group). */
  attemptsTotal(): number {
    return (this.conn.stmt('SELECT COALESCE(SUM(attempts), 0) AS n FROM stream_groups').get() as { n: number }).n;
  }

  // ---------------------------------------------------------------- refused files

  reject(path: string, reason: string, sizeBytes: number | null, mtimeMs: number | null): void {
    this.conn.write(() =>
      this.conn
        .stmt(
          `INSERT INTO stream_rejects (path, reason, size_bytes, mtime_ms, seen_mjd) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (path) DO UPDATE SET reason = excluded.reason, size_bytes = excluded.size_bytes,
             mtime_ms = excluded.mtime_ms, seen_mjd = excluded.seen_mjd`,
        )
        .run(path, reason, sizeBytes, mtimeMs, nowMjd()),
    );
  }

  unreject(path: string): void {
    this.conn.write(() => this.conn.stmt('DELETE FROM stream_rejects WHERE path = ?').run(path));
  }

  getReject(path: string): StreamReject | undefined {
    const r = this.conn.stmt('SELECT * FROM stream_rejects WHERE path = ?').get(path) as Row | undefined;
    return r ? this.toReject(r) : undefined;
  }

  rejects(limit = 1000): StreamReject[] {
    return (this.conn.stmt('SELECT * FROM stream_rejects ORDER BY seen_mjd DESC LIMIT ?').all(limit) as Row[]).map(
      (r) => this.toReject(r),
    );
  }

  rejectCount(): number {
    return (this.conn.stmt('SELECT COUNT(*) AS n FROM stream_rejects').get() as { n: number }).n;
  }

  private toReject(r: Row): StreamReject {
    return {
      path: String(r.path),
      reason: String(r.reason),
      sizeBytes: (r.size_bytes as number | null) ?? null,
      mtimeMs: (r.mtime_ms as number | null) ?? null,
      seenMjd: Number(r.seen_mjd),
    };
  }

  // ---------------------------------------------------------------- the daemon

  daemon(): StreamDaemonState | undefined {
    const r = this.conn.stmt('SELECT * FROM stream_daemon WHERE id = 1').get() as Row | undefined;
    if (!r) return undefined;
    return {
      pid: Number(r.pid),
      host: String(r.host),
      inputDir: String(r.input_dir),
      startedMjd: Number(r.started_mjd),
      heartbeatMjd: Number(r.heartbeat_mjd),
      stoppedMjd: (r.stopped_mjd as number | null) ?? null,
      paused: r.paused === 1,
      pauseReason: (r.pause_reason as string | null) ?? null,
      freeBytes: (r.free_bytes as number | null) ?? null,
      options: JSON.parse(String(r.options_json)) as Record<string, unknown>,
    };
  }

  daemonStarted(s: { pid: number; host: string; inputDir: string; options: Record<string, unknown> }): void {
    const now = nowMjd();
    this.conn.write(() =>
      this.conn
        .stmt(
          `INSERT INTO stream_daemon (id, pid, host, input_dir, started_mjd, heartbeat_mjd, stopped_mjd, paused, pause_reason, free_bytes, options_json)
           VALUES (1, @pid, @host, @dir, @now, @now, NULL, 0, NULL, NULL, @opts)
           ON CONFLICT (id) DO UPDATE SET pid = @pid, host = @host, input_dir = @dir, started_mjd = @now,
             heartbeat_mjd = @now, stopped_mjd = NULL, paused = 0, pause_reason = NULL, options_json = @opts`,
        )
        .run({ pid: s.pid, host: s.host, dir: s.inputDir, now, opts: JSON.stringify(s.options) }),
    );
  }

  heartbeat(s: { paused: boolean; pauseReason: string | null; freeBytes: number | null }): void {
    this.conn.write(() =>
      this.conn
        .stmt('UPDATE stream_daemon SET heartbeat_mjd = ?, paused = ?, pause_reason = ?, free_bytes = ? WHERE id = 1')
        .run(nowMjd(), s.paused ? 1 : 0, s.pauseReason, s.freeBytes),
    );
  }

  daemonStopped(): void {
    this.conn.write(() => this.conn.stmt('UPDATE stream_daemon SET stopped_mjd = ? WHERE id = 1').run(nowMjd()));
  }

  // ---------------------------------------------------------------- mosaic windows

  window(name: string): StreamWindow | undefined {
    const r = this.conn.stmt('SELECT * FROM stream_windows WHERE name = ?').get(name) as Row | undefined;
    return r ? toWindow(r) : undefined;
  }

  windows(): StreamWindow[] {
    return (this.conn.stmt('SELECT * FROM stream_windows ORDER BY start_mjd, name').all() as Row[]).map(toWindow);
  }

  /** Record a window once (a window of that name is kept as it is); returns the stored one. */
  addWindow(w: { name: string; decDeg: number; startMjd: number; groups: string[] }): StreamWindow {
    return this.conn.write(() => {
      const now = nowMjd();
      this.conn
        .stmt(
          `INSERT OR IGNORE INTO stream_windows (name, dec_deg, start_mjd, groups_json, state, created_mjd, updated_mjd)
           VALUES (?, ?, ?, ?, 'pending', ?, ?)`,
        )
        .run(w.name, w.decDeg, w.startMjd, JSON.stringify(w.groups), now, now);
      const stored = this.window(w.name);
      if (!stored) throw notFound(this.conn, 'stream window', `name=${w.name}`);
      return stored;
    });
  }

  updateWindow(
    name: string,
    patch: Partial<Pick<StreamWindow, 'state' | 'jobId' | 'outcome' | 'lastError'>>,
  ): StreamWindow {
    return this.conn.write(() => {
      const cur = this.window(name);
      if (!cur) throw notFound(this.conn, 'stream window', `name=${name}`);
      const next = { ...cur, ...patch };
      this.conn
        .stmt(
          'UPDATE stream_windows SET state = ?, job_id = ?, outcome = ?, last_error = ?, updated_mjd = ? WHERE name = ?',
        )
        .run(next.state, next.jobId, next.outcome, next.lastError, nowMjd(), name);
      return this.window(name) as StreamWindow;
    });
  }
}
