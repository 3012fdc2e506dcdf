// The `publish` and `qa` jobs: the registry's safe publish and the QA assessment of a registered
// product, each one stage, so that every action a client or the CLI starts is a job with its
// parameters and configuration frozen, its log, and its outcome recorded.
import { z } from 'zod';
import { ProductId } from '../../../shared/model/products';
import { QaTier } from '../../../shared/model/qa';
import { defineStage, withJobConfig } from '../jobs';
import { runQa } from '../qa';
import { publish } from '../registry';
import type { OrchestratorEngine } from './job';

export const PUBLISH_JOB = 'publish';
export const PUBLISH_STAGE = 'product.publish';
export const QA_JOB = 'qa';
export const QA_STAGE = 'product.qa';

export const PublishStageParams = z.object({ productId: ProductId, actor: z.string().trim().min(1).max(100) }).strict();
export const QaStageParams = z
  .object({ productId: ProductId, tier: QaTier, catalog: z.string().min(1).optional() })
  .strict();

function publishStage(engine: OrchestratorEngine) {
  return defineStage({
    name: PUBLISH_STAGE,
    params: PublishStageParams,
    inputs: () => [],
    outputs: () => [],
    validate: (ctx) => {
      if (!engine.db.products.get(ctx.params.productId))
        throw new Error(`publish: no product ${ctx.params.productId} (see dsa110 products list)`);
    },
    verify: (ctx) => {
      const p = engine.db.products.get(ctx.params.productId);
      return p?.status === 'published'
        ? { productId: p.id, outcome: 'already-published', path: p.publishedPath ?? p.path }
        : null;
    },
    execute: async (ctx) => {
      // The registry's own rules decide (approved, or QA-passed with the job's publishing.autoPublish).
      const config = ctx.config ?? engine.config;
      const r = await publish(withJobConfig(engine, config), ctx.params.productId, {
        actor: ctx.params.actor,
        autoPublish: config.publishing.autoPublish,
      });
      ctx.log.info(
        { productId: r.product.id, outcome: r.outcome, method: r.method ?? null },
        `product ${r.product.id} ${r.outcome} to ${r.product.publishedPath ?? r.product.path}`,
      );
      return {
        productId: r.product.id,
        outcome: r.outcome,
        path: r.product.publishedPath ?? r.product.path,
        ...(r.method ? { method: r.method } : {}),
        ...(r.attempts !== undefined ? { attempts: r.attempts } : {}),
      };
    },
    cleanup: () => undefined,
  });
}

function qaStage(engine: OrchestratorEngine) {
  return defineStage({
    name: QA_STAGE,
    params: QaStageParams,
    inputs: () => [],
    outputs: () => [],
    validate: (ctx) => {
      if (!engine.db.products.get(ctx.params.productId))
        throw new Error(`qa: no product ${ctx.params.productId} (see dsa110 products list)`);
    },
    // Done when this job recorded an assessment of the product at its tier.
    verify: (ctx) => {
      const job = engine.db.jobs.get(ctx.jobId);
      const q = engine.db.qa.latestForProduct(ctx.params.productId);
      if (!job || !q || q.tier !== ctx.params.tier || q.createdMjd < job.createdMjd) return null;
      return { productId: ctx.params.productId, qaId: q.id, verdict: q.verdict, tier: q.tier };
    },
    execute: async (ctx) => {
      const config = ctx.config ?? engine.config;
      // QA judges; publishing is a separate action (a publish job, or approval by a reviewer).
      const qaEngine = withJobConfig(engine, config);
      const r = await runQa(qaEngine, ctx.params.productId, {
        tier: ctx.params.tier,
        actor: 'pipeline',
        ...(ctx.params.catalog ? { catalog: ctx.params.catalog } : {}),
      });
      for (const reason of r.reasons)
        ctx.log.info(
          { check: reason.check, severity: reason.severity, value: reason.value, limit: reason.limit },
          reason.message,
        );
      ctx.log.info({ verdict: r.verdict }, `QA ${r.tier} of ${ctx.params.productId}: ${r.verdict}`);
      return { productId: ctx.params.productId, qaId: r.id, verdict: r.verdict, tier: r.tier };
    },
    cleanup: () => undefined,
  });
}

/** Register the publish and qa stages and job kinds once on the engine's registry. */
export function registerProductJobs(engine: OrchestratorEngine): void {
  const reg = engine.registry;
  if (reg.jobKinds().some((k) => k.kind === PUBLISH_JOB)) return;
  reg
    .registerStage(publishStage(engine))
    .registerStage(qaStage(engine))
    .registerJob({
      kind: PUBLISH_JOB,
      title: 'publish a QA-passed or approved product (checksum-verified, journaled move)',
      params: PublishStageParams,
      build: (p) => [{ id: 'publish', stage: PUBLISH_STAGE, params: p, deps: [] }],
    })
    .registerJob({
      kind: QA_JOB,
      title: 'quality assessment of a registered product',
      params: QaStageParams,
      build: (p) => [{ id: 'qa', stage: QA_STAGE, params: p, deps: [] }],
    });
}
