// RFI detection against the simulator's injected RFI (3 narrow-band emitters of 50-500 Jy and a
// 5-30 s broadband burst of 100-1000 Jy, added in phase on every baseline before the gains),
// on a 32-antenna 0834+555 transit; false positives on its RFI-free twin (same seed). With
// sigma ~ 0.94 Jy per visibility, even the weakest RFI is > 50 sigma, so > 90 % detection is
// a floor; the false-positive bar (< 2 %) is what the thresholds are tuned against.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATION_S } from '../../src/shared/instrument';
import { NativePool } from '../../src/main/engine/native/pool';
import { loadAddon } from '../../src/main/engine/native/addon';
import { rfiAt } from '../../src/main/engine/sim/corruptions';
import { type FlagStats, baselineGrid, countFlags, flagBlock } from '../../src/main/engine/calibration/flag';
import { type Transit, simulateTransit } from './transit';

const pool = new NativePool({ workers: 2 });
afterAll(async () => {
  await pool.close();
});

describe('RFI flagging', () => {
  let dirty: Transit;
  let clean: Transit;
  let priorDirty: Uint8Array;
  let statsDirty: FlagStats;
  let statsClean: FlagStats;

  beforeAll(async () => {
    dirty = await simulateTransit(pool, { antennas: 32, channelsPerSubband: 8, dead: 1, rfi: true, seed: 11 });
    clean = await simulateTransit(pool, { antennas: 32, channelsPerSubband: 8, dead: 1, rfi: false, seed: 11 });
    priorDirty = Uint8Array.from(dirty.block.flags);
    statsDirty = await flagBlock(pool, dirty.block);
    statsClean = await flagBlock(pool, clean.block);
  }, 120_000);

  it('flags > 90 % of the samples the simulator put RFI in', () => {
    const b = dirty.block;
    const nchan = b.freqsHz.length;
    const rfi = dirty.rfi!;
    const hit = (t: number, c: number) =>
      rfiAt(rfi, b.freqsHz[c]!, dirty.channelWidthHz, (b.timesMjd[t]! - dirty.startMjd) * 24, INTEGRATION_S) > 0;
    let affected = 0;
    let caught = 0;
    let cleanSamples = 0;
    let falsePos = 0;
    for (let r = 0; r < b.ant1.length; r++) {
      if (b.ant1[r] === b.ant2[r]) continue;
      const t = b.rowTime[r]!;
      for (let c = 0; c < nchan; c++) {
        const h = hit(t, c);
        for (let p = 0; p < 2; p++) {
          const i = (r * nchan + c) * 2 + p;
          if (priorDirty[i]) continue;
          if (h) {
            affected++;
            if (b.flags[i]) caught++;
          } else {
            cleanSamples++;
            if (b.flags[i]) falsePos++;
          }
        }
      }
    }
    expect(affected).toBeGreaterThan(0);
    expect(caught / affected).toBeGreaterThan(0.9);
    // Beside the RFI, dilation may take neighbours; keep that modest too.
    expect(falsePos / cleanSamples).toBeLessThan(0.05);
    expect(statsDirty.byReason.rfi).toBeGreaterThan(0);
  });

  it('flags < 2 % of clean data', () => {
    const live = statsClean.samples - statsClean.byReason.prior - statsClean.byReason.autocorrelation;
    expect(statsClean.byReason.rfi / live).toBeLessThan(0.02);
  });

  it('reports statistics per reason, antenna and channel', () => {
    const s = statsDirty;
    const sum = Object.values(s.byReason).reduce((a, x) => a + x, 0);
    expect(sum).toBe(s.flagged);
    expect(s.fraction).toBeCloseTo(s.flagged / s.samples, 12);
    expect(s.perChannel.length).toBe(dirty.block.freqsHz.length);
    expect(s.perAntenna.length).toBe(dirty.block.nant);
    expect(s.byReason.autocorrelation).toBe(32 * 24 * dirty.block.freqsHz.length * 2 - 32 * 24 * 2 * 2);
  });

  it('counts nonzero flags exactly, word by word, at any alignment and range', () => {
    const buf = new Uint8Array(1003);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 7919) % 10 < 3 ? 1 + ((i * 31) % 255) : 0;
    const direct = (a: Uint8Array, s: number, e: number) => a.subarray(s, e).reduce((n, x) => n + (x ? 1 : 0), 0);
    const words = new Uint32Array(buf.buffer, 0, buf.length >>> 2);
    for (const [s, e] of [
      [0, 1003],
      [1, 1003],
      [3, 7],
      [5, 999],
      [0, 0],
      [8, 96],
      [100, 101],
    ] as const) {
      expect(countFlags(buf, s, e)).toBe(direct(buf, s, e));
      expect(countFlags(buf, s, e, words)).toBe(direct(buf, s, e));
    }
    const odd = buf.subarray(1);
    expect(countFlags(odd)).toBe(direct(odd, 0, odd.length));
  });

  it('rejects bad arguments naming them', () => {
    const addon = loadAddon();
    const b = clean.block;
    const { grid, nbl, ntime } = baselineGrid(b);
    expect(() => addon.flagRfi(b.vis, b.flags, grid.subarray(1), nbl, ntime, b.freqsHz.length, 2, {})).toThrow(
      /'grid'/,
    );
    expect(() => addon.flagBasic(b.vis, b.flags, b.ant1, b.ant2, b.freqsHz.length, 2, true, 0)).toThrow(/'threads'/);
    expect(() =>
      addon.solveJones(
        { vis: b.vis, flags: b.flags, ant1: b.ant1, ant2: b.ant2, nant: b.nant, nchan: b.freqsHz.length, npol: 2 },
        {},
        {},
        {
          gains: new Float64Array(1),
          flags: new Uint8Array(1),
          snr: new Float32Array(1),
          iterations: new Int32Array(1),
          refant: new Int32Array(1),
          sigma: new Float64Array(1),
        },
      ),
    ).toThrow(/modelFlux/);
  });
});
