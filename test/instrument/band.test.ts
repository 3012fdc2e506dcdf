// Band layout: the correlator's descending frequency formula, reduced layouts, chunk timing.
import { describe, expect, it } from 'vitest';
import {
  CHANNEL_WIDTH_HZ,
  CHUNK_S,
  INTEGRATION_S,
  POLARIZATIONS,
  bandFrequencies,
  channelFrequencyHz,
  subbandFromFileName,
  subbandLayout,
} from '../../src/shared/instrument';

describe('band layout', () => {
  it('reproduces the documented edge frequencies and descends everywhere', () => {
    expect(channelFrequencyHz(0, 0)).toBe(1498643188.4765625); // exact in binary
    expect(channelFrequencyHz(15, 47) / 1e6).toBeCloseTo(1311.387, 3);
    expect(CHANNEL_WIDTH_HZ).toBe(244140.625);
    const f = bandFrequencies();
    expect(f).toHaveLength(768);
    for (let i = 1; i < f.length; i++) expect((f[i - 1] as number) - (f[i] as number)).toBeCloseTo(CHANNEL_WIDTH_HZ, 6);
    expect(() => channelFrequencyHz(16, 0)).toThrow(/subband/);
    expect(() => channelFrequencyHz(0, 48)).toThrow(/channel/);
  });

  it('reduced layouts average equal groups: 16 x 8 channels of 1.46 MHz at the group means', () => {
    const l = subbandLayout(3, 8);
    expect(l.freqsHz).toHaveLength(8);
    expect(l.groups[0]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(l.channelWidthHz).toBe(6 * CHANNEL_WIDTH_HZ);
    expect(l.channelStepHz).toBe(-6 * CHANNEL_WIDTH_HZ);
    // Mean of native channels 0..5 = midpoint of channels 2 and 3.
    expect(l.freqsHz[0]).toBeCloseTo((channelFrequencyHz(3, 2) + channelFrequencyHz(3, 3)) / 2, 6);
    // The reduced band covers exactly the same span: edges of channel 0 and channel 7.
    const topEdge = (l.freqsHz[0] as number) + l.channelWidthHz / 2;
    expect(topEdge).toBeCloseTo(channelFrequencyHz(3, 0) + CHANNEL_WIDTH_HZ / 2, 6);
    const band = bandFrequencies(8);
    expect(band).toHaveLength(128);
    for (let i = 1; i < band.length; i++) expect(band[i]).toBeLessThan(band[i - 1] as number);
    expect(() => subbandLayout(0, 7)).toThrow(/divisor of 48/);
  });

  it('has 12.884901888 s integrations, 24 per ~309 s chunk, XX/YY', () => {
    expect(INTEGRATION_S).toBeCloseTo(96 * 0.134217728, 12);
    expect(CHUNK_S).toBeCloseTo(309.237645312, 9);
    expect([...POLARIZATIONS]).toEqual([-5, -6]);
    expect(subbandFromFileName('2024-01-01T00:00:00_sb07.hdf5')).toBe(7);
    expect(subbandFromFileName('2024-01-01T00:00:00_sb16.hdf5')).toBeNull();
  });
});
