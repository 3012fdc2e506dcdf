// The one typed configuration of the pipeline (zod 4) and its defaults, taken from the
// operational DSA-110 pipeline (the instrument guide, DSA110.md); every field is documented here.
import { z } from 'zod';
import { BEAM_MODEL_NAMES } from '../../../shared/instrument/beam';
import { LOG_LEVELS, type LogLevel } from './levels';

export { LOG_LEVELS, type LogLevel };

/** A QA threshold where larger is worse (flagged fraction, astrometric error): warn <= fail. */
const upperTier = z.strictObject({ warn: z.number().min(0), fail: z.number().min(0) }).refine((t) => t.warn <= t.fail, {
  message: 'warn must be <= fail for a metric where larger is worse',
});
/** A QA threshold where smaller is worse (dynamic range, SNR, completeness): warn >= fail. */
const lowerTier = z.strictObject({ warn: z.number().min(0), fail: z.number().min(0) }).refine((t) => t.warn >= t.fail, {
  message: 'warn must be >= fail for a metric where smaller is worse',
});
const percent = z.number().min(0).max(100);

/** The QA limits of one tier (quicklook, science or deep). */
const qaTier = z.strictObject({
  msFlaggedPct: upperTier,
  calFlaggedPct: upperTier,
  /** Brightest pixel over the deepest negative pixel (artefacts, corrupted data). */
  imageDynamicRange: lowerTier,
  /** Brightest pixel over the robust rms. */
  imagePeakSnr: lowerTier,
  /** |flux scale - 1| in percent, the scale being max(R, 1/R) for the median ratio R of measured to catalog flux. */
  catalogFluxRatioErrorPct: upperTier,
  /** Rms of the matched sources' position offsets from the catalog (about zero, so it includes a shift). */
  catalogAstrometricRmsArcsec: upperTier,
  /** Share of the detectable catalog sources that were found. */
  catalogCompleteness: lowerTier,
  /** Mosaics only: the systematic shift (median offset) from the catalog. */
  mosaicAstrometricRmsArcsec: upperTier,
  /** Share of the covered area that is blank (NaN or exactly zero): lost or corrupted data. */
  blankAreaPct: upperTier,
  /** Share of the covered area whose measured noise exceeds twice the expected (the noise map, or the image's median): stripes, bad tiles. */
  noisyAreaPct: upperTier,
  /** Median fitted source size over the beam (major axis): smearing, misaligned tiles. */
  sourceSizeRatio: upperTier,
  /** Restoring-beam major over minor axis. */
  beamElongation: upperTier,
});

/** CASA-style solution interval: "inf" (whole scan), "int" (per integration) or a duration. */
const solint = z
  .string()
  .regex(/^(inf|int|\d+(\.\d+)?(s|min))$/, 'expected "inf", "int" or a duration like "60s" / "2min"');

export const ConfigSchema = z
  .strictObject({
    /** Root of every file the pipeline writes (database, MS, tables, images, logs). */
    workspace: z.string().min(1),
    /** Worker threads for native kernels and parallel stages. */
    threads: z.int().min(1).max(1024),
    logLevel: z.enum(LOG_LEVELS),
    ingest: z.strictObject({
      /** Directory the correlator's UVH5 files arrive in; null = `<workspace>/incoming`. */
      inputDir: z.string().min(1).nullable(),
      /** Subband files of one observation differ by up to about a minute. */
      groupToleranceS: z.number().positive(),
      /** sb00..sb15. */
      expectedSubbands: z.int().min(1).max(16),
      /** A file is only read once its size and mtime have been stable this long. */
      settleTimeS: z.number().min(0),
    }),
    calibration: z.strictObject({
      bandpassValidityH: z.number().positive(),
      gainValidityH: z.number().positive(),
      /** Gains go stale faster in streaming mode. */
      gainValidityStreamingMin: z.number().positive(),
      /** Staleness bands of a solution: fresh < freshH <= aging < agingH <= stale. */
      freshH: z.number().positive(),
      agingH: z.number().positive(),
      /** Reference antennas in order of preference (DSA-xxx station numbers, outriggers first). */
      refantChain: z.array(z.int().min(1).max(117)).min(1),
      minSnr: z.number().positive(),
      /** The bandpass solve fails when more than this share of solutions is flagged. */
      maxBandpassFlaggedPct: percent,
      bandpassSolint: solint,
      gainSolint: solint,
    }),
    imaging: z.strictObject({
      /** Image side in pixels. */
      size: z.int().min(16).max(32768),
      /** Pixel size; about 5" or less with outriggers, or the longest baselines fall off the grid. */
      cellArcsec: z.number().positive(),
      weighting: z.enum(['briggs', 'natural', 'uniform']),
      robust: z.number().min(-2).max(2),
      niter: z.int().min(0),
      mgain: z.number().gt(0).max(1),
      /** CLEAN stops at this many sigma of the residual noise. */
      autoThresholdSigma: z.number().positive(),
      /** Primary-beam correction is cut where the beam falls below this fraction. */
      pbCut: z.number().gt(0).lt(1),
      /** Named in every product's provenance: Airy disk of a 4.65 m dish, or the calibration code's (cos(pi x)/(1-4x^2))^4. */
      beamModel: z.enum(BEAM_MODEL_NAMES),
      /**
       * Gridder accuracy: relative L2 error of gridding/degridding against the direct transform.
       * 1e-4 is WSClean's wgridder default; the error per pixel is about epsilon x the image's rms
       * (aliasing of each visibility, incoherent over millions of them), far below the thermal
       * noise of a 5-minute image. Float32 data cannot go below 1e-6.
       */
      epsilon: z.number().min(1e-6).max(1e-2),
    }),
    mosaic: z.strictObject({
      timespanMin: z.number().positive(),
      method: z.enum(['mean', 'weighted', 'pbweighted']),
      /** Images shared by consecutive streaming mosaics (10 images sliding by 8). */
      overlap: z.int().min(0),
      /** Fewest images an (asymmetric) mosaic may have. */
      minImages: z.int().min(1),
      /** Consecutive Measurement Sets further apart than this start a new mosaic. */
      maxGapMin: z.number().positive(),
      decToleranceDeg: z.number().positive(),
    }),
    qa: z.strictObject({
      /** Reference catalog (a name in the sources table) used when QA is not given one; null = none. */
      catalog: z.string().min(1).nullable(),
      /** Cross-match radius against NVSS / FIRST / VLASS / RACS. */
      matchRadiusArcsec: z.number().positive(),
      /** Source finding: islands seeded at this many sigma, grown to `growSigma`. */
      seedSigma: z.number().positive(),
      growSigma: z.number().positive(),
      /** A catalog source counts toward completeness when its expected SNR (after the primary beam) exceeds this. */
      detectableSnr: z.number().positive(),
      /** Fewest detectable catalog sources for the catalog checks to be judged at all. */
      minCatalogSources: z.int().min(1),
      /** Reference frequency of the catalog fluxes and the spectral index used to scale them to the image. */
      catalogFreqHz: z.number().positive(),
      catalogSpectralIndex: z.number().min(-5).max(5),
      /** The limits of each tier: `dsa110 qa ID --tier NAME` picks one. */
      quicklook: qaTier,
      science: qaTier,
      deep: qaTier,
    }),
    publishing: z.strictObject({
      autoPublish: z.boolean(),
      /** Worst QA tier a product may have and still be published automatically. */
      minQaTier: z.enum(['pass', 'warn']),
    }),
  })
  .superRefine((c, ctx) => {
    if (c.calibration.agingH <= c.calibration.freshH) {
      ctx.addIssue({
        code: 'custom',
        path: ['calibration', 'agingH'],
        message: `must be greater than calibration.freshH (${c.calibration.freshH})`,
      });
    }
    // One streaming image covers about 5 minutes (24 x 12.88 s); the overlap must leave room to slide.
    const perMosaic = Math.max(1, Math.round(c.mosaic.timespanMin / 5));
    if (c.mosaic.overlap >= perMosaic) {
      ctx.addIssue({
        code: 'custom',
        path: ['mosaic', 'overlap'],
        message: `must be smaller than the ${perMosaic} images of a ${c.mosaic.timespanMin}-min mosaic`,
      });
    }
    if (c.mosaic.minImages > perMosaic) {
      ctx.addIssue({
        code: 'custom',
        path: ['mosaic', 'minImages'],
        message: `must not exceed the ${perMosaic} images of a ${c.mosaic.timespanMin}-min mosaic`,
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

/** Defaults that depend on the machine (workspace directory, thread count) are passed in. */
export function defaultConfig(machine: { workspace: string; threads: number }): Config {
  return {
    workspace: machine.workspace,
    threads: machine.threads,
    logLevel: 'info',
    ingest: { inputDir: null, groupToleranceS: 60, expectedSubbands: 16, settleTimeS: 10 },
    calibration: {
      bandpassValidityH: 24,
      gainValidityH: 1,
      gainValidityStreamingMin: 30,
      freshH: 6,
      agingH: 12,
      refantChain: [104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 103, 117],
      minSnr: 3,
      maxBandpassFlaggedPct: 25,
      bandpassSolint: 'inf',
      gainSolint: 'inf',
    },
    imaging: {
      // 2560 x 5" = 3.56 deg: the operational ~3.5 deg field at a pixel fine enough for the outriggers.
      size: 2560,
      cellArcsec: 5,
      weighting: 'briggs',
      robust: 0,
      niter: 1000,
      mgain: 0.8,
      autoThresholdSigma: 3,
      pbCut: 0.2,
      beamModel: 'airy',
      epsilon: 1e-4,
    },
    mosaic: { timespanMin: 50, method: 'pbweighted', overlap: 2, minImages: 3, maxGapMin: 6, decToleranceDeg: 0.1 },
    qa: {
      catalog: null,
      matchRadiusArcsec: 10,
      seedSigma: 5,
      growSigma: 3,
      detectableSnr: 10,
      minCatalogSources: 5,
      // NVSS's frequency; -0.7 where no spectral index is known (the operational practice).
      catalogFreqHz: 1.4e9,
      catalogSpectralIndex: -0.7,
      // Looser limits for fast checks of single 5-minute images.
      quicklook: {
        msFlaggedPct: { warn: 40, fail: 60 },
        calFlaggedPct: { warn: 25, fail: 40 },
        imageDynamicRange: { warn: 5, fail: 3 },
        imagePeakSnr: { warn: 5, fail: 3 },
        catalogFluxRatioErrorPct: { warn: 20, fail: 30 },
        catalogAstrometricRmsArcsec: { warn: 5, fail: 8 },
        catalogCompleteness: { warn: 0.7, fail: 0.5 },
        mosaicAstrometricRmsArcsec: { warn: 1, fail: 2 },
        blankAreaPct: { warn: 5, fail: 20 },
        noisyAreaPct: { warn: 5, fail: 15 },
        sourceSizeRatio: { warn: 1.3, fail: 1.6 },
        beamElongation: { warn: 3.5, fail: 5 },
      },
      // `fail` values are the operational pipeline's thresholds; `warn` marks a margin chosen here.
      science: {
        msFlaggedPct: { warn: 30, fail: 50 },
        calFlaggedPct: { warn: 20, fail: 30 },
        imageDynamicRange: { warn: 10, fail: 5 },
        imagePeakSnr: { warn: 10, fail: 5 },
        catalogFluxRatioErrorPct: { warn: 10, fail: 20 },
        catalogAstrometricRmsArcsec: { warn: 2.5, fail: 5 },
        catalogCompleteness: { warn: 0.85, fail: 0.7 },
        mosaicAstrometricRmsArcsec: { warn: 0.5, fail: 1 },
        blankAreaPct: { warn: 1, fail: 5 },
        noisyAreaPct: { warn: 2, fail: 5 },
        sourceSizeRatio: { warn: 1.2, fail: 1.4 },
        // DSA-110's T-shaped array gives 5-minute beams of about 2.8:1 (51" x 18" measured).
        beamElongation: { warn: 3.2, fail: 4.5 },
      },
      // Long integrations: tighter flux scale, astrometry and completeness.
      deep: {
        msFlaggedPct: { warn: 25, fail: 50 },
        calFlaggedPct: { warn: 15, fail: 30 },
        imageDynamicRange: { warn: 20, fail: 10 },
        imagePeakSnr: { warn: 20, fail: 10 },
        catalogFluxRatioErrorPct: { warn: 5, fail: 10 },
        catalogAstrometricRmsArcsec: { warn: 1.5, fail: 3 },
        catalogCompleteness: { warn: 0.9, fail: 0.8 },
        mosaicAstrometricRmsArcsec: { warn: 0.3, fail: 0.5 },
        blankAreaPct: { warn: 0.5, fail: 2 },
        noisyAreaPct: { warn: 1, fail: 3 },
        sourceSizeRatio: { warn: 1.15, fail: 1.3 },
        // DSA-110's T-shaped array gives 5-minute beams of about 2.8:1 (51" x 18" measured).
        beamElongation: { warn: 3.2, fail: 4.5 },
      },
    },
    publishing: { autoPublish: false, minQaTier: 'pass' },
  };
}

/** Fields holding filesystem paths: relative values are resolved against where they were given. */
export const PATH_FIELDS: ReadonlySet<string> = new Set(['workspace', 'ingest.inputDir']);
