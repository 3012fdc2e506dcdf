// Quality assessment results, mosaic tile validations and batch mosaic plans.
import { z } from 'zod';
import { JsonObject, Mjd, RowId } from './common';
import { ProductId } from './products';

/** quicklook: loose limits for fast checks; science: the publication tier; deep: long integrations. */
export const QA_TIERS = ['quicklook', 'science', 'deep'] as const;
export const QaTier = z.enum(QA_TIERS);
export type QaTier = z.infer<typeof QaTier>;

export const QA_VERDICTS = ['pass', 'warn', 'fail'] as const;
export const QaVerdict = z.enum(QA_VERDICTS);
export type QaVerdict = z.infer<typeof QaVerdict>;

export const QA_SUBJECTS = ['image', 'mosaic'] as const;
export const QaSubject = z.enum(QA_SUBJECTS);
export type QaSubject = z.infer<typeof QaSubject>;

/** One reason behind a verdict: which check, its measured value, the limit, and the severity. */
export const QaReason = z.object({
  check: z.string().min(1),
  severity: QaVerdict,
  message: z.string().min(1),
  value: z.number().nullable(),
  limit: z.number().nullable(),
});
export type QaReason = z.infer<typeof QaReason>;

export const QaResult = z.object({
  id: RowId,
  subject: QaSubject,
  /** images.id or mosaics.id, by `subject`. */
  subjectId: RowId,
  productId: ProductId.nullable(),
  tier: QaTier,
  verdict: QaVerdict,
  metrics: JsonObject,
  reasons: z.array(QaReason),
  createdMjd: Mjd,
});
export type QaResult = z.infer<typeof QaResult>;

export const NewQaResult = QaResult.omit({ id: true, createdMjd: true }).partial({ productId: true });
export type NewQaResult = z.infer<typeof NewQaResult>;

/** The stored outcome of validating a mosaic group's tiles before combining them. */
export const MosaicValidation = z.object({
  id: RowId,
  groupId: RowId,
  ok: z.boolean(),
  /** Each check: name, ok, message, and the offending image ids. */
  checks: z.array(z.object({
    check: z.string().min(1),
    ok: z.boolean(),
    message: z.string(),
    imageIds: z.array(RowId),
  })),
  createdMjd: Mjd,
});
export type MosaicValidation = z.infer<typeof MosaicValidation>;

export const NewMosaicValidation = MosaicValidation.omit({ id: true, createdMjd: true });
export type NewMosaicValidation = z.infer<typeof NewMosaicValidation>;

export const PLAN_STATUSES = ['planned', 'building', 'built', 'failed'] as const;
export const PlanStatus = z.enum(PLAN_STATUSES);
export type PlanStatus = z.infer<typeof PlanStatus>;

/** A recorded batch mosaic plan (`dsa110 mosaic plan`), executed by `dsa110 mosaic build --name`. */
export const MosaicPlan = z.object({
  id: RowId,
  name: z.string().min(1),
  params: JsonObject,
  plan: JsonObject,
  status: PlanStatus,
  jobId: z.string().nullable(),
  mosaicId: RowId.nullable(),
  createdMjd: Mjd,
  updatedMjd: Mjd,
});
export type MosaicPlan = z.infer<typeof MosaicPlan>;

export const NewMosaicPlan = MosaicPlan.omit({ id: true, createdMjd: true, updatedMjd: true }).partial({
  status: true, jobId: true, mosaicId: true,
});
export type NewMosaicPlan = z.infer<typeof NewMosaicPlan>;
