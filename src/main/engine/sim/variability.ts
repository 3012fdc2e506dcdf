// Variable and transient sources for the simulator: each is a flux density at 1.4 GHz as a function
// of time, so simulated epochs (days at one declination) carry a known truth light curve.
//  - sinusoid: S(t) = S0 (1 + m sin(2 pi (t - t0) / P + phase))
//  - flare:    a fast rise (Gaussian, sigma rise) then an exponential decay (tau) of amplitude A
//  - ese:      an extreme-scattering-event-like dip: S0 (1 - depth) over [t0, t0 + width] with
//              cosine-tapered edges (caustic spikes are not modelled)
//  - transient: zero before t0, then a flare (a source absent from earlier epochs)
import { Rng } from './rng';

export type Variability =
  | { kind: 'constant' }
  | { kind: 'sinusoid'; modulation: number; periodDays: number; phaseRad: number }
  | { kind: 'flare'; t0Mjd: number; amplitude: number; riseDays: number; decayDays: number }
  | { kind: 'ese'; t0Mjd: number; widthDays: number; depth: number; edgeDays: number }
  | { kind: 'transient'; t0Mjd: number; peakJy: number; riseDays: number; decayDays: number };

export interface VariableSource {
  name: string;
  raDeg: number;
  decDeg: number;
  /** Quiescent flux density, Jy (0 for a transient). */
  fluxJy: number;
  variability: Variability;
}

/** Flux density (Jy) of a source at `mjd`. */
export function fluxAtTime(s: VariableSource, mjd: number): number {
  const v = s.variability;
  switch (v.kind) {
    case 'constant':
      return s.fluxJy;
    case 'sinusoid':
      return s.fluxJy * (1 + v.modulation * Math.sin((2 * Math.PI * mjd) / v.periodDays + v.phaseRad));
    case 'flare':
      return s.fluxJy * (1 + v.amplitude * flareShape(mjd - v.t0Mjd, v.riseDays, v.decayDays));
    case 'transient':
      return s.fluxJy + v.peakJy * flareShape(mjd - v.t0Mjd, v.riseDays, v.decayDays);
    case 'ese': {
      const t = mjd - v.t0Mjd;
      if (t <= -v.edgeDays || t >= v.widthDays + v.edgeDays) return s.fluxJy;
      let f = 1;
      if (t < 0) f = 0.5 * (1 - Math.cos((Math.PI * (t + v.edgeDays)) / v.edgeDays));
      else if (t > v.widthDays) f = 0.5 * (1 + Math.cos((Math.PI * (t - v.widthDays)) / v.edgeDays));
      return s.fluxJy * (1 - v.depth * f);
    }
  }
}

/** 1 at t = 0: Gaussian rise before, exponential decay after; 0 well before. */
function flareShape(t: number, rise: number, decay: number): number {
  return t < 0 ? Math.exp(-0.5 * (t / rise) ** 2) : Math.exp(-t / decay);
}

/** The fractional modulation a light curve reaches over the epochs (max - min over the mean): a truth summary. */
export function modulationOver(s: VariableSource, mjds: readonly number[]): number {
  const f = mjds.map((t) => fluxAtTime(s, t));
  const mean = f.reduce((a, b) => a + b, 0) / f.length;
  return (Math.max(...f) - Math.min(...f)) / mean;
}

export interface VariablePopulationOptions {
  /** Fractions of each kind among the sources (the rest constant). */
  sinusoid?: number;
  flare?: number;
  ese?: number;
  /** Sinusoid modulation (default 0.3) and period range in days (default 2-20). */
  modulation?: number;
  periodDays?: [number, number];
  /** Epoch span (MJD) over which flares, dips and transients are placed. */
  startMjd: number;
  endMjd: number;
}

/** Give each of `sources` a variability drawn from `o` (deterministic for the rng). */
export function assignVariability(
  sources: readonly { name: string; raDeg: number; decDeg: number; fluxJy: number }[],
  rng: Rng,
  o: VariablePopulationOptions,
): VariableSource[] {
  const span = o.endMjd - o.startMjd;
  const [p0, p1] = o.periodDays ?? [2, 20];
  return sources.map((s) => {
    const u = rng.uniform();
    let v: Variability = { kind: 'constant' };
    const fs = o.sinusoid ?? 0;
    const ff = o.flare ?? 0;
    const fe = o.ese ?? 0;
    if (u < fs)
      v = {
        kind: 'sinusoid',
        modulation: o.modulation ?? 0.3,
        periodDays: p0 + (p1 - p0) * rng.uniform(),
        phaseRad: 2 * Math.PI * rng.uniform(),
      };
    else if (u < fs + ff)
      v = {
        kind: 'flare',
        t0Mjd: o.startMjd + span * (0.2 + 0.6 * rng.uniform()),
        amplitude: 1,
        riseDays: 0.3,
        decayDays: span / 8,
      };
    else if (u < fs + ff + fe)
      v = {
        kind: 'ese',
        t0Mjd: o.startMjd + span * (0.2 + 0.4 * rng.uniform()),
        widthDays: span / 4,
        depth: 0.5,
        edgeDays: span / 20,
      };
    return { ...s, variability: v };
  });
}
