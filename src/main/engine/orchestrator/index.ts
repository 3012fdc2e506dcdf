// The mosaic orchestrator: plans (centred on a transit, next window, time range) recorded in the
// database with the job that executes each, so the same request resumes the same job.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobConflictError, silentLogger, type StageInstance } from '../jobs';
import type { Job } from '../../../shared/model/jobs';
import type { MosaicPlan } from '../../../shared/model/qa';
import { MOSAIC_JOB, MosaicJobParams, type OrchestratorEngine } from './job';
import { MosaicPlanDoc, PlanError } from './plan';
import { syncPlanWithJob } from './plan-status';

export { MOSAIC_JOB, MosaicJobParams, jobGraph, registerMosaicJob, type OrchestratorEngine } from './job';
export { planStatusOf, syncPlanWithJob } from './plan-status';
export { PUBLISH_JOB, QA_JOB, registerProductJobs } from './product-jobs';
export {
  MosaicPlanDoc,
  PlanError,
  calibratorForDec,
  coveringMosaic,
  dataDeclination,
  describePlan,
  mosaicName,
  planCentered,
  planNext,
  planRange,
  type PlanEngine,
  type PlanOptions,
  type PlannedGroup,
} from './plan';

export interface RunEngine extends OrchestratorEngine {
  submit(kind: string, params: unknown): string;
  run(jobId: string, options?: { retry?: boolean }): Promise<Job>;
}

/** Is `dir` inside the staging root (so the mosaic can be registered and published)? */
export function insideStaging(engine: Pick<OrchestratorEngine, 'paths'>, dir: string): boolean {
  const rel = path.relative(path.resolve(engine.paths.staging), path.resolve(dir));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Store a new plan (status planned), or return the stored one of that name unchanged. */
export function recordPlan(
  engine: OrchestratorEngine,
  plan: MosaicPlanDoc,
  params: Record<string, unknown>,
): { record: MosaicPlan; created: boolean } {
  // Look and insert in one write transaction: concurrent requests of one plan store it once.
  return engine.db.transaction(() => {
    const existing = engine.db.qa.getPlan(plan.name);
    if (existing) return { record: existing, created: false };
    return {
      record: engine.db.qa.insertPlan({ name: plan.name, params: params as MosaicPlan['params'], plan }),
      created: true,
    };
  });
}

/** The stored plan of a name, parsed; a clear error when it is missing or unreadable. */
export function storedPlan(engine: OrchestratorEngine, name: string): { record: MosaicPlan; plan: MosaicPlanDoc } {
  const record = engine.db.qa.getPlan(name);
  if (!record) {
    const known = engine.db.qa.listPlans().map((p) => p.name);
    throw new PlanError(
      `no mosaic plan named ${name}${known.length ? ` (plans: ${known.slice(-10).join(', ')})` : ' (make one with `dsa110 mosaic plan`)'}`,
    );
  }
  const parsed = MosaicPlanDoc.safeParse(record.plan);
  if (!parsed.success)
    throw new PlanError(
      `${engine.db.file}: mosaic plan ${name} is not a valid plan: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  return { record, plan: parsed.data };
}

export interface StartResult {
  plan: MosaicPlanDoc;
  jobId: string;
  /** `new`: submitted now; `resume`: the plan's unfinished job; `done`: its job already succeeded. */
  state: 'new' | 'resume' | 'done';
}

/**
 * The job for a plan: the stored plan's job when it has one (resumed unless it succeeded; a
 * failed or cancelled one is retried), else a new job submitted with the stored plan.
 */
export function jobForPlan(
  engine: RunEngine,
  plan: MosaicPlanDoc,
  opts: { autoPublish: boolean; publishAttempts?: number; register?: boolean },
): StartResult {
  // One write transaction: of several processes asking for one plan at once, one submits its job
  // and the others get that job.
  return engine.db.transaction(() => jobForPlanLocked(engine, plan, opts));
}

function jobForPlanLocked(
  engine: RunEngine,
  plan: MosaicPlanDoc,
  opts: { autoPublish: boolean; publishAttempts?: number; register?: boolean },
): StartResult {
  const { record } = recordPlan(engine, plan, { autoPublish: opts.autoPublish });
  const stored = MosaicPlanDoc.parse(record.plan);
  if (record.jobId) {
    const job = engine.db.jobs.get(record.jobId);
    if (job) return { plan: stored, jobId: job.id, state: job.state === 'succeeded' ? 'done' : 'resume' };
  }
  const params: MosaicJobParams = {
    plan: stored,
    autoPublish: opts.autoPublish,
    register: opts.register ?? insideStaging(engine, stored.outputDir),
    ...(opts.publishAttempts ? { publishAttempts: opts.publishAttempts } : {}),
  };
  const jobId = engine.submit(MOSAIC_JOB, params);
  engine.db.qa.updatePlan(stored.name, { jobId, status: 'building' });
  return { plan: stored, jobId, state: 'new' };
}

/** Run (or resume) a plan's job to its end and record the outcome on the plan. */
export async function runPlanJob(
  engine: RunEngine,
  start: StartResult,
  opts: { retry?: boolean; onWait?: (message: string) => void } = {},
): Promise<Job> {
  let job: Job;
  let told = false;
  for (;;) {
    try {
      job = await engine.run(start.jobId, { retry: opts.retry ?? true });
      break;
    } catch (err) {
      // Another process runs this plan's job: wait for it, then take its outcome (or the rest).
      if (!(err instanceof JobConflictError)) throw err;
      if (!told) opts.onWait?.(`${err.message}; waiting for it`);
      told = true;
      await sleep(500);
    }
  }
  syncPlanWithJob(engine, job);
  return job;
}

/**
 * Which stages of a graph would run and which are already done (their outputs exist and verify),
 * asked of the stages themselves without running or changing anything (`--dry-run`).
 */
export async function previewStages(
  engine: OrchestratorEngine,
  stages: StageInstance[],
): Promise<{ inst: StageInstance; done: boolean; error: string | null }[]> {
  const out: { inst: StageInstance; done: boolean; error: string | null }[] = [];
  for (const inst of stages) {
    try {
      const stage = engine.registry.stage(inst.stage);
      const params = engine.registry.parseStageParams('dry run', inst);
      const ctx = {
        jobId: 'dry-run',
        stageId: inst.id,
        params,
        workspace: path.join(engine.paths.root, 'jobs', 'dry-run'),
        deps: {},
        attempt: 0,
        log: silentLogger,
        progress: () => undefined,
        signal: new AbortController().signal,
        config: engine.config,
      };
      out.push({ inst, done: (await stage.verify(ctx)) !== null, error: null });
    } catch (err) {
      out.push({ inst, done: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}
