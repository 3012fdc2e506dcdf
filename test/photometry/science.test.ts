// Forced photometry, association and variability against injected truth over 12 synthetic
// epochs of one field (test/photometry/epochs.ts): apparent images with an Airy primary beam and
// noise correlated over the restoring beam.
import { beforeAll, describe, expect, it } from 'vitest';
import { forcedPhotometry, FORCED_FLAGS } from '../../src/main/engine/photometry/forced';
import { Associator, type Detection } from '../../src/main/engine/photometry/associate';
import { variability, DEFAULT_THRESHOLDS } from '../../src/main/engine/photometry/variability';
import { fluxAtTime } from '../../src/main/engine/sim/variability';
import { findSources } from '../../src/main/engine/qa/sources';
import { separationDeg } from '../../src/main/engine/db/repos/sources';
import { makeField, type SynthField } from './epochs';

const EPOCHS = 12;
let field: SynthField;
/** Per source, per epoch: forced peak and error, truth. */
let peak: Float64Array[];
let err: Float64Array[];
let truth: number[][];
let flags: Uint8Array[];
let epochs: ReturnType<SynthField['epoch']>[];

beforeAll(() => {
  field = makeField({ epochs: EPOCHS, sinusoid: 0.15, modulation: 0.3, seed: 5 });
  const ra = Float64Array.from(field.sources, (s) => s.raDeg);
  const dec = Float64Array.from(field.sources, (s) => s.decDeg);
  peak = [];
  err = [];
  flags = [];
  truth = field.sources.map((s) => field.mjds.map((t) => fluxAtTime(s, t)));
  epochs = Array.from({ length: EPOCHS }, (_, k) => field.epoch(k));
  for (const e of epochs) {
    const noise = new Float32Array(e.image.length).fill(field.sigmaJy);
    const r = forcedPhotometry(e.image, field.wcs, ra, dec, {
      beam: field.beam,
      noise,
      pb: e.pb,
      pbCorrected: false,
      pbCut: 0.3,
    });
    peak.push(r.peakJy);
    err.push(r.peakErrJy);
    flags.push(r.flags);
  }
}, 120_000);

describe('forced photometry against injected truth', () => {
  it('is unbiased within 2 % above 20 sigma after the primary beam, with honest errors', () => {
    const ratios: number[] = [];
    const z: number[] = [];
    for (let s = 0; s < field.sources.length; s++)
      for (let k = 0; k < EPOCHS; k++) {
        if (flags[k]![s] !== FORCED_FLAGS.ok) continue;
        const t = truth[s]![k]!;
        const snr = (t * field.pbAt[s]!) / field.sigmaJy;
        z.push((peak[k]![s]! - t) / err[k]![s]!);
        if (snr >= 20) ratios.push(peak[k]![s]! / t);
      }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    const zMean = z.reduce((a, b) => a + b, 0) / z.length;
    const zStd = Math.sqrt(z.reduce((a, b) => a + (b - zMean) ** 2, 0) / (z.length - 1));
    // Bright measurements: the flux scale. The mean ratio's own scatter is ~0.2 % here.
    console.log(
      `forced: ${ratios.length} measurements >= 20 sigma, mean measured/true ${mean.toFixed(4)}; ` +
        `${z.length} measurements, normalized deviation mean ${zMean.toFixed(3)} std ${zStd.toFixed(3)}`,
    );
    expect(ratios.length).toBeGreaterThan(1000);
    expect(Math.abs(mean - 1)).toBeLessThan(0.02);
    expect(Math.abs(zStd - 1)).toBeLessThan(0.2);
    expect(Math.abs(zMean)).toBeLessThan(0.1);
  });

  it('does not measure below the primary-beam cut and records the response', () => {
    const cut = 0.8;
    const e = epochs[0]!;
    const r = forcedPhotometry(
      e.image,
      field.wcs,
      field.sources.map((s) => s.raDeg),
      field.sources.map((s) => s.decDeg),
      { beam: field.beam, pb: e.pb, pbCorrected: false, pbCut: cut },
    );
    const below = field.pbAt.map((p, s) => (p < cut ? s : -1)).filter((s) => s >= 0);
    expect(below.length).toBeGreaterThan(5);
    for (let s = 0; s < field.sources.length; s++) {
      expect(r.pbResponse[s]).toBeCloseTo(field.pbAt[s]!, 3);
      expect(r.flags[s] === FORCED_FLAGS.belowPbCut).toBe(r.pbResponse[s]! < cut);
      if (r.pbResponse[s]! < cut) expect(r.peakJy[s]).toBeNaN();
    }
    expect(r.pbApplied).toBe(true);
  });
});

describe('variability against injected truth', () => {
  it('finds every 30 %-modulated variable at >= 20 sigma by eta and V, and reports the false-positive rate', () => {
    let variables = 0;
    let found = 0;
    let constants = 0;
    let fp = 0;
    let fpPairs = 0;
    for (let s = 0; s < field.sources.length; s++) {
      if (flags.some((f) => f[s] !== FORCED_FLAGS.ok)) continue;
      const src = field.sources[s]!;
      const snr = (src.fluxJy * field.pbAt[s]!) / field.sigmaJy;
      const st = variability(
        peak.map((p) => p[s]!),
        err.map((e) => e[s]!),
      );
      if (src.variability.kind === 'sinusoid') {
        if (snr < 20) continue;
        variables++;
        if (st.etaVCandidate) found++;
      } else {
        constants++;
        if (st.etaVCandidate) fp++;
        if (st.pairCandidate) fpPairs++;
      }
    }
    console.log(
      `variability: ${found}/${variables} variables (>= 20 sigma, 30 %) found by eta/V; ` +
        `constant sources ${constants}: ${fp} eta/V false positives (rate ${(fp / constants).toFixed(4)}, ` +
        `implied <= ${DEFAULT_THRESHOLDS.etaFalseAlarm}), ${fpPairs} with a Vs/m pair`,
    );
    expect(variables).toBeGreaterThan(10);
    expect(found).toBe(variables);
    // With p = 1e-3 per source, more than 3 among a few hundred would be a 1-in-10^4 event.
    expect(fp).toBeLessThanOrEqual(Math.max(3, Math.ceil(constants * DEFAULT_THRESHOLDS.etaFalseAlarm * 5)));
  });
});

describe('association against injected truth', () => {
  it('associates > 10 sigma detections with purity and completeness above 99 %', () => {
    const assoc = new Associator();
    /** For each truth source (index), the set of associated source ids it was given. */
    const idsOfTruth = new Map<number, Set<number>>();
    const truthOfId = new Map<number, Set<number>>();
    let detections = 0;
    for (const e of epochs) {
      const corrected = new Float32Array(e.image.length);
      const noise = new Float32Array(e.image.length);
      for (let i = 0; i < corrected.length; i++) {
        const p = e.pb[i]!;
        corrected[i] = p >= 0.3 ? e.image[i]! / p : Number.NaN;
        noise[i] = field.sigmaJy / p;
      }
      const found = findSources(corrected, field.wcs, { beam: field.beam, noise });
      const dets: Detection[] = found.map((f) => ({
        raDeg: f.raDeg,
        decDeg: f.decDeg,
        raErrArcsec: f.raErrArcsec,
        decErrArcsec: f.decErrArcsec,
        peakJy: f.peakJy,
      }));
      const r = assoc.addEpoch({ beamMajArcsec: field.beam.majorArcsec, detections: dets });
      for (let d = 0; d < found.length; d++) {
        const f = found[d]!;
        if (f.snr < 10) continue;
        // The truth source it came from: the nearest within a beam.
        let best = -1;
        let bestSep = field.beam.majorArcsec / 3600;
        for (let s = 0; s < field.sources.length; s++) {
          const sep = separationDeg(f.raDeg, f.decDeg, field.sources[s]!.raDeg, field.sources[s]!.decDeg);
          if (sep < bestSep) {
            bestSep = sep;
            best = s;
          }
        }
        if (best < 0) continue;
        detections++;
        const id = r.sourceOf[d]!;
        if (!idsOfTruth.has(best)) idsOfTruth.set(best, new Set());
        idsOfTruth.get(best)!.add(id);
        if (!truthOfId.has(id)) truthOfId.set(id, new Set());
        truthOfId.get(id)!.add(best);
      }
    }
    const complete = [...idsOfTruth.values()].filter((ids) => ids.size === 1).length / idsOfTruth.size;
    const pure = [...truthOfId.values()].filter((t) => t.size === 1).length / truthOfId.size;
    console.log(
      `association: ${detections} detections > 10 sigma of ${idsOfTruth.size} truth sources over ${EPOCHS} epochs; ` +
        `completeness ${complete.toFixed(4)}, purity ${pure.toFixed(4)}; ${assoc.list().length} sources`,
    );
    expect(idsOfTruth.size).toBeGreaterThan(100);
    expect(complete).toBeGreaterThan(0.99);
    expect(pure).toBeGreaterThan(0.99);
  }, 120_000);
});
