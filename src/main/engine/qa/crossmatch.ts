// Catalog checks: the reference sources an image could detect (expected SNR after the primary
// beam), a one-to-one cross-match within a radius, and the flux scale, astrometry and completeness.
import type { Source } from '../../../shared/model/sources';
import { separationDeg } from '../db/repos/sources';
import type { FoundSource } from './sources';
import { pixelToWorld, worldToPixel } from '../../../shared/astro/sin';
import type { SkyGrid } from '../../../shared/model/sky-image';

export interface CatalogMatch {
  catalog: string;
  name: string;
  raDeg: number;
  decDeg: number;
  /** Catalog flux (Jy, at the catalog frequency) and the flux expected in this image (scaled in frequency, times the PB for an uncorrected image). */
  catalogFluxJy: number;
  expectedFluxJy: number;
  /** Expected flux over the noise at the position; counts toward completeness above the detectable limit. */
  expectedSnr: number;
  detectable: boolean;
  /** The found source matched to it (id in the source list), or null. */
  sourceId: number | null;
  separationArcsec: number | null;
  /** Found minus catalog: RA offset as a great-circle offset (dRA cos dec), and Dec, arcsec. */
  dRaArcsec: number | null;
  dDecArcsec: number | null;
  /** Measured integrated flux over the expected flux. */
  fluxRatio: number | null;
}

export interface FieldContext {
  wcs: SkyGrid;
  /** Pixels that should hold data (null: all). */
  covered: Uint8Array | null;
  /** Primary beam on the image grid (null: none known) and whether the image is already corrected by it. */
  pb: ArrayLike<number> | null;
  pbCorrected: boolean;
  /** Noise (Jy/beam) at a pixel: the effective-noise map or the local background rms. */
  noiseAt: (x: number, y: number) => number;
  imageFreqHz: number;
  catalogFreqHz: number;
  spectralIndex: number;
  detectableSnr: number;
  /** Catalog sources closer than this to the edge (pixels) are left out: a fit there is unreliable. */
  edgePx: number;
}

/** The centre and the radius (degrees) of a circle holding the whole image. */
export function fieldCircle(wcs: SkyGrid): { raDeg: number; decDeg: number; radiusDeg: number } {
  const c = pixelToWorld(wcs, (wcs.nx - 1) / 2, (wcs.ny - 1) / 2);
  if (!c) throw new Error('fieldCircle: the image centre lies off its own SIN projection (bad WCS)');
  let r = 0;
  for (const [x, y] of [
    [0, 0],
    [wcs.nx - 1, 0],
    [0, wcs.ny - 1],
    [wcs.nx - 1, wcs.ny - 1],
  ] as const) {
    const w = pixelToWorld(wcs, x, y);
    if (w) r = Math.max(r, separationDeg(c.raDeg, c.decDeg, w.raDeg, w.decDeg));
  }
  return { raDeg: c.raDeg, decDeg: c.decDeg, radiusDeg: r * 1.01 + 1 / 3600 };
}

/** The catalog sources (with a flux) that fall on covered pixels of the image, with their expected flux and SNR. */
export function catalogInField(sources: Source[], f: FieldContext): CatalogMatch[] {
  const out: CatalogMatch[] = [];
  const { nx, ny } = f.wcs;
  const scale = Math.pow(f.imageFreqHz / f.catalogFreqHz, f.spectralIndex);
  for (const s of sources) {
    if (s.fluxJy === null || !(s.fluxJy > 0)) continue;
    const p = worldToPixel(f.wcs, s.raDeg, s.decDeg);
    if (!p || !(p.x >= f.edgePx && p.y >= f.edgePx && p.x <= nx - 1 - f.edgePx && p.y <= ny - 1 - f.edgePx)) continue;
    const i = Math.round(p.y) * nx + Math.round(p.x);
    if (f.covered && f.covered[i] !== 1) continue;
    const pbv = f.pb ? f.pb[i]! : 1;
    if (!(pbv > 0)) continue;
    const expected = s.fluxJy * scale * (f.pb && !f.pbCorrected ? pbv : 1);
    const noise = f.noiseAt(p.x, p.y);
    const snr = noise > 0 ? expected / noise : 0;
    out.push({
      catalog: s.catalog,
      name: s.name,
      raDeg: s.raDeg,
      decDeg: s.decDeg,
      catalogFluxJy: s.fluxJy,
      expectedFluxJy: expected,
      expectedSnr: snr,
      detectable: snr > f.detectableSnr,
      sourceId: null,
      separationArcsec: null,
      dRaArcsec: null,
      dDecArcsec: null,
      fluxRatio: null,
    });
  }
  return out;
}

/**
 * Match catalog sources to found sources one-to-one within `radiusArcsec`, closest pairs first
 * (a found source is matched at most once). Fills the match fields of `field` in place.
 */
export function crossMatch(field: CatalogMatch[], found: FoundSource[], radiusArcsec: number): CatalogMatch[] {
  // Bucket found sources on a Dec grid of the radius, so each catalog source looks at few candidates.
  const cell = radiusArcsec / 3600;
  const buckets = new Map<number, FoundSource[]>();
  for (const s of found) {
    const k = Math.floor(s.decDeg / cell);
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = []));
    b.push(s);
  }
  const pairs: { c: number; s: FoundSource; sep: number }[] = [];
  field.forEach((m, c) => {
    const k = Math.floor(m.decDeg / cell);
    for (let d = -1; d <= 1; d++) {
      for (const s of buckets.get(k + d) ?? []) {
        const sep = separationDeg(m.raDeg, m.decDeg, s.raDeg, s.decDeg) * 3600;
        if (sep <= radiusArcsec) pairs.push({ c, s, sep });
      }
    }
  });
  pairs.sort((a, b) => a.sep - b.sep);
  const usedSource = new Set<number>();
  for (const p of pairs) {
    const m = field[p.c]!;
    if (m.sourceId !== null || usedSource.has(p.s.id)) continue;
    usedSource.add(p.s.id);
    let dra = p.s.raDeg - m.raDeg;
    if (dra > 180) dra -= 360;
    if (dra < -180) dra += 360;
    m.sourceId = p.s.id;
    m.separationArcsec = p.sep;
    m.dRaArcsec = dra * Math.cos((m.decDeg * Math.PI) / 180) * 3600;
    m.dDecArcsec = (p.s.decDeg - m.decDeg) * 3600;
    m.fluxRatio = p.s.intFluxJy / m.expectedFluxJy;
  }
  return field;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

export interface CatalogMetrics {
  catalogInField: number;
  catalogDetectable: number;
  catalogMatched: number;
  completeness: number | null;
  fluxRatioMedian: number | null;
  /** Standard error of the median ratio (1.253 x 1.4826 MAD / sqrt(N)). */
  fluxRatioErr: number | null;
  /** 100 (max(R, 1/R) - 1): a scale of 0.8 is the same error as 1.25. */
  fluxScaleErrorPct: number | null;
  raOffsetMedianArcsec: number | null;
  decOffsetMedianArcsec: number | null;
  /** Rms of the offsets about their medians, per axis. */
  raOffsetRmsArcsec: number | null;
  decOffsetRmsArcsec: number | null;
  /** Rms of the total offsets about zero (a systematic shift counts). */
  astrometricRmsArcsec: number | null;
  /** Length of the median offset vector. */
  systematicOffsetArcsec: number | null;
}

/** Summary statistics over the detectable catalog sources. */
export function catalogMetrics(field: CatalogMatch[]): CatalogMetrics {
  const det = field.filter((m) => m.detectable);
  const hit = det.filter((m) => m.sourceId !== null);
  const n = hit.length;
  const ratios = hit.map((m) => m.fluxRatio!);
  const r = n > 0 ? median(ratios) : null;
  const mad = r === null ? null : median(ratios.map((x) => Math.abs(x - r)));
  const dra = hit.map((m) => m.dRaArcsec!);
  const ddec = hit.map((m) => m.dDecArcsec!);
  const mra = n > 0 ? median(dra) : null;
  const mdec = n > 0 ? median(ddec) : null;
  const rmsAbout = (v: number[], c: number) => Math.sqrt(v.reduce((s, x) => s + (x - c) ** 2, 0) / v.length);
  return {
    catalogInField: field.length,
    catalogDetectable: det.length,
    catalogMatched: n,
    completeness: det.length > 0 ? n / det.length : null,
    fluxRatioMedian: r,
    fluxRatioErr: mad === null || n < 2 ? null : (1.2533 * 1.4826 * mad) / Math.sqrt(n),
    fluxScaleErrorPct: r === null || !(r > 0) ? null : 100 * (Math.max(r, 1 / r) - 1),
    raOffsetMedianArcsec: mra,
    decOffsetMedianArcsec: mdec,
    raOffsetRmsArcsec: mra === null ? null : rmsAbout(dra, mra),
    decOffsetRmsArcsec: mdec === null ? null : rmsAbout(ddec, mdec),
    astrometricRmsArcsec:
      n > 0 ? Math.sqrt(hit.reduce((s, m) => s + m.dRaArcsec! ** 2 + m.dDecArcsec! ** 2, 0) / n) : null,
    systematicOffsetArcsec: mra === null || mdec === null ? null : Math.hypot(mra, mdec),
  };
}
