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
  overwrite: z.boolean().default(false),
});
export type ImageJobParams = z.infer<typeof ImageJobParams>;

/**
 * The parameters of a tier, from the configuration (DSA-110 practice: Briggs 0, niter 1000,
 * mgain 0.8, auto-threshold 3 sigma, PB cut 0.2): quick = the dirty image (niter 0); standard =
 * the configuration; deep = 10 x niter, auto-threshold 1 sigma inside an auto-mask from 4 sigma.
 */
export function tierParams(imaging: Config['imaging'], tier: ImagingTier): ImagingParams {
  const base: ImagingParams = {
    size: imaging.size,
    cellArcsec: imaging.cellArcsec,
    weighting: imaging.weighting,
    robust: imaging.robust,
    niter: imaging.niter,
    mgain: imaging.mgain,
    autoThresholdSigma: imaging.autoThresholdSigma,
    pbCut: imaging.pbCut,
    beamModel: imaging.beamModel,
    epsilon: imaging.epsilon,
  };
  if (tier === 'quick') return { ...base, niter: 0 };
  if (tier === 'deep')
    return {
      ...base,
      niter: imaging.niter * 10,
      autoThresholdSigma: Math.min(1, imaging.autoThresholdSigma),
      autoMaskSigma: 4,
    };
  return base;
}

/** The parameters of a job: the tier's, then the explicit overrides. */
export function resolveImagingParams(imaging: Config['imaging'], p: ImageJobParams, threads: number): ImagingParams {
  const t = tierParams(imaging, p.tier);
  const pick = <K extends keyof ImagingParams>(k: K, v: ImagingParams[K] | undefined): ImagingParams[K] =>
    v === undefined ? t[k] : v;
  return {
    ...t,
    size: pick('size', p.size),
    cellArcsec: pick('cellArcsec', p.cellArcsec),
    weighting: pick('weighting', p.weighting),
    robust: pick('robust', p.robust),
    niter: pick('niter', p.niter),
    mgain: pick('mgain', p.mgain),
    autoThresholdSigma: pick('autoThresholdSigma', p.autoThresholdSigma),
    autoMaskSigma: pick('autoMaskSigma', p.autoMaskSigma),
    column: p.column,
    threads,
  };
}

const KIND_OF: Record<ImageProduct, ImageKind> = {
  dirty: 'dirty',
  psf: 'psf',
  model: 'model',
  residual: 'residual',
  image: 'clean',
  pb: 'pb',
  'image-pb': 'pbcor',
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
      msId,
      kind: KIND_OF[product],
      beamMajorArcsec: out.beam.majorArcsec,
      beamMinorArcsec: out.beam.minorArcsec,
      beamPaDeg: out.beam.paDeg,
      ...(measured
        ? {
            rmsJy: out.rmsJy,
            peakJy: out.peakJy,
            dynamicRange: Number.isFinite(out.dynamicRange) ? out.dynamicRange : null,
          }
        : {}),
      centerRaDeg: ((out.centre.raDeg % 360) + 360) % 360,
      centerDecDeg: out.centre.decDeg,
      widthPx: out.size,
      heightPx: out.size,
      cellArcsec: out.cellArcsec,
      freqHz: out.freqHz,
      tier: dbTier,
      pbModel: out.pbModel,
    };
    const existing = db.images.getImageByPath(file);
    ids[product] = existing
      ? db.images.updateImage(existing.id, fields).id
      : db.images.insertImage({ path: file, ...fields }).id;
  }
  return ids;
}

export interface ImageStageResult {
  [key: string]: string | number | null | Record<string, string>;
  image: string;
  imageId: number;
  msPath: string;
  rmsJy: number;
  peakJy: number;
  dynamicRange: number | null;
  beamMajorArcsec: number;
  beamMinorArcsec: number;
  beamPaDeg: number;
  iterations: number;
  files: Record<string, string>;
}

export function stageResult(out: ImagingOutput, ids: Record<ImageProduct, number>): ImageStageResult {
  return {
    image: out.files.image,
    imageId: ids.image,
    msPath: out.msPath,
    rmsJy: out.rmsJy,
    peakJy: out.peakJy,
    dynamicRange: Number.isFinite(out.dynamicRange) ? out.dynamicRange : null,
    beamMajorArcsec: out.beam.majorArcsec,
    beamMinorArcsec: out.beam.minorArcsec,
    beamPaDeg: out.beam.paDeg,
    iterations: out.iterations,
    files: { ...out.files },
  };
}

/** The image stage over an engine's database, configuration and native pool. */
export function imageStage(engine: {
  db: Database;
  config: Config;
  native(): NativePool;
  app?: { name: string; version: string };
}) {
  return defineStage({
    name: IMAGE_STAGE,
    params: ImageJobParams,
    inputs: (ctx) => [ctx.params.msPath],
    outputs: (ctx) => Object.values(productPaths(ctx.params.prefix)),
    validate: (ctx) => {
      if (!existsSync(path.join(ctx.params.msPath, 'table.dat')))
        throw new Error(`image: ${ctx.params.msPath} is not a Measurement Set (no table.dat)`);
    },
    verify: (ctx) => {
      // Existing outputs are not reused under `overwrite`; what this run wrote is checked.
      if (ctx.params.overwrite && !ctx.executed) return null;
      const files = productPaths(ctx.params.prefix);
      if (!Object.values(files).every((f) => existsSync(f))) return null;
      const row = engine.db.images.getImageByPath(files.image);
      if (!row) return null;
      return {
        image: files.image,
        imageId: row.id,
        msPath: path.resolve(ctx.params.msPath),
        rmsJy: row.rmsJy ?? 0,
        peakJy: row.peakJy ?? 0,
        dynamicRange: row.dynamicRange ?? null,
        beamMajorArcsec: row.beamMajorArcsec ?? 0,
        beamMinorArcsec: row.beamMinorArcsec ?? 0,
        beamPaDeg: row.beamPaDeg ?? 0,
        iterations: 0,
        files: { ...files },
      } satisfies ImageStageResult;
    },
    execute: async (ctx) => {
      // The job's frozen configuration: a resumed job images as it was submitted.
      const config = ctx.config ?? engine.config;
      const params = resolveImagingParams(config.imaging, ctx.params, config.threads);
      const out = await imageMeasurementSet(engine.native(), {
        msPath: ctx.params.msPath,
        prefix: ctx.params.prefix,
        params,
        signal: ctx.signal,
        provenance: {
          software: `${engine.app?.name ?? 'dsa110-contimg'} ${engine.app?.version ?? ''}`.trim(),
          job: ctx.jobId,
          tier: ctx.params.tier,
        },
        onProgress: (f, m) => ctx.progress(f, m),
      });
      const ids = recordImages(engine.db, out, ctx.params.tier);
      ctx.log.info(
        { rms: out.rmsJy, peak: out.peakJy, beam: out.beam, iterations: out.iterations },
        `wrote ${out.files.image}`,
      );
      // What the run used and found, for whoever reads the job (the CLI prints it).
      const result: ImageStageResult = {
        ...stageResult(out, ids),
        size: out.size,
        cellArcsec: out.cellArcsec,
        freqHz: out.freqHz,
        centreRaDeg: out.centre.raDeg,
        centreDecDeg: out.centre.decDeg,
        pbModel: out.pbModel,
        visibilities: out.visibilities,
        majorCycles: out.majorCycles.length,
        stop: String(out.stop),
        niter: params.niter,
        weighting: params.weighting === 'briggs' ? `briggs ${params.robust}` : params.weighting,
      };
      return result;
    },
    cleanup: (ctx) => {
      // Partial files of an interrupted write (the writer renames complete files into place).
      for (const f of Object.values(productPaths(ctx.params.prefix)))
        rmSync(`${f}.partial-${process.pid}`, { force: true });
    },
  });
}

/** Register the image stage and job kind once on a registry (e.g. `engine.registry`). */
export function registerImage(engine: {
  db: Database;
  config: Config;
  registry: JobRegistry;
  native(): NativePool;
  app?: { name: string; version: string };
}): void {
  const reg = engine.registry;
  if (reg.jobKinds().some((k) => k.kind === IMAGE_KIND)) return;
  reg.registerStage(imageStage(engine)).registerJob({
    kind: IMAGE_KIND,
    title: 'image one Measurement Set (Stokes I, CLEAN, primary beam)',
    params: ImageJobParams,
    build: (p) => [{ id: 'image', stage: IMAGE_STAGE, params: p, deps: [] }],
  });
}
