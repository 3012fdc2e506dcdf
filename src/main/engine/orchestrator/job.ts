// The `mosaic` job: a plan (plan.ts) becomes a stage graph of the job runner: convert each
// group not yet converted, solve calibration on the transit (unless valid tables are reused),
// apply to every MS, image every MS, build the mosaic, register and QA it, publish it. Every
// step is a stage, so a killed run resumes where it stopped and redoes nothing that verifies.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { JsonObject } from '../../../shared/model/common';
import { MosaicMethod } from '../../../shared/model/images';
import { QaTier } from '../../../shared/model/qa';
import { CALIBRATE_APPLY_STAGE, CALIBRATE_SOLVE_STAGE } from '../calibration/stage';
import type { Config, WorkspacePaths } from '../config';
import { CONVERT_STAGE } from '../convert/stage';
import type { Database } from '../db';
import { IMAGE_STAGE } from '../imaging';
import { defineStage, removePartials, withJobConfig, type JobRegistry, type StageInstance } from '../jobs';
import { buildMosaic, type MosaicEngine } from '../mosaic';
import type { NativePool } from '../native/pool';
import { runQa } from '../qa';
import { publish, registerProduct, type RegistryEngine } from '../registry';
import { PHOTOMETRY_STAGE } from '../photometry/stage';
import { MosaicPlanDoc } from './plan';

export const MOSAIC_JOB = 'mosaic';
export const MOSAIC_BUILD_STAGE = 'mosaic.build';
export const MOSAIC_QA_STAGE = 'mosaic.qa';
export const MOSAIC_PUBLISH_STAGE = 'mosaic.publish';

export interface OrchestratorEngine extends RegistryEngine {
  db: Database;
  config: Config;
  paths: WorkspacePaths;
  registry: JobRegistry;
  native(): NativePool;
  app?: { name: string; version: string };
}

/** The job's parameters: the plan, and whether a QA-passed mosaic is published without review. */
export const MosaicJobParams = z.object({
  plan: MosaicPlanDoc,
  autoPublish: z.boolean().default(true),
  /** Attempts of the publish move on transient errors (batch builds: 1, no retries). */
  publishAttempts: z.number().int().min(1).max(10).optional(),
  /** Register, QA-gate and publish the mosaic (its directory must be in the staging root). */
  register: z.boolean().default(true),
  /** Measure the mosaic into the science products (forced photometry, association) before publishing (default no). */
  photometry: z.boolean().optional(),
});
export type MosaicJobParams = z.infer<typeof MosaicJobParams>;

const BuildParams = z.object({
  name: z.string().min(1),
  method: MosaicMethod,
  outputDir: z.string().min(1),
  imagePaths: z.array(z.string().min(1)).min(1),
});
const QaParams = z.object({
  name: z.string().min(1),
  outputDir: z.string().min(1),
  tier: QaTier,
  catalog: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
  register: z.boolean(),
});
const PublishParams = z.object({
  name: z.string().min(1),
  autoPublish: z.boolean(),
  attempts: z.number().int().min(1).optional(),
});

/** Stage ids use the group id, which is a valid id (digits, '-', 'T', ':'). */
export function jobGraph(p: MosaicJobParams): StageInstance[] {
  const plan = p.plan;
  const out: StageInstance[] = [];
  const converted = new Set<string>();
  const convert = (groupId: string, msDir: string) => {
    if (converted.has(groupId)) return;
    converted.add(groupId);
    out.push({ id: `convert:${groupId}`, stage: CONVERT_STAGE, params: { groupId, outputDir: msDir }, deps: [] });
  };
  const cal = plan.calibration;
  if (cal.mode === 'solve' && cal.solveGroupId !== null && cal.solveMsPath !== null) {
    convert(cal.solveGroupId, path.dirname(cal.solveMsPath));
    out.push({
      id: 'solve',
      stage: CALIBRATE_SOLVE_STAGE,
      deps: [`convert:${cal.solveGroupId}`],
      // When the transit MS is also a tile of the mosaic, its solutions are applied in the same
      // pass over its data; its apply stage then verifies as done and does not read it again.
      params: {
        msPath: cal.solveMsPath,
        ...(plan.calibrator ? { calibrator: plan.calibrator } : {}),
        ...(plan.groups.some((g) => g.groupId === cal.solveGroupId) ? { apply: true } : {}),
      },
    });
  }
  for (const g of plan.groups) {
    convert(g.groupId, path.dirname(g.msPath));
    out.push({
      id: `apply:${g.groupId}`,
      stage: CALIBRATE_APPLY_STAGE,
      params: { msPath: g.msPath },
      deps: [`convert:${g.groupId}`, ...(cal.mode === 'solve' ? ['solve'] : [])],
    });
    out.push({
      id: `image:${g.groupId}`,
      stage: IMAGE_STAGE,
      deps: [`apply:${g.groupId}`],
      params: { msPath: g.msPath, prefix: g.imagePrefix, tier: 'standard', column: 'CORRECTED_DATA' },
    });
  }
  const metadata: JsonObject = {
    name: plan.name,
    mode: plan.mode,
    calibrator: plan.calibrator,
    transitMjd: plan.transitMjd,
    decDeg: plan.decDeg,
    startMjd: plan.groups[0]?.startMjd ?? plan.window.startMjd,
    windowStartMjd: plan.window.startMjd,
    windowEndMjd: plan.window.endMjd,
    nImages: plan.groups.length,
    groups: plan.groups.map((g) => g.groupId),
    method: plan.method,
    asymmetric: plan.asymmetric,
    calibration:
      plan.calibration.mode === 'solve'
        ? `solved on ${plan.calibration.solveGroupId}`
        : `reused ${plan.calibration.tableIds.join(',')}`,
  };
  out.push({
    id: 'mosaic',
    stage: MOSAIC_BUILD_STAGE,
    deps: plan.groups.map((g) => `image:${g.groupId}`),
    params: {
      name: plan.name,
      method: plan.method,
      outputDir: plan.outputDir,
      imagePaths: plan.groups.map((g) => `${g.imagePrefix}-image.fits`),
    },
  });
  out.push({
    id: 'qa',
    stage: MOSAIC_QA_STAGE,
    deps: ['mosaic'],
    params: {
      name: plan.name,
      outputDir: plan.outputDir,
      tier: plan.tier,
      catalog: plan.catalog,
      metadata,
      register: p.register,
    },
  });
  if (p.photometry) {
    out.push({
      id: 'photometry',
      stage: PHOTOMETRY_STAGE,
      // Before publishing moves the files; the mosaic's row gives its time and calibration.
      deps: ['qa'],
      params: {
        targets: [path.join(plan.outputDir, `${plan.name}.fits`)],
        catalog: plan.catalog,
      },
    });
  }
  if (p.register) {
    out.push({
      id: 'publish',
      stage: MOSAIC_PUBLISH_STAGE,
      deps: p.photometry ? ['qa', 'photometry'] : ['qa'],
      params: {
        name: plan.name,
        autoPublish: p.autoPublish,
        ...(p.publishAttempts ? { attempts: p.publishAttempts } : {}),
      },
    });
  }
  return out;
}

/** The mosaic's own files, wherever the product is now (staged, or moved when published). */
function productDir(engine: OrchestratorEngine, name: string, stagedDir: string): string | null {
  const product = engine.db.products.get(name);
  if (product) {
    const dir = product.publishedPath ?? product.path;
    return existsSync(dir) ? dir : null;
  }
  return existsSync(path.join(stagedDir, `${name}.fits`)) ? stagedDir : null;
}

function mosaicBuildStage(engine: OrchestratorEngine) {
  return defineStage({
    name: MOSAIC_BUILD_STAGE,
    params: BuildParams,
    inputs: (ctx) => ctx.params.imagePaths,
    outputs: (ctx) => [ctx.params.outputDir],
    validate: (ctx) => {
      for (const p of ctx.params.imagePaths) {
        if (!engine.db.images.getImageByPath(p))
          throw new Error(
            `mosaic ${ctx.params.name}: image ${p} is not recorded in the database (was it made by \`dsa110 image\`?)`,
          );
      }
    },
    verify: (ctx) => {
      // Built once: later the directory may have moved to the products root (published).
      const dir = productDir(engine, ctx.params.name, ctx.params.outputDir);
      if (!dir) return null;
      const row = engine.db.images.getMosaicByPath(path.join(ctx.params.outputDir, `${ctx.params.name}.fits`));
      if (!row) return null;
      return { dir, mosaicId: row.id, groupId: row.groupId, nImages: row.nImages, noiseJy: row.noiseJy };
    },
    execute: async (ctx) => {
      const imageIds = ctx.params.imagePaths.map((p) => engine.db.images.getImageByPath(p)?.id ?? -1);
      const r = await buildMosaic(withJobConfig(engine, ctx.config) as MosaicEngine, {
        imageIds,
        method: ctx.params.method,
        outputDir: ctx.params.outputDir,
        name: ctx.params.name,
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
      });
      ctx.log.info(
        { mosaicId: r.mosaicId, files: r.files },
        `built mosaic ${ctx.params.name} from ${r.nImages} images, median noise ${(r.noiseJy * 1e3).toFixed(3)} mJy/beam`,
      );
      return {
        dir: ctx.params.outputDir,
        mosaicId: r.mosaicId,
        groupId: r.groupId,
        nImages: r.nImages,
        noiseJy: r.noiseJy,
      };
    },
    // A directory with no mosaic row and no product is an orphan of a run killed between the
    // rename and the database insert: remove it so the build starts clean. The temporary
    // directory of a build killed before its rename (`.NAME.partial-...`) goes too.
    cleanup: async (ctx) => {
      const { name, outputDir } = ctx.params;
      await removePartials(outputDir);
      if (engine.db.products.get(name) || engine.db.images.getMosaicByPath(path.join(outputDir, `${name}.fits`)))
        return;
      rmSync(outputDir, { recursive: true, force: true });
    },
  });
}

function mosaicQaStage(engine: OrchestratorEngine) {
  return defineStage({
    name: MOSAIC_QA_STAGE,
    params: QaParams,
    inputs: () => [],
    outputs: () => [],
    validate: () => undefined,
    verify: (ctx) => {
      if (!ctx.params.register) {
        const m = engine.db.images.getMosaicByPath(path.join(ctx.params.outputDir, `${ctx.params.name}.fits`));
        const q = m ? engine.db.qa.latestFor('mosaic', m.id) : undefined;
        return m && q ? { productId: null, verdict: q.verdict, status: 'unregistered', qaId: q.id } : null;
      }
      const product = engine.db.products.get(ctx.params.name);
      const qa = engine.db.qa.latestForProduct(ctx.params.name);
      if (!product || !qa || product.status === 'staging') return null;
      return { productId: product.id, verdict: qa.verdict, status: product.status, qaId: qa.id };
    },
    execute: async (ctx) => {
      if (!ctx.params.register) {
        const m = engine.db.images.getMosaicByPath(path.join(ctx.params.outputDir, `${ctx.params.name}.fits`));
        if (!m) throw new Error(`qa: mosaic ${ctx.params.name} is not recorded in the database`);
        const q = await runQa(
          withJobConfig(engine, ctx.config),
          { subject: 'mosaic', subjectId: m.id },
          { tier: ctx.params.tier, ...(ctx.params.catalog ? { catalog: ctx.params.catalog } : {}) },
        );
        for (const r of q.reasons) ctx.log.info({ check: r.check, severity: r.severity }, r.message);
        return { productId: null, verdict: q.verdict, status: 'unregistered', qaId: q.id };
      }
      let product = engine.db.products.get(ctx.params.name);
      if (!product) {
        const mosaic = engine.db.images.getMosaicByPath(path.join(ctx.params.outputDir, `${ctx.params.name}.fits`));
        product = await registerProduct(engine, {
          kind: 'mosaic',
          stagedPath: ctx.params.outputDir,
          metadata: {
            ...(ctx.params.metadata as JsonObject),
            mosaicId: mosaic?.id ?? null,
            noiseJy: mosaic?.noiseJy ?? null,
            endMjd: mosaic?.endMjd ?? null,
            jobId: ctx.jobId,
          },
        });
      }
      // QA alone (it never publishes), with the job's frozen configuration: publishing is the next stage's decision.
      const qaEngine = withJobConfig(engine, ctx.config ?? engine.config);
      const result = await runQa(qaEngine, product.id, {
        tier: ctx.params.tier,
        ...(ctx.params.catalog ? { catalog: ctx.params.catalog } : {}),
      });
      const after = engine.db.products.require(product.id);
      for (const r of result.reasons) ctx.log.info({ check: r.check, severity: r.severity }, r.message);
      return { productId: product.id, verdict: result.verdict, status: after.status, qaId: result.id };
    },
    cleanup: () => undefined,
  });
}

/** A product this job leaves to a reviewer: failed QA, rejected, or passed with auto-publish off. */
function awaitsReview(status: string, autoPublish: boolean): boolean {
  return status === 'qa_failed' || status === 'rejected' || (status === 'qa_passed' && !autoPublish);
}

function mosaicPublishStage(engine: OrchestratorEngine) {
  return defineStage({
    name: MOSAIC_PUBLISH_STAGE,
    params: PublishParams,
    inputs: () => [],
    outputs: () => [],
    validate: (ctx) => {
      if (!engine.db.products.get(ctx.params.name))
        throw new Error(`publish: mosaic ${ctx.params.name} is not a registered product`);
    },
    verify: (ctx) => {
      const p = engine.db.products.require(ctx.params.name);
      if (p.status === 'published')
        return { productId: p.id, outcome: 'published', path: p.publishedPath ?? p.path, status: p.status };
      if (awaitsReview(p.status, ctx.params.autoPublish))
        return { productId: p.id, outcome: 'review', path: p.path, status: p.status };
      return null;
    },
    execute: async (ctx) => {
      const p = engine.db.products.require(ctx.params.name);
      if (awaitsReview(p.status, ctx.params.autoPublish)) {
        const why =
          p.status === 'qa_failed'
            ? 'QA failed'
            : p.status === 'rejected'
              ? 'rejected by a reviewer'
              : 'auto-publish is off';
        ctx.log.warn(
          { productId: p.id, status: p.status },
          `mosaic ${p.id} left for review (${why}): dsa110 qa ${p.id}; dsa110 approve ${p.id} --reviewer NAME`,
        );
        return { productId: p.id, outcome: 'review', path: p.path, status: p.status };
      }
      // The user asked this job for a published mosaic: publish a QA-passed one without review.
      const pubEngine = withJobConfig(engine, ctx.config ?? engine.config);
      const r = await publish(pubEngine, p.id, {
        actor: 'pipeline',
        autoPublish: ctx.params.autoPublish,
        ...(ctx.params.attempts ? { attempts: ctx.params.attempts } : {}),
      });
      return {
        productId: p.id,
        outcome: r.outcome,
        path: r.product.publishedPath ?? r.product.path,
        status: r.product.status,
      };
    },
    cleanup: () => undefined,
  });
}

/** Register the mosaic stages and the `mosaic` job kind once on the engine's registry. */
export function registerMosaicJob(engine: OrchestratorEngine): void {
  const reg = engine.registry;
  if (reg.jobKinds().some((k) => k.kind === MOSAIC_JOB)) return;
  reg
    .registerStage(mosaicBuildStage(engine))
    .registerStage(mosaicQaStage(engine))
    .registerStage(mosaicPublishStage(engine))
    .registerJob({
      kind: MOSAIC_JOB,
      title: 'a mosaic from raw groups: convert, calibrate, image, combine, QA, publish',
      params: MosaicJobParams,
      build: (p) => jobGraph(MosaicJobParams.parse(p)),
    });
}
