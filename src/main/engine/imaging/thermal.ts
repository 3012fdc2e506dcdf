// The thermal noise an image can reach, from the data's own weights: with natural weights W (the
// inverse variance of one component of Stokes I in units of SEFD^-2, as the converter writes them:
// WEIGHT_SPECTRUM = 2 |dnu| dt nsamples per correlation, I's weight 4 wXX wYY / (wXX + wYY)) and
// imaging weights w, a pixel of the dirty (or residual) image sum w Re(V e^{i phi}) / sum w has
// the standard deviation
//     sigma = SEFD sqrt(sum w^2 / W) / sum w,
// the radiometer equation for any weighting (natural: SEFD / sqrt(sum W); Briggs and uniform
// larger by their loss of sensitivity).

/** FITS keyword the imager writes the expected thermal noise (Jy/beam) into, read by QA. */
export const THERMAL_NOISE_KEYWORD = 'THERMRMS';

/**
 * Expected rms (Jy/beam) of an image made with imaging weights whose sum is `sumWeights` and
 * whose sum of (imaging weight)^2 / natural weight is `sumSqOverNatural` (weighting.ts returns
 * both), for a system equivalent flux density of `sefdJy` per polarisation.
 */
export function thermalNoiseJy(sefdJy: number, sumSqOverNatural: number, sumWeights: number): number {
  if (!(sefdJy > 0)) throw new RangeError(`thermalNoiseJy: SEFD must be positive, got ${sefdJy}`);
  if (!(sumWeights > 0) || !(sumSqOverNatural > 0)) return Number.NaN;
  return (sefdJy * Math.sqrt(sumSqOverNatural)) / sumWeights;
}
