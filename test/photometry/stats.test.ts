// The variability statistics against hand-computed values and chi^2 tables, the de Ruiter radius,
// and the association's recorded one-to-many / many-to-one cases and new-source flags.
import { describe, expect, it } from 'vitest';
import { Associator, deRuiter } from '../../src/main/engine/photometry/associate';
import { chi2Isf, chi2Sf, etaThreshold, pairMetrics, variability } from '../../src/main/engine/photometry/variability';

describe('variability statistics', () => {
  it('match the definitions on a small light curve', () => {
    const f = [1.0, 1.2, 0.9, 1.1];
    const e = [0.02, 0.02, 0.01, 0.05];
    const w = e.map((x) => 1 / (x * x));
    const sw = w.reduce((a, b) => a + b, 0);
    const mean = f.reduce((a, x, i) => a + w[i]! * x, 0) / sw;
    const chi2 = f.reduce((a, x, i) => a + w[i]! * (x - mean) ** 2, 0);
    const plain = f.reduce((a, b) => a + b, 0) / 4;
    const std = Math.sqrt(f.reduce((a, x) => a + (x - plain) ** 2, 0) / 3);
    const st = variability(f, e);
    expect(st.weightedMean).toBeCloseTo(mean, 12);
    expect(st.weightedMeanErr).toBeCloseTo(1 / Math.sqrt(sw), 12);
    // eta is the reduced chi^2 about the weighted mean.
    expect(st.eta).toBeCloseTo(chi2 / 3, 12);
    expect(st.v).toBeCloseTo(std / plain, 12);
    const pairs = pairMetrics(f, e);
    expect(pairs).toHaveLength(6);
    const p = pairs.find((x) => x.a === 1 && x.b === 2)!;
    expect(p.vs).toBeCloseTo(0.3 / Math.hypot(0.02, 0.01), 12);
    expect(p.m).toBeCloseTo((2 * 0.3) / 2.1, 12);
    expect(st.significantPairs).toBe(1);
    expect(st.pairCandidate).toBe(true);
  });

  it('has chi^2 quantiles that agree with the tables', () => {
    expect(chi2Isf(0.05, 1)).toBeCloseTo(3.841459, 5);
    expect(chi2Isf(1e-3, 9)).toBeCloseTo(27.87716, 4);
    expect(chi2Isf(0.5, 10)).toBeCloseTo(9.341818, 5);
    expect(chi2Sf(100, 50)).toBeCloseTo(3.5e-5, 6);
    expect(etaThreshold(10, 1e-3)).toBeCloseTo(27.87716 / 9, 4);
  });

  it('skips epochs without a finite flux or a positive error', () => {
    expect(variability([1, Number.NaN, 1.1, 1], [0.1, 0.1, 0, 0.1]).n).toBe(2);
  });
});

describe('association', () => {
  const det = (ra: number, dec: number, peak = 0.01, err = 0.5) => ({
    raDeg: ra,
    decDeg: dec,
    raErrArcsec: err,
    decErrArcsec: err,
    peakJy: peak,
  });

  it('computes the de Ruiter radius', () => {
    const dDec = 2 / 3600;
    expect(deRuiter(10, 30, 1, 1, 10, 30 + dDec, 1, 1)).toBeCloseTo(2 / Math.SQRT2, 9);
  });

  it('records one-to-many and many-to-one, and flags new sources only where earlier epochs were deep enough', () => {
    const a = new Associator({ systematicArcsec: 0 });
    const noise = () => 1e-3;
    a.addEpoch({ beamMajArcsec: 20, detections: [det(10, 30)], noiseAt: noise });
    // Epoch 2: the source splits into two detections 3" apart (one-to-many); and a bright newcomer far away.
    const r2 = a.addEpoch({
      beamMajArcsec: 20,
      detections: [det(10, 30 + 1.5 / 3600), det(10, 30 - 1.5 / 3600), det(10.1, 30, 0.02)],
      noiseAt: noise,
    });
    expect(r2.sourceOf[0]).toBe(0);
    expect(r2.relations).toEqual([{ kind: 'one-to-many', sourceId: 0, relatedId: r2.sourceOf[1], epoch: 1 }]);
    expect(r2.newSources).toEqual([r2.sourceOf[2]]);
    const list = a.list();
    expect(list.find((s) => s.id === r2.sourceOf[2])!.newSigma).toBeCloseTo(20, 9);
    // The split-off source is not "new": it was part of a known one.
    expect(list.find((s) => s.id === r2.sourceOf[1])!.isNew).toBe(false);
    // Epoch 3: one detection between the two (many-to-one): it joins the nearer, the other is related.
    const r3 = a.addEpoch({ beamMajArcsec: 20, detections: [det(10, 30 + 0.5 / 3600)], noiseAt: noise });
    expect(r3.relations).toHaveLength(1);
    expect(r3.relations[0]!.kind).toBe('many-to-one');
    expect(r3.relations[0]!.sourceId).toBe(r3.sourceOf[0]);
    // A faint newcomer (3 sigma of the earlier noise) is not flagged new.
    const r4 = a.addEpoch({ beamMajArcsec: 20, detections: [det(10.2, 30, 0.003)], noiseAt: () => Number.NaN });
    expect(r4.newSources).toEqual([]);
  });
});
