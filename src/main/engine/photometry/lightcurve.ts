// Light curves: a source's measurements, one point per epoch (the forced measurement when there
// is one, so every epoch is measured the same way; else the finder's component), with detections
// marked and 5-sigma upper limits where nothing was detected; and the variability statistics of
// the peak and integrated light curves.
import type { Database } from '../db';
import type { LightCurvePoint, PhotSourceStats } from '../db/repos/photometry';
import { DEFAULT_THRESHOLDS, variability, type VariabilityThresholds } from './variability';

export interface LightCurveEntry {
  epochId: number;
  mjd: number;
  path: string;
  kind: 'forced' | 'component';
  /** A component was found at this epoch (or the forced flux is >= 5 sigma). */
  detected: boolean;
  peakJy: number;
  peakErrJy: number;
  intJy: number;
  intErrJy: number;
  noiseJy: number;
  snr: number;
  pbResponse: number | null;
  /** 5 x the noise where nothing was detected, else null (Jy/beam). */
  upperLimitJy: number | null;
}

export interface LightCurveOptions {
  thresholds?: VariabilityThresholds;
}

export const DETECTION_SIGMA = 5;

/** One entry per epoch from a source's measurements (time order). */
export function lightCurveFromPoints(points: readonly LightCurvePoint[]): LightCurveEntry[] {
  const byEpoch = new Map<number, LightCurvePoint[]>();
  for (const p of points) {
    const l = byEpoch.get(p.epochId);
    if (l) l.push(p);
    else byEpoch.set(p.epochId, [p]);
  }
  const out: LightCurveEntry[] = [];
  for (const [epochId, ps] of byEpoch) {
    const f = ps.find((p) => p.kind === 'forced');
    const c = ps.filter((p) => p.kind === 'component').sort((a, b) => b.snr - a.snr)[0];
    const use = f ?? c!;
    const detected = c !== undefined || use.snr >= DETECTION_SIGMA;
    out.push({
      epochId,
      mjd: use.mjd,
      path: use.path,
      kind: use.kind,
      detected,
      peakJy: use.peakJy,
      peakErrJy: use.peakErrJy,
      intJy: use.intJy,
      intErrJy: use.intErrJy,
      noiseJy: use.noiseJy,
      snr: use.snr,
      pbResponse: use.pbResponse,
      upperLimitJy: detected ? null : DETECTION_SIGMA * use.noiseJy,
    });
  }
  return out.sort((a, b) => a.mjd - b.mjd || a.epochId - b.epochId);
}

export function lightCurveOf(db: Database, sourceId: number): LightCurveEntry[] {
  return lightCurveFromPoints(db.photometry.lightCurve(sourceId));
}

/** The variability of a light curve, in the form the sources table keeps. */
export function statsOf(lc: readonly LightCurveEntry[], opts: LightCurveOptions, nowMjd: number): PhotSourceStats {
  const t = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const peak = variability(
    lc.map((e) => e.peakJy),
    lc.map((e) => e.peakErrJy),
    t,
  );
  const integ = variability(
    lc.map((e) => e.intJy),
    lc.map((e) => e.intErrJy),
    t,
  );
  const mjds = lc.map((e) => e.mjd);
  return {
    nDetections: lc.filter((e) => e.detected).length,
    nForced: lc.filter((e) => e.kind === 'forced').length,
    firstMjd: mjds.length ? Math.min(...mjds) : null,
    lastMjd: mjds.length ? Math.max(...mjds) : null,
    wmeanPeakJy: peak.weightedMean,
    wmeanPeakErrJy: peak.weightedMeanErr,
    wmeanIntJy: integ.weightedMean,
    etaPeak: peak.n > 1 ? peak.eta : null,
    vPeak: peak.n > 1 ? peak.v : null,
    etaInt: integ.n > 1 ? integ.eta : null,
    vInt: integ.n > 1 ? integ.v : null,
    vsMax: peak.n > 1 ? peak.vsMax : null,
    mAtVsMax: peak.n > 1 ? peak.mAtVsMax : null,
    significantPairs: peak.significantPairs,
    candidate: peak.etaVCandidate || peak.pairCandidate,
    significance: peak.n > 1 ? peak.significance : null,
    updatedMjd: nowMjd,
  };
}
