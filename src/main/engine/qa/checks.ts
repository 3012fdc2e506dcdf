// QA verdicts: each measured quantity against its tier's warn/fail limits, giving pass, warn or
// fail with a sentence a reviewer can act on; the verdict is the worst of them.
import type { QaReason, QaTier, QaVerdict } from '../../../shared/model/qa';
import type { Config } from '../config';
import type { CatalogMetrics } from './crossmatch';
import type { ImageMetrics } from './image-metrics';

export type TierLimits = Config['qa']['science'];
type Limit = { warn: number; fail: number };

const RANK: Record<QaVerdict, number> = { pass: 0, warn: 1, fail: 2 };

export function worst(reasons: readonly QaReason[]): QaVerdict {
  let v: QaVerdict = 'pass';
  for (const r of reasons) if (RANK[r.severity] > RANK[v]) v = r.severity;
  return v;
}

const fmt = (v: number, digits = 3): string =>
  Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0)
    ? v.toPrecision(digits)
    : String(Number(v.toPrecision(digits)));

/** Larger is worse: pass below warn, warn up to fail, fail above fail (the limits themselves pass, as operationally "<="). */
function upper(check: string, what: string, value: number, lim: Limit, unit = ''): QaReason {
  const sev: QaVerdict = value > lim.fail ? 'fail' : value > lim.warn ? 'warn' : 'pass';
  const limit = sev === 'fail' ? lim.fail : lim.warn;
  const message =
    sev === 'pass'
      ? `${what} ${fmt(value)}${unit} is within ${fmt(lim.warn)}${unit}`
      : `${what} ${fmt(value)}${unit} exceeds the ${sev === 'fail' ? 'fail' : 'warn'} limit ${fmt(limit)}${unit}`;
  return { check, severity: sev, message, value, limit };
}

/** Smaller is worse. */
function lower(check: string, what: string, value: number, lim: Limit, unit = ''): QaReason {
  const sev: QaVerdict = value < lim.fail ? 'fail' : value < lim.warn ? 'warn' : 'pass';
  const limit = sev === 'fail' ? lim.fail : lim.warn;
  const message =
    sev === 'pass'
      ? `${what} ${fmt(value)}${unit} is at least ${fmt(lim.warn)}${unit}`
      : `${what} ${fmt(value)}${unit} is below the ${sev === 'fail' ? 'fail' : 'warn'} limit ${fmt(limit)}${unit}`;
  return { check, severity: sev, message, value, limit };
}

function skipped(check: string, message: string, severity: QaVerdict = 'pass'): QaReason {
  return { check, severity, message, value: null, limit: null };
}

export interface CheckInputs {
  tier: QaTier;
  limits: TierLimits;
  subject: 'image' | 'mosaic';
  image: ImageMetrics;
  beam: { majArcsec: number; minArcsec: number } | null;
  /** Median fitted size over the beam of the well-measured sources (null when too few). */
  sourceSizeRatio: number | null;
  /** Flagged fractions (0..1) of the input MS and calibration tables; null when unknown. */
  msFlagged: number | null;
  calFlagged: number | null;
  catalog: { name: string; metrics: CatalogMetrics; minSources: number; radiusArcsec: number } | null;
  /** The catalog asked for when the checks could not run (no restoring beam to find sources with). */
  catalogUnusable?: string;
  /** An uncorrected image without its primary beam: catalog fluxes were compared unattenuated. */
  pbUnknown?: boolean;
}

export function evaluate(q: CheckInputs): QaReason[] {
  const L = q.limits;
  const out: QaReason[] = [];
  out.push(
    q.msFlagged === null
      ? skipped('ms_flagged', 'not evaluated: the flagged fraction of the input MS is not known')
      : upper('ms_flagged', 'flagged share of the input MS', 100 * q.msFlagged, L.msFlaggedPct, '%'),
  );
  out.push(
    q.calFlagged === null
      ? skipped('cal_flagged', 'not evaluated: the flagged fraction of the calibration solutions is not known')
      : upper('cal_flagged', 'flagged share of the calibration solutions', 100 * q.calFlagged, L.calFlaggedPct, '%'),
  );
  const im = q.image;
  out.push(upper('blank_area', 'blank (NaN or zero) share of the covered area', im.blankAreaPct, L.blankAreaPct, '%'));
  out.push(
    upper(
      'noisy_area',
      'share of the covered area with noise above twice the expected',
      im.noisyAreaPct,
      L.noisyAreaPct,
      '%',
    ),
  );
  if (!Number.isFinite(im.peakJy)) {
    out.push({
      check: 'peak_snr',
      severity: 'fail',
      message: 'the image has no finite pixel',
      value: null,
      limit: null,
    });
  } else {
    out.push(
      im.dynamicRange === null
        ? {
            check: 'dynamic_range',
            severity: 'fail',
            message: 'no negative pixel: this is not a restored radio image (a constant, clipped or blank image)',
            value: null,
            limit: null,
          }
        : lower('dynamic_range', 'dynamic range (peak / |most negative|)', im.dynamicRange, L.imageDynamicRange),
    );
    out.push(lower('peak_snr', 'peak SNR', im.peakSnr, L.imagePeakSnr));
  }
  if (q.beam) {
    out.push(
      upper('beam_elongation', 'beam major/minor axis ratio', q.beam.majArcsec / q.beam.minArcsec, L.beamElongation),
    );
  } else {
    out.push({
      check: 'beam_elongation',
      severity: 'fail',
      message: 'the image header has no restoring beam (BMAJ/BMIN/BPA)',
      value: null,
      limit: null,
    });
  }
  out.push(
    q.sourceSizeRatio === null
      ? skipped('source_size', 'not evaluated: fewer than 3 sources with SNR > 20 were fitted')
      : upper('source_size', 'median fitted source size / beam', q.sourceSizeRatio, L.sourceSizeRatio),
  );

  if (!q.catalog && q.catalogUnusable) {
    out.push(
      skipped(
        'catalog',
        `not evaluated: no restoring beam, so no sources to match against ${q.catalogUnusable}`,
        q.tier === 'quicklook' ? 'pass' : 'warn',
      ),
    );
    return out;
  }
  if (!q.catalog) {
    // Without a reference the flux scale and astrometry are unknown: a science product needs them.
    out.push(
      skipped(
        'catalog',
        'not evaluated: no reference catalog given (flux scale, astrometry and completeness unchecked)',
        q.tier === 'quicklook' ? 'pass' : 'warn',
      ),
    );
    return out;
  }
  const c = q.catalog.metrics;
  if (q.pbUnknown) {
    out.push(
      skipped(
        'primary_beam',
        'no primary beam for an uncorrected image: catalog fluxes are compared unattenuated, so off-axis sources look faint (pass the PB, or say the image is PB-corrected)',
        'warn',
      ),
    );
  }
  if (c.catalogDetectable < q.catalog.minSources) {
    out.push(
      skipped(
        'catalog',
        `only ${c.catalogDetectable} ${q.catalog.name} source(s) in the field are detectable (expected SNR > limit; ${c.catalogInField} in the field); at least ${q.catalog.minSources} are needed to judge flux scale, astrometry and completeness`,
        q.tier === 'quicklook' ? 'pass' : 'warn',
      ),
    );
    return out;
  }
  out.push(
    lower(
      'completeness',
      `completeness (${c.catalogMatched} of ${c.catalogDetectable} detectable ${q.catalog.name} sources matched within ${q.catalog.radiusArcsec}")`,
      c.completeness!,
      L.catalogCompleteness,
    ),
  );
  if (c.catalogMatched < Math.min(3, q.catalog.minSources)) {
    out.push({
      check: 'flux_scale',
      severity: 'fail',
      message: `only ${c.catalogMatched} catalog source(s) matched: flux scale and astrometry cannot be measured`,
      value: null,
      limit: null,
    });
    return out;
  }
  const r = c.fluxRatioMedian!;
  const fr = upper('flux_scale', 'flux-scale error', c.fluxScaleErrorPct!, L.catalogFluxRatioErrorPct, '%');
  fr.message += ` (median measured/catalog flux ${r.toFixed(3)} +- ${(c.fluxRatioErr ?? 0).toFixed(3)} over ${c.catalogMatched} sources)`;
  out.push(fr);
  const ast = upper(
    'astrometry',
    'astrometric rms offset from the catalog',
    c.astrometricRmsArcsec!,
    L.catalogAstrometricRmsArcsec,
    '"',
  );
  ast.message += ` (median offset dRA cos(dec) ${c.raOffsetMedianArcsec!.toFixed(2)}", dDec ${c.decOffsetMedianArcsec!.toFixed(2)}")`;
  out.push(ast);
  if (q.subject === 'mosaic') {
    out.push(
      upper(
        'mosaic_astrometry',
        'systematic position offset (median) from the catalog',
        c.systematicOffsetArcsec!,
        L.mosaicAstrometricRmsArcsec,
        '"',
      ),
    );
  }
  return out;
}
