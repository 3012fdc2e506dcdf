// The one description of the API between the engine (main process, later an HTTP server) and
// its clients: every request (input and output schema) and every pushed event (payload schema).
import { z } from 'zod';
import {
  Calibrator, DecDeg, Image, ImageKind, ImageTier, IngestGroup, IngestState, Job, JobId, JobLogLine,
  JobState, JsonObject, LogLevel, MeasurementSet, Mjd, MsStatus, NonNegInt, Product, ProductEvent,
  ProductId, ProductKind, ProductStatus, RowId, StageId, StageRun, Fraction, GroupId,
} from '../model';
import type { EventName, RequestName } from './protocol';

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
});
export type CalibratorMatch = z.infer<typeof CalibratorMatch>;

/** Every request: name → input schema (what the caller sends) and output schema (the reply). */
export const requests = {
  'app.info': { input: Empty, output: AppInfo, summary: 'Application, runtime and workspace' },
  'config.get': { input: Empty, output: ConfigView, summary: 'The resolved engine configuration' },
  'jobs.list': {
    input: z.object({ states: z.array(JobState).optional(), kind: z.string().min(1).optional(), ...pageInput }).strict(),
    output: page(Job),
    summary: 'Jobs, newest first',
  },
  'jobs.get': {
    input: z.object({ id: JobId }).strict(),
    output: z.object({ job: Job, stages: z.array(StageRun) }),
    summary: 'One job with its stage runs',
  },
  'jobs.logs': {
    input: z.object({
      jobId: JobId,
      stageId: StageId.optional(),
      minLevel: LogLevel.optional(),
      /** Only lines with a larger id: tail a running job. */
      afterId: NonNegInt.optional(),
      limit: limit(500, MAX_LOG_LINES),
    }).strict(),
    output: z.object({ items: z.array(JobLogLine), hasMore: z.boolean() }),
    summary: 'Persisted log lines of a job, oldest first',
  },
  'jobs.cancel': {
    input: z.object({ id: JobId, reason: z.string().max(500).optional() }).strict(),
    /** `accepted` is false when the job had already finished; `job` is its state at reply time. */
    output: z.object({ accepted: z.boolean(), job: Job }),
    summary: 'Ask the runner to cancel a job',
  },
  'groups.list': {
    input: z.object({
      states: z.array(IngestState).optional(),
      decMinDeg: DecDeg.optional(),
      decMaxDeg: DecDeg.optional(),
      startMjd: Mjd.optional(),
      endMjd: Mjd.optional(),
      ...pageInput,
    }).strict().check(orderedRange('decMinDeg', 'decMaxDeg'), orderedRange('startMjd', 'endMjd')),
    output: page(IngestGroup),
    summary: 'Ingest groups (16-subband observations), newest first',
  },
  'ms.list': {
    input: z.object({
      statuses: z.array(MsStatus).optional(),
      groupId: GroupId.optional(),
      decMinDeg: DecDeg.optional(),
      decMaxDeg: DecDeg.optional(),
      startMjd: Mjd.optional(),
      endMjd: Mjd.optional(),
      ...pageInput,
    }).strict().check(orderedRange('decMinDeg', 'decMaxDeg'), orderedRange('startMjd', 'endMjd')),
    output: page(MeasurementSet),
    summary: 'Measurement sets, newest first',
  },
  'calibrators.search': {
    input: z.object({
      /** Pointing declination to search around. */
      decDeg: DecDeg,
      /** Half-width of the declination strip, degrees. */
      radiusDeg: z.number().gt(0).max(10).default(2.5),
      /** Minimum catalog flux at 1.4 GHz, Jy. */
      minFluxJy: z.number().min(0).default(1),
      afterMjd: Mjd.optional(),
      limit: limit(50),
    }).strict(),
    output: z.object({ items: z.array(CalibratorMatch) }),
    summary: 'Calibrators near a declination, best (beam-weighted flux) first',
  },
  'calibrators.get': {
    input: z.object({
      /** As astronomers write it: J2000 (1331+305, J1331+305, J1331+3030), B1950 (B1328+307) or alternate (3C286), any case. */
      name: z.string().trim().min(1).max(64),
    }).strict(),
    output: z.object({ calibrator: Calibrator, matchedAs: z.enum(['J2000', 'B1950', 'alternate']) }),
    summary: 'One catalog calibrator by any of its names (an ambiguous name is refused with its candidates)',
  },
  'products.list': {
    input: z.object({ statuses: z.array(ProductStatus).optional(), kinds: z.array(ProductKind).optional(), ...pageInput }).strict(),
    output: page(Product),
    summary: 'Products, newest first',
  },
  'products.get': {
    input: z.object({ id: ProductId }).strict(),
    output: z.object({ product: Product, events: z.array(ProductEvent) }),
    summary: 'One product with its audit trail',
  },
  'products.approve': {
    input: z.object({ id: ProductId, reviewer: z.string().trim().min(1).max(100), comment: z.string().max(2000).optional() }).strict(),
    output: z.object({ product: Product }),
    summary: 'Approve a product after review (an override when QA failed)',
  },
  'products.reject': {
    // A rejection must say why: the comment is required.
    input: z.object({ id: ProductId, reviewer: z.string().trim().min(1).max(100), comment: z.string().trim().min(1).max(2000) }).strict(),
    output: z.object({ product: Product }),
    summary: 'Reject a product after review',
  },
  'images.list': {
    input: z.object({
      msId: RowId.optional(),
      kinds: z.array(ImageKind).optional(),
      tier: ImageTier.optional(),
      ...pageInput,
    }).strict(),
    output: page(Image),
    summary: 'Images, newest first',
  },
} as const satisfies Record<RequestName, { input: z.ZodType; output: z.ZodType; summary: string }>;

/** Every event pushed by the engine: name → payload schema. */
export const events = {
  /** A job was created or changed state; carries the whole job so clients can upsert it. */
  'job.state': z.object({ job: Job }),
  /** A stage run changed state. */
  'job.stage': z.object({ stage: StageRun }),
  /** Progress of a running job (and of the stage reporting it). Throttled by the engine. */
  'job.progress': z.object({ jobId: JobId, stageId: StageId.nullable(), progress: Fraction, message: z.string().nullable() }),
  /** A log line was persisted. */
  'job.log': z.object({ line: JobLogLine }),
  /** An ingest group was created or changed (a subband arrived, conversion started...). */
  'ingest.group': z.object({ group: IngestGroup }),
} as const satisfies Record<EventName, z.ZodType>;

export type Requests = typeof requests;
export type Events = typeof events;
