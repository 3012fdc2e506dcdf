// A mosaic plan's status follows its job, whichever process moves the job and however (a run,
// `jobs resume`, a retry, a cancel from another process): queued or running -> building,
// succeeded -> built (with the mosaic), failed -> failed, cancelled -> planned (not built; asking
// for it again resumes the job).
import path from 'node:path';
import type { Job } from '../../../shared/model/jobs';
import type { PlanStatus } from '../../../shared/model/qa';
import type { Database } from '../db';
import { MosaicPlanDoc } from './plan';

export function planStatusOf(state: Job['state']): PlanStatus {
  switch (state) {
    case 'queued':
    case 'running':
      return 'building';
    case 'succeeded':
      return 'built';
    case 'failed':
      return 'failed';
    case 'cancelled':
      return 'planned';
  }
}

/** Bring the plan of `job` (if it builds one) in line with the job's state; returns the new status or null. */
export function syncPlanWithJob(engine: { db: Database }, job: Job): PlanStatus | null {
  const plan = engine.db.qa.planOfJob(job.id);
  if (!plan) return null;
  const status = planStatusOf(job.state);
  let mosaicId: number | undefined;
  if (status === 'built') {
    const doc = MosaicPlanDoc.safeParse(plan.plan);
    if (doc.success)
      mosaicId = engine.db.images.getMosaicByPath(path.join(doc.data.outputDir, `${doc.data.name}.fits`))?.id;
  }
  if (plan.status === status && (mosaicId === undefined || plan.mosaicId === mosaicId)) return status;
  engine.db.qa.updatePlan(plan.name, { status, ...(mosaicId !== undefined ? { mosaicId } : {}) });
  return status;
}
