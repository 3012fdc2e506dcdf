// CLI actions as jobs: a command submits its registry job (parameters resolved from its flags,
// configuration frozen with it) and runs it here with a progress bar, so every action has a job
// row, a log and a resumable state. A job of the same request left interrupted by a killed
// process is resumed instead of starting over.
import type { JsonObject } from '../../../shared/model/common';
import type { Job } from '../../../shared/model/jobs';
import type { Engine } from '../../engine/engine';
import { isAlive, JobConflictError } from '../../engine/jobs';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { followJob } from '../progress';

export interface JobRun {
  job: Job;
  /** Stage id -> the outputs it recorded. */
  outputs: Map<string, JsonObject | null>;
  /** True when an interrupted job of the same request was resumed. */
  resumed: boolean;
}

/**
 * An unfinished job of this kind and params killed inside a stage: a stage left `running` by a
 * process that is gone, and no stage run by a live one. (A job between two stages of a live
 * process has no running stage and is never taken.)
 */
function interruptedTwin(engine: Engine, kind: string, params: JsonObject): Job | undefined {
  const want = JSON.stringify(engine.registry.buildJob(kind, params).params);
  const mine = (j: Job): boolean => JSON.stringify(j.params) === want && !engine.runner.isActive(j.id);
  // Killed inside a stage: still `running`, with a stage left running by a process that is gone.
  const killed = engine.db.jobs.list({ state: 'running', kind, limit: 50 }).find((j) => {
    if (!mine(j)) return false;
    const running = engine.db.jobs.stageRuns(j.id).filter((s) => s.state === 'running');
    return running.length > 0 && running.every((s) => s.pid !== null && s.pid !== process.pid && !isAlive(s.pid));
  });
  if (killed) return killed;
  // Stopped by SIGINT/SIGTERM: `queued` again after it had started, no stage run by a live process.
  return engine.db.jobs
    .list({ state: 'queued', kind, limit: 50 })
    .find(
      (j) =>
        j.startedMjd !== null &&
        mine(j) &&
        !engine.db.jobs
          .stageRuns(j.id)
          .some((s) => s.state === 'running' && s.pid !== null && s.pid !== process.pid && isAlive(s.pid)),
    );
}

/**
 * Submit `kind` with `params` (or resume an interrupted twin) and run it to its end here. A job
 * that does not succeed is a CliError naming the job, the failed stage's error and how to resume.
 */
export async function runJobHere(
  ctx: CliContext,
  engine: Engine,
  kind: string,
  params: JsonObject,
  opts: { label: string; request?: { type: string; params: JsonObject } },
): Promise<JobRun> {
  const twin = interruptedTwin(engine, kind, params);
  let job = twin ?? engine.runner.submitOnce(kind, params, opts.request ? { request: opts.request } : {}).job;
  if (twin) ctx.note(`${opts.label}: resuming job ${twin.id}, interrupted earlier (finished stages are not redone)`);
  const progress = ctx.progress(opts.label);
  const off = engine.onJobEvent((e) => followJob(progress, e, job.id));
  let done: Job;
  try {
    try {
      done = await engine.run(job.id, { retry: true });
    } catch (err) {
      // Another process took the interrupted job first: run this request as a job of its own.
      if (!(err instanceof JobConflictError) || !twin) throw err;
      job = engine.runner.submitOnce(kind, params, opts.request ? { request: opts.request } : {}).job;
      done = await engine.run(job.id, { retry: true });
    }
  } finally {
    off();
  }
  const stages = engine.db.jobs.stageRuns(done.id);
  if (done.state !== 'succeeded') {
    progress.fail();
    const failed = stages.find((s) => s.state === 'failed');
    const why = failed?.error ?? done.error ?? done.state;
    throw new CliError(`${opts.label}: ${why} (job ${done.id} ${done.state}; dsa110 jobs show ${done.id})`);
  }
  return { job: done, outputs: new Map(stages.map((s) => [s.stageId, s.outputs])), resumed: twin !== undefined };
}
