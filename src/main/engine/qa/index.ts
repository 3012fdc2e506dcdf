// Quality assessment of images and mosaics: source finding, catalog checks, tiered verdicts, and
// the product lifecycle step that records them (runQa).
export { assessImageData, assessImageFile, type AssessOptions, type Assessment } from './assess';
export { evaluate, worst, type CheckInputs, type TierLimits } from './checks';
export {
  catalogInField,
  catalogMetrics,
  crossMatch,
  fieldCircle,
  type CatalogMatch,
  type CatalogMetrics,
} from './crossmatch';
export { findSources, type BeamShape, type FindSourcesOptions, type FoundSource } from './sources';
export { runQa, QaError, type QaEngine, type QaRunResult, type RunQaOptions } from './run';
