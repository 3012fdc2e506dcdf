// Calibration against the simulator's truth: a 5-minute 0834+555 transit (96 antennas, 128
// channels of 1.46 MHz, 24 integrations, radiometer noise, gains drifting per integration,
// bandpasses, 3 dead antennas, 2 correlator-flagged channels), phased to the calibrator,
// flagged, solved (bandpass, phase-only and amplitude+phase gains per integration), applied.
//
// Noise budget: sigma = SEFD / sqrt(2 dnu tau) = 0.94 Jy per visibility component, the
// calibrator 8.8 Jy (x ~0.9 for alpha and the beam), so one visibility has SNR ~ 9; a
// bandpass solution (95 baselines x 24 integrations) SNR ~ 9 sqrt(2280) ~ 400 and a gain per
// integration (95 x 126 channels) SNR ~ 1000. The solver's own SNR gives the expected error
// of each solution: rms per component = |g| / (sqrt(2) SNR); the tests check the errors
// against it (chi^2 per degree of freedom ~ 1) and the absolute 1 % / 1 degree bar.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTEGRATION_S, beamModel } from '../../src/shared/instrument';
import { NativePool } from '../../src/main/engine/native/pool';
import { phaseToSource, pointModelFlux } from '../../src/main/engine/calibration/model';
import {
  type CalModel,
  CalibrationError,
  type CalibrationSolution,
  applyCalibration,
  solveBandpass,
  solveCalibration,
  solveGains,
} from '../../src/main/engine/calibration/solve';
import { type FlagStats, flagBlock } from '../../src/main/engine/calibration/flag';
import { CAL_0834, type Transit, simulateTransit } from './transit';

const pool = new NativePool({ workers: 2 });
afterAll(async () => {
  await pool.close();
});

const DEG = 180 / Math.PI;

describe('a simulated 0834+555 transit', () => {
  let tr: Transit;
  let model: CalModel;
  let stats: FlagStats;
  let sol: CalibrationSolution;

  beforeAll(async () => {
    tr = await simulateTransit(pool, { antennas: 96, channelsPerSubband: 8, dead: 3, rfi: false, seed: 7 });
    phaseToSource(tr.block.vis, tr.geom, CAL_0834);
    model = { kind: 'point', flux: pointModelFlux(tr.geom, CAL_0834, beamModel('airy')) };
    stats = await flagBlock(pool, tr.block, { model });
    sol = await solveCalibration(pool, tr.block, model, { solintS: INTEGRATION_S });
  }, 300_000);

  it('solves phase-only then amplitude+phase gains on one pass exactly as two separate solves do', async () => {
    // Same sums, same start (the phase-only solutions): the fused pair must match bit for bit.
    const opts = { bandpass: sol.bandpass, solintS: INTEGRATION_S };
    const phase = await solveGains(pool, tr.block, model, { ...opts, phaseOnly: true });
    const gains = await solveGains(pool, tr.block, model, { ...opts, initial: phase });
    expect(Array.from(sol.phase.gains)).toEqual(Array.from(phase.gains));
    expect(Array.from(sol.gains.gains)).toEqual(Array.from(gains.gains));
    expect(Array.from(sol.gains.flags)).toEqual(Array.from(gains.flags));
    expect(Array.from(sol.gains.snr)).toEqual(Array.from(gains.snr));
    expect(sol.phase.phaseOnly).toBe(true);
    expect(sol.gains.phaseOnly).toBe(false);
  });

  it('finds and flags exactly the dead antennas', () => {
    expect([...stats.deadAntennas].sort((a, b) => a - b)).toEqual([...tr.dead].sort((a, b) => a - b));
    for (const a of tr.dead) expect(stats.perAntenna[a]).toBe(1);
    // Their solutions carry no data (flag 2); so do antenna numbers absent from the array.
    const bp = sol.bandpass;
    for (const a of tr.dead) expect(bp.flags[(10 * bp.nant + a) * 2]).toBe(2);
    const absent = Array.from({ length: bp.nant }, (_, a) => a).filter((a) => !tr.stations.includes(a + 1));
    expect(absent.length).toBe(bp.nant - 96);
    for (const a of absent) expect(bp.flags[(10 * bp.nant + a) * 2]).toBe(2);
  });

  it('flags autocorrelations, keeps the correlator flags and flags < 2 % of the clean data as RFI', () => {
    expect(stats.byReason.autocorrelation).toBeGreaterThan(0);
    expect(stats.perChannel[5]).toBe(1);
    expect(stats.perChannel[77]).toBe(1);
    const live = stats.samples - stats.byReason.prior - stats.byReason.autocorrelation - stats.byReason.deadAntenna;
    expect(stats.byReason.rfi / live).toBeLessThan(0.02);
  });

  it('recovers gain x bandpass to the noise the solver predicts, < 1 % and < 1 degree rms above SNR 50', () => {
    const { bandpass: B, gains: G } = sol;
    expect(B.flaggedFraction).toBeLessThan(0.05);
    expect(G.nslot).toBe(tr.block.timesMjd.length);
    const nant = B.nant;
    const nchan = tr.block.freqsHz.length;
    // Cells with no data (the correlator-flagged channels) have no reference antenna.
    for (const c of [5, 77]) expect(B.refant[c * 2]).toBe(-1);
    const refs = new Set([...B.refant, ...G.refant].filter((r) => r >= 0));
    expect(refs.size).toBe(1);
    const ref = [...refs][0] as number;
    expect(ref).toBe(103); // station 104, the head of the DSA-110 chain
    const refIdx = tr.stations.indexOf(ref + 1);
    let chi2Amp = 0;
    let chi2Ph = 0;
    let n = 0;
    let worst = 0;
    let checked = 0;
    tr.stations.forEach((st, ai) => {
      const a = st - 1;
      if (tr.dead.includes(a) || a === ref) return;
      let minSnr = Infinity;
      let sa = 0;
      let sp = 0;
      let m = 0;
      for (let p = 0; p < 2; p++) {
        for (let c = 0; c < nchan; c++) {
          if (c === 5 || c === 77) continue;
          const qb = (c * nant + a) * 2 + p;
          const qbr = (c * nant + ref) * 2 + p;
          expect(B.flags[qb]).toBe(0);
          for (let t = 0; t < G.nslot; t++) {
            const qg = (t * nant + a) * 2 + p;
            const qgr = (t * nant + ref) * 2 + p;
            const br = B.gains[2 * qb]!,
              bi = B.gains[2 * qb + 1]!;
            const gr = G.gains[2 * qg]!,
              gi = G.gains[2 * qg + 1]!;
            const jr = gr * br - gi * bi;
            const ji = gr * bi + gi * br;
            const [tr_, ti] = tr.jones(ai, p, t, c);
            const [rr, ri] = tr.jones(refIdx, p, t, c);
            // Truth with the reference antenna's phase removed: J_a conj(J_ref) / |J_ref|.
            const rabs = Math.hypot(rr, ri);
            const er = (tr_ * rr + ti * ri) / rabs;
            const ei = (ti * rr - tr_ * ri) / rabs;
            const ampErr = Math.hypot(jr, ji) / Math.hypot(er, ei) - 1;
            const phErr = Math.atan2(ji * er - jr * ei, jr * er + ji * ei);
            const snrs = [B.snr[qb]!, G.snr[qg]!];
            const sAmp = Math.sqrt(snrs.reduce((s, x) => s + 0.5 / (x * x), 0));
            const sPh = Math.sqrt(sAmp ** 2 + 0.5 / B.snr[qbr]! ** 2 + 0.5 / G.snr[qgr]! ** 2);
            minSnr = Math.min(minSnr, B.snr[qb]!);
            chi2Amp += (ampErr / sAmp) ** 2;
            chi2Ph += (phErr / sPh) ** 2;
            n++;
            worst = Math.max(worst, Math.abs(ampErr) / sAmp, Math.abs(phErr) / sPh);
            sa += ampErr ** 2;
            sp += phErr ** 2;
            m++;
          }
        }
      }
      if (minSnr > 50) {
        checked++;
        expect(Math.sqrt(sa / m)).toBeLessThan(0.01);
        expect(Math.sqrt(sp / m) * DEG).toBeLessThan(1);
      }
    });
    expect(checked).toBeGreaterThan(80);
    // The errors are as large as the SNR says: chi^2 per degree of freedom near 1, none beyond 6 sigma.
    expect(chi2Amp / n).toBeGreaterThan(0.5);
    expect(chi2Amp / n).toBeLessThan(2);
    expect(chi2Ph / n).toBeGreaterThan(0.5);
    expect(chi2Ph / n).toBeLessThan(2);
    expect(worst).toBeLessThan(6);
  });

  it('fails a bandpass with more than 25 % of its solutions flagged, saying so', async () => {
    await expect(solveBandpass(pool, tr.block, model, { minSnr: 1e9 })).rejects.toThrow(CalibrationError);
    await expect(solveBandpass(pool, tr.block, model, { minSnr: 1e9 })).rejects.toThrow(
      /bandpass: 100\.0 % of the solutions are flagged/,
    );
  });

  it('applied, gives the calibrator its model amplitude to 1 % and zero phase to 1 degree in every channel', async () => {
    const newly = await applyCalibration(pool, tr.block, { bandpass: sol.bandpass, gains: sol.gains });
    expect(newly).toBe(0); // dead antennas were flagged before; no good data lost
    const b = tr.block;
    const nchan = b.freqsHz.length;
    const sumR = new Float64Array(nchan);
    const sumI = new Float64Array(nchan);
    const cnt = new Float64Array(nchan);
    for (let r = 0; r < b.ant1.length; r++) {
      if (b.ant1[r] === b.ant2[r]) continue;
      const t = b.rowTime[r]!;
      for (let c = 0; c < nchan; c++) {
        const m = (model as { flux: Float32Array }).flux[t * nchan + c]!;
        for (let p = 0; p < 2; p++) {
          const i = (r * nchan + c) * 2 + p;
          if (b.flags[i]) continue;
          sumR[c] = sumR[c]! + b.vis[2 * i]! / m;
          sumI[c] = sumI[c]! + b.vis[2 * i + 1]! / m;
          cnt[c] = cnt[c]! + 1;
        }
      }
    }
    let checkedChannels = 0;
    for (let c = 0; c < nchan; c++) {
      if (cnt[c] === 0) continue;
      checkedChannels++;
      const re = sumR[c]! / cnt[c]!;
      const im = sumI[c]! / cnt[c]!;
      expect(Math.abs(Math.hypot(re, im) - 1)).toBeLessThan(0.01);
      expect(Math.abs(Math.atan2(im, re)) * DEG).toBeLessThan(1);
    }
    expect(checkedChannels).toBe(nchan - 2);
  });
});
