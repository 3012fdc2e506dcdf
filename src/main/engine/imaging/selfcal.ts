// Sky-model calibration of one MS's Stokes I visibilities (issue 15, item 1): after the bandpass
// and the calibrator's gains, what is left is a slow drift of each antenna's gain over the hour
// (degrees of phase, a percent of amplitude two groups from the transit). Against a model of the
// reference catalog's sources through the drifting, frequency-dependent primary beam (every
// source brighter than minApparentJy within the search radius, in the field and out of it), solve
// per integration a complex gain per antenna (StefCal on channel sums, Salvini & Wijnholds 2014),
// keep its phase per integration and its amplitude averaged over the MS (normalised to a
// geometric mean of 1, so the calibrator's flux scale is kept), and apply them to the data.
// The catalog is not the sky (fluxes scattered, faint sources missing): with ~100 antennas and
// the whole field's sources in every baseline the solutions average those errors down.
import type { NativePool } from '../native/pool';
import { sharedOf } from '../native/pool';
import { apparentSpectra, lmn, type CatalogSource, type OutOfFieldOptions, type OutOfFieldSource } from './outfield';
import type { ImagingVisibilities } from './visibilities';

export interface SkyModelCalOptions extends Pick<OutOfFieldOptions, 'beamModel' | 'catalogFreqHz' | 'spectralIndex'> {
  /** Model sources: mean apparent flux at least this (Jy). */
  minApparentJy: number;
  /** Solve amplitudes (per antenna, over the MS) as well as phases (per integration). */
  amplitude: boolean;
  /** Channels used for the solve: every k-th (the gains are flat across the calibrated band). */
  channelStep?: number;
  threads?: number;
}

export interface SkyModelCalResult {
  modelSources: number;
  modelApparentJy: number;
  /** Integrations solved / all, antennas with solutions. */
  solvedIntervals: number;
  intervals: number;
  antennas: number;
  /** Rms of the solved phases about their per-antenna mean (deg): the drift within the MS, and the rms of the per-antenna mean phases. */
  phaseRmsDeg: number;
  meanPhaseRmsDeg: number;
  /** Rms of the per-antenna amplitudes about 1. */
  ampRms: number;
}

const STEFCAL_ITER = 60;

/** StefCal: gains g (re, im interleaved, nant) maximising fit of V_ab ~ g_a conj(g_b) M_ab from X_ab = sum w V conj(M), Y_ab = sum w |M|^2. */
export function stefcal(nant: number, X: Float64Array, Y: Float64Array, g: Float64Array): void {
  const next = new Float64Array(2 * nant);
  for (let it = 0; it < STEFCAL_ITER; it++) {
    for (let a = 0; a < nant; a++) {
      let nr = 0;
      let ni = 0;
      let d = 0;
      for (let b = 0; b < nant; b++) {
        if (a === b) continue;
        const k = a * nant + b;
        const y = Y[k]!;
        if (!(y > 0)) continue;
        const gr = g[2 * b]!;
        const gi = g[2 * b + 1]!;
        // X_ab g_b
        nr += X[2 * k]! * gr - X[2 * k + 1]! * gi;
        ni += X[2 * k]! * gi + X[2 * k + 1]! * gr;
        d += y * (gr * gr + gi * gi);
      }
      next[2 * a] = d > 0 ? nr / d : 0;
      next[2 * a + 1] = d > 0 ? ni / d : 0;
    }
    // Every other iteration the average of the old and new estimates (StefCal's damping).
    if (it % 2 === 1) for (let i = 0; i < 2 * nant; i++) g[i] = 0.5 * (g[i]! + next[i]!);
    else g.set(next);
  }
}

export async function skyModelCalibrate(pool: NativePool, data: ImagingVisibilities, catalog: readonly CatalogSource[], o: SkyModelCalOptions, signal?: AbortSignal): Promise<SkyModelCalResult> {
  const d2r = Math.PI / 180;
  const ra0 = data.phaseCentre.raDeg * d2r;
  const dec0 = data.phaseCentre.decDeg * d2r;
  const step = Math.max(1, o.channelStep ?? 4);
  const chans = Array.from({ length: Math.ceil(data.nchan / step) }, (_, i) => Math.min(data.nchan - 1, i * step + (step >> 1)));
  const freqs = sharedOf(Float64Array, chans.length);
  chans.forEach((c, i) => { freqs[i] = data.freqs[c]!; });
  const nc = chans.length;
  // Model sources: everything above the limit after the beam (mean over the drift and the band).
  const cand: OutOfFieldSource[] = [];
  for (const s of catalog) {
    const [l, m, n] = lmn(s.raDeg * d2r, s.decDeg * d2r, ra0, dec0);
    if (n <= 0) continue;
    cand.push({ ...s, l, m, apparentJy: 0, offsetDeg: Math.acos(Math.min(1, n)) / d2r });
  }
  const tStep = Math.max(1, Math.floor(data.timesS.length / 4));
  const coarse = apparentSpectra(cand, { freqs, timesS: data.timesS.filter((_, i) => i % tStep === 0), phaseCentre: data.phaseCentre }, { ...o, nx: 0, ny: 0, cellRad: 0, minApparentJy: 0, radiusNulls: 0 });
  cand.forEach((s, k) => {
    let sum = 0;
    for (const amp of coarse) for (let c = 0; c < nc; c++) sum += amp[k * nc + c]!;
    s.apparentJy = sum / (coarse.length * nc);
  });
  const model = cand.filter((s) => s.apparentJy >= o.minApparentJy);
  let nant = 0;
  for (let r = 0; r < data.nrows; r++) nant = Math.max(nant, data.ant1[r]! + 1, data.ant2[r]! + 1);
  const result: SkyModelCalResult = {
    modelSources: model.length, modelApparentJy: model.reduce((a, s) => a + s.apparentJy, 0), solvedIntervals: 0, intervals: data.timesS.length,
    antennas: 0, phaseRmsDeg: 0, meanPhaseRmsDeg: 0, ampRms: 0,
  };
  if (model.length === 0) return result;
  const spectra = apparentSpectra(model, { freqs, timesS: data.timesS, phaseCentre: data.phaseCentre }, { ...o, nx: 0, ny: 0, cellRad: 0, minApparentJy: 0, radiusNulls: 0 });
  const lmn1 = new Float64Array(3 * model.length);
  model.forEach((s, k) => {
    lmn1[3 * k] = s.l;
    lmn1[3 * k + 1] = s.m;
    lmn1[3 * k + 2] = Math.sqrt(Math.max(0, 1 - s.l * s.l - s.m * s.m)) - 1;
  });
  const byTime: number[][] = data.timesS.map(() => []);
  for (let r = 0; r < data.nrows; r++) byTime[data.rowTime[r]!]!.push(r);
  const maxRows = Math.max(...byTime.map((x) => x.length));
  const uvw = sharedOf(Float64Array, 3 * maxRows);
  const out = sharedOf(Float64Array, 2 * maxRows * nc);
  const gains = byTime.map(() => new Float64Array(2 * nant));
  const solved = byTime.map(() => false);
  const X = new Float64Array(2 * nant * nant);
  const Y = new Float64Array(nant * nant);
  for (let t = 0; t < byTime.length; t++) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('imaging cancelled');
    const rows = byTime[t]!;
    if (rows.length === 0) continue;
    rows.forEach((r, i) => { for (let k = 0; k < 3; k++) uvw[3 * i + k] = data.uvw[3 * r + k]!; });
    const o2 = out.subarray(0, 2 * rows.length * nc);
    o2.fill(0);
    await pool.predictPoints({ uvw: uvw.subarray(0, 3 * rows.length), freqs, lmn1, amp: spectra[t]! }, o2, { threads: o.threads ?? 1 });
    X.fill(0);
    Y.fill(0);
    rows.forEach((r, i) => {
      const a = data.ant1[r]!;
      const b = data.ant2[r]!;
      let xr = 0;
      let xi = 0;
      let y = 0;
      for (let j = 0; j < nc; j++) {
        const c = chans[j]!;
        const w = data.weights[r * data.nchan + c]!;
        if (!(w > 0)) continue;
        const vr = data.vis[2 * (r * data.nchan + c)]!;
        const vi = data.vis[2 * (r * data.nchan + c) + 1]!;
        const mr = o2[2 * (i * nc + j)]!;
        const mi = o2[2 * (i * nc + j) + 1]!;
        // V conj(M)
        xr += w * (vr * mr + vi * mi);
        xi += w * (vi * mr - vr * mi);
        y += w * (mr * mr + mi * mi);
      }
      const kab = a * nant + b;
      const kba = b * nant + a;
      X[2 * kab] = X[2 * kab]! + xr;
      X[2 * kab + 1] = X[2 * kab + 1]! + xi;
      X[2 * kba] = X[2 * kba]! + xr;
      X[2 * kba + 1] = X[2 * kba + 1]! - xi;
      Y[kab] = Y[kab]! + y;
      Y[kba] = Y[kba]! + y;
    });
    const g = gains[t]!;
    for (let a = 0; a < nant; a++) { g[2 * a] = 1; g[2 * a + 1] = 0; }
    stefcal(nant, X, Y, g);
    solved[t] = g.every((v) => Number.isFinite(v));
  }
  // Phases relative to the antenna with the most data (per integration), amplitudes averaged over the MS.
  const have = new Float64Array(nant);
  for (let a = 0; a < nant; a++) for (let b = 0; b < nant; b++) have[a] = have[a]! + Y[a * nant + b]!;
  let ref = 0;
  for (let a = 1; a < nant; a++) if (have[a]! > have[ref]!) ref = a;
  const amp = new Float64Array(nant);
  const cnt = new Float64Array(nant);
  const phase = byTime.map(() => new Float64Array(nant).fill(Number.NaN));
  for (let t = 0; t < byTime.length; t++) {
    if (!solved[t]) continue;
    const g = gains[t]!;
    const pr = Math.atan2(g[2 * ref + 1]!, g[2 * ref]!);
    for (let a = 0; a < nant; a++) {
      const m = Math.hypot(g[2 * a]!, g[2 * a + 1]!);
      if (!(m > 0)) continue;
      phase[t]![a] = Math.atan2(g[2 * a + 1]!, g[2 * a]!) - pr;
      amp[a] = amp[a]! + m;
      cnt[a] = cnt[a]! + 1;
    }
  }
  let lsum = 0;
  let ln = 0;
  for (let a = 0; a < nant; a++) {
    if (cnt[a]! > 0) { amp[a] = amp[a]! / cnt[a]!; lsum += Math.log(amp[a]!); ln++; } else amp[a] = 1;
  }
  const norm = ln > 0 ? Math.exp(lsum / ln) : 1;
  for (let a = 0; a < nant; a++) amp[a] = o.amplitude && cnt[a]! > 0 ? amp[a]! / norm : 1;
  // Apply: V / (g_a conj(g_b)), weights x |g_a g_b|^2.
  for (let r = 0; r < data.nrows; r++) {
    const p = phase[data.rowTime[r]!]!;
    const a = data.ant1[r]!;
    const b = data.ant2[r]!;
    const pa = p[a]!;
    const pb = p[b]!;
    if (!Number.isFinite(pa) || !Number.isFinite(pb)) continue;
    const ga = amp[a]!;
    const gb = amp[b]!;
    const ph = -(pa - pb);
    const cr = Math.cos(ph) / (ga * gb);
    const ci = Math.sin(ph) / (ga * gb);
    const wScale = (ga * gb) ** 2;
    for (let c = 0; c < data.nchan; c++) {
      const k = r * data.nchan + c;
      const vr = data.vis[2 * k]!;
      const vi = data.vis[2 * k + 1]!;
      data.vis[2 * k] = vr * cr - vi * ci;
      data.vis[2 * k + 1] = vr * ci + vi * cr;
      data.weights[k] = data.weights[k]! * wScale;
    }
  }
  // Summary: the phase drift within the MS and the per-antenna offsets.
  let s2 = 0;
  let n2 = 0;
  let m2 = 0;
  let nm = 0;
  let a2 = 0;
  let na = 0;
  for (let a = 0; a < nant; a++) {
    if (a === ref || cnt[a] === 0) continue;
    const ph = phase.map((p) => p[a]!).filter((x) => Number.isFinite(x));
    if (ph.length === 0) continue;
    // Circular mean.
    const mean = Math.atan2(ph.reduce((s, x) => s + Math.sin(x), 0), ph.reduce((s, x) => s + Math.cos(x), 0));
    for (const x of ph) { const d = Math.atan2(Math.sin(x - mean), Math.cos(x - mean)); s2 += d * d; n2++; }
    m2 += mean * mean;
    nm++;
    a2 += (amp[a]! - 1) ** 2;
    na++;
  }
  result.solvedIntervals = solved.filter(Boolean).length;
  result.antennas = nm + 1;
  result.phaseRmsDeg = n2 > 0 ? (Math.sqrt(s2 / n2) * 180) / Math.PI : 0;
  result.meanPhaseRmsDeg = nm > 0 ? (Math.sqrt(m2 / nm) * 180) / Math.PI : 0;
  result.ampRms = na > 0 ? Math.sqrt(a2 / na) : 0;
  return result;
}
