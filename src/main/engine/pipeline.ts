// The pipeline's stages and job kinds (convert, calibrate, image, mosaic), registered on an engine's job
// registry when it opens, so that any job in the database can be resumed by any process.
import { registerConvert } from './convert';
import { registerCalibrate } from './calibration/stage';
import { registerImage } from './imaging';
import { registerMosaicJob } from './orchestrator/job';

/** What the stages and job kinds need of the engine they register on (an Engine has all of it). */
export type PipelineEngine = Parameters<typeof registerConvert>[0] & Parameters<typeof registerCalibrate>[0]
  & Parameters<typeof registerImage>[0] & Parameters<typeof registerMosaicJob>[0];

export function registerPipeline(engine: PipelineEngine): void {
  registerConvert(engine);
  registerCalibrate(engine);
  registerImage(engine);
  registerMosaicJob(engine);
}
