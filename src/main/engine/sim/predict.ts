// Visibilities of one subband file: the point-source sky seen by the drift-scan array, with
// thermal noise added before the antenna gains and bandpasses (so calibrated data carry the
// radiometer noise), RFI, dead antennas and correlator-flagged channels.
// CONVENTIONS: DATA = S exp(+2 pi i (u l + v m + w (n - 1)) / lambda) with uvw = uvw(ant2) -
// uvw(ant1) (src/shared/astro/phase.ts); corrupted V_ab = g_a conj(g_b) V_ab (CASA's
// V_ij = J_i V J_j^H); XX = YY = I for an unpolarised source of Stokes I.
import { ARRAY_CENTRE } from '../../../shared/instrument';
import type { PrimaryBeamModel } from '../../../shared/instrument';
import { apparentContext, apparentVector, directionCosines, lastRad, raDecOf, unitVector } from '../../../shared/astro';
import type { VisibilityBlock } from '../uvh5/model';
import { type NativePool, sharedFloat64Array } from '../native/pool';
import { type BandpassParams, type GainParams, type RfiParams, bandpassAt, gainAt, rfiAt } from './corruptions';
import { Rng } from './rng';
import { type SkySource, fluxAt } from './sky';

export interface SubbandSimInput {
  /** Per baseline (correlator order): index into the active-antenna list of each antenna. */
  antIndex1: Int32Array;
  antIndex2: Int32Array;
  /** Drift-scan uvw (m), nbl x 3, the same for every integration. */
  uvw: Float64Array;
  /** Mid-integration times, MJD UTC. */
  timesMjd: Float64Array;
  integrationS: number;
  /** Channel centres (Hz), equally spaced (descending for DSA-110). */
  freqsHz: Float64Array;
  channelWidthHz: number;
  /** Pointing declination of date (rad); antennas point at the meridian. */
  decOfDateRad: number;
  sources: readonly SkySource[];
  beam: PrimaryBeamModel;
  /** Sources whose apparent flux (beam x flux at the band centre) is below this are skipped, Jy. */
  minApparentJy: number;
  /** Per active antenna, per pol (2): gain parameters, or null for unit gains. */
  gains: GainParams[][] | null;
  bandpasses: BandpassParams[][] | null;
  /** Band edges for the bandpass shape (Hz). */
  bandLoHz: number;
  bandHiHz: number;
  /** Hours since this epoch (MJD) are the gains' time argument. */
  epochMjd: number;
  /** Active-antenna indices with no signal. */
  dead: ReadonlySet<number>;
  /** Channel indices (in this file) flagged by the correlator. */
  flaggedChannels: ReadonlySet<number>;
  /** Rms of the real and imaginary parts of a cross-correlation (Jy), 0 for no noise. */
  noiseSigmaJy: number;
  sefdJy: number;
  rfi: RfiParams | null;
  /** Channel-width (bandwidth) smearing: multiply each term by sinc(dnu tau). Off by default. */
  smearing: boolean;
  rng: Rng;
  /** Threads inside the native predictor. */
  threads: number;
}

interface VisibleSource {
  l: number;
  m: number;
  n: number;
  /** Apparent flux per channel (Jy): S(nu) B(theta, nu). */
  amp: Float64Array;
}

const NPOL = 2;

/** Sources above the horizon of the phase centre, with their beam-attenuated spectra, at one time. */
export function visibleSources(input: SubbandSimInput, mjd: number): VisibleSource[] {
  const ctx = apparentContext(mjd);
  const last = lastRad(mjd, ARRAY_CENTRE.longitudeDeg);
  const pc = { raRad: last, decRad: input.decOfDateRad };
  const mid = input.freqsHz[input.freqsHz.length >> 1] as number;
  const out: VisibleSource[] = [];
  for (const s of input.sources) {
    const app = raDecOf(apparentVector(unitVector((s.raDeg * Math.PI) / 180, (s.decDeg * Math.PI) / 180), ctx));
    const [l, m, n] = directionCosines(app.raRad, app.decRad, pc.raRad, pc.decRad);
    if (n <= 0) continue;
    const theta = Math.acos(Math.min(1, n));
    if (fluxAt(s, mid) * input.beam.response(theta, mid) < input.minApparentJy) continue;
    const amp = new Float64Array(input.freqsHz.length);
    for (let c = 0; c < amp.length; c++) {
      const f = input.freqsHz[c] as number;
      amp[c] = fluxAt(s, f) * input.beam.response(theta, f);
    }
    out.push({ l, m, n, amp });
  }
  return out;
}

/**
 * Simulate every row (time-major: each integration holds all baselines) of one file. The sky
 * sum runs in the native predictor on a pool worker; noise and corruptions are applied here.
 */
export async function simulateSubband(input: SubbandSimInput, pool: NativePool): Promise<VisibilityBlock> {
  const nbl = input.antIndex1.length;
  const ntimes = input.timesMjd.length;
  const nchan = input.freqsHz.length;
  const rows = nbl * ntimes;
  const vis = new Float32Array(rows * nchan * NPOL * 2);
  const flags = new Uint8Array(rows * nchan * NPOL);
  const nsamples = new Float32Array(rows * nchan * NPOL).fill(1);
  const nant = Math.max(...input.antIndex1, ...input.antIndex2) + 1;
  const model = sharedFloat64Array(nbl * nchan * 2);

  // Bandpasses do not change with time: evaluate once per antenna, pol and channel.
  const bp = new Float64Array(nant * NPOL * nchan * 2);
  for (let a = 0; a < nant; a++) {
    for (let p = 0; p < NPOL; p++) {
      for (let c = 0; c < nchan; c++) {
        const [re, im] = input.bandpasses ? bandpassAt(input.bandpasses[a]![p]!, input.freqsHz[c] as number, input.bandLoHz, input.bandHiHz) : [1, 0];
        const k = ((a * NPOL + p) * nchan + c) * 2;
        bp[k] = re;
        bp[k + 1] = im;
      }
    }
  }
  const g = new Float64Array(nant * NPOL * 2);
  const acc = new Float64Array(nchan * 2);
  const rfiAmp = new Float64Array(nchan);
  const rfiPhase = new Float64Array(nbl);
  if (input.rfi) for (let b = 0; b < nbl; b++) rfiPhase[b] = input.rng.range(0, 2 * Math.PI);
  const sigma = input.noiseSigmaJy;
  const sigmaAutoScale = 1 / Math.sqrt(Math.abs(input.channelWidthHz) * input.integrationS);

  for (let t = 0; t < ntimes; t++) {
    const mjd = input.timesMjd[t] as number;
    const hours = (mjd - input.epochMjd) * 24;
    const srcs = visibleSources(input, mjd);
    for (let a = 0; a < nant; a++) {
      for (let p = 0; p < NPOL; p++) {
        const [re, im] = input.gains ? gainAt(input.gains[a]![p]!, hours) : [1, 0];
        g[(a * NPOL + p) * 2] = re;
        g[(a * NPOL + p) * 2 + 1] = im;
      }
    }
    let totalApparent = 0;
    for (const s of srcs) totalApparent += s.amp[nchan >> 1] as number;
    const lmn1 = new Float64Array(srcs.length * 3);
    const amp = new Float64Array(srcs.length * nchan);
    srcs.forEach((s, i) => {
      lmn1[3 * i] = s.l;
      lmn1[3 * i + 1] = s.m;
      lmn1[3 * i + 2] = s.n - 1;
      amp.set(s.amp, i * nchan);
    });
    model.fill(0);
    await pool.predictPoints(
      { uvw: input.uvw, freqs: input.freqsHz, lmn1, amp, channelWidthHz: input.smearing ? Math.abs(input.channelWidthHz) : 0 },
      model,
      { threads: input.threads },
    );
    if (input.rfi) for (let c = 0; c < nchan; c++) rfiAmp[c] = rfiAt(input.rfi, input.freqsHz[c] as number, input.channelWidthHz, hours, input.integrationS);

    for (let b = 0; b < nbl; b++) {
      const a1 = input.antIndex1[b] as number;
      const a2 = input.antIndex2[b] as number;
      const row = t * nbl + b;
      acc.fill(0);
      if (a1 === a2) {
        // Autocorrelation: total power, real; radiometer noise relative to it.
        const power = input.sefdJy + totalApparent;
        for (let c = 0; c < nchan; c++) {
          acc[2 * c] = power + (sigma > 0 ? power * sigmaAutoScale * input.rng.normal() : 0);
        }
      } else {
        if (!input.dead.has(a1) && !input.dead.has(a2)) acc.set(model.subarray(b * nchan * 2, (b + 1) * nchan * 2));
        if (input.rfi) {
          const cr = Math.cos(rfiPhase[b] as number);
          const ci = Math.sin(rfiPhase[b] as number);
          for (let c = 0; c < nchan; c++) {
            acc[2 * c] = (acc[2 * c] as number) + (rfiAmp[c] as number) * cr;
            acc[2 * c + 1] = (acc[2 * c + 1] as number) + (rfiAmp[c] as number) * ci;
          }
        }
      }
      for (let c = 0; c < nchan; c++) {
        const flagged = input.flaggedChannels.has(c);
        for (let p = 0; p < NPOL; p++) {
          const o = (row * nchan + c) * NPOL + p;
          if (flagged) {
            flags[o] = 1;
            continue;
          }
          let re = acc[2 * c] as number;
          let im = acc[2 * c + 1] as number;
          if (sigma > 0 && a1 !== a2) {
            re += sigma * input.rng.normal();
            im += sigma * input.rng.normal();
          }
          // J_a V J_b^H with J = gain x bandpass.
          const k1 = (a1 * NPOL + p) * 2;
          const k2 = (a2 * NPOL + p) * 2;
          const b1 = ((a1 * NPOL + p) * nchan + c) * 2;
          const b2 = ((a2 * NPOL + p) * nchan + c) * 2;
          const j1r = (g[k1] as number) * (bp[b1] as number) - (g[k1 + 1] as number) * (bp[b1 + 1] as number);
          const j1i = (g[k1] as number) * (bp[b1 + 1] as number) + (g[k1 + 1] as number) * (bp[b1] as number);
          const j2r = (g[k2] as number) * (bp[b2] as number) - (g[k2 + 1] as number) * (bp[b2 + 1] as number);
          const j2i = (g[k2] as number) * (bp[b2 + 1] as number) + (g[k2 + 1] as number) * (bp[b2] as number);
          // j = J1 conj(J2)
          const jr = j1r * j2r + j1i * j2i;
          const ji = j1i * j2r - j1r * j2i;
          vis[2 * o] = re * jr - im * ji;
          vis[2 * o + 1] = re * ji + im * jr;
        }
      }
    }
  }
  return { rowStart: 0, rows, vis, flags, nsamples };
}
