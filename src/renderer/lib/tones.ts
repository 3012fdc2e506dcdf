// Badge colours per status, so "failed" looks the same in every table.
import type { IngestState, JobState, MsStatus, ProductStatus, StageState } from '../../shared/model';
import type { Tone } from '../components/common';

export const JOB_TONES: Readonly<Record<JobState, Tone>> = {
  queued: 'neutral',
  running: 'info',
  succeeded: 'good',
  failed: 'bad',
  cancelled: 'warn',
};
export const STAGE_TONES: Readonly<Record<StageState, Tone>> = {
  pending: 'neutral',
  running: 'info',
  succeeded: 'good',
  skipped: 'neutral',
  failed: 'bad',
  cancelled: 'warn',
};
export const INGEST_TONES: Readonly<Record<IngestState, Tone>> = {
  collecting: 'neutral',
  pending: 'info',
  in_progress: 'info',
  completed: 'good',
  failed: 'bad',
};
export const MS_TONES: Readonly<Record<MsStatus, Tone>> = {
  converting: 'info',
  converted: 'neutral',
  calibrated: 'info',
  imaged: 'good',
  failed: 'bad',
};
export const PRODUCT_TONES: Readonly<Record<ProductStatus, Tone>> = {
  staging: 'neutral',
  qa_passed: 'good',
  qa_failed: 'bad',
  approved: 'good',
  rejected: 'warn',
  published: 'info',
};
