// Imaging: Stokes I visibilities, weighting, the gridder, CLEAN, restoring and primary beams,
// FITS products, and the image stage.
export { Gridder } from './gridder';
export { readImagingVisibilities } from './visibilities';
export type { DataColumn, ImagingVisibilities } from './visibilities';
export { imagingWeights, paddedSize } from './weighting';
export type { WeightingMode, WeightingOptions, WeightingResult } from './weighting';
export { cleanImage } from './clean';
export type { CleanInput, CleanOptions, CleanResult, MajorCycleRecord } from './clean';
export { beamKernel, fitRestoringBeam, restore } from './restore';
export type { RestoringBeam } from './restore';
export { pbCorrect, primaryBeamImage } from './primary-beam';
export { peak, rms, robustRms } from './stats';
export { IMAGE_PRODUCTS, imageMeasurementSet } from './pipeline';
export type { ImageProduct, ImagingOutput, ImagingParams, ImagingRun, ImagingSummary } from './pipeline';
export {
  IMAGE_KIND,
  IMAGE_STAGE,
  IMAGING_TIERS,
  ImageJobParams,
  imageStage,
  productPaths,
  recordImages,
  registerImage,
  resolveImagingParams,
  stageResult,
  tierParams,
} from './stage';
export type { ImageStageResult, ImagingTier } from './stage';
