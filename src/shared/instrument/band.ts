// DSA-110 spectral and temporal layout: 16 subbands x 48 channels of 244.140625 kHz, DESCENDING
// (sb00 is the highest band, channels descend inside a subband), 12.884901888 s integrations.

/** The correlator's native channel width (Hz): 250 MHz / 8192. */
export const CORRELATOR_CHANNEL_HZ = 30517.578125;
/** Correlator channels averaged into one output channel. */
export const CORRELATOR_CHANNELS_PER_CHANNEL = 8;
/** Output channel width (Hz), a positive magnitude; frequencies DEcrease with channel index. */
export const CHANNEL_WIDTH_HZ = CORRELATOR_CHANNEL_HZ * CORRELATOR_CHANNELS_PER_CHANNEL; // 244140.625
export const SUBBAND_COUNT = 16;
export const CHANNELS_PER_SUBBAND = 48;
/** Frequency (Hz) the correlator channel numbering counts down from. */
export const BAND_TOP_HZ = 1530e6;
/** Correlator channel index of the first channel of sb00. */
const FIRST_CORRELATOR_CHANNEL = 1024;

/** One integration (s): 96 x 0.134217728 s. */
export const INTEGRATION_S = 12.884901888;
export const INTEGRATIONS_PER_CHUNK = 24;
/** Sky time of one ~5-minute chunk (s). */
export const CHUNK_S = INTEGRATION_S * INTEGRATIONS_PER_CHUNK; // 309.237645312
/** AIPS/UVH5 polarisation codes: XX = -5, YY = -6. */
export const POLARIZATIONS = Object.freeze([-5, -6] as const);
export const DISH_DIAMETER_M = 4.65;

function checkSubband(subband: number): void {
  if (!Number.isInteger(subband) || subband < 0 || subband >= SUBBAND_COUNT) {
    throw new RangeError(`subband: expected an integer in [0, ${SUBBAND_COUNT - 1}], got ${subband}`);
  }
}

/**
 * Centre frequency (Hz) of output channel k (0..47) of subband NN, as the correlator writes it:
 * 1530 MHz - (1024 + 384 NN + 8 k + 3.5) x 30.517578125 kHz, i.e. the mean of its 8 correlator
 * channels. sb00 channel 0 = 1498.6431884765625 MHz.
 */
export function channelFrequencyHz(subband: number, channel: number): number {
  checkSubband(subband);
  if (!Number.isInteger(channel) || channel < 0 || channel >= CHANNELS_PER_SUBBAND) {
    throw new RangeError(`channel: expected an integer in [0, ${CHANNELS_PER_SUBBAND - 1}], got ${channel}`);
  }
  const corr =
    FIRST_CORRELATOR_CHANNEL +
    CHANNELS_PER_SUBBAND * CORRELATOR_CHANNELS_PER_CHANNEL * subband +
    CORRELATOR_CHANNELS_PER_CHANNEL * channel +
    (CORRELATOR_CHANNELS_PER_CHANNEL - 1) / 2;
  return BAND_TOP_HZ - corr * CORRELATOR_CHANNEL_HZ;
}

export interface SubbandLayout {
  subband: number;
  /** Channel centre frequencies (Hz), descending. */
  freqsHz: Float64Array;
  /** Positive width of each channel (Hz). UVH5 stores this magnitude as `channel_width`. */
  channelWidthHz: number;
  /**
   * Signed step between consecutive channels (Hz), negative because the band descends.
   * CASA's SPECTRAL_WINDOW CHAN_WIDTH carries this sign for a descending window.
   */
  channelStepHz: number;
  /**
   * For each output channel, the native 48-channel indices averaged into it. Reduced layouts
   * average `48 / nchan` consecutive native channels with equal weight (flagged samples
   * excluded by whoever averages the data); the reduced channel's frequency is then exactly
   * the mean of the group's frequencies, because the native channels are equally spaced.
   */
  groups: readonly (readonly number[])[];
}

/**
 * Layout of one subband with `nchan` channels (48 native; a divisor of 48 for a reduced
 * layout, e.g. 8 for the demo's 16 x 8).
 */
export function subbandLayout(subband: number, nchan: number = CHANNELS_PER_SUBBAND): SubbandLayout {
  checkSubband(subband);
  if (!Number.isInteger(nchan) || nchan < 1 || CHANNELS_PER_SUBBAND % nchan !== 0) {
    throw new RangeError(
      `nchan: expected a divisor of ${CHANNELS_PER_SUBBAND} (1, 2, 3, 4, 6, 8, 12, 16, 24, 48), got ${nchan}`,
    );
  }
  const group = CHANNELS_PER_SUBBAND / nchan;
  const freqsHz = new Float64Array(nchan);
  const groups: number[][] = [];
  for (let c = 0; c < nchan; c++) {
    const members = Array.from({ length: group }, (_, j) => c * group + j);
    groups.push(members);
    let sum = 0;
    for (const k of members) sum += channelFrequencyHz(subband, k);
    freqsHz[c] = sum / group;
  }
  return {
    subband,
    freqsHz,
    channelWidthHz: CHANNEL_WIDTH_HZ * group,
    channelStepHz: -CHANNEL_WIDTH_HZ * group,
    groups,
  };
}

/** All 16 subbands' channel frequencies (Hz), sb00 first: one descending array of 16 x nchan. */
export function bandFrequencies(nchan: number = CHANNELS_PER_SUBBAND): Float64Array {
  const out = new Float64Array(SUBBAND_COUNT * nchan);
  for (let sb = 0; sb < SUBBAND_COUNT; sb++) out.set(subbandLayout(sb, nchan).freqsHz, sb * nchan);
  return out;
}

/** Subband index (0..15) from a correlator file name "YYYY-MM-DDTHH:MM:SS_sbNN.hdf5", or null. */
export function subbandFromFileName(name: string): number | null {
  const m = /_sb(\d{2})\.hdf5$/.exec(name);
  if (!m) return null;
  const sb = Number(m[1]);
  return sb < SUBBAND_COUNT ? sb : null;
}
