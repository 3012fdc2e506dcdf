// Sources outside the field (imaging/outfield.ts): which catalog sources are chosen (outside the
// image, inside the search radius, bright enough after the primary beam), and the subtraction
// against a brute-force direct sum of S(nu) B(theta(t), nu) exp(2 pi i (ul + vm + w(n-1)) / lambda)
// with the beam evaluated at each integration's drifted pointing.
import { afterAll, describe, expect, it } from 'vitest';
import { beamModel } from '../../src/shared/instrument';
import { firstNullRad, outOfFieldRadiusDeg, selectOutOfField, subtractSources, type CatalogSource } from '../../src/main/engine/imaging/outfield';
import type { ImagingVisibilities } from '../../src/main/engine/imaging/visibilities';
import { NativePool, sharedOf } from '../../src/main/engine/native/pool';
import { Rng } from '../../src/main/engine/sim/rng';

const D2R = Math.PI / 180;
const centre = { raDeg: 128.7, decDeg: 55.57 };
const opts = { nx: 1536, ny: 1536, cellRad: (6 / 3600) * D2R, beamModel: 'airy', minApparentJy: 0.05, radiusNulls: 2, catalogFreqHz: 1.4e9, spectralIndex: -0.7 };

function data(nrows: number, ntimes: number): ImagingVisibilities {
  const rng = new Rng(4, 'outfield');
  const freqs = sharedOf(Float64Array, 6);
  for (let c = 0; c < 6; c++) freqs[c] = 1.31e9 + c * 40e6;
  const uvw = sharedOf(Float64Array, 3 * nrows);
  for (let i = 0; i < 3 * nrows; i++) uvw[i] = (i % 3 === 2 ? 20 : 1500) * rng.normal();
  const timesS = Array.from({ length: ntimes }, (_, t) => 5e9 + 12.884901888 * t);
  return {
    uvw, freqs, vis: sharedOf(Float32Array, 2 * nrows * 6), weights: sharedOf(Float32Array, nrows * 6).fill(1), nrows, nchan: 6, phaseCentre: centre,
    timesS, rowTime: Int32Array.from({ length: nrows }, (_, r) => r % ntimes), ant1: new Int32Array(nrows), ant2: new Int32Array(nrows).fill(1), intervalS: 12.884901888, telescope: 'DSA-110',
    widthsHz: new Float64Array(6).fill(244140.625), usedFraction: 1, column: 'DATA',
  };
}

/** A source `offDeg` from the centre along Dec (north). */
const north = (name: string, offDeg: number, fluxJy: number): CatalogSource => ({ name, raDeg: centre.raDeg, decDeg: centre.decDeg + offDeg, fluxJy });

describe('sources outside the field', () => {
  const pool = new NativePool({ workers: 1 });
  afterAll(() => pool.close());

  it('selects the bright ones beyond the image edge and inside the search radius, brightest apparent first', () => {
    const d = data(10, 24);
    // The image reaches 1536 x 3" = 1.28 deg north; the first null at 1.31 GHz is at 3.44 deg.
    expect((firstNullRad(1.31e9) * 180) / Math.PI).toBeCloseTo(3.44, 2);
    expect(outOfFieldRadiusDeg(d.freqs, 2)).toBeCloseTo(6.88, 1);
    const cat = [
      north('inside', 1.0, 10), // in the image: CLEAN's job
      north('edge', 1.45, 3.9), // just outside (like 0834+555 from the off-transit tiles)
      north('faint', 1.6, 0.05), // apparent < 50 mJy
      north('null', 3.44, 2), // at the first null of the band's bottom (a sidelobe at its top): well under 50 mJy
      north('sidelobe', 4.6, 8), // first sidelobe, ~1.7 % of 8 Jy
      north('far', 8, 100), // beyond the search radius
    ];
    const sel = selectOutOfField(cat, d, opts);
    expect(sel.map((s) => s.name)).toEqual(['edge', 'sidelobe']);
    const beam = beamModel('airy');
    // The mean apparent flux: catalog flux at each frequency times the beam, over the drift.
    expect(sel[0]!.apparentJy / (3.9 * beam.response(1.45 * D2R, 1.4e9))).toBeGreaterThan(0.9);
    expect(sel[0]!.apparentJy / (3.9 * beam.response(1.45 * D2R, 1.4e9))).toBeLessThan(1.1);
    expect(sel[1]!.apparentJy).toBeGreaterThan(0.05);
    expect(sel[1]!.apparentJy).toBeLessThan(0.2);
  });

  it('subtracts exactly the brute-force sum with the drifting, frequency-dependent beam', async () => {
    const ntimes = 24;
    const d = data(240, ntimes);
    const src = { ...north('edge', 1.45, 3.9), raDeg: centre.raDeg + 0.8 };
    const sel = selectOutOfField([src], d, opts);
    expect(sel).toHaveLength(1);
    const beam = beamModel('airy');
    const [ra0, dec0] = [centre.raDeg * D2R, centre.decDeg * D2R];
    const [ra, dec] = [src.raDeg * D2R, src.decDeg * D2R];
    const l = Math.cos(dec) * Math.sin(ra - ra0);
    const m = Math.sin(dec) * Math.cos(dec0) - Math.cos(dec) * Math.sin(dec0) * Math.cos(ra - ra0);
    const n1 = Math.sqrt(1 - l * l - m * m) - 1;
    const mid = 0.5 * (d.timesS[0]! + d.timesS[ntimes - 1]!);
    // Data = the source itself: subtracting it must leave (almost) nothing.
    for (let r = 0; r < d.nrows; r++) {
      const off = (d.timesS[d.rowTime[r]!]! - mid) * ((2 * Math.PI * 1.00273781191135448) / 86400);
      for (let c = 0; c < d.nchan; c++) {
        const f = d.freqs[c]!;
        const a = 3.9 * (f / 1.4e9) ** -0.7 * beam.responseToward({ raRad: ra0 + off, decRad: dec0 }, { raRad: ra, decRad: dec }, f);
        const ph = (2 * Math.PI * f * (d.uvw[3 * r]! * l + d.uvw[3 * r + 1]! * m + d.uvw[3 * r + 2]! * n1)) / 299792458;
        d.vis[2 * (r * d.nchan + c)] = a * Math.cos(ph);
        d.vis[2 * (r * d.nchan + c) + 1] = a * Math.sin(ph);
      }
    }
    let before = 0;
    for (const v of d.vis) before += v * v;
    await subtractSources(pool, d, sel, opts);
    let after = 0;
    for (const v of d.vis) after += v * v;
    // Float32 storage of the data: 1e-6 relative.
    expect(Math.sqrt(after / before)).toBeLessThan(1e-5);
    // The beam drifts: the apparent flux differs between the first and last integration.
    const first = beam.responseToward({ raRad: ra0 - 0.0112, decRad: dec0 }, { raRad: ra, decRad: dec }, 1.4e9);
    const last = beam.responseToward({ raRad: ra0 + 0.0112, decRad: dec0 }, { raRad: ra, decRad: dec }, 1.4e9);
    expect(Math.abs(first / last - 1)).toBeGreaterThan(0.05);
  });
});
