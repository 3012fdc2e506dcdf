// Repository for jobs, their stage runs and their persisted log lines.
import { z } from 'zod';
import { JsonObject, nowMjd } from '../../../../shared/model/common';
import { Job, JobLogLine, JobState, LogLevel, LOG_LEVELS, StageId, StageRun } from '../../../../shared/model/jobs';
import type { Connection } from '../connection';
import { DbError } from '../errors';
import { selectPage, Where, type Page, type PageInput } from '../page';
import { fromRow, guarded, insertSql, notFound, toRow, updateSql, validate, type Row, type TableSpec } from '../table';

const jobSpec: TableSpec<Job> = {
  table: 'jobs',
  label: 'job',
  schema: Job,
  columns: {
    id: 'id',
    kind: 'kind',
    params: { col: 'params_json', json: true },
    state: 'state',
    progress: 'progress',
    message: 'message',
    createdMjd: 'created_mjd',
    startedMjd: 'started_mjd',
    finishedMjd: 'finished_mjd',
    error: 'error',
  },
};
const stageSpec: TableSpec<StageRun> = {
  table: 'stage_runs',
  label: 'stage run',
  schema: StageRun,
  columns: {
    jobId: 'job_id',
    stageId: 'stage_id',
    stageName: 'stage_name',
    deps: { col: 'deps_json', json: true },
    state: 'state',
    attempt: 'attempt',
    params: { col: 'params_json', json: true },
    outputs: { col: 'outputs_json', json: true },
    startedMjd: 'started_mjd',
    finishedMjd: 'finished_mjd',
    durationS: 'duration_s',
    error: 'error',
    pid: 'pid',
  },
};
const logSpec: TableSpec<JobLogLine> = {
  table: 'job_logs',
  label: 'job log line',
  schema: JobLogLine,
  columns: {
    id: 'id',
    jobId: 'job_id',
    stageId: 'stage_id',
    level: 'level',
    timeMjd: 'time_mjd',
    message: 'message',
    data: { col: 'data_json', json: true },
  },
};

export const NewStageRun = StageRun.pick({ stageId: true, stageName: true, deps: true, params: true });
export type NewStageRun = z.infer<typeof NewStageRun>;
export const NewJob = Job.pick({ id: true, kind: true, params: true }).extend({ stages: z.array(NewStageRun) });
export type NewJob = z.infer<typeof NewJob>;
export const JobPatch = Job.pick({
  state: true,
  progress: true,
  message: true,
  startedMjd: true,
  finishedMjd: true,
  error: true,
}).partial();
export type JobPatch = z.infer<typeof JobPatch>;
export const StageRunPatch = StageRun.pick({
  state: true,
  attempt: true,
  outputs: true,
  startedMjd: true,
  finishedMjd: true,
  durationS: true,
  error: true,
  pid: true,
}).partial();
export type StageRunPatch = z.infer<typeof StageRunPatch>;
export const NewLogLine = JobLogLine.omit({ id: true }).partial({ stageId: true, data: true, timeMjd: true });
export type NewLogLine = z.infer<typeof NewLogLine>;

/** What a job was submitted with, stored beside it and never changed: resume and retry use it. */
export const JobFrozen = z.object({
  request: z.object({ type: z.string().min(1), params: JsonObject }).nullable(),
  config: JsonObject.nullable(),
  idempotencyKey: z.string().min(1).max(200).nullable(),
});
export type JobFrozen = z.infer<typeof JobFrozen>;

function parseJsonColumn(conn: Connection, what: string, text: unknown): JsonObject | null {
  if (text === null || text === undefined) return null;
  try {
    return JsonObject.parse(JSON.parse(String(text)));
  } catch (err) {
    throw new DbError(
      `${conn.file}: ${what} is not a JSON object: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export interface LogPageQuery {
  afterId?: number;
  beforeId?: number;
  stageId?: StageId;
  minLevel?: LogLevel;
  levels?: readonly LogLevel[];
  tail?: boolean;
  limit?: number;
}

export class JobsRepo {
  constructor(private readonly conn: Connection) {}

  /**
   * Create a job `queued` with all its stage runs `pending`, in one transaction, with what it was
   * submitted with (`frozen`). With an idempotency key that a job already holds, nothing is
   * written and that job is returned with `created: false` (checked inside the write lock, so two
   * processes submitting the same key create one job).
   */
  createFrozen(input: NewJob, frozen: JobFrozen): { job: Job; created: boolean } {
    const f = validate(this.conn, JobFrozen, 'frozen job parameters', frozen);
    return this.conn.write(() => {
      if (f.idempotencyKey !== null) {
        const existing = this.getByIdempotencyKey(f.idempotencyKey);
        if (existing) return { job: existing, created: false };
      }
      const job = this.create(input);
      this.conn
        .stmt('UPDATE jobs SET request_json = @request, config_json = @config, idempotency_key = @key WHERE id = @id')
        .run({
          id: job.id,
          request: f.request === null ? null : JSON.stringify(f.request),
          config: f.config === null ? null : JSON.stringify(f.config),
          key: f.idempotencyKey,
        });
      return { job, created: true };
    });
  }

  /** The job holding this idempotency key, if any. */
  getByIdempotencyKey(key: string): Job | undefined {
    const row = this.conn.stmt('SELECT * FROM jobs WHERE idempotency_key = ?').get(key) as Row | undefined;
    return row ? fromRow(this.conn, jobSpec, row) : undefined;
  }

  /** What the job was submitted with; nulls for jobs created before the job API (or without it). */
  frozen(id: string): JobFrozen {
    const row = this.conn.stmt('SELECT request_json, config_json, idempotency_key FROM jobs WHERE id = ?').get(id) as
      | { request_json: string | null; config_json: string | null; idempotency_key: string | null }
      | undefined;
    if (!row) throw notFound(this.conn, jobSpec.label, `id=${id}`);
    const request = parseJsonColumn(this.conn, `job ${id}: request_json`, row.request_json);
    return {
      request:
        request &&
        typeof request.type === 'string' &&
        typeof request.params === 'object' &&
        request.params !== null &&
        !Array.isArray(request.params)
          ? { type: request.type, params: request.params }
          : null,
      config: parseJsonColumn(this.conn, `job ${id}: config_json`, row.config_json),
      idempotencyKey: row.idempotency_key,
    };
  }

  /** Create a job `queued` with all its stage runs `pending`, in one transaction. */
  create(input: NewJob): Job {
    const j = validate(this.conn, NewJob, 'job', input);
    return this.conn.write(() => {
      const row = toRow(jobSpec, {
        id: j.id,
        kind: j.kind,
        params: j.params,
        state: 'queued',
        progress: 0,
        createdMjd: nowMjd(),
      });
      guarded(this.conn, jobSpec.table, jobSpec.label, row, () =>
        this.conn.stmt(insertSql(jobSpec.table, row)).run(row),
      );
      for (const s of j.stages) {
        const srow = toRow(stageSpec, { ...s, jobId: j.id, state: 'pending', attempt: 0 });
        guarded(this.conn, stageSpec.table, stageSpec.label, srow, () =>
          this.conn.stmt(insertSql(stageSpec.table, srow)).run(srow),
        );
      }
      return this.require(j.id);
    });
  }

  get(id: string): Job | undefined {
    const row = this.conn.stmt('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(this.conn, jobSpec, row) : undefined;
  }

  require(id: string): Job {
    const j = this.get(id);
    if (!j) throw notFound(this.conn, jobSpec.label, `id=${id}`);
    return j;
  }

  /** Jobs, newest first. */
  list(q: { state?: JobState; kind?: string; limit?: number } = {}): Job[] {
    const rows = this.conn
      .stmt(
        `SELECT * FROM jobs WHERE (@state IS NULL OR state = @state) AND (@kind IS NULL OR kind = @kind)
      ORDER BY created_mjd DESC, id LIMIT @limit`,
      )
      .all({ state: q.state ?? null, kind: q.kind ?? null, limit: q.limit ?? -1 }) as Row[];
    return rows.map((r) => fromRow(this.conn, jobSpec, r));
  }

  /** A page of jobs, newest first. */
  page(q: PageInput & { states?: readonly JobState[]; kind?: string } = {}): Page<Job> {
    const w = new Where().in('state', q.states, 'states').eq('kind', q.kind, 'kind');
    const p = selectPage(this.conn, 'SELECT * FROM jobs', 'jobs', w, 'created_mjd DESC, id DESC', q);
    return { ...p, items: p.items.map((r) => fromRow(this.conn, jobSpec, r)) };
  }

  update(id: string, patch: JobPatch): Job {
    const p = validate(this.conn, JobPatch, `update of job ${id}`, patch);
    return this.conn.write(() => {
      const row = { ...toRow(jobSpec, p), id };
      if (Object.keys(row).length > 1) {
        const r = guarded(this.conn, jobSpec.table, jobSpec.label, row, () =>
          this.conn.stmt(updateSql(jobSpec.table, row, ['id'])).run(row),
        );
        if (r.changes === 0) throw notFound(this.conn, jobSpec.label, `id=${id}`);
      }
      return this.require(id);
    });
  }

  /** The job's stage runs in insertion (graph declaration) order. */
  stageRuns(jobId: string): StageRun[] {
    const rows = this.conn.stmt('SELECT * FROM stage_runs WHERE job_id = ? ORDER BY rowid').all(jobId) as Row[];
    return rows.map((r) => fromRow(this.conn, stageSpec, r));
  }

  getStageRun(jobId: string, stageId: string): StageRun | undefined {
    const row = this.conn.stmt('SELECT * FROM stage_runs WHERE job_id = ? AND stage_id = ?').get(jobId, stageId) as
      | Row
      | undefined;
    return row ? fromRow(this.conn, stageSpec, row) : undefined;
  }

  requireStageRun(jobId: string, stageId: string): StageRun {
    const s = this.getStageRun(jobId, stageId);
    if (!s) throw notFound(this.conn, stageSpec.label, `job_id=${jobId} stage_id=${stageId}`);
    return s;
  }

  updateStageRun(jobId: string, stageId: string, patch: StageRunPatch): StageRun {
    const p = validate(this.conn, StageRunPatch, `update of stage run ${jobId}/${stageId}`, patch);
    return this.conn.write(() => {
      const row = { ...toRow(stageSpec, p), job_id: jobId, stage_id: stageId };
      if (Object.keys(row).length > 2) {
        const r = guarded(this.conn, stageSpec.table, stageSpec.label, row, () =>
          this.conn.stmt(updateSql(stageSpec.table, row, ['job_id', 'stage_id'])).run(row),
        );
        if (r.changes === 0) throw notFound(this.conn, stageSpec.label, `job_id=${jobId} stage_id=${stageId}`);
      }
      return this.requireStageRun(jobId, stageId);
    });
  }

  /**
   * Claim a `pending` stage for this process: `running`, attempt + 1, last result cleared.
   * Throws when the stage is not pending, so two processes can never run the same stage.
   */
  startStageRun(jobId: string, stageId: string, pid: number): StageRun {
    return this.conn.write(() => {
      const r = this.conn
        .stmt(
          `UPDATE stage_runs SET state = 'running', attempt = attempt + 1, started_mjd = @now,
          finished_mjd = NULL, duration_s = NULL, error = NULL, outputs_json = NULL, pid = @pid
        WHERE job_id = @job AND stage_id = @stage AND state = 'pending'`,
        )
        .run({ now: nowMjd(), pid, job: jobId, stage: stageId });
      if (r.changes === 0) {
        const cur = this.requireStageRun(jobId, stageId);
        throw new DbError(
          `${this.conn.file}: stage run ${jobId}/${stageId} is ${cur.state}${cur.pid ? ` (pid ${cur.pid})` : ''}, expected pending; is another process running this job?`,
        );
      }
      return this.requireStageRun(jobId, stageId);
    });
  }

  /**
   * Take over the stage runs of a job left `running` by processes that are gone (for cleanup
   * and re-run): their pid becomes `pid`. Throws if a live process other than `pid` owns one.
   */
  adoptInterrupted(jobId: string, pid: number, isAlive: (pid: number) => boolean): StageRun[] {
    return this.conn.write(() => {
      const running = this.stageRuns(jobId).filter((s) => s.state === 'running');
      for (const s of running) {
        if (s.pid !== null && s.pid !== pid && isAlive(s.pid)) {
          throw new DbError(
            `${this.conn.file}: job ${jobId}: stage ${s.stageId} is being run by process ${s.pid}, which is alive; cancel or wait for it`,
          );
        }
      }
      for (const s of running)
        this.conn.stmt('UPDATE stage_runs SET pid = ? WHERE job_id = ? AND stage_id = ?').run(pid, jobId, s.stageId);
      return running.map((s) => ({ ...s, pid }));
    });
  }

  /** Durations (s) of recent successful stage runs by stage name, newest first, at most `perStage` each. */
  recentStageDurations(perStage = 50): Map<string, number[]> {
    const rows = this.conn
      .stmt(
        `SELECT stage_name, duration_s FROM (
        SELECT stage_name, duration_s, ROW_NUMBER() OVER (PARTITION BY stage_name ORDER BY finished_mjd DESC) AS k
        FROM stage_runs WHERE state = 'succeeded' AND duration_s IS NOT NULL)
      WHERE k <= @n`,
      )
      .all({ n: perStage }) as { stage_name: string; duration_s: number }[];
    const out = new Map<string, number[]>();
    for (const r of rows) {
      const list = out.get(r.stage_name) ?? [];
      list.push(r.duration_s);
      out.set(r.stage_name, list);
    }
    return out;
  }

  appendLog(input: NewLogLine): JobLogLine {
    const l = validate(this.conn, NewLogLine, 'job log line', input);
    return this.conn.write(() => {
      const row = toRow(logSpec, { stageId: null, data: null, timeMjd: nowMjd(), ...l });
      const r = guarded(this.conn, logSpec.table, logSpec.label, row, () =>
        this.conn.stmt(insertSql(logSpec.table, row)).run(row),
      );
      return { id: Number(r.lastInsertRowid), stageId: null, data: null, timeMjd: row.time_mjd as number, ...l };
    });
  }

  /** Log lines of a job in order; `afterId` pages/tails, `minLevel` filters. */
  logs(
    jobId: string,
    q: { afterId?: number; stageId?: StageId; minLevel?: LogLevel; limit?: number } = {},
  ): JobLogLine[] {
    const levels = LOG_LEVELS.slice(LOG_LEVELS.indexOf(q.minLevel ?? 'debug'));
    const rows = this.conn
      .stmt(
        `SELECT * FROM job_logs WHERE job_id = @job AND id > @after AND (@stage IS NULL OR stage_id = @stage)
        AND level IN (SELECT value FROM json_each(@levels)) ORDER BY id LIMIT @limit`,
      )
      .all({
        job: jobId,
        after: q.afterId ?? 0,
        stage: q.stageId ?? null,
        levels: JSON.stringify(levels),
        limit: q.limit ?? -1,
      }) as Row[];
    return rows.map((r) => fromRow(this.conn, logSpec, r));
  }

  /**
   * Like `logs`, with a page size and whether more lines follow (for tailing in pages). `levels`
   * filters exactly (instead of `minLevel`), `beforeId` pages backwards, `tail` takes the newest
   * `limit` lines (returned oldest first); `total` counts every line matching stage and level.
   */
  logsPage(jobId: string, q: LogPageQuery = {}): { items: JobLogLine[]; hasMore: boolean; total: number } {
    const limit = Math.max(1, Math.floor(q.limit ?? 500));
    const levels = q.levels ?? LOG_LEVELS.slice(LOG_LEVELS.indexOf(q.minLevel ?? 'debug'));
    const where = `job_id = @job AND (@stage IS NULL OR stage_id = @stage) AND level IN (SELECT value FROM json_each(@levels))`;
    const base = { job: jobId, stage: q.stageId ?? null, levels: JSON.stringify(levels) };
    return this.conn.read(() => {
      const total = (this.conn.stmt(`SELECT COUNT(*) AS n FROM job_logs WHERE ${where}`).get(base) as { n: number }).n;
      const newestFirst = q.tail === true || q.beforeId !== undefined;
      const rows = this.conn
        .stmt(
          `SELECT * FROM job_logs WHERE ${where} AND id > @after AND id < @before
          ORDER BY id ${newestFirst ? 'DESC' : 'ASC'} LIMIT @limit`,
        )
        .all({
          ...base,
          after: q.afterId ?? 0,
          before: q.beforeId ?? Number.MAX_SAFE_INTEGER,
          limit: limit + 1,
        }) as Row[];
      const page = rows.slice(0, limit).map((r) => fromRow(this.conn, logSpec, r));
      if (newestFirst) page.reverse();
      return { items: page, hasMore: rows.length > limit, total };
    });
  }
}
