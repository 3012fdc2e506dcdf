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
/**
 * What QA assesses: a registered product (`productId`), or a database row without one
 * (`subject`: image:N / mosaic:N, as `dsa110 qa` accepts); the primary beam and noise maps
 * default to the ones recorded with it.
 */
export const QaStageParams = z
  .object({
    productId: ProductId.optional(),
    subject: z
      .string()
      .regex(/^(image|mosaic):\d+$/, 'expected image:N or mosaic:N')
      .optional(),
    tier: QaTier,
    catalog: z.string().min(1).optional(),
    pbPath: z.string().min(1).optional(),
    noisePath: z.string().min(1).optional(),
  })
  .strict()
  .refine((p) => (p.productId === undefined) !== (p.subject === undefined), {
    message: 'expected exactly one of productId and subject',
  });
export type QaStageParams = z.infer<typeof QaStageParams>;

/** `image:N` / `mosaic:N` as subject and row id. */
function subjectOf(ref: string): { subject: 'image' | 'mosaic'; id: number } {
  const [subject, id] = ref.split(':');
  return { subject: subject === 'mosaic' ? 'mosaic' : 'image', id: Number(id) };
}

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
      const { productId, subject } = ctx.params;
      if (productId !== undefined && !engine.db.products.get(productId))
        throw new Error(`qa: no product ${productId} (see dsa110 products list)`);
      if (subject !== undefined) {
        const s = subjectOf(subject);
        const row = s.subject === 'image' ? engine.db.images.getImage(s.id) : engine.db.images.getMosaic(s.id);
        if (!row) throw new Error(`qa: ${engine.db.file}: no ${s.subject} with id ${s.id}`);
      }
    },
    // Done when this job recorded an assessment of its subject at its tier.
    verify: (ctx) => {
      const { productId, subject, tier } = ctx.params;
      const job = engine.db.jobs.get(ctx.jobId);
      const s = subject !== undefined ? subjectOf(subject) : null;
      const q = s ? engine.db.qa.latestFor(s.subject, s.id) : engine.db.qa.latestForProduct(productId ?? '');
      if (!job || !q || q.tier !== tier || q.createdMjd < job.createdMjd) return null;
      return {
        productId: q.productId,
        subject: q.subject,
        subjectId: q.subjectId,
        qaId: q.id,
        verdict: q.verdict,
        tier: q.tier,
      };
    },
    execute: async (ctx) => {
      const config = ctx.config ?? engine.config;
      const { productId, subject, tier, catalog, pbPath, noisePath } = ctx.params;
      // QA judges; publishing is a separate action (a publish job, or approval by a reviewer).
      const qaEngine = withJobConfig(engine, config);
      const r = await runQa(qaEngine, subject ?? productId ?? '', {
        tier,
        actor: 'pipeline',
        ...(catalog ? { catalog } : {}),
        ...(pbPath ? { pbPath } : {}),
        ...(noisePath ? { noisePath } : {}),
      });
      for (const reason of r.reasons)
        ctx.log.info(
          { check: reason.check, severity: reason.severity, value: reason.value, limit: reason.limit },
          reason.message,
        );
      const what = r.productId ?? `${r.subject}:${r.subjectId}`;
      ctx.log.info({ verdict: r.verdict }, `QA ${r.tier} of ${what}: ${r.verdict}`);
      return {
        productId: r.productId,
        subject: r.subject,
        subjectId: r.subjectId,
        qaId: r.id,
        verdict: r.verdict,
        tier: r.tier,
        file: r.file,
        transition: r.transition,
      };
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
