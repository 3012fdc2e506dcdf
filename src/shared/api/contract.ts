// The one description of the API between the engine (main process, later an HTTP server) and
// its clients: every request (input and output schema) and every pushed event (payload schema).
import { z } from 'zod';
import {
  Calibrator,
  DecDeg,
  Image,
  ImageKind,
  ImageTier,
  IngestGroup,
  IngestState,
  Job,
  JobId,
  JobLogLine,
  JobState,
  JsonObject,
  LogLevel,
  MeasurementSet,
  Mjd,
  MsStatus,
  NonNegInt,
  Product,
  ProductEvent,
  ProductId,
  ProductKind,
  ProductStatus,
  RowId,
  StageId,
  StageRun,
  Fraction,
  GroupId,
  JsonValue,
  MosaicMethod,
  PlanStatus,
  QaSubject,
  QaTier,
  QaVerdict,
} from '../model';
import type { EventName, RequestName } from './protocol';
import {
  IdempotencyKey,
  JobSubmission,
  JobTypeNameSchema,
  MosaicCenteredParams,
  MosaicNextParams,
  MosaicRangeParams,
} from './job-types';
import { timelineRequests } from './requests-timeline';

/** Largest page any list request returns; the UI paginates beyond it. */
export const MAX_PAGE_SIZE = 500;
/** Largest number of log lines one `jobs.logs` call returns. */
export const MAX_LOG_LINES = 2000;

const limit = (fallback: number, max: number = MAX_PAGE_SIZE) => z.number().int().min(1).max(max).default(fallback);
const pageInput = { limit: limit(100), offset: NonNegInt.default(0) };

/** A page of a list: `total` counts every row matching the filter, not just this page. */
function page<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), total: NonNegInt, offset: NonNegInt, limit: NonNegInt });
}

const Empty = z.object({}).strict();
/** Rejects a range whose minimum exceeds its maximum, naming the minimum field. */
function orderedRange(lo: string, hi: string) {
  return z.superRefine((v: Record<string, unknown>, ctx) => {
    const a = v[lo];
    const b = v[hi];
    if (typeof a === 'number' && typeof b === 'number' && a > b) {
      ctx.addIssue({ code: 'custom', path: [lo], message: `${lo} (${a}) must not exceed ${hi} (${b})` });
    }
  });
}

export const AppInfo = z.object({
  appName: z.string(),
  version: z.string(),
  /** `electron`, `node` (headless) or `http`. */
  runtime: z.enum(['electron', 'node', 'http']),
  platform: z.string(),
  /** Versions of node, electron, chrome, v8... as reported by the process. */
  versions: z.record(z.string(), z.string()),
  /** The workspace the engine works in (database, products, logs), absolute path. */
  workspace: z.string().nullable(),
  startedMjd: Mjd,
});
export type AppInfo = z.infer<typeof AppInfo>;

export const ConfigView = z.object({
  /** The file the configuration was read from, null when only defaults apply. */
  path: z.string().nullable(),
  /** The resolved configuration, as the engine's config schema produced it. */
  values: JsonObject,
  /** Dotted key (`imaging.niter`) -> where its value came from, in words ("the default", "config file ..."). */
  origins: z.record(z.string(), z.string()),
});
export type ConfigView = z.infer<typeof ConfigView>;

export const CalibratorMatch = z.object({
  calibrator: Calibrator,
  /** |calibrator Dec - search Dec|, degrees. */
  decOffsetDeg: z.number().min(0),
  /** Catalog 1.4 GHz flux times the primary-beam response at that offset (the selection weight), Jy. */
  beamWeightedFluxJy: z.number().min(0),
  /** The beam model used for the weight, e.g. `airy-4.65m`. */
  beamModel: z.string(),
  /** Next upper transit over DSA-110 after `afterMjd` (or now), MJD UTC. */
  nextTransitMjd: Mjd,
  /** For a name search: the catalog name or alias the query matched (null for a declination search). */
  matchedName: z.string().nullable().optional(),
});
export type CalibratorMatch = z.infer<typeof CalibratorMatch>;

/** What a job was submitted with, frozen: the request, the resolved configuration of its stages, the client's key. */
export const FrozenJob = z.object({
  /** The submitted request (`type` and validated `params`), null for jobs made before the job API. */
  request: z.object({ type: z.string(), params: JsonObject }).nullable(),
  /** The resolved engine configuration at submission; every stage of the job runs with it (resume and retry too). */
  config: JsonObject.nullable(),
  idempotencyKey: z.string().nullable(),
});
export type FrozenJob = z.infer<typeof FrozenJob>;

/** A stage of a job or of a dry-run plan, and whether its outputs already exist and verify. */
export const PlannedStage = z.object({
  id: StageId,
  stage: z.string(),
  deps: z.array(StageId),
  params: JsonObject,
  /** Outputs exist and verify: the stage would be skipped. */
  done: z.boolean(),
  /** Why the stage cannot be checked (e.g. its input MS does not exist yet), null when checked. */
  note: z.string().nullable(),
});
export type PlannedStage = z.infer<typeof PlannedStage>;

/** Expected run time from the workspace's recent stage timings (median per stage kind). */
export const RunEstimate = z.object({
  /** Seconds for the stages still to run; null when no stage of a needed kind has ever run here. */
  totalS: z.number().min(0).nullable(),
  /** Stage name -> { count of stages to run, median seconds per stage (null: no history), runs the median is from }. */
  byStage: z.record(
    z.string(),
    z.object({ count: NonNegInt, medianS: z.number().min(0).nullable(), samples: NonNegInt }),
  ),
});
export type RunEstimate = z.infer<typeof RunEstimate>;

/** A mosaic plan as the UI and scripts see it (dry run: nothing is written). */
export const MosaicPlanView = z.object({
  name: z.string(),
  mode: z.enum(['centered', 'next', 'range']),
  calibrator: z.string().nullable(),
  transitMjd: Mjd.nullable(),
  window: z.object({ startMjd: Mjd, endMjd: Mjd }),
  decDeg: z.number(),
  groups: z.array(
    z.object({
      groupId: z.string(),
      startMjd: Mjd,
      decDeg: z.number().nullable(),
      msPath: z.string(),
      /** The MS exists (already converted); otherwise the group's raw data are converted first. */
      converted: z.boolean(),
    }),
  ),
  /** Stretches of the window without usable raw data, with the reason. */
  missing: z.array(z.object({ groupId: z.string().nullable(), startMjd: Mjd, endMjd: Mjd, reason: z.string() })),
  calibration: z.object({
    /** `solve`: solved on the transit MS `solveMsPath`; `reuse`: registered tables `tableIds` are valid over the window. */
    mode: z.enum(['solve', 'reuse']),
    solveGroupId: z.string().nullable(),
    solveMsPath: z.string().nullable(),
    tableIds: z.array(z.number().int()),
  }),
  method: MosaicMethod,
  tier: QaTier,
  catalog: z.string().nullable(),
  /** The product name and the staging directory the mosaic is written to. */
  outputName: z.string(),
  outputDir: z.string(),
  asymmetric: z.boolean(),
  notes: z.array(z.string()),
  /** The plan of that name already recorded, with its job (asking again resumes that job). */
  existing: z.object({ status: PlanStatus, jobId: z.string().nullable(), jobState: JobState.nullable() }).nullable(),
  stages: z.array(PlannedStage),
  estimate: RunEstimate,
});
export type MosaicPlanView = z.infer<typeof MosaicPlanView>;

/** A dry run of `jobs.submit`: what would run, with which frozen configuration. Nothing is written. */
export const SubmitPreview = z.object({
  type: JobTypeNameSchema,
  /** The registry job kind the request becomes (`mosaic`, `convert`, ...). */
  kind: z.string(),
  /** The job's parameters as they would be stored. */
  params: JsonObject,
  stages: z.array(PlannedStage),
  config: JsonObject,
  mosaic: MosaicPlanView.nullable(),
  estimate: RunEstimate,
});
export type SubmitPreview = z.infer<typeof SubmitPreview>;

/** Where a job stands, small enough to poll. */
export const JobStatus = z.object({
  id: JobId,
  kind: z.string(),
  state: JobState,
  progress: Fraction,
  message: z.string().nullable(),
  error: z.string().nullable(),
  stagesTotal: NonNegInt,
  stagesDone: NonNegInt,
  stagesFailed: NonNegInt,
  /** Stage ids running now. */
  running: z.array(StageId),
  /** The process running the job and whether it is alive (a dead owner: the job was interrupted; resume it). */
  owner: z.object({ pid: z.number().int().min(1), alive: z.boolean() }).nullable(),
  interrupted: z.boolean(),
  createdMjd: Mjd,
  startedMjd: Mjd.nullable(),
  finishedMjd: Mjd.nullable(),
  /** Products this job registered (their metadata records the job id). */
  products: z.array(ProductId),
});
export type JobStatus = z.infer<typeof JobStatus>;

/** A mosaic: the built file with its product, QA and plan, or a plan not built yet. */
export const MosaicSummary = z.object({
  name: z.string(),
  /** mosaics.id once built. */
  mosaicId: RowId.nullable(),
  path: z.string().nullable(),
  method: MosaicMethod.nullable(),
  nImages: NonNegInt.nullable(),
  startMjd: Mjd.nullable(),
  endMjd: Mjd.nullable(),
  decDeg: z.number().nullable(),
  noiseJy: z.number().min(0).nullable(),
  planStatus: PlanStatus.nullable(),
  jobId: z.string().nullable(),
  productStatus: ProductStatus.nullable(),
  qaVerdict: QaVerdict.nullable(),
  createdMjd: Mjd,
});
export type MosaicSummary = z.infer<typeof MosaicSummary>;

/** One QA check: measured value, limit and verdict. */
export const QaCheck = z.object({
  check: z.string(),
  verdict: QaVerdict,
  value: z.number().nullable(),
  limit: z.number().nullable(),
  message: z.string(),
});
export type QaCheck = z.infer<typeof QaCheck>;

export const CalibratorTransit = z.object({
  calibrator: z.string(),
  raDeg: z.number(),
  decDeg: z.number(),
  flux1400Jy: z.number(),
  transitMjd: Mjd,
  /** The registered 16-subband group covering the transit at the calibrator's declination, or null. */
  groupId: GroupId.nullable(),
  groupState: IngestState.nullable(),
});
export type CalibratorTransit = z.infer<typeof CalibratorTransit>;

export const CoverageStrip = z.object({
  /** Centre and edges of the declination strip, degrees; null for groups of unknown declination. */
  decDeg: z.number().nullable(),
  decMinDeg: z.number().nullable(),
  decMaxDeg: z.number().nullable(),
  /** Groups per time bin, `bins` entries. */
  groups: z.array(NonNegInt),
  /** Of those, groups converted (state `completed`). */
  converted: z.array(NonNegInt),
  /** Of those, groups with fewer subbands than expected. */
  incomplete: z.array(NonNegInt),
  total: NonNegInt,
});
export type CoverageStrip = z.infer<typeof CoverageStrip>;

/** A setting's dotted key, e.g. `imaging.niter`. */
const ConfigKey = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, 'expected a dotted configuration key like imaging.niter');

/** Every request: name → input schema (what the caller sends) and output schema (the reply). */
export const requests = {
  'app.info': { input: Empty, output: AppInfo, summary: 'Application, runtime and workspace' },
  'config.get': { input: Empty, output: ConfigView, summary: 'The resolved engine configuration' },
  'jobs.list': {
    input: z
      .object({ states: z.array(JobState).optional(), kind: z.string().min(1).optional(), ...pageInput })
      .strict(),
    output: page(Job),
    summary: 'Jobs, newest first',
  },
  'jobs.get': {
    input: z.object({ id: JobId }).strict(),
    output: z.object({ job: Job, stages: z.array(StageRun), frozen: FrozenJob.optional() }),
    summary: 'One job with its stage runs and the parameters frozen at submission',
  },
  'jobs.logs': {
    input: z
      .object({
        jobId: JobId,
        stageId: StageId.optional(),
        minLevel: LogLevel.optional(),
        /** Only these levels (exact), instead of a minimum. */
        levels: z.array(LogLevel).min(1).optional(),
        /** Only lines with a larger id: tail a running job. */
        afterId: NonNegInt.optional(),
        /** Only lines with a smaller id: page backwards from the newest. */
        beforeId: NonNegInt.optional(),
        /** The newest `limit` lines (still returned oldest first) instead of the oldest. */
        tail: z.boolean().default(false),
        limit: limit(500, MAX_LOG_LINES),
      })
      .strict(),
    output: z.object({
      items: z.array(JobLogLine),
      hasMore: z.boolean(),
      /** Lines matching the filter (stage, level), all pages. */
      total: NonNegInt.optional(),
    }),
    summary: 'Persisted log lines of a job, oldest first; paged by id, filtered by stage and level',
  },
  'jobs.cancel': {
    input: z.object({ id: JobId, reason: z.string().max(500).optional() }).strict(),
    /** `accepted` is false when the job had already finished; `job` is its state at reply time. */
    output: z.object({ accepted: z.boolean(), job: Job }),
    summary: 'Ask the runner to cancel a job',
  },
  'groups.list': {
    input: z
      .object({
        states: z.array(IngestState).optional(),
        decMinDeg: DecDeg.optional(),
        decMaxDeg: DecDeg.optional(),
        startMjd: Mjd.optional(),
        endMjd: Mjd.optional(),
        ...pageInput,
      })
      .strict()
      .check(orderedRange('decMinDeg', 'decMaxDeg'), orderedRange('startMjd', 'endMjd')),
    output: page(IngestGroup),
    summary: 'Ingest groups (16-subband observations), newest first',
  },
  'ms.list': {
    input: z
      .object({
        statuses: z.array(MsStatus).optional(),
        groupId: GroupId.optional(),
        decMinDeg: DecDeg.optional(),
        decMaxDeg: DecDeg.optional(),
        startMjd: Mjd.optional(),
        endMjd: Mjd.optional(),
        ...pageInput,
      })
      .strict()
      .check(orderedRange('decMinDeg', 'decMaxDeg'), orderedRange('startMjd', 'endMjd')),
    output: page(MeasurementSet),
    summary: 'Measurement sets, newest first',
  },
  'calibrators.search': {
    input: z
      .object({
        /** Calibrator name or alias (case-insensitive; `3C286` finds 1331+305). Either this or decDeg. */
        name: z.string().trim().min(1).max(100).optional(),
        /** Pointing declination to search around. */
        decDeg: DecDeg.optional(),
        /** Half-width of the declination strip, degrees. */
        radiusDeg: z.number().gt(0).max(10).default(2.5),
        /** Minimum catalog flux at 1.4 GHz, Jy. */
        minFluxJy: z.number().min(0).default(1),
        afterMjd: Mjd.optional(),
        limit: limit(50),
      })
      .strict()
      .superRefine((v, ctx) => {
        if (v.name === undefined && v.decDeg === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['decDeg'],
            message: 'give a declination (decDeg) or a name to search for',
          });
      }),
    output: z.object({ items: z.array(CalibratorMatch) }),
    summary: 'Calibrators by name or alias, or near a declination, best (beam-weighted flux) first',
  },
  'calibrators.get': {
    input: z
      .object({
        /** As astronomers write it: J2000 (1331+305, J1331+305, J1331+3030), B1950 (B1328+307) or alternate (3C286), any case. */
        name: z.string().trim().min(1).max(64),
      })
      .strict(),
    output: z.object({ calibrator: Calibrator, matchedAs: z.enum(['J2000', 'B1950', 'alternate']) }),
    summary: 'One catalog calibrator by any of its names (an ambiguous name is refused with its candidates)',
  },
  'products.list': {
    input: z
      .object({ statuses: z.array(ProductStatus).optional(), kinds: z.array(ProductKind).optional(), ...pageInput })
      .strict(),
    output: page(Product),
    summary: 'Products, newest first',
  },
  'products.get': {
    input: z.object({ id: ProductId }).strict(),
    output: z.object({ product: Product, events: z.array(ProductEvent) }),
    summary: 'One product with its audit trail',
  },
  'products.approve': {
    input: z
      .object({ id: ProductId, reviewer: z.string().trim().min(1).max(100), comment: z.string().max(2000).optional() })
      .strict(),
    output: z.object({ product: Product }),
    summary: 'Approve a product after review (an override when QA failed)',
  },
  'products.reject': {
    // A rejection must say why: the comment is required.
    input: z
      .object({
        id: ProductId,
        reviewer: z.string().trim().min(1).max(100),
        comment: z.string().trim().min(1).max(2000),
      })
      .strict(),
    output: z.object({ product: Product }),
    summary: 'Reject a product after review',
  },
  'images.list': {
    input: z
      .object({
        msId: RowId.optional(),
        kinds: z.array(ImageKind).optional(),
        tier: ImageTier.optional(),
        /** Image centre declination range, degrees. */
        decMinDeg: DecDeg.optional(),
        decMaxDeg: DecDeg.optional(),
        /** Mid time of the imaged MS, MJD range [start, end). */
        startMjd: Mjd.optional(),
        endMjd: Mjd.optional(),
        /** Only images at most this noisy (rms, Jy/beam). */
        maxRmsJy: z.number().positive().optional(),
        ...pageInput,
      })
      .strict()
      .check(orderedRange('decMinDeg', 'decMaxDeg'), orderedRange('startMjd', 'endMjd')),
    output: page(Image),
    summary: 'Images, newest first, filtered by MS, kind, tier, declination, time and noise',
  },
  'jobs.submit': {
    input: JobSubmission,
    output: z.object({
      /** The job (null for a dry run). */
      job: Job.nullable(),
      /** False when the idempotency key (or the mosaic plan's name) matched a job that already existed. */
      created: z.boolean(),
      /** The dry run's plan (null when the job was submitted). */
      preview: SubmitPreview.nullable(),
    }),
    summary:
      'Submit a job (mosaic, convert, calibrate, image, publish, qa) with its parameters frozen; dryRun plans without writing',
  },
  'jobs.status': {
    input: z.object({ id: JobId }).strict(),
    output: JobStatus,
    summary: 'Where a job stands: state, progress, stages done, owner process',
  },
  'jobs.retry': {
    input: z.object({ id: JobId }).strict(),
    /** `accepted` is false when the job is not failed, cancelled or interrupted (nothing to retry). */
    output: z.object({ accepted: z.boolean(), job: Job }),
    summary:
      'Run a failed, cancelled or interrupted job again with its frozen parameters; finished stages are not redone',
  },
  'mosaics.plan': {
    input: z.discriminatedUnion('type', [
      z.object({ type: z.literal('mosaic.centered'), params: MosaicCenteredParams }).strict(),
      z
        .object({
          type: z.literal('mosaic.next'),
          params: MosaicNextParams.default({ tier: 'science', review: false }),
        })
        .strict(),
      z.object({ type: z.literal('mosaic.range'), params: MosaicRangeParams }).strict(),
    ]),
    output: MosaicPlanView,
    summary:
      'Plan a mosaic without writing anything: groups, missing data, calibration, method, tier, output, estimate',
  },
  'mosaics.list': {
    input: z
      .object({
        planStatuses: z.array(PlanStatus).optional(),
        productStatuses: z.array(ProductStatus).optional(),
        startMjd: Mjd.optional(),
        endMjd: Mjd.optional(),
        ...pageInput,
      })
      .strict()
      .check(orderedRange('startMjd', 'endMjd')),
    output: page(MosaicSummary),
    summary: 'Mosaics (built, and plans still building or failed), newest first',
  },
  'products.publish': {
    input: z
      .object({
        id: ProductId,
        /** Who publishes (audit trail). */
        actor: z.string().trim().min(1).max(100).default('api'),
        idempotencyKey: IdempotencyKey.optional(),
      })
      .strict(),
    output: z.object({ product: Product, outcome: z.string(), jobId: JobId }),
    summary: 'Publish a QA-passed or approved product (a publish job: checksum-verified move, journaled)',
  },
  'qa.get': {
    input: z
      .object({ productId: ProductId.optional(), imageId: RowId.optional(), mosaicId: RowId.optional() })
      .strict()
      .superRefine((v, ctx) => {
        const n = [v.productId, v.imageId, v.mosaicId].filter((x) => x !== undefined).length;
        if (n !== 1)
          ctx.addIssue({
            code: 'custom',
            path: ['productId'],
            message: 'give exactly one of productId, imageId, mosaicId',
          });
      }),
    output: z.object({
      subject: QaSubject,
      subjectId: RowId,
      productId: ProductId.nullable(),
      tier: QaTier,
      verdict: QaVerdict,
      createdMjd: Mjd,
      checks: z.array(QaCheck),
      metrics: JsonObject,
      /** Earlier assessments of the same subject, newest first. */
      history: z.array(z.object({ id: RowId, tier: QaTier, verdict: QaVerdict, createdMjd: Mjd })),
    }),
    summary: "The latest QA result of a product, image or mosaic: each check's value, limit and verdict",
  },
  'config.setUser': {
    input: z
      .object({
        /** Dotted key -> new value; null removes the key from the file (back to the default). */
        settings: z.record(ConfigKey, JsonValue).refine((r) => Object.keys(r).length > 0, 'give at least one setting'),
      })
      .strict(),
    output: ConfigView.extend({
      /** Keys whose value changed. */
      changed: z.array(z.string()),
      /** Keys written to the file but still overridden by an environment variable or flag of the engine's process. */
      shadowed: z.array(z.string()),
    }),
    summary:
      "Write user-level settings to the workspace's config file (validated; jobs already submitted keep their frozen configuration)",
  },
  'calibrators.transits': {
    input: z
      .object({
        /** One calibrator by name or alias, or every calibrator of a declination strip. */
        name: z.string().trim().min(1).max(100).optional(),
        decDeg: DecDeg.optional(),
        radiusDeg: z.number().gt(0).max(10).default(2.5),
        minFluxJy: z.number().min(0).default(1),
        startMjd: Mjd,
        endMjd: Mjd,
        /** Only transits covered by registered data. */
        withDataOnly: z.boolean().default(false),
        limit: limit(200, 5000),
      })
      .strict()
      .check(orderedRange('startMjd', 'endMjd'))
      .superRefine((v, ctx) => {
        if (v.name === undefined && v.decDeg === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['decDeg'],
            message: 'give a declination (decDeg) or a calibrator name',
          });
        if (v.endMjd - v.startMjd > 366)
          ctx.addIssue({
            code: 'custom',
            path: ['endMjd'],
            message: `at most 366 days at a time, got ${(v.endMjd - v.startMjd).toFixed(1)}`,
          });
      }),
    output: z.object({ items: z.array(CalibratorTransit), truncated: z.boolean() }),
    summary: 'Calibrator transits over DSA-110 in a time range, with the data covering each',
  },
  'coverage.summary': {
    input: z
      .object({
        startMjd: Mjd,
        endMjd: Mjd,
        bins: z.number().int().min(1).max(5000).default(200),
        /** Width of a declination strip, degrees (groups are binned by round(dec / width)). */
        stripWidthDeg: z.number().gt(0).max(180).default(1),
      })
      .strict()
      .superRefine((v, ctx) => {
        if (!(v.endMjd > v.startMjd))
          ctx.addIssue({
            code: 'custom',
            path: ['startMjd'],
            message: `startMjd (${v.startMjd}) must be before endMjd (${v.endMjd})`,
          });
      }),
    output: z.object({
      startMjd: Mjd,
      endMjd: Mjd,
      bins: NonNegInt,
      binWidthDays: z.number().positive(),
      strips: z.array(CoverageStrip),
      totalGroups: NonNegInt,
    }),
    summary: 'Ingest groups per declination strip, binned by time, counted in the database (the timeline)',
  },
  ...timelineRequests,
} as const satisfies Record<RequestName, { input: z.ZodType; output: z.ZodType; summary: string }>;

/** Every event pushed by the engine: name → payload schema. */
export const events = {
  /** A job was created or changed state; carries the whole job so clients can upsert it. */
  'job.state': z.object({ job: Job }),
  /** A stage run changed state. */
  'job.stage': z.object({ stage: StageRun }),
  /** Progress of a running job (and of the stage reporting it). Throttled by the engine. */
  'job.progress': z.object({
    jobId: JobId,
    stageId: StageId.nullable(),
    progress: Fraction,
    message: z.string().nullable(),
  }),
  /** A log line was persisted. */
  'job.log': z.object({ line: JobLogLine }),
  /** An ingest group was created or changed (a subband arrived, conversion started...). */
  'ingest.group': z.object({ group: IngestGroup }),
} as const satisfies Record<EventName, z.ZodType>;

export type Requests = typeof requests;
export type Events = typeof events;
