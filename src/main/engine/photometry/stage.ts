// The `photometry` stage of the job runner: measure images or mosaics (image:N, mosaic:N or FITS
// paths) into the science products (measure.ts), one database transaction per epoch, so a failed
// or cancelled run leaves every epoch measured completely or not at all. It verifies as done when
// every target already has its epoch. Also the `photometry` job kind (one stage), for measuring
// products after the fact; the mosaic job appends this stage when asked (`photometry: true`).
import { z } from 'zod';
import type { Config } from '../config';
import type { Database } from '../db';
import { defineStage, withJobConfig, type JobRegistry } from '../jobs';
import { measureEpoch, resolveTarget } from './measure';
import { DEFAULT_THRESHOLDS } from './variability';

export const PHOTOMETRY_STAGE = 'photometry';
export const PHOTOMETRY_JOB = 'photometry';

export const PhotometryParams = z.object({
  /** image:N, mosaic:N or FITS paths, in time order. */
  targets: z.array(z.string().min(1)).min(1),
  /** Reference catalog for forced photometry (null: config qa.catalog, else every catalog). */
  catalog: z.string().min(1).nullable().default(null),
  pbCut: z.number().gt(0).lt(1).optional(),
  thresholds: z
    .object({
      minVs: z.number().positive(),
      minM: z.number().positive(),
      etaFalseAlarm: z.number().gt(0).lt(1),
      minV: z.number().nonnegative(),
    })
    .default(DEFAULT_THRESHOLDS),
});
export type PhotometryParams = z.infer<typeof PhotometryParams>;

export interface PhotometryEngine {
  db: Database;
  config: Config;
  registry: JobRegistry;
  app?: { name: string; version: string };
}

export function photometryStage(engine: PhotometryEngine) {
  return defineStage({
    name: PHOTOMETRY_STAGE,
    params: PhotometryParams,
    // Targets are resolved at run time (a mosaic row exists only once its build stage ran).
    inputs: () => [],
    outputs: () => [],
    validate: (ctx) => {
      for (const t of ctx.params.targets) resolveTarget(engine.db, t);
    },
    verify: (ctx) => {
      const epochs = ctx.params.targets.map((t) =>
        engine.db.photometry.getEpochByPath(resolveTarget(engine.db, t).file),
      );
      if (epochs.some((e) => e === undefined)) return null;
      return { epochIds: epochs.map((e) => e!.id) };
    },
    execute: (ctx) => {
      const eng = withJobConfig(engine, ctx.config);
      const epochIds: number[] = [];
      let forced = 0;
      let components = 0;
      let newSources = 0;
      let candidates = 0;
      const n = ctx.params.targets.length;
      for (let k = 0; k < n; k++) {
        if (ctx.signal.aborted) throw new Error('photometry: cancelled');
        const target = resolveTarget(eng.db, ctx.params.targets[k]!);
        ctx.progress(k / n, `measuring ${target.file}`);
        const catalog = ctx.params.catalog ?? eng.config.qa.catalog ?? undefined;
        const r = measureEpoch(eng.db, target, {
          ...(catalog !== undefined ? { catalog } : {}),
          pbCut: ctx.params.pbCut ?? eng.config.imaging.pbCut,
          thresholds: ctx.params.thresholds,
          ...(engine.app ? { version: engine.app.version } : {}),
        });
        ctx.log.info(
          `photometry of ${target.file}: ${r.forced} forced, ${r.components} components, ${r.newSources} new, ${r.candidates} candidates`,
        );
        epochIds.push(r.epoch.id);
        forced += r.forced;
        components += r.components;
        newSources += r.newSources;
        candidates += r.candidates;
      }
      ctx.progress(1);
      return Promise.resolve({ epochIds, forced, components, newSources, candidates });
    },
    cleanup: () => undefined,
  });
}

/** Register the stage and the `photometry` job kind once on the engine's registry. */
export function registerPhotometry(engine: PhotometryEngine): void {
  const reg = engine.registry;
  if (reg.jobKinds().some((k) => k.kind === PHOTOMETRY_JOB)) return;
  reg.registerStage(photometryStage(engine)).registerJob({
    kind: PHOTOMETRY_JOB,
    title: 'photometry of images or mosaics: forced, components, association, light curves',
    params: PhotometryParams,
    build: (p) => [{ id: 'photometry', stage: PHOTOMETRY_STAGE, params: PhotometryParams.parse(p), deps: [] }],
  });
}
