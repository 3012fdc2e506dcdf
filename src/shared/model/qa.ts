// Quality assessment results, mosaic tile validations and batch mosaic plans.
import { z } from 'zod';
import { DecDeg, JsonObject, Mjd, RowId } from './common';
import { MosaicMethod } from './images';
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
  checks: z.array(
    z.object({
      check: z.string().min(1),
      ok: z.boolean(),
      message: z.string(),
      imageIds: z.array(RowId),
    }),
  ),
  createdMjd: Mjd,
});
export type MosaicValidation = z.infer<typeof MosaicValidation>;

export const NewMosaicValidation = MosaicValidation.omit({ id: true, createdMjd: true });
export type NewMosaicValidation = z.infer<typeof NewMosaicValidation>;

export const PLAN_STATUSES = ['planned', 'building', 'built', 'failed'] as const;
export const PlanStatus = z.enum(PLAN_STATUSES);
export type PlanStatus = z.infer<typeof PlanStatus>;

/** One 5-minute group of a mosaic plan: its MS (to convert, or converted) and its images' prefix. */
export const PlannedGroup = z.object({
  groupId: z.string().min(1),
  /** Start of the group, MJD (UTC). */
  startMjd: Mjd,
  /** Pointing declination of the group, degrees (null: unknown until converted). */
  decDeg: DecDeg.nullable(),
  msPath: z.string().min(1),
  /** Does the MS exist (complete) now, or must the group be converted first? */
  converted: z.boolean(),
  /** Output prefix of the group's images (PREFIX-image.fits, -pb.fits, ...). */
  imagePrefix: z.string().min(1),
});
export type PlannedGroup = z.infer<typeof PlannedGroup>;

/**
 * A mosaic plan document (`dsa110 mosaic plan`): which groups form the mosaic window (centred on
 * a calibrator transit, the next window of a declination strip, or a time range), how they are
 * calibrated, and what is missing. Plain JSON: stored in mosaic_plans.plan_json, printed, and the
 * `mosaic` job's parameters, so a killed run resumes from exactly the same plan.
 */
export const MosaicPlanDoc = z.object({
  version: z.literal(1),
  /** Also the product id and directory name: no '.', which would read as an extension. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_+-]{0,199}$/, 'expected [A-Za-z0-9_+-] (no dots), at most 200 characters'),
  mode: z.enum(['centered', 'next', 'range']),
  calibrator: z.string().nullable(),
  /** The calibrator's transit, MJD (UTC), for a centred plan. */
  transitMjd: Mjd.nullable(),
  /** The window [startMjd, endMjd), MJD (UTC). */
  window: z.object({ startMjd: Mjd, endMjd: Mjd }),
  /** Declination of the strip, degrees. */
  decDeg: DecDeg,
  groups: z.array(PlannedGroup).min(1),
  calibration: z.object({
    /** `solve`: on `solveGroupId`'s MS with `calibrator`; `reuse`: valid registered tables cover the window. */
    mode: z.enum(['solve', 'reuse']),
    solveGroupId: z.string().nullable(),
    solveMsPath: z.string().nullable(),
    tableIds: z.array(z.number().int()),
  }),
  method: MosaicMethod,
  tier: QaTier,
  /** Reference catalog for QA cross-matching (null: QA without catalog checks). */
  catalog: z.string().nullable(),
  outputDir: z.string().min(1),
  asymmetric: z.boolean(),
  /** Human-readable facts: asymmetric window, gaps, groups left out and why. */
  notes: z.array(z.string()),
  /** Groups of the window that cannot be used (incomplete raw data), with the reason; times MJD (UTC). */
  missing: z.array(z.object({ groupId: z.string().nullable(), startMjd: Mjd, endMjd: Mjd, reason: z.string() })),
});
export type MosaicPlanDoc = z.infer<typeof MosaicPlanDoc>;

/** A recorded batch mosaic plan (`dsa110 mosaic plan`), executed by `dsa110 mosaic build --name`. */
export const MosaicPlan = z.object({
  id: RowId,
  name: z.string().min(1),
  params: JsonObject,
  plan: MosaicPlanDoc,
  status: PlanStatus,
  jobId: z.string().nullable(),
  mosaicId: RowId.nullable(),
  createdMjd: Mjd,
  updatedMjd: Mjd,
});
export type MosaicPlan = z.infer<typeof MosaicPlan>;

export const NewMosaicPlan = MosaicPlan.omit({ id: true, createdMjd: true, updatedMjd: true }).partial({
  status: true,
  jobId: true,
  mosaicId: true,
});
export type NewMosaicPlan = z.infer<typeof NewMosaicPlan>;
