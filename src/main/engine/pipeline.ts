// The pipeline's stages and job kinds (convert, calibrate, image, mosaic), registered on an engine's job
// registry when it opens, so that any job in the database can be resumed by any process.
import { registerConvert } from './convert';
import { registerCalibrate } from './calibration/stage';
import { registerImage } from './imaging';
import type { Engine } from './engine';
import { registerMosaicJob } from './orchestrator/job';

export function registerPipeline(engine: Engine): void {
  registerConvert(engine);
  registerCalibrate(engine);
  registerImage(engine);
  registerMosaicJob(engine);
}
