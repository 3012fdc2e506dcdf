// Mosaics: reprojection of 5-minute images onto a common SIN grid (native, tile by tile),
// combination (mean, weighted, pbweighted) with noise and weight maps, tile validation, FITS
// outputs with provenance and a PNG preview. The orchestrator (issue 8) calls this API.
export {
  buildMosaic,
  type MosaicBuildRequest,
  type MosaicBuildResult,
  type MosaicEngine,
  type MosaicLog,
} from './build';
export { validateTiles, MosaicValidationError, type MosaicValidationReport } from './validation';
export { selectImages } from './select';
export { inspectTiles, siblingProduct, isoToMjd, type TileInfo } from './tiles';
export { runChecks, DEFAULT_LIMITS, type ValidationCheck, type ValidationLimits } from './validate';
export { mosaicGrid, footprint, MAX_RADIUS_DEG, type MosaicGrid } from './grid';
export { FitsRowReader, FitsRowWriter } from './fits-rows';
export { renderPreview } from './preview';
export type { MosaicMethod } from '../../../shared/model';
