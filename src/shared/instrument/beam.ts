// Primary-beam models by name. Each returns the POWER (intensity) response, 1 on axis, as a
// function of the angle from the pointing and the frequency; each describes itself, because
// the model used is part of every product's provenance.
import { besselJ1 } from './bessel';
import { DISH_DIAMETER_M } from './band';

/** Speed of light (m/s). */
const C_M_S = 299792458;

export interface BeamDescription {
  name: string;
  parameters: Record<string, number | string>;
  formula: string;
  reference: string;
}

/** A direction on the sky (radians); pointing and direction must use the same frame. */
export interface SkyDirection {
  raRad: number;
  decRad: number;
}

export interface PrimaryBeamModel {
  readonly name: string;
  describe(): BeamDescription;
  /** Power response at `offsetRad` from the pointing (radians, >= 0) and frequency `freqHz`. */
  response(offsetRad: number, freqHz: number): number;
  /** Power response toward `direction` for a beam pointed at `pointing`. */
  responseToward(pointing: SkyDirection, direction: SkyDirection, freqHz: number): number;
}

/** Great-circle angle between two directions (radians); the Vincenty form, accurate at 0 and pi. */
export function angularSeparation(a: SkyDirection, b: SkyDirection): number {
  const dra = b.raRad - a.raRad;
  const sd1 = Math.sin(a.decRad);
  const cd1 = Math.cos(a.decRad);
  const sd2 = Math.sin(b.decRad);
  const cd2 = Math.cos(b.decRad);
  const x = cd2 * Math.sin(dra);
  const y = cd1 * sd2 - sd1 * cd2 * Math.cos(dra);
  return Math.atan2(Math.hypot(x, y), sd1 * sd2 + cd1 * cd2 * Math.cos(dra));
}

function checkArgs(model: string, offsetRad: number, freqHz: number): void {
  if (!Number.isFinite(offsetRad) || offsetRad < 0) {
    throw new RangeError(`beam ${model}: offsetRad: expected a finite angle >= 0 (radians), got ${offsetRad}`);
  }
  if (!Number.isFinite(freqHz) || freqHz <= 0)
    throw new RangeError(`beam ${model}: freqHz: expected a positive frequency (Hz), got ${freqHz}`);
}

abstract class CircularBeam implements PrimaryBeamModel {
  abstract readonly name: string;
  abstract describe(): BeamDescription;
  abstract response(offsetRad: number, freqHz: number): number;
  responseToward(pointing: SkyDirection, direction: SkyDirection, freqHz: number): number {
    return this.response(angularSeparation(pointing, direction), freqHz);
  }
}

/**
 * Uniformly illuminated circular aperture of diameter D: P = (2 J1(x) / x)^2,
 * x = pi D sin(theta) / lambda. FWHM = 1.029 lambda / D (2.7 degrees at 1.4 GHz for 4.65 m).
 */
export class AiryBeam extends CircularBeam {
  readonly name = 'airy';
  constructor(readonly diameterM: number = DISH_DIAMETER_M) {
    super();
    if (!Number.isFinite(diameterM) || diameterM <= 0)
      throw new RangeError(`beam airy: diameterM: expected a positive diameter (m), got ${diameterM}`);
  }
  describe(): BeamDescription {
    return {
      name: this.name,
      parameters: { diameterM: this.diameterM },
      formula: 'P(theta, nu) = (2 J1(x) / x)^2, x = pi D sin(theta) / lambda, lambda = c / nu',
      reference: 'Uniformly illuminated circular aperture (Airy pattern); power response normalised to 1 on axis',
    };
  }
  response(offsetRad: number, freqHz: number): number {
    checkArgs(this.name, offsetRad, freqHz);
    const x = (Math.PI * this.diameterM * Math.sin(Math.min(offsetRad, Math.PI / 2)) * freqHz) / C_M_S;
    if (x < 1e-6) return 1 - (x * x) / 4; // 2 J1(x)/x = 1 - x^2/8 + ..., squared
    const a = (2 * besselJ1(x)) / x;
    return a * a;
  }
}

/**
 * The DSA-110 calibration code's model: P = (cos(pi x) / (1 - 4 x^2))^4, x = 1.2 theta D / lambda
 * (theta in radians). FWHM about 1.85 degrees at 1.405 GHz. The ratio has a removable
 * singularity at x = 1/2 (value pi/4), evaluated here in the equivalent, everywhere-stable form
 * (pi/2) sinc(pi (1/2 - x)) / (1 + 2x), with sinc(t) = sin(t)/t.
 */
export class Dsa110CalBeam extends CircularBeam {
  readonly name = 'dsa110-cal';
  constructor(
    readonly diameterM: number = DISH_DIAMETER_M,
    readonly taper: number = 1.2,
  ) {
    super();
    if (!Number.isFinite(diameterM) || diameterM <= 0)
      throw new RangeError(`beam dsa110-cal: diameterM: expected a positive diameter (m), got ${diameterM}`);
    if (!Number.isFinite(taper) || taper <= 0)
      throw new RangeError(`beam dsa110-cal: taper: expected a positive factor, got ${taper}`);
  }
  describe(): BeamDescription {
    return {
      name: this.name,
      parameters: { diameterM: this.diameterM, taper: this.taper },
      formula:
        'P(theta, nu) = (cos(pi x) / (1 - 4 x^2))^4, x = taper theta D / lambda (theta in radians), lambda = c / nu',
      reference: 'DSA-110 calibration code (dsacalib) primary-beam model; power response normalised to 1 on axis',
    };
  }
  response(offsetRad: number, freqHz: number): number {
    checkArgs(this.name, offsetRad, freqHz);
    const x = (this.taper * offsetRad * this.diameterM * freqHz) / C_M_S;
    const t = Math.PI * (0.5 - x);
    const sinc = Math.abs(t) < 1e-4 ? 1 - (t * t) / 6 : Math.sin(t) / t;
    const f = ((Math.PI / 2) * sinc) / (1 + 2 * x);
    const f2 = f * f;
    return f2 * f2;
  }
}

export const BEAM_MODEL_NAMES = Object.freeze(['airy', 'dsa110-cal'] as const);
export type BeamModelName = (typeof BEAM_MODEL_NAMES)[number];

/** A beam model by name, with its default parameters (the 4.65 m DSA-110 dish). */
export function beamModel(name: string, diameterM: number = DISH_DIAMETER_M): PrimaryBeamModel {
  switch (name) {
    case 'airy':
      return new AiryBeam(diameterM);
    case 'dsa110-cal':
      return new Dsa110CalBeam(diameterM);
    default:
      throw new RangeError(`beam model: expected one of ${BEAM_MODEL_NAMES.join(', ')}, got "${name}"`);
  }
}
