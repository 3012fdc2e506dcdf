// `dsa110 image --ms PATH --out PREFIX [--size N] [--scale ARCSEC] [--weight briggs 0|natural|uniform]
// [--niter N] [--mgain G] [--auto-threshold S] [--column DATA|CORRECTED_DATA] [--tier quick|standard|deep]`:
// images one Measurement Set (Stokes I, Cotton-Schwab CLEAN, primary beam) into PREFIX-*.fits
// and records the images in the database. Defaults come from the configuration (imaging.*).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { JsonObject } from '../../../shared/model/common';
import type { Engine } from '../../engine/engine';
import {
  IMAGE_KIND,
  IMAGING_TIERS,
  imageMeasurementSet,
  recordImages,
  resolveImagingParams,
} from '../../engine/imaging';
import type { ImageJobParams, ImagingTier } from '../../engine/imaging';
import { appInfo } from '../app-info';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { withEngine } from './engine-session';
import { runJobHere } from './run-job';
import type { CliCommand } from './types';

interface Options {
  ms: string;
  out: string;
  size?: string;
  scale?: string;
  weight?: string[];
  niter?: string;
  mgain?: string;
  autoThreshold?: string;
  autoMask?: string;
  column: string;
  tier: string;
  job: boolean;
}

function num(name: string, v: string | undefined, check: (x: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !check(x))
    throw new UsageError(`image: ${name} must be ${what}, got '${v}'`);
  return x;
}

/** --weight briggs R | natural | uniform */
function weighting(v: string[] | undefined): Pick<ImageJobParams, 'weighting' | 'robust'> {
  if (!v || v.length === 0) return {};
  const [mode, robust, ...rest] = v;
  if (mode === 'natural' || mode === 'uniform') {
    if (robust !== undefined || rest.length > 0) throw new UsageError(`image: --weight ${mode} takes no robust value`);
    return { weighting: mode };
  }
  if (mode === 'briggs') {
    if (robust === undefined || rest.length > 0)
      throw new UsageError('image: --weight briggs needs one robust value, e.g. --weight briggs 0');
    return {
      weighting: 'briggs',
      robust: num('--weight briggs', robust, (x) => x >= -2 && x <= 2, 'a number in [-2, 2]')!,
    };
  }
  throw new UsageError(`image: --weight must be 'briggs R', 'natural' or 'uniform', got '${v.join(' ')}'`);
}

/** `--no-job`: image in this process without a job row (the behaviour before every action was a job). */
async function imageDirectly(ctx: CliContext, engine: Engine, job: ImageJobParams) {
  const progress = ctx.progress('image');
  const params = resolveImagingParams(engine.config.imaging, job, engine.config.threads);
  const { name, version } = appInfo();
  const out = await imageMeasurementSet(engine.native(), {
    msPath: job.msPath,
    prefix: job.prefix,
    params,
    provenance: { software: `${name} ${version}`, command: process.argv.slice(1).join(' '), tier: job.tier },
    onProgress: (f, m) => progress.update(f, m),
  });
  const ids = recordImages(engine.db, out, job.tier);
  progress.done();
  return {
    jobId: null,
    imageId: ids.image,
    files: out.files as Record<string, string>,
    msPath: out.msPath,
    tier: job.tier,
    size: out.size,
    cellArcsec: out.cellArcsec,
    weighting: params.weighting === 'briggs' ? `briggs ${params.robust}` : params.weighting,
    niter: params.niter,
    iterations: out.iterations,
    majorCycles: out.majorCycles.length,
    stop: String(out.stop),
    beam: out.beam,
    rmsJy: out.rmsJy,
    peakJy: out.peakJy,
    dynamicRange: Number.isFinite(out.dynamicRange) ? out.dynamicRange : null,
    freqHz: out.freqHz,
    centre: out.centre,
    pbModel: out.pbModel,
    visibilities: out.visibilities,
  };
}

export const imageCommand: CliCommand = {
  name: 'image',
  register(program, ctx) {
    program
      .command('image')
      .description(
        'image a Measurement Set: Stokes I, Cotton-Schwab CLEAN, restoring beam, primary-beam correction; writes PREFIX-*.fits',
      )
      .requiredOption('--ms <path>', 'the Measurement Set')
      .requiredOption(
        '--out <prefix>',
        'output prefix: PREFIX-image.fits, -residual, -model, -psf, -dirty, -pb, -image-pb',
      )
      .option('--size <n>', 'image side in pixels (default: config imaging.size)')
      .option('--scale <arcsec>', 'pixel size in arcsec (default: config imaging.cellArcsec)')
      .option('--weight <mode...>', "weighting: 'briggs R', 'natural' or 'uniform' (default: config)")
      .option('--niter <n>', 'maximum CLEAN components (0: dirty image only)')
      .option('--mgain <g>', 'major-cycle gain in (0, 1]')
      .option('--auto-threshold <sigma>', 'stop CLEAN at this many robust rms of the residual')
      .option('--auto-mask <sigma>', 'auto-masking level in robust rms (0: off)')
      .option('--column <name>', 'DATA or CORRECTED_DATA', 'DATA')
      .option(
        '--tier <tier>',
        `${IMAGING_TIERS.join(' | ')}: quick = dirty image, standard = the configuration, deep = 10 x niter to 1 sigma in an auto-mask`,
        'standard',
      )
      .option(
        '--no-job',
        'image here without recording a job (no resume; for quick looks and scripts that manage their own runs)',
      )
      .action(async (o: Options) => {
        if (!(IMAGING_TIERS as readonly string[]).includes(o.tier))
          throw new UsageError(`image: --tier must be one of ${IMAGING_TIERS.join(', ')}, got '${o.tier}'`);
        if (o.column !== 'DATA' && o.column !== 'CORRECTED_DATA')
          throw new UsageError(`image: --column must be DATA or CORRECTED_DATA, got '${o.column}'`);
        // Said before any job is recorded: a job that can only fail helps no one.
        const ms = path.resolve(o.ms);
        if (!existsSync(path.join(ms, 'table.dat')))
          throw new UsageError(
            `image: --ms ${ms}: ${existsSync(ms) ? 'not a Measurement Set (no table.dat)' : 'does not exist'}; expected a Measurement Set directory`,
          );
        const size = num(
          '--size',
          o.size,
          (x) => Number.isInteger(x) && x >= 16 && x <= 32768,
          'an integer in [16, 32768]',
        );
        const cellArcsec = num('--scale', o.scale, (x) => x > 0, 'a positive number of arcsec');
        const niter = num('--niter', o.niter, (x) => Number.isInteger(x) && x >= 0, 'an integer >= 0');
        const mgain = num('--mgain', o.mgain, (x) => x > 0 && x <= 1, 'in (0, 1]');
        const autoThresholdSigma = num('--auto-threshold', o.autoThreshold, (x) => x > 0, 'a positive number');
        const autoMaskSigma = num('--auto-mask', o.autoMask, (x) => x >= 0, 'a number >= 0');
        const job: ImageJobParams = {
          msPath: path.resolve(o.ms),
          prefix: path.resolve(o.out),
          tier: o.tier as ImagingTier,
          column: o.column,
          overwrite: true,
          ...(size !== undefined ? { size } : {}),
          ...(cellArcsec !== undefined ? { cellArcsec } : {}),
          ...weighting(o.weight),
          ...(niter !== undefined ? { niter } : {}),
          ...(mgain !== undefined ? { mgain } : {}),
          ...(autoThresholdSigma !== undefined ? { autoThresholdSigma } : {}),
          ...(autoMaskSigma !== undefined ? { autoMaskSigma } : {}),
        };
        const result = await withEngine(ctx, async (engine) => {
          if (o.job === false) return imageDirectly(ctx, engine, job);
          // An image job: the imaging parameters are resolved from the configuration now and frozen
          // with the job, whose id the FITS provenance records; a killed run resumes (jobs resume).
          const run = await runJobHere(ctx, engine, IMAGE_KIND, job as unknown as JsonObject, {
            label: 'image',
            request: { type: 'image', params: job as unknown as JsonObject },
          });
          const r = run.outputs.get('image') ?? {};
          const n = (k: string): number => (typeof r[k] === 'number' ? r[k] : NaN);
          const str = (k: string): string => (typeof r[k] === 'string' ? r[k] : '');
          return {
            jobId: run.job.id,
            imageId: n('imageId'),
            files: r.files as Record<string, string>,
            msPath: str('msPath'),
            tier: job.tier,
            size: n('size'),
            cellArcsec: n('cellArcsec'),
            weighting: str('weighting'),
            niter: n('niter'),
            iterations: n('iterations'),
            majorCycles: n('majorCycles'),
            stop: str('stop'),
            beam: { majorArcsec: n('beamMajorArcsec'), minorArcsec: n('beamMinorArcsec'), paDeg: n('beamPaDeg') },
            rmsJy: n('rmsJy'),
            peakJy: n('peakJy'),
            dynamicRange: typeof r.dynamicRange === 'number' ? r.dynamicRange : null,
            freqHz: n('freqHz'),
            centre: { raDeg: n('centreRaDeg'), decDeg: n('centreDecDeg') },
            pbModel: str('pbModel'),
            visibilities: n('visibilities'),
          };
        });
        ctx.result(result, () =>
          [
            `image ${result.files.image} (id ${result.imageId}, tier ${result.tier})`,
            `  ${result.size} x ${result.size} pixels of ${result.cellArcsec}", ${result.weighting}, ${result.visibilities} visibilities at ${(result.freqHz / 1e6).toFixed(3)} MHz`,
            `  CLEAN: ${result.iterations} components in ${result.majorCycles} major cycles (niter ${result.niter}, stop: ${result.stop})`,
            `  beam ${result.beam.majorArcsec.toFixed(2)}" x ${result.beam.minorArcsec.toFixed(2)}" PA ${result.beam.paDeg.toFixed(1)} deg`,
            `  peak ${result.peakJy.toFixed(5)} Jy/beam, rms ${(result.rmsJy * 1e3).toFixed(4)} mJy/beam, dynamic range ${result.dynamicRange?.toFixed(1) ?? 'n/a'}`,
            `  primary beam ${result.pbModel}; also ${Object.values(result.files)
              .filter((f) => f !== result.files.image)
              .map((f) => path.basename(f))
              .join(', ')}`,
          ].join('\n'),
        );
      });
  },
};
