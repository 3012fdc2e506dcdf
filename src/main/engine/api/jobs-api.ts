// The job API's engine side: a submission (`jobs.submit`, a CLI command) becomes a registry job
// with its parameters and configuration frozen; a dry run plans it without writing anything;
// mosaic requests are planned first (plan.ts) and recorded with their job; a job's status, with
// the process that owns it, and run-time estimates from the workspace's own stage timings.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type {
  JobStatus,
  JobSubmission,
  MosaicPlanView,
  PlannedStage,
  RunEstimate,
  SubmitPreview,
} from '../../../shared/api';
import { parseIsoUtc } from '../../../shared/astro';
import type { JsonObject } from '../../../shared/model/common';
import type { Job } from '../../../shared/model/jobs';
import { CALIBRATE_KIND } from '../calibration/stage';
import { CONVERT_KIND } from '../convert/stage';
import type { Engine } from '../engine';
import { IMAGE_KIND } from '../imaging';
import { isAlive, type StageInstance } from '../jobs';
import {
  insideStaging,
  jobGraph,
  MOSAIC_JOB,
  planCentered,
  planNext,
  planRange,
  previewStages,
  PUBLISH_JOB,
  QA_JOB,
  recordPlan,
  type MosaicJobParams,
  type MosaicPlanDoc,
} from '../orchestrator';

/** A submission the engine refuses: which field, and whether it is bad input, a missing object or a conflict. */
export class SubmitError extends Error {
  constructor(
    readonly code: 'invalid_input' | 'not_found' | 'conflict',
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'SubmitError';
  }
}

export interface SubmitJobOptions {
  /**
   * Resolve every client path inside the workspace and refuse the rest (the API does; the CLI,
   * run by the workspace's owner, passes false and resolves against its working directory).
   */
  confinePaths: boolean;
  /** Base for relative paths when not confined (default: the workspace root). */
  cwd?: string;
}

/** What a submission becomes: the registry kind and params, and the mosaic plan for mosaic types. */
export interface ResolvedSubmission {
  type: JobSubmission['type'];
  kind: string;
  params: JsonObject;
  plan: MosaicPlanDoc | null;
  request: { type: string; params: JsonObject };
}

function within(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** A client path resolved (inside the workspace when confined, following symlinks of what exists). */
export function resolveClientPath(
  engine: Pick<Engine, 'paths'>,
  field: string,
  p: string,
  opts: SubmitJobOptions,
): string {
  const root = path.resolve(engine.paths.root);
  const resolved = path.resolve(opts.confinePaths ? root : (opts.cwd ?? root), p);
  if (!opts.confinePaths) return resolved;
  let real = resolved;
  // The deepest existing ancestor decides where a symlink really points.
  for (let probe = resolved; ; probe = path.dirname(probe)) {
    if (existsSync(probe)) {
      real = path.join(realpathSync(probe), path.relative(probe, resolved));
      break;
    }
    if (path.dirname(probe) === probe) break;
  }
  const realRoot = existsSync(root) ? realpathSync(root) : root;
  if (!within(root, resolved) || !within(realRoot, real)) {
    throw new SubmitError(
      'invalid_input',
      field,
      `${field}: ${JSON.stringify(p)} resolves to ${real}, outside the workspace ${root}; give a path inside it`,
    );
  }
  return resolved;
}

function planError(err: unknown, field: string): never {
  const message = err instanceof Error ? err.message : String(err);
  if (/not in the calibrator catalog/.test(message)) throw new SubmitError('not_found', field, message);
  throw new SubmitError('conflict', field, message);
}

/** Plan a mosaic request (nothing written). */
export function planMosaicRequest(
  engine: Engine,
  sub: Extract<JobSubmission, { type: `mosaic.${string}` }>,
): MosaicPlanDoc {
  const p = sub.params;
  const common = { ...(p.method ? { method: p.method } : {}), tier: p.tier, catalog: p.catalog ?? null };
  if (p.catalog && !engine.db.sources.catalogs().some((c) => c.catalog === p.catalog)) {
    throw new SubmitError(
      'not_found',
      'params.catalog',
      `params.catalog: no reference catalog named ${JSON.stringify(p.catalog)} (have: ${
        engine.db.sources
          .catalogs()
          .map((c) => c.catalog)
          .join(', ') || 'none'
      })`,
    );
  }
  try {
    switch (sub.type) {
      case 'mosaic.centered':
        if (!engine.db.calibration.getCalibrator(sub.params.calibrator))
          throw new SubmitError(
            'not_found',
            'params.calibrator',
            `params.calibrator: ${sub.params.calibrator} is not in the calibrator catalog (calibrators.search finds names and aliases)`,
          );
        return planCentered(
          engine,
          sub.params.calibrator,
          sub.params.timespanMin ?? engine.config.mosaic.timespanMin,
          common,
        );
      case 'mosaic.next':
        if (sub.params.calibrator && !engine.db.calibration.getCalibrator(sub.params.calibrator))
          throw new SubmitError(
            'not_found',
            'params.calibrator',
            `params.calibrator: ${sub.params.calibrator} is not in the calibrator catalog`,
          );
        return planNext(engine, {
          ...common,
          ...(sub.params.decDeg !== undefined ? { decDeg: sub.params.decDeg } : {}),
          ...(sub.params.calibrator ? { calibrator: sub.params.calibrator } : {}),
        });
      case 'mosaic.range':
        if (sub.params.calibrator && !engine.db.calibration.getCalibrator(sub.params.calibrator))
          throw new SubmitError(
            'not_found',
            'params.calibrator',
            `params.calibrator: ${sub.params.calibrator} is not in the calibrator catalog`,
          );
        return planRange(engine, parseIsoUtc(sub.params.since), parseIsoUtc(sub.params.until), {
          ...common,
          name: sub.params.name,
          ...(sub.params.calibrator ? { calibrator: sub.params.calibrator } : {}),
        });
    }
  } catch (err) {
    if (err instanceof SubmitError) throw err;
    return planError(err, sub.type === 'mosaic.range' ? 'params.since' : 'params');
  }
  throw new SubmitError('invalid_input', 'type', 'unknown mosaic type');
}

/** The registry job a submission becomes, with its params resolved (paths, defaults from the configuration). */
export function resolveSubmission(engine: Engine, sub: JobSubmission, opts: SubmitJobOptions): ResolvedSubmission {
  const request = { type: sub.type, params: JSON.parse(JSON.stringify(sub.params)) as JsonObject };
  const at = (field: string, p: string) => resolveClientPath(engine, `params.${field}`, p, opts);
  switch (sub.type) {
    case 'mosaic.centered':
    case 'mosaic.next':
    case 'mosaic.range': {
      const plan = planMosaicRequest(engine, sub);
      const params: MosaicJobParams = {
        plan,
        autoPublish: !sub.params.review,
        register: insideStaging(engine, plan.outputDir),
      };
      return { type: sub.type, kind: MOSAIC_JOB, params: params as unknown as JsonObject, plan, request };
    }
    case 'convert': {
      const p = sub.params;
      if (!engine.db.ingest.getGroup(p.groupId))
        throw new SubmitError(
          'not_found',
          'params.groupId',
          `params.groupId: no ingest group ${p.groupId} (index the raw data first)`,
        );
      const outputDir = p.outputDir === undefined ? engine.paths.ms : at('outputDir', p.outputDir);
      return {
        type: sub.type,
        kind: CONVERT_KIND,
        plan: null,
        request,
        params: {
          groupId: p.groupId,
          outputDir,
          allowIncomplete: p.allowIncomplete,
          overwrite: p.overwrite,
          expectedSubbands: engine.config.ingest.expectedSubbands,
        },
      };
    }
    case 'calibrate': {
      const p = sub.params;
      const msPath = at('msPath', p.msPath);
      if (!existsSync(path.join(msPath, 'table.dat')))
        throw new SubmitError(
          'not_found',
          'params.msPath',
          `params.msPath: ${msPath} is not a Measurement Set (no table.dat)`,
        );
      if (p.calibrator && !engine.db.calibration.getCalibrator(p.calibrator))
        throw new SubmitError(
          'not_found',
          'params.calibrator',
          `params.calibrator: ${p.calibrator} is not in the calibrator catalog`,
        );
      return {
        type: sub.type,
        kind: CALIBRATE_KIND,
        plan: null,
        request,
        params: { msPath, mode: p.mode, ...(p.calibrator ? { calibrator: p.calibrator } : {}) },
      };
    }
    case 'image': {
      const { msPath: ms, prefix, ...rest } = sub.params;
      const msPath = at('msPath', ms);
      if (!existsSync(path.join(msPath, 'table.dat')))
        throw new SubmitError(
          'not_found',
          'params.msPath',
          `params.msPath: ${msPath} is not a Measurement Set (no table.dat)`,
        );
      const out =
        prefix === undefined
          ? path.join(engine.paths.images, path.basename(msPath).replace(/\.ms$/i, ''))
          : at('prefix', prefix);
      return {
        type: sub.type,
        kind: IMAGE_KIND,
        plan: null,
        request,
        params: JSON.parse(JSON.stringify({ ...rest, msPath, prefix: out })) as JsonObject,
      };
    }
    case 'publish': {
      const p = sub.params;
      const product = engine.db.products.get(p.productId);
      if (!product)
        throw new SubmitError('not_found', 'params.productId', `params.productId: no product ${p.productId}`);
      if (
        product.status !== 'published' &&
        product.status !== 'approved' &&
        !(product.status === 'qa_passed' && engine.config.publishing.autoPublish)
      ) {
        throw new SubmitError(
          'conflict',
          'params.productId',
          `params.productId: product ${p.productId} is ${product.status}; only approved products are published${product.status === 'qa_passed' ? ' (publishing.autoPublish is off: approve it first)' : ''}`,
        );
      }
      return {
        type: sub.type,
        kind: PUBLISH_JOB,
        plan: null,
        request,
        params: { productId: p.productId, actor: p.actor },
      };
    }
    case 'qa': {
      const p = sub.params;
      if (!engine.db.products.get(p.productId))
        throw new SubmitError('not_found', 'params.productId', `params.productId: no product ${p.productId}`);
      if (p.catalog && !engine.db.sources.catalogs().some((c) => c.catalog === p.catalog))
        throw new SubmitError(
          'not_found',
          'params.catalog',
          `params.catalog: no reference catalog named ${JSON.stringify(p.catalog)}`,
        );
      return {
        type: sub.type,
        kind: QA_JOB,
        plan: null,
        request,
        params: { productId: p.productId, tier: p.tier, ...(p.catalog ? { catalog: p.catalog } : {}) },
      };
    }
  }
}

/** Median seconds per stage name over the workspace's recent successful runs. */
export function estimateStages(engine: Pick<Engine, 'db'>, todo: readonly { stage: string }[]): RunEstimate {
  const history = engine.db.jobs.recentStageDurations();
  const byStage: RunEstimate['byStage'] = {};
  for (const s of todo) {
    const e = byStage[s.stage] ?? { count: 0, medianS: null, samples: 0 };
    e.count++;
    byStage[s.stage] = e;
  }
  let total = 0;
  let known = true;
  for (const [name, e] of Object.entries(byStage)) {
    const d = [...(history.get(name) ?? [])].sort((a, b) => a - b);
    e.samples = d.length;
    e.medianS =
      d.length === 0
        ? null
        : d.length % 2
          ? (d[(d.length - 1) / 2] as number)
          : ((d[d.length / 2 - 1] as number) + (d[d.length / 2] as number)) / 2;
    if (e.medianS === null) known = false;
    else total += e.medianS * e.count;
  }
  return { totalS: known ? total : null, byStage };
}

async function plannedStages(engine: Engine, stages: StageInstance[]): Promise<PlannedStage[]> {
  const preview = await previewStages(engine, stages);
  return preview.map((p) => ({
    id: p.inst.id,
    stage: p.inst.stage,
    deps: p.inst.deps,
    params: p.inst.params,
    done: p.done,
    note: p.error,
  }));
}

/** A mosaic plan for the UI: groups, missing data, calibration, stages still to run, estimate. */
export async function mosaicPlanView(
  engine: Engine,
  plan: MosaicPlanDoc,
  params: MosaicJobParams,
): Promise<MosaicPlanView> {
  const stages = await plannedStages(engine, jobGraph(params));
  const existing = engine.db.qa.getPlan(plan.name);
  const job = existing?.jobId ? engine.db.jobs.get(existing.jobId) : undefined;
  return {
    name: plan.name,
    mode: plan.mode,
    calibrator: plan.calibrator,
    transitMjd: plan.transitMjd,
    window: plan.window,
    decDeg: plan.decDeg,
    groups: plan.groups.map((g) => ({
      groupId: g.groupId,
      startMjd: g.startMjd,
      decDeg: g.decDeg,
      msPath: g.msPath,
      converted: g.converted,
    })),
    missing: plan.missing,
    calibration: plan.calibration,
    method: plan.method,
    tier: plan.tier,
    catalog: plan.catalog,
    outputName: plan.name,
    outputDir: plan.outputDir,
    asymmetric: plan.asymmetric,
    notes: plan.notes,
    existing: existing ? { status: existing.status, jobId: existing.jobId, jobState: job?.state ?? null } : null,
    stages,
    estimate: estimateStages(
      engine,
      stages.filter((s) => !s.done),
    ),
  };
}

/** What a submission would do, without writing anything. */
export async function previewSubmission(engine: Engine, r: ResolvedSubmission): Promise<SubmitPreview> {
  const built = engine.registry.buildJob(r.kind, r.params);
  const stages = await plannedStages(engine, built.stages);
  return {
    type: r.type,
    kind: r.kind,
    params: built.params,
    stages,
    config: JSON.parse(JSON.stringify(engine.config)) as JsonObject,
    mosaic: r.plan ? await mosaicPlanView(engine, r.plan, built.params as unknown as MosaicJobParams) : null,
    estimate: estimateStages(
      engine,
      stages.filter((s) => !s.done),
    ),
  };
}

function sameRequest(a: { type: string; params: JsonObject } | null, b: { type: string; params: JsonObject }): boolean {
  return a !== null && a.type === b.type && JSON.stringify(a.params) === JSON.stringify(b.params);
}

export interface SubmitOutcome {
  job: Job | null;
  created: boolean;
  preview: SubmitPreview | null;
}

/**
 * Submit (or dry-run) a job: validated params resolved, configuration frozen, idempotency key
 * stored. A key already used returns its job (`created: false`), or a conflict when it was used
 * for a different request; a mosaic whose plan is recorded returns the plan's job. The job is
 * not started here: the caller runs it (the API in the background, the CLI in the foreground).
 */
export async function submitJob(engine: Engine, sub: JobSubmission, opts: SubmitJobOptions): Promise<SubmitOutcome> {
  if (sub.idempotencyKey !== undefined && !sub.dryRun) {
    const existing = engine.db.jobs.getByIdempotencyKey(sub.idempotencyKey);
    if (existing) {
      const frozen = engine.db.jobs.frozen(existing.id).request;
      const request = { type: sub.type, params: JSON.parse(JSON.stringify(sub.params)) as JsonObject };
      if (!sameRequest(frozen, request)) {
        throw new SubmitError(
          'conflict',
          'idempotencyKey',
          `idempotencyKey ${sub.idempotencyKey} was used for job ${existing.id} with a different request (${frozen?.type ?? existing.kind}); use a new key`,
        );
      }
      return { job: existing, created: false, preview: null };
    }
  }
  const r = resolveSubmission(engine, sub, opts);
  if (sub.dryRun) return { job: null, created: false, preview: await previewSubmission(engine, r) };
  const frozen = {
    request: r.request,
    ...(sub.idempotencyKey !== undefined ? { idempotencyKey: sub.idempotencyKey } : {}),
  };
  if (r.plan) {
    // A recorded plan of that name keeps its job: asking again returns (and resumes) it.
    const stored = engine.db.qa.getPlan(r.plan.name);
    const storedJob = stored?.jobId ? engine.db.jobs.get(stored.jobId) : undefined;
    if (storedJob) return { job: storedJob, created: false, preview: null };
    const { record } = recordPlan(engine, r.plan, { request: r.request });
    const out = engine.runner.submitOnce(r.kind, { ...r.params, plan: record.plan }, frozen);
    if (out.created) engine.db.qa.updatePlan(r.plan.name, { jobId: out.job.id, status: 'building' });
    return { job: out.job, created: out.created, preview: null };
  }
  const out = engine.runner.submitOnce(r.kind, r.params, frozen);
  return { job: out.job, created: out.created, preview: null };
}

/** Where a job stands: stage counts, the process running it and whether that process is alive. */
export function jobStatus(engine: Engine, job: Job): JobStatus {
  const stages = engine.db.jobs.stageRuns(job.id);
  const running = stages.filter((s) => s.state === 'running');
  const pid = running.find((s) => s.pid !== null)?.pid ?? null;
  const here = engine.runner.isActive(job.id);
  const alive = pid === null ? here : pid === process.pid ? here : isAlive(pid);
  // Left running by a process that is gone (killed between or inside stages): resume or retry it.
  const interrupted = (running.length > 0 || job.state === 'running') && !here && !(pid !== null && alive);
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    progress: job.progress,
    message: job.message,
    error: job.error,
    stagesTotal: stages.length,
    stagesDone: stages.filter((s) => s.state === 'succeeded' || s.state === 'skipped').length,
    stagesFailed: stages.filter((s) => s.state === 'failed').length,
    running: running.map((s) => s.stageId),
    owner: pid === null ? (here ? { pid: process.pid, alive: true } : null) : { pid, alive },
    interrupted,
    createdMjd: job.createdMjd,
    startedMjd: job.startedMjd,
    finishedMjd: job.finishedMjd,
    products: engine.db.products.idsOfJob(job.id),
  };
}
