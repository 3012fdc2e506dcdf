// Repository for jobs, their stage runs and their persisted log lines.
import { z } from 'zod';
import { nowMjd } from '../../../../shared/model/common';
import { Job, JobLogLine, JobState, LogLevel, LOG_LEVELS, StageId, StageRun } from '../../../../shared/model/jobs';
import type { Connection } from '../connection';
import { DbError } from '../errors';
import { selectPage, Where, type Page, type PageInput } from '../page';
import { fromRow, guarded, insertSql, notFound, toRow, updateSql, validate, type Row, type TableSpec } from '../table';

const jobSpec: TableSpec<Job> = {
  table: 'jobs', label: 'job', schema: Job,
  columns: {
    id: 'id', kind: 'kind', params: { col: 'params_json', json: true }, state: 'state', progress: 'progress',
    message: 'message', createdMjd: 'created_mjd', startedMjd: 'started_mjd', finishedMjd: 'finished_mjd', error: 'error',
  },
};
const stageSpec: TableSpec<StageRun> = {
  table: 'stage_runs', label: 'stage run', schema: StageRun,
  columns: {
    jobId: 'job_id', stageId: 'stage_id', stageName: 'stage_name', deps: { col: 'deps_json', json: true },
    state: 'state', attempt: 'attempt', params: { col: 'params_json', json: true },
    outputs: { col: 'outputs_json', json: true }, startedMjd: 'started_mjd', finishedMjd: 'finished_mjd',
    durationS: 'duration_s', error: 'error', pid: 'pid',
  },
};
const logSpec: TableSpec<JobLogLine> = {
  table: 'job_logs', label: 'job log line', schema: JobLogLine,
  columns: {
    id: 'id', jobId: 'job_id', stageId: 'stage_id', level: 'level', timeMjd: 'time_mjd', message: 'message',
    data: { col: 'data_json', json: true },
  },
};

export const NewStageRun = StageRun.pick({ stageId: true, stageName: true, deps: true, params: true });
export type NewStageRun = z.infer<typeof NewStageRun>;
export const NewJob = Job.pick({ id: true, kind: true, params: true }).extend({ stages: z.array(NewStageRun) });
export type NewJob = z.infer<typeof NewJob>;
export const JobPatch = Job.pick({ state: true, progress: true, message: true, startedMjd: true, finishedMjd: true, error: true }).partial();
export type JobPatch = z.infer<typeof JobPatch>;
export const StageRunPatch = StageRun.pick({
  state: true, attempt: true, outputs: true, startedMjd: true, finishedMjd: true, durationS: true, error: true, pid: true,
}).partial();
export type StageRunPatch = z.infer<typeof StageRunPatch>;
export const NewLogLine = JobLogLine.omit({ id: true }).partial({ stageId: true, data: true, timeMjd: true });
export type NewLogLine = z.infer<typeof NewLogLine>;

export class JobsRepo {
  constructor(private readonly conn: Connection) {}

  /** Create a job `queued` with all its stage runs `pending`, in one transaction. */
  create(input: NewJob): Job {
    const j = validate(this.conn, NewJob, 'job', input);
    return this.conn.write(() => {
      const row = toRow(jobSpec, { id: j.id, kind: j.kind, params: j.params, state: 'queued', progress: 0, createdMjd: nowMjd() });
      guarded(this.conn, jobSpec.table, jobSpec.label, row, () => this.conn.stmt(insertSql(jobSpec.table, row)).run(row));
      for (const s of j.stages) {
        const srow = toRow(stageSpec, { ...s, jobId: j.id, state: 'pending', attempt: 0 });
        guarded(this.conn, stageSpec.table, stageSpec.label, srow, () => this.conn.stmt(insertSql(stageSpec.table, srow)).run(srow));
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
    const rows = this.conn.stmt(`SELECT * FROM jobs WHERE (@state IS NULL OR state = @state) AND (@kind IS NULL OR kind = @kind)
      ORDER BY created_mjd DESC, id LIMIT @limit`).all({ state: q.state ?? null, kind: q.kind ?? null, limit: q.limit ?? -1 }) as Row[];
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
        const r = guarded(this.conn, jobSpec.table, jobSpec.label, row, () => this.conn.stmt(updateSql(jobSpec.table, row, ['id'])).run(row));
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
    const row = this.conn.stmt('SELECT * FROM stage_runs WHERE job_id = ? AND stage_id = ?').get(jobId, stageId) as Row | undefined;
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
          this.conn.stmt(updateSql(stageSpec.table, row, ['job_id', 'stage_id'])).run(row));
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
      const r = this.conn.stmt(`UPDATE stage_runs SET state = 'running', attempt = attempt + 1, started_mjd = @now,
          finished_mjd = NULL, duration_s = NULL, error = NULL, outputs_json = NULL, pid = @pid
        WHERE job_id = @job AND stage_id = @stage AND state = 'pending'`).run({ now: nowMjd(), pid, job: jobId, stage: stageId });
      if (r.changes === 0) {
        const cur = this.requireStageRun(jobId, stageId);
        throw new DbError(`${this.conn.file}: stage run ${jobId}/${stageId} is ${cur.state}${cur.pid ? ` (pid ${cur.pid})` : ''}, expected pending; is another process running this job?`);
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
          throw new DbError(`${this.conn.file}: job ${jobId}: stage ${s.stageId} is being run by process ${s.pid}, which is alive; cancel or wait for it`);
        }
      }
      for (const s of running) this.conn.stmt('UPDATE stage_runs SET pid = ? WHERE job_id = ? AND stage_id = ?').run(pid, jobId, s.stageId);
      return running.map((s) => ({ ...s, pid }));
    });
  }

  appendLog(input: NewLogLine): JobLogLine {
    const l = validate(this.conn, NewLogLine, 'job log line', input);
    return this.conn.write(() => {
      const row = toRow(logSpec, { stageId: null, data: null, timeMjd: nowMjd(), ...l });
      const r = guarded(this.conn, logSpec.table, logSpec.label, row, () => this.conn.stmt(insertSql(logSpec.table, row)).run(row));
      return { id: Number(r.lastInsertRowid), stageId: null, data: null, timeMjd: row.time_mjd as number, ...l };
    });
  }

  /** Log lines of a job in order; `afterId` pages/tails, `minLevel` filters. */
  logs(jobId: string, q: { afterId?: number; stageId?: StageId; minLevel?: LogLevel; limit?: number } = {}): JobLogLine[] {
    const levels = LOG_LEVELS.slice(LOG_LEVELS.indexOf(q.minLevel ?? 'debug'));
    const rows = this.conn.stmt(`SELECT * FROM job_logs WHERE job_id = @job AND id > @after AND (@stage IS NULL OR stage_id = @stage)
        AND level IN (SELECT value FROM json_each(@levels)) ORDER BY id LIMIT @limit`)
      .all({ job: jobId, after: q.afterId ?? 0, stage: q.stageId ?? null, levels: JSON.stringify(levels), limit: q.limit ?? -1 }) as Row[];
    return rows.map((r) => fromRow(this.conn, logSpec, r));
  }

  /** Like `logs`, with a page size and whether more lines follow (for tailing in pages). */
  logsPage(jobId: string, q: { afterId?: number; stageId?: StageId; minLevel?: LogLevel; limit?: number } = {}): { items: JobLogLine[]; hasMore: boolean } {
    const limit = Math.max(1, Math.floor(q.limit ?? 500));
    const rows = this.logs(jobId, { ...q, limit: limit + 1 });
    return { items: rows.slice(0, limit), hasMore: rows.length > limit };
  }
}
