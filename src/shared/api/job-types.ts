// The job types a client may submit (`jobs.submit`, `POST /api/jobs`) and the parameters of each:
// one strict schema per type, used by the API contract and by the CLI commands that build the
// same request from their flags, so a field means the same thing (and fails the same way) in both.
import { z } from 'zod';
import { parseIsoUtc } from '../astro/time';
import { DecDeg } from '../model/common';
import { MosaicMethod } from '../model/images';
import { GroupId } from '../model/ingest';
import { ProductId } from '../model/products';
import { QaTier } from '../model/qa';

/** An ISO 8601 UTC time ("2026-01-15T08:30:00", "...Z", "+HH:MM"), checked by the same parser as the CLI's. */
export const IsoTime = z
  .string()
  .min(4)
  .max(40)
  .superRefine((v, ctx) => {
    try {
      parseIsoUtc(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof Error ? e.message : String(e) });
    }
  });

/** A path given by a client: a file or directory the engine resolves (inside the workspace for the API). */
export const ClientPath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => !p.includes('\u0000'), 'must not contain a NUL character');

/** A mosaic / plan name: also the product id and directory name, so no dots. */
export const MosaicNameParam = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_+-]{0,199}$/,
    'expected [A-Za-z0-9_+-] (no dots: it is also the product id), at most 200 characters',
  );

/** Options every mosaic request shares (the CLI's --method, --tier, --catalog, --review). */
const mosaicCommon = {
  /** Combination method (default: config mosaic.method). */
  method: MosaicMethod.optional(),
  /** QA tier the mosaic is judged by. */
  tier: QaTier.default('science'),
  /** Reference catalog for the QA cross-match (a name in the sources table; default: config qa.catalog). */
  catalog: z.string().min(1).max(100).nullable().optional(),
  /** Leave a QA-passed mosaic for a reviewer instead of publishing it. */
  review: z.boolean().default(false),
};

/** `mosaic.centered`: a mosaic centred on a calibrator's earliest transit with data. */
export const MosaicCenteredParams = z
  .object({
    calibrator: z.string().trim().min(1).max(100),
    /** Window length around the transit, minutes (default: config mosaic.timespanMin). */
    timespanMin: z.number().gt(0).max(1440).optional(),
    ...mosaicCommon,
  })
  .strict();

/** `mosaic.next`: the earliest window of a declination strip with no mosaic yet. */
export const MosaicNextParams = z
  .object({
    /** Calibrator to solve on (default: the brightest beam-weighted one for the strip). */
    calibrator: z.string().trim().min(1).max(100).optional(),
    /** Declination strip (default: inferred from the data). */
    decDeg: DecDeg.optional(),
    ...mosaicCommon,
  })
  .strict();

/** `mosaic.range`: plan and build a mosaic of every group in a time range. */
export const MosaicRangeParams = z
  .object({
    name: MosaicNameParam,
    /** First group start, ISO 8601 UTC. */
    since: IsoTime,
    /** Groups starting before this, ISO 8601 UTC. */
    until: IsoTime,
    calibrator: z.string().trim().min(1).max(100).optional(),
    ...mosaicCommon,
  })
  .strict()
  .superRefine((v, ctx) => {
    let a: number;
    let b: number;
    try {
      a = parseIsoUtc(v.since);
      b = parseIsoUtc(v.until);
    } catch {
      return; // reported on the field itself
    }
    if (!(b > a))
      ctx.addIssue({ code: 'custom', path: ['until'], message: `until (${v.until}) must be after since (${v.since})` });
  });

/** `convert`: one 16-subband group into a Measurement Set. */
export const ConvertJobParams = z
  .object({
    groupId: GroupId,
    /** Directory the MS goes into (default: the workspace's ms folder). */
    outputDir: ClientPath.optional(),
    allowIncomplete: z.boolean().default(false),
    overwrite: z.boolean().default(false),
  })
  .strict();

/** `calibrate`: solve on a calibrator transit MS and/or apply valid solutions to an MS. */
export const CalibrateJobParamsApi = z
  .object({
    msPath: ClientPath,
    calibrator: z.string().trim().min(1).max(100).optional(),
    mode: z.enum(['solve', 'apply', 'both']).default('both'),
  })
  .strict();

/** `image`: one Measurement Set into PREFIX-*.fits (unset imaging fields come from the configuration, frozen at submission). */
export const ImageJobParamsApi = z
  .object({
    msPath: ClientPath,
    /** Output prefix (default: the workspace's images folder and the MS's name). */
    prefix: ClientPath.optional(),
    tier: z.enum(['quick', 'standard', 'deep']).default('standard'),
    size: z.number().int().min(16).max(32768).optional(),
    cellArcsec: z.number().positive().max(3600).optional(),
    weighting: z.enum(['briggs', 'natural', 'uniform']).optional(),
    robust: z.number().min(-2).max(2).optional(),
    niter: z.number().int().min(0).max(10_000_000).optional(),
    mgain: z.number().gt(0).max(1).optional(),
    autoThresholdSigma: z.number().positive().optional(),
    autoMaskSigma: z.number().min(0).optional(),
    column: z.enum(['DATA', 'CORRECTED_DATA']).default('DATA'),
    overwrite: z.boolean().default(false),
  })
  .strict();

/** `publish`: move a QA-passed (or approved) product into the products root (the registry's safe publish). */
export const PublishJobParams = z
  .object({
    productId: ProductId,
    /** Who publishes, recorded in the product's audit trail. */
    actor: z.string().trim().min(1).max(100).default('api'),
  })
  .strict();

/** `qa`: assess a registered product (image or mosaic) against a QA tier. */
export const QaJobParams = z
  .object({
    productId: ProductId,
    tier: QaTier.default('science'),
    catalog: z.string().min(1).max(100).optional(),
  })
  .strict();

/** Every submittable job type with its parameter schema. */
export const jobTypes = {
  'mosaic.centered': MosaicCenteredParams,
  'mosaic.next': MosaicNextParams,
  'mosaic.range': MosaicRangeParams,
  convert: ConvertJobParams,
  calibrate: CalibrateJobParamsApi,
  image: ImageJobParamsApi,
  publish: PublishJobParams,
  qa: QaJobParams,
} as const;
export type JobTypeName = keyof typeof jobTypes;
export const JOB_TYPE_NAMES = Object.keys(jobTypes) as JobTypeName[];
export const JobTypeNameSchema = z.enum(JOB_TYPE_NAMES as [JobTypeName, ...JobTypeName[]]);

export type JobTypeParams<T extends JobTypeName> = z.output<(typeof jobTypes)[T]>;

/** A client's key making a submission idempotent: the same key returns the same job. */
export const IdempotencyKey = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'expected 1-200 characters of [A-Za-z0-9._:-]');

const submitCommon = {
  /** Plan only: return what would run, write nothing. */
  dryRun: z.boolean().default(false),
  idempotencyKey: IdempotencyKey.optional(),
};

/** `jobs.submit` input: a discriminated union on `type`, so `params` is checked by that type's schema. */
export const JobSubmission = z.discriminatedUnion('type', [
  z.object({ type: z.literal('mosaic.centered'), params: MosaicCenteredParams, ...submitCommon }).strict(),
  z
    .object({
      type: z.literal('mosaic.next'),
      params: MosaicNextParams.default({ tier: 'science', review: false }),
      ...submitCommon,
    })
    .strict(),
  z.object({ type: z.literal('mosaic.range'), params: MosaicRangeParams, ...submitCommon }).strict(),
  z.object({ type: z.literal('convert'), params: ConvertJobParams, ...submitCommon }).strict(),
  z.object({ type: z.literal('calibrate'), params: CalibrateJobParamsApi, ...submitCommon }).strict(),
  z.object({ type: z.literal('image'), params: ImageJobParamsApi, ...submitCommon }).strict(),
  z.object({ type: z.literal('publish'), params: PublishJobParams, ...submitCommon }).strict(),
  z.object({ type: z.literal('qa'), params: QaJobParams, ...submitCommon }).strict(),
]);
export type JobSubmission = z.output<typeof JobSubmission>;
export type JobSubmissionInput = z.input<typeof JobSubmission>;
