// Sources outside the imaged field: the reference catalog's sources beyond the image's edges whose
// apparent flux (catalog flux scaled in frequency, times the primary beam) exceeds a threshold, out
// to beyond the beam's first null, are predicted with the time- and frequency-dependent primary
// beam and subtracted from the visibilities before imaging. Uncleanable from inside the image,
// their sidelobes (15.6 % east-west, 9.7 % north-south for the T-shaped array) otherwise cross
// every 5-minute image as stripes.
import { beamModel } from '../../../shared/instrument';
import type { NativePool } from '../native/pool';
import { sharedOf } from '../native/pool';
import type { ImagingVisibilities } from './visibilities';

const SIDEREAL_RAD_PER_S = (2 * Math.PI * 1.00273781191135448) / 86400;
const C = 299792458;
/** x of the first zero of J1: the Airy pattern's first null is at sin(theta) = 3.8317 lambda / (pi D). */
const J1_FIRST_ZERO = 3.8317059702;

export interface CatalogSource {
  name: string;
  raDeg: number;
  decDeg: number;
  /** Flux at the catalog frequency (Jy). */
  fluxJy: number;
}

export interface OutOfFieldOptions {
  /** Image side (pixels) and cell (radians): the field is |l| <= nx/2 dl, |m| <= ny/2 dm about the phase centre. */
  nx: number;
  ny: number;
  cellRad: number;
  /** Beam model name (src/shared/instrument). */
  beamModel: string;
  /** Sources whose mean apparent flux over the observation and band is below this are left (Jy). */
  minApparentJy: number;
  /** Search radius in units of the first null's radius at the band's lowest frequency. */
  radiusNulls: number;
  catalogFreqHz: number;
  spectralIndex: number;
}

export interface OutOfFieldSource extends CatalogSource {
  /** Direction cosines about the phase centre and the mean apparent flux (Jy) over time and band. */
  l: number;
  m: number;
  apparentJy: number;
  offsetDeg: number;
}

/** Radius of the first null of a dish of the DSA-110's diameter at `freqHz` (radians), for the Airy pattern. */
export function firstNullRad(freqHz: number, dishM = 4.65): number {
  return Math.asin(Math.min(1, (J1_FIRST_ZERO * C) / (Math.PI * dishM * freqHz)));
}

/** The search radius (degrees) for the catalog query: `radiusNulls` first-null radii at the lowest frequency. */
export function outOfFieldRadiusDeg(freqs: ArrayLike<number>, radiusNulls: number): number {
  let fmin = Infinity;
  for (let i = 0; i < freqs.length; i++) fmin = Math.min(fmin, freqs[i]!);
  return (radiusNulls * firstNullRad(fmin) * 180) / Math.PI;
}

export function lmn(raRad: number, decRad: number, ra0: number, dec0: number): [number, number, number] {
  const dra = raRad - ra0;
  const l = Math.cos(decRad) * Math.sin(dra);
  const m = Math.sin(decRad) * Math.cos(dec0) - Math.cos(decRad) * Math.sin(dec0) * Math.cos(dra);
  const n = Math.sin(decRad) * Math.sin(dec0) + Math.cos(decRad) * Math.cos(dec0) * Math.cos(dra);
  return [l, m, n];
}

/** Pointing offsets in RA (radians) of each integration from the mid-observation pointing (the phase centre). */
function driftOffsets(timesS: readonly number[]): number[] {
  const mid = 0.5 * (Math.min(...timesS) + Math.max(...timesS));
  return timesS.map((t) => (t - mid) * SIDEREAL_RAD_PER_S);
}

/**
 * Apparent spectra of `src` at each integration: amp[t][s * nchan + c] = S(nu_c) B(t, nu_c), the
 * pointing drifting with the sky (at the phase centre at mid-observation), as primary-beam.ts.
 */
export function apparentSpectra(src: readonly OutOfFieldSource[], data: Pick<ImagingVisibilities, 'freqs' | 'timesS' | 'phaseCentre'>, o: OutOfFieldOptions): Float64Array[] {
  const beam = beamModel(o.beamModel);
  const d2r = Math.PI / 180;
  const ra0 = data.phaseCentre.raDeg * d2r;
  const dec0 = data.phaseCentre.decDeg * d2r;
  const nchan = data.freqs.length;
  return driftOffsets(data.timesS).map((off) => {
    const amp = new Float64Array(src.length * nchan);
    src.forEach((s, k) => {
      const dir = { raRad: s.raDeg * d2r, decRad: s.decDeg * d2r };
      for (let c = 0; c < nchan; c++) {
        const f = data.freqs[c]!;
        amp[k * nchan + c] = s.fluxJy * (f / o.catalogFreqHz) ** o.spectralIndex * beam.responseToward({ raRad: ra0 + off, decRad: dec0 }, dir, f);
      }
    });
    return amp;
  });
}

/**
 * The catalog sources outside the image whose mean apparent flux exceeds `minApparentJy`,
 * brightest first. `catalog` should hold every source within outOfFieldRadiusDeg of the centre.
 */
export function selectOutOfField(catalog: readonly CatalogSource[], data: Pick<ImagingVisibilities, 'freqs' | 'timesS' | 'phaseCentre'>, o: OutOfFieldOptions): OutOfFieldSource[] {
  const d2r = Math.PI / 180;
  const ra0 = data.phaseCentre.raDeg * d2r;
  const dec0 = data.phaseCentre.decDeg * d2r;
  const halfL = (o.nx / 2) * o.cellRad;
  const halfM = (o.ny / 2) * o.cellRad;
  const radius = outOfFieldRadiusDeg(data.freqs, o.radiusNulls) * d2r;
  const candidates: OutOfFieldSource[] = [];
  for (const s of catalog) {
    const [l, m, n] = lmn(s.raDeg * d2r, s.decDeg * d2r, ra0, dec0);
    if (n <= 0) continue;
    const offset = Math.acos(Math.min(1, n));
    if (offset > radius) continue;
    if (Math.abs(l) <= halfL && Math.abs(m) <= halfM) continue;
    candidates.push({ ...s, l, m, apparentJy: 0, offsetDeg: offset / d2r });
  }
  if (candidates.length === 0) return [];
  // Mean apparent flux over time and band, on a thinned grid of both (the beam is smooth).
  const tStep = Math.max(1, Math.floor(data.timesS.length / 6));
  const cStep = Math.max(1, Math.floor(data.freqs.length / 8));
  const times = data.timesS.filter((_, i) => i % tStep === 0);
  const freqs = Float64Array.from(Array.from(data.freqs).filter((_, i) => i % cStep === 0));
  const spectra = apparentSpectra(candidates, { freqs, timesS: times, phaseCentre: data.phaseCentre }, o);
  candidates.forEach((s, k) => {
    let sum = 0;
    for (const amp of spectra) for (let c = 0; c < freqs.length; c++) sum += amp[k * freqs.length + c]!;
    s.apparentJy = sum / (spectra.length * freqs.length);
  });
  return candidates.filter((s) => s.apparentJy >= o.minApparentJy).sort((a, b) => b.apparentJy - a.apparentJy);
}

/**
 * Subtracts the predicted visibilities of `sources` (point sources, their catalog spectra times
 * the drifting primary beam) from `data.vis` in place, integration by integration.
 */
export async function subtractSources(pool: NativePool, data: ImagingVisibilities, sources: readonly OutOfFieldSource[], o: OutOfFieldOptions, threads = 1, signal?: AbortSignal): Promise<void> {
  if (sources.length === 0) return;
  const nchan = data.nchan;
  const spectra = apparentSpectra(sources, data, o);
  const lmn1 = new Float64Array(3 * sources.length);
  sources.forEach((s, k) => {
    lmn1[3 * k] = s.l;
    lmn1[3 * k + 1] = s.m;
    lmn1[3 * k + 2] = Math.sqrt(Math.max(0, 1 - s.l * s.l - s.m * s.m)) - 1;
  });
  // Rows of each integration.
  const byTime: number[][] = data.timesS.map(() => []);
  for (let r = 0; r < data.nrows; r++) byTime[data.rowTime[r]!]!.push(r);
  const maxRows = Math.max(...byTime.map((rows) => rows.length));
  const uvw = sharedOf(Float64Array, 3 * maxRows);
  const out = sharedOf(Float64Array, 2 * maxRows * nchan);
  for (let t = 0; t < byTime.length; t++) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('imaging cancelled');
    const rows = byTime[t]!;
    if (rows.length === 0) continue;
    rows.forEach((r, i) => {
      uvw[3 * i] = data.uvw[3 * r]!;
      uvw[3 * i + 1] = data.uvw[3 * r + 1]!;
      uvw[3 * i + 2] = data.uvw[3 * r + 2]!;
    });
    const o2 = out.subarray(0, 2 * rows.length * nchan);
    o2.fill(0);
    await pool.predictPoints({ uvw: uvw.subarray(0, 3 * rows.length), freqs: data.freqs, lmn1, amp: spectra[t]! }, o2, { threads });
    rows.forEach((r, i) => {
      const src = 2 * i * nchan;
      const dst = 2 * r * nchan;
      for (let c = 0; c < 2 * nchan; c++) data.vis[dst + c] = data.vis[dst + c]! - o2[src + c]!;
    });
  }
}
