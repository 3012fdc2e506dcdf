// Visibilities of subband files: the point-source sky seen by the drift-scan array, with
// thermal noise added before the antenna gains and bandpasses (so calibrated data carry the
// radiometer noise), RFI, dead antennas and correlator-flagged channels. The per-visibility
// work runs in one native pass (native/src/predict/simvis.cc) on a pool worker.
// CONVENTIONS: DATA = S exp(+2 pi i (u l + v m + w (n - 1)) / lambda) with uvw = uvw(ant2) -
// uvw(ant1) (src/shared/astro/phase.ts); corrupted V_ab = g_a conj(g_b) V_ab (CASA's
// V_ij = J_i V J_j^H); XX = YY = I for an unpolarised source of Stokes I.
import { ARRAY_CENTRE } from '../../../shared/instrument';
import type { PrimaryBeamModel } from '../../../shared/instrument';
import { apparentContext, apparentVector, directionCosines, lastRad, raDecOf, unitVector } from '../../../shared/astro';
import type { VisibilityBlock } from '../uvh5/model';
import { type NativePool, sharedOf } from '../native/pool';
import { type BandpassParams, type GainParams, type RfiParams, bandpassAt, gainAt, rfiAt } from './corruptions';
import { Rng, hashSeed } from './rng';
import { REF_FREQ_HZ, type SkySource, fluxAt } from './sky';

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

/** The sources above the horizon and the beam cut at one integration. */
export interface VisibleSky {
  sources: SkySource[];
  /** Per source: l, m, n - 1 at the integration's phase centre. */
  lmn1: Float64Array;
  /** Per source: offset from the pointing (rad), for the beam. */
  theta: Float64Array;
  /** Sum of the apparent fluxes at the reference frequency (Jy): the sky's share of an autocorrelation. */
  totalApparentJy: number;
}

const NPOL = 2;

/**
 * Sources above the horizon of the phase centre whose apparent flux at `refFreqHz` reaches
 * `minApparentJy`, at one time. Geometry only: the spectra are evaluated per pass (skySpectra).
 */
export function visibleSky(
  sources: readonly SkySource[],
  beam: PrimaryBeamModel,
  decOfDateRad: number,
  mjd: number,
  refFreqHz: number,
  minApparentJy: number,
): VisibleSky {
  const ctx = apparentContext(mjd);
  const last = lastRad(mjd, ARRAY_CENTRE.longitudeDeg);
  const kept: SkySource[] = [];
  const lmn: number[] = [];
  const th: number[] = [];
  let total = 0;
  for (const s of sources) {
    const app = raDecOf(apparentVector(unitVector((s.raDeg * Math.PI) / 180, (s.decDeg * Math.PI) / 180), ctx));
    const [l, m, n] = directionCosines(app.raRad, app.decRad, last, decOfDateRad);
    if (n <= 0) continue;
    const theta = Math.acos(Math.min(1, n));
    const apparent = fluxAt(s, refFreqHz) * beam.response(theta, refFreqHz);
    if (apparent < minApparentJy) continue;
    kept.push(s);
    lmn.push(l, m, n - 1);
    th.push(theta);
    total += apparent;
  }
  return { sources: kept, lmn1: Float64Array.from(lmn), theta: Float64Array.from(th), totalApparentJy: total };
}

/** Everything of one pass (a group of equally wide, contiguous subbands) but the sky's geometry. */
export interface PassInput extends Pick<
  SubbandSimInput,
  | 'antIndex1'
  | 'antIndex2'
  | 'uvw'
  | 'timesMjd'
  | 'integrationS'
  | 'channelWidthHz'
  | 'beam'
  | 'gains'
  | 'bandpasses'
  | 'bandLoHz'
  | 'bandHiHz'
  | 'epochMjd'
  | 'dead'
  | 'noiseSigmaJy'
  | 'sefdJy'
  | 'rfi'
  | 'smearing'
> {
  nant: number;
  /** Channel centres of all subbands of the pass, subband after subband. */
  freqsHz: Float64Array;
  /** Subbands in the pass; freqsHz holds freqsHz.length / nsub channels of each. */
  nsub: number;
  /** Per integration: the visible sky (visibleSky). */
  sky: readonly VisibleSky[];
  /** Channel indices (in freqsHz) flagged by the correlator. */
  flaggedChannels: ReadonlySet<number>;
  /** Per baseline: the RFI's phase (rad), when rfi is set. */
  rfiPhase: Float64Array | null;
  /** Per subband: the 32-bit key of its noise streams (rows are keyed by (key, time, baseline)). */
  noiseKeys: Int32Array;
  threads: number;
}

/** Shared output buffers of a pass, reusable by a later pass of the same size. */
export interface PassBuffers {
  vis: Float32Array;
  flags: Uint8Array;
}

/**
 * Simulate every row (time-major: each integration holds all baselines) of each subband of a
 * pass. Returns one block per subband; their arrays are views of shared buffers: `reuse`'s when
 * given and of the right size (every element is overwritten), new ones otherwise.
 */
export async function simulatePass(
  input: PassInput,
  pool: NativePool,
  reuse?: PassBuffers,
): Promise<VisibilityBlock[]> {
  const nbl = input.antIndex1.length;
  const ntimes = input.timesMjd.length;
  const nchan = input.freqsHz.length;
  const nant = input.nant;
  if (input.sky.length !== ntimes)
    throw new RangeError(`simulatePass: sky has ${input.sky.length} integrations, expected ${ntimes}`);
  if (nchan % input.nsub !== 0)
    throw new RangeError(`simulatePass: ${nchan} channels do not split into ${input.nsub} subbands`);

  // Spectra S(nu) B(theta, nu) of each integration's sources on this pass's channels.
  const offsets = new Int32Array(ntimes + 1);
  for (let t = 0; t < ntimes; t++)
    offsets[t + 1] = (offsets[t] as number) + (input.sky[t] as VisibleSky).sources.length;
  const nsrc = offsets[ntimes] as number;
  const lmn1 = new Float64Array(3 * nsrc);
  const amp = new Float64Array(nsrc * nchan);
  // fluxAt's power law as exp(alpha ln(nu / nu_ref)), the logarithm once per channel.
  const lnRatio = Float64Array.from(input.freqsHz, (f) => Math.log(f / REF_FREQ_HZ));
  for (let t = 0; t < ntimes; t++) {
    const sky = input.sky[t] as VisibleSky;
    const s0 = offsets[t] as number;
    lmn1.set(sky.lmn1, 3 * s0);
    sky.sources.forEach((s, i) => {
      const theta = sky.theta[i] as number;
      const row = (s0 + i) * nchan;
      for (let c = 0; c < nchan; c++) {
        amp[row + c] =
          s.fluxJy *
          Math.exp(s.spectralIndex * (lnRatio[c] as number)) *
          input.beam.response(theta, input.freqsHz[c] as number);
      }
    });
  }

  const gains = new Float64Array(ntimes * nant * NPOL * 2);
  for (let t = 0; t < ntimes; t++) {
    const hours = ((input.timesMjd[t] as number) - input.epochMjd) * 24;
    for (let a = 0; a < nant; a++) {
      for (let p = 0; p < NPOL; p++) {
        const [re, im] = input.gains ? gainAt(input.gains[a]![p]!, hours) : [1, 0];
        gains[((t * nant + a) * NPOL + p) * 2] = re;
        gains[((t * nant + a) * NPOL + p) * 2 + 1] = im;
      }
    }
  }
  const bandpass = new Float64Array(nant * NPOL * nchan * 2);
  for (let a = 0; a < nant; a++) {
    for (let p = 0; p < NPOL; p++) {
      for (let c = 0; c < nchan; c++) {
        const [re, im] = input.bandpasses
          ? bandpassAt(input.bandpasses[a]![p]!, input.freqsHz[c] as number, input.bandLoHz, input.bandHiHz)
          : [1, 0];
        const k = ((a * NPOL + p) * nchan + c) * 2;
        bandpass[k] = re;
        bandpass[k + 1] = im;
      }
    }
  }
  const dead = new Uint8Array(nant);
  for (const a of input.dead) if (a >= 0 && a < nant) dead[a] = 1;
  const chanFlag = new Uint8Array(nchan);
  for (const c of input.flaggedChannels) if (c >= 0 && c < nchan) chanFlag[c] = 1;
  const autoPower = Float64Array.from(input.sky, (s) => input.sefdJy + s.totalApparentJy);
  let rfiAmp: Float64Array | null = null;
  if (input.rfi) {
    rfiAmp = new Float64Array(ntimes * nchan);
    for (let t = 0; t < ntimes; t++) {
      const hours = ((input.timesMjd[t] as number) - input.epochMjd) * 24;
      for (let c = 0; c < nchan; c++)
        rfiAmp[t * nchan + c] = rfiAt(
          input.rfi,
          input.freqsHz[c] as number,
          input.channelWidthHz,
          hours,
          input.integrationS,
        );
    }
  }

  const rows = nbl * ntimes;
  const samples = rows * nchan * NPOL;
  // Fresh shared memory costs a page fault per 4 KiB (~110 MB a pass): reuse when possible.
  const fits = reuse !== undefined && reuse.vis.length === 2 * samples && reuse.flags.length === samples;
  const vis = fits ? reuse.vis : sharedOf(Float32Array, 2 * samples);
  const flags = fits ? reuse.flags : sharedOf(Uint8Array, samples);
  await pool.simulateVisibilities(
    {
      uvw: input.uvw,
      ant1: input.antIndex1,
      ant2: input.antIndex2,
      freqs: input.freqsHz,
      nsub: input.nsub,
      srcOffsets: offsets,
      lmn1,
      amp,
      gains,
      bandpass,
      dead,
      chanFlag,
      autoPower,
      sigma: input.noiseSigmaJy,
      // Autocorrelation radiometer noise: power / sqrt(dnu tau).
      autoSigmaScale: 1 / Math.sqrt(Math.abs(input.channelWidthHz) * input.integrationS),
      rfiAmp,
      rfiPhase: input.rfi ? input.rfiPhase : null,
      channelWidthHz: input.smearing ? Math.abs(input.channelWidthHz) : 0,
      noiseKeys: input.noiseKeys,
    },
    vis,
    flags,
    { threads: input.threads },
  );
  const per = samples / input.nsub;
  const nsamples = new Float32Array(per).fill(1);
  return Array.from({ length: input.nsub }, (_, j) => ({
    rowStart: 0,
    rows,
    vis: vis.subarray(2 * j * per, 2 * (j + 1) * per),
    flags: flags.subarray(j * per, (j + 1) * per),
    nsamples,
  }));
}

/**
 * One file's rows from loose inputs (the sky's geometry per integration computed here, the
 * apparent-flux cut at the middle channel); noise and RFI phases drawn from `input.rng`.
 */
export async function simulateSubband(input: SubbandSimInput, pool: NativePool): Promise<VisibilityBlock> {
  const nbl = input.antIndex1.length;
  const nant = Math.max(...input.antIndex1, ...input.antIndex2) + 1;
  const mid = input.freqsHz[input.freqsHz.length >> 1] as number;
  const sky = Array.from(input.timesMjd, (mjd) =>
    visibleSky(input.sources, input.beam, input.decOfDateRad, mjd, mid, input.minApparentJy),
  );
  const rfiPhase = input.rfi ? Float64Array.from({ length: nbl }, () => input.rng.range(0, 2 * Math.PI)) : null;
  const noiseKeys = Int32Array.of(hashSeed(input.rng.nextUint32(), 'noise') | 0);
  const [block] = await simulatePass({ ...input, nant, nsub: 1, sky, rfiPhase, noiseKeys }, pool);
  return block as VisibilityBlock;
}
