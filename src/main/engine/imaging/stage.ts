// The image stage: one Measurement Set -> the FITS products, recorded in the images table
// (beam, rms, peak, dynamic range, centre, size, cell, frequency, tier, primary-beam model),
// as a job-runner stage (`image`) and job kind (`image`) registered on an engine's registry.
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Config } from '../config';
import type { Database } from '../db';
import { defineStage } from '../jobs';
import type { JobRegistry } from '../jobs';
import type { NativePool } from '../native/pool';
import type { ImageKind, ImageTier } from '../../../shared/model/images';
import { IMAGE_PRODUCTS, imageMeasurementSet } from './pipeline';
import type { ImageProduct, ImagingOutput, ImagingParams } from './pipeline';

export const IMAGE_KIND = 'image';
export const IMAGE_STAGE = 'image';

export const IMAGING_TIERS = ['quick', 'standard', 'deep'] as const;
export type ImagingTier = (typeof IMAGING_TIERS)[number];

export const ImageJobParams = z.object({
  msPath: z.string().min(1),
  /** Output prefix: PREFIX-image.fits etc. */
  prefix: z.string().min(1),
  tier: z.enum(IMAGING_TIERS).default('standard'),
  size: z.number().int().min(16).max(32768).optional(),
  cellArcsec: z.number().positive().optional(),
  weighting: z.enum(['briggs', 'natural', 'uniform']).optional(),
  robust: z.number().min(-2).max(2).optional(),
  niter: z.number().int().min(0).optional(),
  mgain: z.number().gt(0).max(1).optional(),
  autoThresholdSigma: z.number().positive().optional(),
  autoMaskSigma: z.number().min(0).optional(),
  column: z.enum(['DATA', 'CORRECTED_DATA']).default('DATA'),
  /** Reference catalog (db sources) whose sources outside the field are subtracted; default config qa.catalog. */
  catalog: z.string().min(1).nullable().optional(),
  overwrite: z.boolean().default(false),
});
export type ImageJobParams = z.infer<typeof ImageJobParams>;

/**
 * The parameters of a tier, from the configuration (Briggs 0, mgain 0.8, PB cut 0.2, and a deep
 * CLEAN: auto-threshold 1 sigma inside an auto-mask from 4 sigma, a time budget): quick = the
 * dirty image (niter 0); standard = the configuration; deep = 10 x niter, auto-threshold at most
 * 0.5 sigma, 4 x the time budget.
 */
export function tierParams(imaging: Config['imaging'], tier: ImagingTier): ImagingParams {
  const base: ImagingParams = {
    size: imaging.size, cellArcsec: imaging.cellArcsec, weighting: imaging.weighting, robust: imaging.robust, niter: imaging.niter,
    mgain: imaging.mgain, autoThresholdSigma: imaging.autoThresholdSigma, autoMaskSigma: imaging.autoMaskSigma, cleanBudgetS: imaging.cleanBudgetS,
    pbCut: imaging.pbCut, beamModel: imaging.beamModel,
    epsilon: imaging.epsilon, sefdJy: imaging.sefdJy,
  };
  if (tier === 'quick') return { ...base, niter: 0 };
  if (tier === 'deep') {
    return {
      ...base, niter: imaging.niter * 10, autoThresholdSigma: Math.min(0.5, imaging.autoThresholdSigma),
      autoMaskSigma: imaging.autoMaskSigma > 0 ? imaging.autoMaskSigma : 4, cleanBudgetS: 4 * imaging.cleanBudgetS,
    };
  }
  return base;
}

/** The parameters of a job: the tier's, then the explicit overrides. */
export function resolveImagingParams(imaging: Config['imaging'], p: ImageJobParams, threads: number): ImagingParams {
  const t = tierParams(imaging, p.tier);
  const pick = <K extends keyof ImagingParams>(k: K, v: ImagingParams[K] | undefined): ImagingParams[K] => (v === undefined ? t[k] : v);
  return {
    ...t,
    size: pick('size', p.size), cellArcsec: pick('cellArcsec', p.cellArcsec), weighting: pick('weighting', p.weighting),
    robust: pick('robust', p.robust), niter: pick('niter', p.niter), mgain: pick('mgain', p.mgain),
    autoThresholdSigma: pick('autoThresholdSigma', p.autoThresholdSigma), autoMaskSigma: pick('autoMaskSigma', p.autoMaskSigma),
    column: p.column, threads,
  };
}

const KIND_OF: Record<ImageProduct, ImageKind> = {
  dirty: 'dirty', psf: 'psf', model: 'model', residual: 'residual', image: 'clean', pb: 'pb', 'image-pb': 'pbcor',
};

export function productPaths(prefix: string): Record<ImageProduct, string> {
  const out = {} as Record<ImageProduct, string>;
  for (const p of IMAGE_PRODUCTS) out[p] = path.resolve(`${prefix}-${p}.fits`);
  return out;
}

/** Record (insert or update) the products of an imaging run; returns the image ids by product. */
export function recordImages(db: Database, out: ImagingOutput, tier: ImagingTier): Record<ImageProduct, number> {
  const msId = db.ms.getByPath(out.msPath)?.id ?? null;
  const dbTier: ImageTier = tier === 'quick' ? 'quicklook' : 'science';
  const ids = {} as Record<ImageProduct, number>;
  for (const product of IMAGE_PRODUCTS) {
    const file = out.files[product];
    const measured = product === 'image' || product === 'image-pb' || product === 'residual' || product === 'dirty';
    const fields = {
      msId, kind: KIND_OF[product], beamMajorArcsec: out.beam.majorArcsec, beamMinorArcsec: out.beam.minorArcsec, beamPaDeg: out.beam.paDeg,
      ...(measured ? { rmsJy: out.rmsJy, peakJy: out.peakJy, dynamicRange: Number.isFinite(out.dynamicRange) ? out.dynamicRange : null } : {}),
      centerRaDeg: ((out.centre.raDeg % 360) + 360) % 360, centerDecDeg: out.centre.decDeg, widthPx: out.size, heightPx: out.size,
      cellArcsec: out.cellArcsec, freqHz: out.freqHz, tier: dbTier, pbModel: out.pbModel,
    };
    const existing = db.images.getImageByPath(file);
    ids[product] = existing ? db.images.updateImage(existing.id, fields).id : db.images.insertImage({ path: file, ...fields }).id;
  }
  return ids;
}

export interface ImageStageResult {
  [key: string]: string | number | null | Record<string, string>;
  image: string;
  imageId: number;
  msPath: string;
  rmsJy: number;
  /** Expected thermal noise of the image (Jy/beam; null when unknown, as for a reused image). */
  thermalNoiseJy: number | null;
  peakJy: number;
  dynamicRange: number | null;
  beamMajorArcsec: number;
  beamMinorArcsec: number;
  beamPaDeg: number;
  iterations: number;
  /** Sources outside the field subtracted before imaging: name, apparent flux (Jy), offset (deg). */
  subtracted: string;
  files: Record<string, string>;
}

export function stageResult(out: ImagingOutput, ids: Record<ImageProduct, number>): ImageStageResult {
  return {
    image: out.files.image, imageId: ids.image, msPath: out.msPath, rmsJy: out.rmsJy,
    thermalNoiseJy: Number.isFinite(out.thermalNoiseJy) ? out.thermalNoiseJy : null, peakJy: out.peakJy,
    dynamicRange: Number.isFinite(out.dynamicRange) ? out.dynamicRange : null, beamMajorArcsec: out.beam.majorArcsec,
    beamMinorArcsec: out.beam.minorArcsec, beamPaDeg: out.beam.paDeg, iterations: out.iterations,
    subtracted: out.subtracted.map((s) => `${s.name} ${s.apparentJy.toFixed(3)} Jy at ${s.offsetDeg.toFixed(2)} deg`).join('; '), files: { ...out.files },
  };
}

/** The image stage over an engine's database, configuration and native pool. */
export function imageStage(engine: { db: Database; config: Config; native(): NativePool; app?: { name: string; version: string } }) {
  return defineStage({
    name: IMAGE_STAGE,
    params: ImageJobParams,
    inputs: (ctx) => [ctx.params.msPath],
    outputs: (ctx) => Object.values(productPaths(ctx.params.prefix)),
    validate: (ctx) => {
      if (!existsSync(path.join(ctx.params.msPath, 'table.dat'))) throw new Error(`image: ${ctx.params.msPath} is not a Measurement Set (no table.dat)`);
    },
    verify: (ctx) => {
      if (ctx.params.overwrite) return null;
      const files = productPaths(ctx.params.prefix);
      if (!Object.values(files).every((f) => existsSync(f))) return null;
      const row = engine.db.images.getImageByPath(files.image);
      if (!row) return null;
      return {
        image: files.image, imageId: row.id, msPath: path.resolve(ctx.params.msPath), rmsJy: row.rmsJy ?? 0, thermalNoiseJy: null as number | null, subtracted: '', peakJy: row.peakJy ?? 0,
        dynamicRange: row.dynamicRange ?? null, beamMajorArcsec: row.beamMajorArcsec ?? 0, beamMinorArcsec: row.beamMinorArcsec ?? 0,
        beamPaDeg: row.beamPaDeg ?? 0, iterations: 0, files: { ...files },
      } satisfies ImageStageResult;
    },
    execute: async (ctx) => {
      const params = resolveImagingParams(engine.config.imaging, ctx.params, engine.config.threads);
      const catalog = ctx.params.catalog === undefined ? engine.config.qa.catalog : ctx.params.catalog;
      const oo = engine.config.imaging.outOfField;
      const smc = engine.config.imaging.skyModelCal;
      if (catalog && (oo.minApparentJy > 0 || smc.minApparentJy > 0) && ctx.params.tier !== 'quick') {
        if (!engine.db.sources.catalogs().some((c) => c.catalog === catalog)) {
          throw new Error(`image: no reference catalog named ${JSON.stringify(catalog)} in the database for the sky model (import one with dsa110 catalog import)`);
        }
        const spectral = { catalog, catalogFreqHz: engine.config.qa.catalogFreqHz, spectralIndex: engine.config.qa.catalogSpectralIndex };
        if (oo.minApparentJy > 0) params.outOfField = { ...oo, ...spectral };
        if (smc.minApparentJy > 0) params.skyModelCal = { ...smc, radiusNulls: oo.radiusNulls, ...spectral };
      }
      const out = await imageMeasurementSet(engine.native(), {
        skyCatalog: (ra, dec, r) => (catalog ? engine.db.sources.cone(ra, dec, r, catalog) : []).map((s) => ({ name: s.name, raDeg: s.raDeg, decDeg: s.decDeg, fluxJy: s.fluxJy ?? 0 })),
        msPath: ctx.params.msPath, prefix: ctx.params.prefix, params, signal: ctx.signal,
        provenance: { software: `${engine.app?.name ?? 'dsa110-contimg'} ${engine.app?.version ?? ''}`.trim(), job: ctx.jobId, tier: ctx.params.tier },
        onProgress: (f, m) => ctx.progress(f, m),
      });
      const ids = recordImages(engine.db, out, ctx.params.tier);
      ctx.log.info({ rms: out.rmsJy, peak: out.peakJy, beam: out.beam, iterations: out.iterations }, `wrote ${out.files.image}`);
      return stageResult(out, ids);
    },
    cleanup: (ctx) => {
      // Partial files of an interrupted write (the writer renames complete files into place).
      for (const f of Object.values(productPaths(ctx.params.prefix))) rmSync(`${f}.partial-${process.pid}`, { force: true });
    },
  });
}

/** Register the image stage and job kind once on a registry (e.g. `engine.registry`). */
export function registerImage(engine: { db: Database; config: Config; registry: JobRegistry; native(): NativePool; app?: { name: string; version: string } }): void {
  const reg = engine.registry;
  if (reg.jobKinds().some((k) => k.kind === IMAGE_KIND)) return;
  reg.registerStage(imageStage(engine)).registerJob({
    kind: IMAGE_KIND,
    title: 'image one Measurement Set (Stokes I, CLEAN, primary beam)',
    params: ImageJobParams,
    build: (p) => [{ id: 'image', stage: IMAGE_STAGE, params: p, deps: [] }],
  });
}
