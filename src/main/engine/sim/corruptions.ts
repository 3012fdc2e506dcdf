// Instrumental corruptions of the simulator, each an analytic function of its random
// parameters so that neighbouring chunks (and their truth file) stay continuous in time.
import { Rng } from './rng';

const TWO_PI = 2 * Math.PI;
const BOLTZMANN = 1.380649e-23;

/** Per antenna and polarisation: a complex gain slowly drifting in amplitude and phase. */
export interface GainParams {
  amp0: number;
  ampDrift: number;
  ampPeriodHours: number;
  ampPhase: number;
  phase0Rad: number;
  /** Linear phase rate, radians per hour. */
  phaseRateRadPerHour: number;
  phaseWobbleRad: number;
  phaseWobblePeriodHours: number;
  phaseWobblePhase: number;
}

/** Per antenna and polarisation: a smooth bandpass (low-order ripple, band-edge roll-off, delay). */
export interface BandpassParams {
  /** Ripple coefficients c_k of 1 + sum c_k cos(k pi x + psi_k), x in [0, 1] across the band. */
  ripple: number[];
  ripplePhase: number[];
  /** Residual delay in nanoseconds (a phase slope across the band). */
  delayNs: number;
  phaseRipple: number;
  phaseRipplePhase: number;
}

export interface CorruptionOptions {
  gains: boolean;
  bandpass: boolean;
  /** Number of dead antennas (signal absent, noise only, not flagged in the file). */
  deadAntennas: number;
  /** Fraction of channels flagged by the correlator (zeros, flag set). */
  flaggedChannelFraction: number;
  noise: boolean;
  /** System equivalent flux density per polarisation, Jy. */
  sefdJy: number;
  rfi: boolean;
}

/**
 * DSA-110 defaults. SEFD: Tsys ~ 25 K and aperture efficiency ~ 0.7 for a 4.65 m dish give
 * A_eff = 11.9 m^2 and SEFD = 2 k Tsys / A_eff ~ 5800 Jy.
 */
export const DEFAULT_CORRUPTIONS: CorruptionOptions = {
  gains: true,
  bandpass: true,
  deadAntennas: 3,
  flaggedChannelFraction: 0.02,
  noise: true,
  sefdJy: sefdJy(25, 4.65, 0.7),
  rfi: false,
};

export function sefdJy(tsysK: number, dishDiameterM: number, efficiency: number): number {
  const aEff = efficiency * Math.PI * (dishDiameterM / 2) ** 2;
  return (2 * BOLTZMANN * tsysK) / aEff / 1e-26;
}

/**
 * Radiometer equation: the rms of the real (and of the imaginary) part of one
 * cross-correlation of one polarisation, sigma = SEFD / sqrt(2 dnu tau).
 */
export function visibilityNoiseSigma(sefd: number, channelWidthHz: number, integrationS: number): number {
  return sefd / Math.sqrt(2 * Math.abs(channelWidthHz) * integrationS);
}

export function drawGainParams(rng: Rng): GainParams {
  return {
    amp0: 1 + 0.08 * rng.normal(),
    ampDrift: 0.03 * rng.normal(),
    ampPeriodHours: rng.range(2, 8),
    ampPhase: rng.range(0, TWO_PI),
    phase0Rad: rng.range(-Math.PI, Math.PI),
    phaseRateRadPerHour: ((20 * Math.PI) / 180) * rng.normal(),
    phaseWobbleRad: ((5 * Math.PI) / 180) * Math.abs(rng.normal()),
    phaseWobblePeriodHours: rng.range(0.5, 2),
    phaseWobblePhase: rng.range(0, TWO_PI),
  };
}

export function drawBandpassParams(rng: Rng): BandpassParams {
  return {
    ripple: [0.05 * rng.normal(), 0.03 * rng.normal(), 0.02 * rng.normal()],
    ripplePhase: [rng.range(0, TWO_PI), rng.range(0, TWO_PI), rng.range(0, TWO_PI)],
    delayNs: 1.5 * rng.normal(),
    phaseRipple: ((4 * Math.PI) / 180) * rng.normal(),
    phaseRipplePhase: rng.range(0, TWO_PI),
  };
}

/** Complex gain at a time (hours since the reference epoch of the simulation). */
export function gainAt(p: GainParams, hours: number): [number, number] {
  const amp = p.amp0 + p.ampDrift * Math.sin((TWO_PI * hours) / p.ampPeriodHours + p.ampPhase);
  const ph =
    p.phase0Rad +
    p.phaseRateRadPerHour * hours +
    p.phaseWobbleRad * Math.sin((TWO_PI * hours) / p.phaseWobblePeriodHours + p.phaseWobblePhase);
  return [amp * Math.cos(ph), amp * Math.sin(ph)];
}

/**
 * Complex bandpass at a frequency. x runs over [0, 1] across the full DSA-110 band
 * (bandLoHz..bandHiHz), so a channel has the same response whatever the channelisation;
 * the delay phase is referred to the band centre.
 */
export function bandpassAt(p: BandpassParams, freqHz: number, bandLoHz: number, bandHiHz: number): [number, number] {
  const x = (freqHz - bandLoHz) / (bandHiHz - bandLoHz);
  let amp = 1;
  for (let k = 0; k < p.ripple.length; k++)
    amp += (p.ripple[k] ?? 0) * Math.cos((k + 1) * Math.PI * x + (p.ripplePhase[k] ?? 0));
  // Gentle analogue-filter roll-off towards both band edges.
  amp *= 1 - 0.15 * Math.pow(2 * x - 1, 8);
  const centre = 0.5 * (bandLoHz + bandHiHz);
  const ph =
    TWO_PI * (freqHz - centre) * p.delayNs * 1e-9 + p.phaseRipple * Math.sin(3 * Math.PI * x + p.phaseRipplePhase);
  return [amp * Math.cos(ph), amp * Math.sin(ph)];
}

/** RFI: a few persistent narrow-band channels plus short broadband bursts. */
export interface RfiParams {
  /** Frequencies (Hz) of persistent narrow-band emitters and their amplitudes (Jy). */
  lines: { freqHz: number; widthHz: number; ampJy: number }[];
  /** Burst times (hours since the epoch), durations (s) and amplitudes (Jy). */
  bursts: { hours: number; durationS: number; ampJy: number }[];
}

export function drawRfiParams(rng: Rng, bandLoHz: number, bandHiHz: number, spanHours: number): RfiParams {
  const lines = Array.from({ length: 3 }, () => ({
    freqHz: rng.range(bandLoHz, bandHiHz),
    widthHz: rng.range(0.2e6, 1.5e6),
    ampJy: rng.range(50, 500),
  }));
  const nBursts = Math.max(1, Math.round(spanHours * 4));
  const bursts = Array.from({ length: nBursts }, () => ({
    hours: rng.range(0, spanHours),
    durationS: rng.range(5, 30),
    ampJy: rng.range(100, 1000),
  }));
  return { lines, bursts };
}

/** RFI amplitude (Jy, added in phase on every baseline) at a channel and time. */
export function rfiAt(
  p: RfiParams,
  freqHz: number,
  channelWidthHz: number,
  hours: number,
  integrationS: number,
): number {
  let a = 0;
  for (const l of p.lines) if (Math.abs(freqHz - l.freqHz) < 0.5 * (l.widthHz + Math.abs(channelWidthHz))) a += l.ampJy;
  for (const b of p.bursts) if (Math.abs(hours - b.hours) * 3600 < 0.5 * (b.durationS + integrationS)) a += b.ampJy;
  return a;
}
