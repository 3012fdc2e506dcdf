// The pipeline's stages and job kinds (convert, calibrate, image, mosaic), registered on an engine's job
// registry when it opens, so that any job in the database can be resumed by any process.
import { registerConvert } from './convert';
import { registerCalibrate } from './calibration/stage';
import { registerImage } from './imaging';
import { registerMosaicJob } from './orchestrator/job';
import { syncPlanWithJob } from './orchestrator/plan-status';
import { registerProductJobs } from './orchestrator/product-jobs';
import { registerPhotometry } from './photometry/stage';
import type { JobListener } from './jobs';
import { registerStreamJob } from './stream/job';

/** What the stages and job kinds need of the engine they register on (an Engine has all of it). */
export type PipelineEngine = Parameters<typeof registerConvert>[0] &
  Parameters<typeof registerCalibrate>[0] &
  Parameters<typeof registerImage>[0] &
  Parameters<typeof registerMosaicJob>[0] & { onJobEvent(listener: JobListener): () => void };

export function registerPipeline(engine: PipelineEngine): void {
  registerConvert(engine);
  registerCalibrate(engine);
  registerImage(engine);
  registerMosaicJob(engine);
  registerProductJobs(engine);
  registerPhotometry(engine);
  registerStreamJob(engine);
  // A mosaic plan follows its job whoever moves it (a run, a resume, a cancel from any process).
  engine.onJobEvent((e) => {
    if (e.type === 'job') syncPlanWithJob(engine, e.job);
  });
}
