// Jobs: one page of the job list, the selected job with its stage runs and log tail, kept live
// by the engine's job.* events.
import { create } from 'zustand';
import type { Job, JobLogLine, JobState, StageRun } from '../../shared/model';
import { api, errorMessage } from '../api';

export const JOBS_PAGE_SIZE = 50;
/** The log pane keeps the newest lines only; the full log stays in the database. */
export const MAX_LOG_LINES_SHOWN = 1000;

interface JobDetail {
  job: Job;
  stages: StageRun[];
  logs: JobLogLine[];
}

interface JobsState {
  items: Job[];
  total: number;
  offset: number;
  states: JobState[];
  loading: boolean;
  error: string | null;
  selectedId: string | null;
  detail: JobDetail | null;
  detailError: string | null;
  /** Latest progress message per running job (from job.progress). */
  progressMessage: Record<string, string>;
  load(offset?: number): Promise<void>;
  setStates(states: JobState[]): Promise<void>;
  select(id: string | null): Promise<void>;
  cancel(id: string): Promise<void>;
  applyJob(job: Job): void;
  applyProgress(jobId: string, progress: number, message: string | null): void;
  applyStage(stage: StageRun): void;
  applyLog(line: JobLogLine): void;
}

function upsertStage(stages: StageRun[], stage: StageRun): StageRun[] {
  const i = stages.findIndex((s) => s.stageId === stage.stageId);
  if (i < 0) return [...stages, stage];
  const next = stages.slice();
  next[i] = stage;
  return next;
}

export const useJobs = create<JobsState>()((set, get) => ({
  items: [],
  total: 0,
  offset: 0,
  states: [],
  loading: false,
  error: null,
  selectedId: null,
  detail: null,
  detailError: null,
  progressMessage: {},

  async load(offset = get().offset) {
    set({ loading: true });
    try {
      const { states } = get();
      const page = await api['jobs.list']({ limit: JOBS_PAGE_SIZE, offset, ...(states.length ? { states } : {}) });
      set({ items: page.items, total: page.total, offset: page.offset, loading: false, error: null });
    } catch (e) {
      set({ loading: false, error: errorMessage(e) });
    }
  },

  async setStates(states) {
    set({ states, offset: 0 });
    await get().load(0);
  },

  async select(id) {
    set({ selectedId: id, detail: null, detailError: null });
    if (id === null) return;
    try {
      const [{ job, stages }, logs] = await Promise.all([
        api['jobs.get']({ id }),
        api['jobs.logs']({ jobId: id, limit: MAX_LOG_LINES_SHOWN }),
      ]);
      if (get().selectedId === id) set({ detail: { job, stages, logs: logs.items } });
    } catch (e) {
      if (get().selectedId === id) set({ detailError: errorMessage(e) });
    }
  },

  async cancel(id) {
    try {
      const { job } = await api['jobs.cancel']({ id, reason: 'cancelled from the desktop app' });
      get().applyJob(job);
    } catch (e) {
      set({ error: errorMessage(e) });
    }
  },

  applyJob(job) {
    const { items, offset, states, detail, total } = get();
    const matches = states.length === 0 || states.includes(job.state);
    const i = items.findIndex((j) => j.id === job.id);
    let next = items;
    let nextTotal = total;
    if (i >= 0) {
      next = matches ? items.map((j) => (j.id === job.id ? job : j)) : items.filter((j) => j.id !== job.id);
    } else if (matches && offset === 0) {
      // A new job: newest first, so it belongs at the top of the first page.
      next = [job, ...items].slice(0, JOBS_PAGE_SIZE);
      nextTotal = total + 1;
    }
    set({ items: next, total: nextTotal, ...(detail?.job.id === job.id ? { detail: { ...detail, job } } : {}) });
  },

  applyProgress(jobId, progress, message) {
    const { items, detail, progressMessage } = get();
    set({
      items: items.map((j) => (j.id === jobId ? { ...j, progress } : j)),
      ...(detail?.job.id === jobId ? { detail: { ...detail, job: { ...detail.job, progress } } } : {}),
      ...(message !== null ? { progressMessage: { ...progressMessage, [jobId]: message } } : {}),
    });
  },

  applyStage(stage) {
    const { detail } = get();
    if (detail?.job.id !== stage.jobId) return;
    set({ detail: { ...detail, stages: upsertStage(detail.stages, stage) } });
  },

  applyLog(line) {
    const { detail } = get();
    if (detail?.job.id !== line.jobId) return;
    const logs = [...detail.logs, line];
    set({ detail: { ...detail, logs: logs.length > MAX_LOG_LINES_SHOWN ? logs.slice(-MAX_LOG_LINES_SHOWN) : logs } });
  },
}));
