// The source finder against injected truth: positions, fluxes, shapes and honest (Condon) errors.
import { describe, expect, it } from 'vitest';
import { separationDeg } from '../../src/main/engine/db';
import { findSources, type FoundSource } from '../../src/main/engine/qa/sources';
import { pixelToWorld } from '../../src/shared/astro/sin';
import { addPointSource, combine, synthField, type TruthSource } from './synth';

function nearest(found: FoundSource[], t: TruthSource): { s: FoundSource; sepArcsec: number } | null {
  let best: { s: FoundSource; sepArcsec: number } | null = null;
  for (const s of found) {
    const sep = separationDeg(s.raDeg, s.decDeg, t.raDeg, t.decDeg) * 3600;
    if (!best || sep < best.sepArcsec) best = { s, sepArcsec: sep };
  }
  return best;
}

describe('findSources', () => {
  const field = synthField({ seed: 11, nSources: 40, snrRange: [20, 500] });
  const img = combine(field);
  const found = findSources(img, field.wcs, { beam: field.beam });

  it('finds every injected source and (almost) nothing else', () => {
    const matched = field.truth.map((t) => nearest(found, t));
    expect(matched.every((m) => m !== null && m.sepArcsec < field.beam.minorArcsec)).toBe(true);
    // At 5 sigma over ~512^2 / (beam area ~ 11 px) ~ 24,000 independent beams, Gaussian noise gives
    // ~ 24,000 x 2.9e-7 = 0.007 false seeds: any extra source is a finder bug.
    expect(found.length).toBe(field.truth.length);
  });

  it('positions within 0.1 beam, consistent with their Condon errors', () => {
    const beam = Math.sqrt(field.beam.majorArcsec * field.beam.minorArcsec);
    let chi2 = 0;
    for (const t of field.truth) {
      const m = nearest(found, t)!;
      expect(m.sepArcsec).toBeLessThan(0.1 * beam);
      const dra = (m.s.raDeg - t.raDeg) * Math.cos((t.decDeg * Math.PI) / 180) * 3600;
      const ddec = (m.s.decDeg - t.decDeg) * 3600;
      chi2 += (dra / m.s.raErrArcsec) ** 2 + (ddec / m.s.decErrArcsec) ** 2;
    }
    // 2 degrees of freedom per source: a reduced chi^2 far from 1 means the errors are wrong.
    const red = chi2 / (2 * field.truth.length);
    expect(red).toBeGreaterThan(0.4);
    expect(red).toBeLessThan(2.5);
  });

  it('fluxes within 3 % at SNR > 20, with honest errors, and the beam shape recovered', () => {
    let chi2 = 0;
    const ratios: number[] = [];
    for (const t of field.truth) {
      const m = nearest(found, t)!;
      expect(m.s.fit).toBe('gaussian');
      const r = m.s.peakJy / t.fluxJy;
      ratios.push(m.s.intFluxJy / t.fluxJy);
      // The noise alone moves a peak by 1/SNR (5 % at SNR 20): demand 3 % or 3.5 sigma, whichever is larger.
      expect(Math.abs(r - 1)).toBeLessThan(Math.max(0.03, (3.5 * m.s.peakErrJy) / m.s.peakJy));
      if (m.s.snr > 100) expect(Math.abs(r - 1)).toBeLessThan(0.03);
      chi2 += ((m.s.peakJy - t.fluxJy) / m.s.peakErrJy) ** 2;
      if (m.s.snr > 100) {
        expect(Math.abs(m.s.majArcsec / field.beam.majorArcsec - 1)).toBeLessThan(0.05);
        expect(Math.abs(m.s.minArcsec / field.beam.minorArcsec - 1)).toBeLessThan(0.05);
        expect(Math.abs(m.s.paDeg - field.beam.paDeg)).toBeLessThan(5);
      }
    }
    const red = chi2 / field.truth.length;
    expect(red).toBeGreaterThan(0.3);
    expect(red).toBeLessThan(2.5);
    ratios.sort((a, b) => a - b);
    expect(Math.abs(ratios[ratios.length >> 1]! - 1)).toBeLessThan(0.02);
  });

  it('measures the local noise and ignores NaN regions', () => {
    for (const s of found) expect(Math.abs(s.noiseJy / field.sigmaJy - 1)).toBeLessThan(0.15);
    const holed = combine(field);
    // Blank the left third (a mosaic border): sources there vanish, the rest are unchanged.
    for (let y = 0; y < field.wcs.ny; y++) for (let x = 0; x < 170; x++) holed[y * field.wcs.nx + x] = Number.NaN;
    const f2 = findSources(holed, field.wcs, { beam: field.beam });
    const expected = field.truth.filter((t) => {
      const m = nearest(found, t)!;
      return m.s.x > 175;
    });
    expect(f2.length).toBe(expected.length);
    for (const s of f2) expect(Number.isFinite(s.raDeg) && Number.isFinite(s.peakJy)).toBe(true);
  });
});

describe('deblending', () => {
  // Pairs 1.5 and 1.8 beam majors apart (flux ratios 1:1 and 2:1, SNR 100-200) on a noise-only field:
  // close enough to share an island (connected above 3 sigma) yet with a dip between the peaks.
  const field = synthField({ seed: 3, nSources: 0 });
  const pairs: TruthSource[][] = [];
  const img = combine(field);
  const bmajPx = field.beam.majorArcsec / 5;
  [
    [1.5, 1],
    [1.5, 0.5],
    [1.8, 1],
    [1.8, 0.5],
  ].forEach(([sep, ratio], k) => {
    const x0 = 100 + 100 * (k % 4);
    const y0 = 150 + 200 * Math.floor(k / 4) + (k % 2) * 150;
    const ang = 0.4 + k;
    const a = pixelToWorld(field.wcs, x0, y0)!;
    const b = pixelToWorld(field.wcs, x0 + sep! * bmajPx * Math.cos(ang), y0 + sep! * bmajPx * Math.sin(ang))!;
    const pair = [
      { name: `P${k}a`, raDeg: a.raDeg, decDeg: a.decDeg, fluxJy: 0.2 },
      { name: `P${k}b`, raDeg: b.raDeg, decDeg: b.decDeg, fluxJy: 0.2 * ratio! },
    ];
    for (const t of pair) addPointSource(img, field.wcs, field.beam, t.raDeg, t.decDeg, t.fluxJy);
    pairs.push(pair);
  });

  it('fits each source of a blended pair, with its flux and position', () => {
    const found = findSources(img, field.wcs, { beam: field.beam });
    expect(found.length).toBe(8);
    for (const pair of pairs) {
      const hits = pair.map((t) => nearest(found, t)!);
      expect(hits[0]!.s.island).toBe(hits[1]!.s.island);
      for (const [j, t] of pair.entries()) {
        const h = hits[j]!;
        expect(h.s.components).toBe(2);
        expect(h.sepArcsec).toBeLessThan(0.15 * field.beam.majorArcsec);
        // Joint fits of overlapping Gaussians are less certain: 4 of their own (Condon) sigma, or 5 %.
        expect(Math.abs(h.s.peakJy - t.fluxJy)).toBeLessThan(Math.max(0.05 * t.fluxJy, 4 * h.s.peakErrJy));
      }
    }
  });

  it('without deblending each pair gives one source: the fit takes one component and the companion is lost', () => {
    const found = findSources(img, field.wcs, { beam: field.beam, deblend: false });
    expect(found.length).toBe(4);
    expect(found.every((s) => s.components === 1)).toBe(true);
    const recovered = pairs.flat().filter((t) => nearest(found, t)!.sepArcsec < 0.15 * field.beam.majorArcsec).length;
    expect(recovered).toBeLessThanOrEqual(4);
  });
});
