// The engine's implementation of every request of the API contract, against the repositories
// and the job runner. Transport-free: Electron IPC, the CLI and a later HTTP server all call it.
import os from 'node:os';
import { ApiError, type ApiHandlers, type RequestName } from '../../../shared/api';
import { canTransition, PRODUCT_TRANSITIONS, TERMINAL_JOB_STATES, type JsonObject, type Product } from '../../../shared/model';
import { describeOrigin } from '../config';
import { DbNotFoundError } from '../db';
import type { Engine } from '../engine';
import { searchCalibrators } from '../calibration/calibrators';
import { CalibratorNameError, resolveCalibratorName } from '../../../shared/catalog/calibrator-names';

function notFound(channel: RequestName, what: string, field: string, value: string): ApiError {
  return new ApiError({ code: 'not_found', channel, field, message: `request "${channel}": no ${what} with ${field} ${JSON.stringify(value)}` });
}

/** Review decisions: the product must exist and its lifecycle must allow the move. */
function review(engine: Engine, channel: 'products.approve' | 'products.reject', id: string, to: 'approved' | 'rejected', reviewer: string, comment: string | undefined): { product: Product } {
  const current = engine.db.products.get(id);
  if (!current) throw notFound(channel, 'product', 'id', id);
  if (!canTransition(current.status, to)) {
    const allowed = PRODUCT_TRANSITIONS[current.status];
    throw new ApiError({
      code: 'conflict', channel, field: 'id',
      message: `request "${channel}": product ${id} is ${current.status} and cannot become ${to} (allowed from ${current.status}: ${allowed.length ? allowed.join(', ') : 'none, it is final'})`,
    });
  }
  const product = engine.db.products.transition(id, to, { actor: reviewer, ...(comment !== undefined ? { note: comment } : {}) });
  engine.log.info({ productId: id, reviewer, to }, `product ${id} ${to} by ${reviewer}`);
  return { product };
}

/**
 * Every request of the contract. Domain failures are `ApiError`s (`not_found`, `conflict`);
 * a repository's not-found error that escapes a handler is mapped to `not_found` as well.
 */
export function createApiHandlers(engine: Engine): ApiHandlers {
  const { db } = engine;
  const origins: Record<string, string> = Object.fromEntries(Object.entries(engine.loaded.origins).map(([k, o]) => [k, describeOrigin(o)]));

  const handlers: ApiHandlers = {
    'app.info': async () => ({
      appName: engine.app.name,
      version: engine.app.version,
      runtime: engine.app.runtime,
      platform: `${os.platform()}-${os.arch()}`,
      versions: Object.fromEntries(Object.entries(process.versions).filter((e): e is [string, string] => typeof e[1] === 'string')),
      workspace: engine.paths.root,
      startedMjd: engine.startedMjd,
    }),
    'config.get': async () => ({
      path: engine.loaded.configFile,
      // The config is plain JSON data (zod-parsed); the round trip drops nothing.
      values: JSON.parse(JSON.stringify(engine.config)) as JsonObject,
      origins,
    }),
    'jobs.list': async (input) => db.jobs.page({ states: input.states, kind: input.kind, limit: input.limit, offset: input.offset }),
    'jobs.get': async (input) => {
      const job = db.jobs.get(input.id);
      if (!job) throw notFound('jobs.get', 'job', 'id', input.id);
      return { job, stages: db.jobs.stageRuns(input.id) };
    },
    'jobs.logs': async (input) => {
      if (!db.jobs.get(input.jobId)) throw notFound('jobs.logs', 'job', 'jobId', input.jobId);
      return db.jobs.logsPage(input.jobId, { afterId: input.afterId, stageId: input.stageId, minLevel: input.minLevel, limit: input.limit });
    },
    'jobs.cancel': async (input) => {
      const job = db.jobs.get(input.id);
      if (!job) throw notFound('jobs.cancel', 'job', 'id', input.id);
      if (TERMINAL_JOB_STATES.includes(job.state)) return { accepted: false, job };
      // The reason goes to the job's own log, where whoever reads the job will look.
      db.jobs.appendLog({ jobId: input.id, level: 'warn', message: `cancel requested${input.reason ? `: ${input.reason}` : ''}` });
      const cancelled = await engine.runner.cancel(input.id);
      return { accepted: true, job: cancelled };
    },
    'groups.list': async (input) => db.ingest.pageGroups(input),
    'ms.list': async (input) => db.ms.page(input),
    'calibrators.search': async (input) => ({
      items: searchCalibrators(db, engine.config, {
        decDeg: input.decDeg, radiusDeg: input.radiusDeg, minFluxJy: input.minFluxJy, limit: input.limit,
        ...(input.afterMjd !== undefined ? { afterMjd: input.afterMjd } : {}),
      }),
    }),
    'calibrators.get': async (input) => {
      const entries = db.calibration.listCalibrators();
      const r = resolveCalibratorName(input.name, entries);
      if (r.status === 'unknown') throw notFound('calibrators.get', 'calibrator', 'name', input.name);
      if (r.status === 'ambiguous') {
        const e = new CalibratorNameError(input.name, r.candidates, 'the calibrator catalog');
        throw new ApiError({ code: 'invalid_input', channel: 'calibrators.get', field: 'name', message: `request "calibrators.get": ${e.message}` });
      }
      return { calibrator: r.entry, matchedAs: r.via };
    },
    'products.list': async (input) => db.products.page({ statuses: input.statuses, kinds: input.kinds, limit: input.limit, offset: input.offset }),
    'products.get': async (input) => {
      const product = db.products.get(input.id);
      if (!product) throw notFound('products.get', 'product', 'id', input.id);
      return { product, events: db.products.events(input.id) };
    },
    'products.approve': async (input) => review(engine, 'products.approve', input.id, 'approved', input.reviewer, input.comment),
    'products.reject': async (input) => review(engine, 'products.reject', input.id, 'rejected', input.reviewer, input.comment),
    'images.list': async (input) => db.images.pageImages({ msId: input.msId, kinds: input.kinds, tier: input.tier, limit: input.limit, offset: input.offset }),
  };

  // A repository that finds a row missing mid-request (deleted meanwhile) is a not-found too.
  const wrapped = {} as Record<RequestName, (input: never, ctx: never) => Promise<unknown>>;
  for (const [name, handler] of Object.entries(handlers) as [RequestName, (i: never, c: never) => Promise<unknown>][]) {
    wrapped[name] = async (input, ctx) => {
      try {
        return await handler(input, ctx);
      } catch (err) {
        if (err instanceof DbNotFoundError) throw new ApiError({ code: 'not_found', channel: name, message: `request "${name}": ${err.message}` });
        throw err;
      }
    };
  }
  return wrapped as unknown as ApiHandlers;
}
