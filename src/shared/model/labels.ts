// Human-readable labels for the model's enums, shared by the UI and the CLI.
import type { IngestState } from './ingest';
import type { MsStatus } from './ms';
import type { CalTableKind, CalTableStatus } from './calibration';
import type { ImageKind, ImageTier, MosaicGroupStatus, MosaicMethod } from './images';
import type { ProductKind, ProductStatus } from './products';
import type { JobState, LogLevel, StageState } from './jobs';

export const INGEST_STATE_LABELS: Readonly<Record<IngestState, string>> = {
  collecting: 'Collecting subbands',
  pending: 'Ready to convert',
  in_progress: 'Converting',
  completed: 'Converted',
  failed: 'Failed',
};
export const MS_STATUS_LABELS: Readonly<Record<MsStatus, string>> = {
  converting: 'Converting',
  converted: 'Converted',
  calibrated: 'Calibrated',
  imaged: 'Imaged',
  failed: 'Failed',
};
export const CALTABLE_KIND_LABELS: Readonly<Record<CalTableKind, string>> = {
  K: 'Delay (K)',
  B: 'Bandpass (B)',
  G: 'Gain (G)',
  Gp: 'Phase-only gain (Gp)',
  Gap: 'Amplitude+phase gain (Gap)',
};
export const CALTABLE_STATUS_LABELS: Readonly<Record<CalTableStatus, string>> = {
  solving: 'Solving',
  valid: 'Valid',
  failed: 'Failed',
  superseded: 'Superseded',
};
export const IMAGE_KIND_LABELS: Readonly<Record<ImageKind, string>> = {
  dirty: 'Dirty',
  clean: 'Restored (clean)',
  residual: 'Residual',
  model: 'Model',
  psf: 'PSF',
  pb: 'Primary beam',
  pbcor: 'Primary-beam corrected',
};
export const IMAGE_TIER_LABELS: Readonly<Record<ImageTier, string>> = { quicklook: 'Quick-look', science: 'Science' };
export const MOSAIC_GROUP_STATUS_LABELS: Readonly<Record<MosaicGroupStatus, string>> = {
  forming: 'Forming',
  ready: 'Ready',
  in_progress: 'Mosaicking',
  completed: 'Completed',
  failed: 'Failed',
};
export const MOSAIC_METHOD_LABELS: Readonly<Record<MosaicMethod, string>> = {
  mean: 'Mean',
  weighted: 'Noise-weighted (1/σ²)',
  pbweighted: 'Primary-beam weighted',
};
export const PRODUCT_KIND_LABELS: Readonly<Record<ProductKind, string>> = {
  ms: 'Measurement set',
  caltable: 'Calibration table',
  image: 'Image',
  mosaic: 'Mosaic',
};
export const PRODUCT_STATUS_LABELS: Readonly<Record<ProductStatus, string>> = {
  staging: 'Staging',
  qa_passed: 'QA passed',
  qa_failed: 'QA failed',
  approved: 'Approved',
  rejected: 'Rejected',
  published: 'Published',
};
export const JOB_STATE_LABELS: Readonly<Record<JobState, string>> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
export const STAGE_STATE_LABELS: Readonly<Record<StageState, string>> = {
  pending: 'Pending',
  running: 'Running',
  succeeded: 'Succeeded',
  skipped: 'Skipped (up to date)',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
export const LOG_LEVEL_LABELS: Readonly<Record<LogLevel, string>> = {
  debug: 'Debug',
  info: 'Info',
  warn: 'Warning',
  error: 'Error',
};
