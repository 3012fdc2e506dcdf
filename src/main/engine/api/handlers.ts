// The engine's implementation of every request of the API contract, against the repositories
// and the job runner. Transport-free: Electron IPC, the CLI and a later HTTP server all call it.
import os from 'node:os';
import { ApiError, type ApiHandlers, type RequestName } from '../../../shared/api';
import {
  canTransition,
  PRODUCT_TRANSITIONS,
  TERMINAL_JOB_STATES,
  type JsonObject,
  type Product,
} from '../../../shared/model';
import { describeOrigin } from '../config';
import { DbNotFoundError } from '../db';
import type { Engine } from '../engine';
import { CalibratorNameError, resolveCalibratorName } from '../../../shared/catalog/calibrator-names';
import { calibratorsByName, searchCalibrators, searchCalibratorsByName } from '../calibration/calibrators';
import { SettingError, setUserSettings } from './config-write';
import { calibratorTransitsInRange, coverageSummary } from './coverage';
import { timelineHandlers } from './timeline';
import { jobStatus, mosaicPlanView, planMosaicRequest, submitJob, SubmitError } from './jobs-api';
import { insideStaging, type MosaicJobParams } from '../orchestrator';
import { isAlive } from '../jobs';
import type { Job } from '../../../shared/model/jobs';

/** How the API starts a job it created or retries: in the background of this engine (default), or not at all. */
export interface ApiHandlerOptions {
  startJob?: (engine: Engine, jobId: string) => void;
}

/** Run a job in this engine without waiting; its failure is in the job, its log and the engine log. */
export function startInBackground(engine: Engine, jobId: string): void {
  engine.run(jobId, { retry: true }).catch((err: unknown) => {
    engine.log.error({ jobId, err }, `job ${jobId} could not run: ${err instanceof Error ? err.message : String(err)}`);
  });
}

function submitApiError(channel: RequestName, err: unknown): never {
  if (err instanceof SubmitError)
    throw new ApiError({ code: err.code, channel, field: err.field, message: `request "${channel}": ${err.message}` });
  if (err instanceof SettingError)
    throw new ApiError({
      code: 'invalid_input',
      channel,
      field: err.field,
      message: `request "${channel}": ${err.message}`,
    });
  throw err;
}

/** Is the job owned by a live process other than this one (so it must not be started here)? */
function ownedElsewhere(engine: Engine, job: Job): boolean {
  return engine.db.jobs
    .stageRuns(job.id)
    .some((s) => s.state === 'running' && s.pid !== null && s.pid !== process.pid && isAlive(s.pid));
}

function notFound(channel: RequestName, what: string, field: string, value: string): ApiError {
  return new ApiError({
    code: 'not_found',
    channel,
    field,
    message: `request "${channel}": no ${what} with ${field} ${JSON.stringify(value)}`,
  });
}

/** Review decisions: the product must exist and its lifecycle must allow the move. */
function review(
  engine: Engine,
  channel: 'products.approve' | 'products.reject',
  id: string,
  to: 'approved' | 'rejected',
  reviewer: string,
  comment: string | undefined,
): { product: Product } {
  const current = engine.db.products.get(id);
  if (!current) throw notFound(channel, 'product', 'id', id);
  if (!canTransition(current.status, to)) {
    const allowed = PRODUCT_TRANSITIONS[current.status];
    throw new ApiError({
      code: 'conflict',
      channel,
      field: 'id',
      message: `request "${channel}": product ${id} is ${current.status} and cannot become ${to} (allowed from ${current.status}: ${allowed.length ? allowed.join(', ') : 'none, it is final'})`,
    });
  }
  const product = engine.db.products.transition(id, to, {
    actor: reviewer,
    ...(comment !== undefined ? { note: comment } : {}),
  });
  engine.log.info({ productId: id, reviewer, to }, `product ${id} ${to} by ${reviewer}`);
  return { product };
}

/**
 * Every request of the contract. Domain failures are `ApiError`s (`not_found`, `conflict`);
 * a repository's not-found error that escapes a handler is mapped to `not_found` as well.
 */
export function createApiHandlers(engine: Engine, options: ApiHandlerOptions = {}): ApiHandlers {
  const { db } = engine;
  const start = options.startJob ?? startInBackground;
  const origins = (): Record<string, string> =>
    Object.fromEntries(Object.entries(engine.loaded.origins).map(([k, o]) => [k, describeOrigin(o)]));
  const configView = () => ({
    path: engine.loaded.configFile,
    // The config is plain JSON data (zod-parsed); the round trip drops nothing.
    values: JSON.parse(JSON.stringify(engine.config)) as JsonObject,
    origins: origins(),
  });

  const handlers: ApiHandlers = {
    'app.info': async () => ({
      appName: engine.app.name,
      version: engine.app.version,
      runtime: engine.app.runtime,
      platform: `${os.platform()}-${os.arch()}`,
      versions: Object.fromEntries(
        Object.entries(process.versions).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
      workspace: engine.paths.root,
      startedMjd: engine.startedMjd,
    }),
    'config.get': async () => configView(),
    'jobs.list': async (input) =>
      db.jobs.page({ states: input.states, kind: input.kind, limit: input.limit, offset: input.offset }),
    'jobs.get': async (input) => {
      const job = db.jobs.get(input.id);
      if (!job) throw notFound('jobs.get', 'job', 'id', input.id);
      return { job, stages: db.jobs.stageRuns(input.id), frozen: db.jobs.frozen(input.id) };
    },
    'jobs.logs': async (input) => {
      if (!db.jobs.get(input.jobId)) throw notFound('jobs.logs', 'job', 'jobId', input.jobId);
      return db.jobs.logsPage(input.jobId, {
        afterId: input.afterId,
        beforeId: input.beforeId,
        stageId: input.stageId,
        minLevel: input.minLevel,
        levels: input.levels,
        tail: input.tail,
        limit: input.limit,
      });
    },
    'jobs.cancel': async (input) => {
      const job = db.jobs.get(input.id);
      if (!job) throw notFound('jobs.cancel', 'job', 'id', input.id);
      if (TERMINAL_JOB_STATES.includes(job.state)) return { accepted: false, job };
      // The reason goes to the job's own log, where whoever reads the job will look.
      db.jobs.appendLog({
        jobId: input.id,
        level: 'warn',
        message: `cancel requested${input.reason ? `: ${input.reason}` : ''}`,
      });
      const cancelled = await engine.runner.cancel(input.id);
      return { accepted: true, job: cancelled };
    },
    'groups.list': async (input) => db.ingest.pageGroups(input),
    'ms.list': async (input) => db.ms.page(input),
    'calibrators.search': async (input) => {
      const after = input.afterMjd !== undefined ? { afterMjd: input.afterMjd } : {};
      if (input.name !== undefined) {
        const items = searchCalibratorsByName(db, engine.config, {
          name: input.name,
          limit: input.limit,
          ...after,
          ...(input.decDeg !== undefined ? { decDeg: input.decDeg } : {}),
        });
        if (items.length === 0) throw notFound('calibrators.search', 'calibrator', 'name', input.name);
        return { items };
      }
      // The contract requires decDeg when no name is given.
      const decDeg = input.decDeg as number;
      return {
        items: searchCalibrators(db, engine.config, {
          decDeg,
          radiusDeg: input.radiusDeg,
          minFluxJy: input.minFluxJy,
          limit: input.limit,
          ...after,
        }).map((m) => ({ ...m, matchedName: null })),
      };
    },
    'calibrators.get': async (input) => {
      const entries = db.calibration.listCalibrators();
      const r = resolveCalibratorName(input.name, entries);
      if (r.status === 'unknown') throw notFound('calibrators.get', 'calibrator', 'name', input.name);
      if (r.status === 'ambiguous') {
        const e = new CalibratorNameError(input.name, r.candidates, 'the calibrator catalog');
        throw new ApiError({
          code: 'invalid_input',
          channel: 'calibrators.get',
          field: 'name',
          message: `request "calibrators.get": ${e.message}`,
        });
      }
      return { calibrator: r.entry, matchedAs: r.via };
    },
    'products.list': async (input) =>
      db.products.page({ statuses: input.statuses, kinds: input.kinds, limit: input.limit, offset: input.offset }),
    'products.get': async (input) => {
      const product = db.products.get(input.id);
      if (!product) throw notFound('products.get', 'product', 'id', input.id);
      return { product, events: db.products.events(input.id) };
    },
    'products.approve': async (input) =>
      review(engine, 'products.approve', input.id, 'approved', input.reviewer, input.comment),
    'products.reject': async (input) =>
      review(engine, 'products.reject', input.id, 'rejected', input.reviewer, input.comment),
    'images.list': async (input) => db.images.pageImages(input),
    'jobs.submit': async (input) => {
      try {
        const out = await submitJob(engine, input, { confinePaths: true });
        // A new job starts here; a queued one that nobody runs (its process died before starting it) too.
        if (
          out.job &&
          (out.created ||
            (out.job.state === 'queued' && !engine.runner.isActive(out.job.id) && !ownedElsewhere(engine, out.job)))
        )
          start(engine, out.job.id);
        return { job: out.job ? db.jobs.require(out.job.id) : null, created: out.created, preview: out.preview };
      } catch (err) {
        return submitApiError('jobs.submit', err);
      }
    },
    'jobs.status': async (input) => {
      const job = db.jobs.get(input.id);
      if (!job) throw notFound('jobs.status', 'job', 'id', input.id);
      return jobStatus(engine, job);
    },
    'jobs.retry': async (input) => {
      const job = db.jobs.get(input.id);
      if (!job) throw notFound('jobs.retry', 'job', 'id', input.id);
      const status = jobStatus(engine, job);
      const retryable =
        job.state === 'failed' ||
        job.state === 'cancelled' ||
        ((job.state === 'running' || job.state === 'queued') &&
          !engine.runner.isActive(job.id) &&
          !(status.owner?.alive ?? false));
      if (!retryable) return { accepted: false, job };
      db.jobs.appendLog({
        jobId: job.id,
        level: 'info',
        message: `retry requested (was ${job.state}${status.interrupted ? ', interrupted' : ''}); the frozen parameters and configuration are used`,
      });
      start(engine, job.id);
      return { accepted: true, job: db.jobs.require(job.id) };
    },
    'mosaics.plan': async (input) => {
      try {
        const plan = planMosaicRequest(engine, { ...input, dryRun: true });
        const params: MosaicJobParams = {
          plan,
          autoPublish: !input.params.review,
          register: insideStaging(engine, plan.outputDir),
        };
        return await mosaicPlanView(engine, plan, params);
      } catch (err) {
        return submitApiError('mosaics.plan', err);
      }
    },
    'mosaics.list': async (input) => db.images.pageMosaicSummaries(input),
    'products.publish': async (input) => {
      try {
        const out = await submitJob(
          engine,
          {
            type: 'publish',
            params: { productId: input.id, actor: input.actor },
            dryRun: false,
            ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
          },
          { confinePaths: true },
        );
        const job = out.job as Job;
        // Publishing is short: the reply waits for the job, which is the registry's journaled publish.
        const done = engine.runner.isActive(job.id) ? job : await engine.run(job.id, { retry: true });
        const product = db.products.require(input.id);
        if (done.state !== 'succeeded') {
          throw new ApiError({
            code: 'conflict',
            channel: 'products.publish',
            field: 'id',
            message: `request "products.publish": publish job ${done.id} ${done.state}: ${done.error ?? 'see its log'}`,
          });
        }
        const outputs = db.jobs.getStageRun(done.id, 'publish')?.outputs;
        return {
          product,
          outcome: typeof outputs?.outcome === 'string' ? outputs.outcome : product.status,
          jobId: done.id,
        };
      } catch (err) {
        return submitApiError('products.publish', err);
      }
    },
    'qa.get': async (input) => {
      let result;
      if (input.productId !== undefined) {
        if (!db.products.get(input.productId)) throw notFound('qa.get', 'product', 'productId', input.productId);
        result = db.qa.latestForProduct(input.productId);
        if (!result)
          throw new ApiError({
            code: 'not_found',
            channel: 'qa.get',
            field: 'productId',
            message: `request "qa.get": product ${input.productId} has not been through QA yet`,
          });
      } else {
        const subject = input.imageId !== undefined ? 'image' : 'mosaic';
        const id = (input.imageId ?? input.mosaicId) as number;
        result = db.qa.latestFor(subject, id);
        if (!result)
          throw notFound('qa.get', `QA result of ${subject}`, subject === 'image' ? 'imageId' : 'mosaicId', String(id));
      }
      return {
        subject: result.subject,
        subjectId: result.subjectId,
        productId: result.productId,
        tier: result.tier,
        verdict: result.verdict,
        createdMjd: result.createdMjd,
        checks: result.reasons.map((r) => ({
          check: r.check,
          verdict: r.severity,
          value: r.value,
          limit: r.limit,
          message: r.message,
        })),
        metrics: result.metrics,
        history: db.qa
          .history(result.subject, result.subjectId)
          .filter((h) => h.id !== result.id)
          .sort((a, b) => b.id - a.id)
          .map((h) => ({ id: h.id, tier: h.tier, verdict: h.verdict, createdMjd: h.createdMjd })),
      };
    },
    'config.setUser': async (input) => {
      try {
        const r = await setUserSettings(engine, input.settings);
        return { ...configView(), changed: r.changed, shadowed: r.shadowed };
      } catch (err) {
        return submitApiError('config.setUser', err);
      }
    },
    'calibrators.transits': async (input) => {
      const cals =
        input.name !== undefined
          ? calibratorsByName(db, input.name).map((m) => m.calibrator)
          : db.calibration.listCalibrators({
              decMinDeg: (input.decDeg as number) - input.radiusDeg,
              decMaxDeg: (input.decDeg as number) + input.radiusDeg,
              minFlux1400Jy: input.minFluxJy,
            });
      if (input.name !== undefined && cals.length === 0)
        throw notFound('calibrators.transits', 'calibrator', 'name', input.name);
      return calibratorTransitsInRange(db, cals, input);
    },
    'coverage.summary': async (input) => coverageSummary(db, input),
    ...timelineHandlers(db),
  };

  // A repository that finds a row missing mid-request (deleted meanwhile) is a not-found too.
  const wrapped = {} as Record<RequestName, (input: never, ctx: never) => Promise<unknown>>;
  for (const [name, handler] of Object.entries(handlers) as [RequestName, (i: never, c: never) => Promise<unknown>][]) {
    wrapped[name] = async (input, ctx) => {
      try {
        return await handler(input, ctx);
      } catch (err) {
        if (err instanceof DbNotFoundError)
          throw new ApiError({ code: 'not_found', channel: name, message: `request "${name}": ${err.message}` });
        throw err;
      }
    };
  }
  return wrapped as unknown as ApiHandlers;
}
