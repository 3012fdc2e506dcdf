// Phase rotation: a point-source model evaluated at one phase centre and rotated to another
// equals the model evaluated directly at the new centre (float32, 1e-5), for real DSA-110
// baselines, the DSA band, and a centre shift of degrees -- the drift-scan -> J2000 case.
import { describe, expect, it } from 'vitest';
import {
  type VisShape,
  addPointSource,
  apparentContext,
  apparentHourAngle,
  driftPhaseCentreJ2000,
  apparentToJ2000,
  apparentVector,
  deltaW,
  deltaWFromLmn,
  directionCosines,
  gastRad,
  j2000ToApparent,
  raDecOf,
  rotatePhases,
  unitVector,
  uvwForJ2000,
} from '../../src/shared/astro';
import { ARRAY_CENTRE, baselinesEcef, bandFrequencies } from '../../src/shared/instrument';

const DEG = Math.PI / 180;
const MJD = 60310.3712;

// Every baseline among 12 antennas spread over the arms and the outriggers (66 baselines, to ~2.6 km).
const ANTS = [1, 20, 51, 52, 80, 102, 103, 105, 108, 114, 116, 117];
const A1: number[] = [];
const A2: number[] = [];
for (let i = 0; i < ANTS.length; i++)
  for (let j = i + 1; j < ANTS.length; j++) {
    A1.push(ANTS[i] as number);
    A2.push(ANTS[j] as number);
  }
const B = baselinesEcef(A1, A2);
const FREQS = bandFrequencies(8); // the demo's 16 x 8 layout, 1.31-1.50 GHz
const SHAPE: VisShape = { nbl: A1.length, nchan: FREQS.length, npol: 2 };

/** Model of one point source (apparent direction `sApp`) at a J2000 phase centre, frame 'date'. */
function modelAt(
  raJ: number,
  decJ: number,
  sApp: { raRad: number; decRad: number },
  flux: [number, number],
): { vis: Float32Array; uvw: Float64Array } {
  const uvw = uvwForJ2000(B, raJ, decJ, MJD, { frame: 'date' });
  const c = j2000ToApparent(raJ, decJ, MJD);
  const vis = new Float32Array(SHAPE.nbl * SHAPE.nchan * SHAPE.npol * 2);
  addPointSource(vis, SHAPE, uvw, FREQS, directionCosines(sApp.raRad, sApp.decRad, c.raRad, c.decRad), flux);
  return { vis, uvw };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('phase rotation', () => {
  // Old centre: the drift-scan centre (HA = 0 at Dec +55.57 of date); new centre: 0834+555.
  const oldC = driftPhaseCentreJ2000(MJD, 55.57 * DEG);
  it('the drift-scan centre is on the meridian at the pointing declination of date', () => {
    const { haRad, decRad } = apparentHourAngle(MJD, oldC.raRad, oldC.decRad);
    expect(Math.abs(haRad)).toBeLessThan(1e-11);
    expect(decRad).toBeCloseTo(55.57 * DEG, 11);
    const viaApparent = apparentToJ2000(gastRad(MJD) + ARRAY_CENTRE.longitudeDeg * DEG, 55.57 * DEG, MJD);
    expect(viaApparent.raRad).toBeCloseTo(oldC.raRad, 11);
  });
  const newC = { raRad: (8 + 34 / 60 + 54.904117 / 3600) * 15 * DEG, decRad: (55 + 34 / 60 + 21.07098 / 3600) * DEG };
  // The source: 0.4 deg from the new centre, in the main lobe.
  const src = j2000ToApparent(newC.raRad + 0.5 * DEG, newC.decRad + 0.2 * DEG, MJD);
  const flux: [number, number] = [8.8, 8.7];

  it('old-centre model rotated to the new centre equals the new-centre model to 1e-5 (float32)', () => {
    const sep = Math.acos(
      Math.min(
        1,
        unitVector(oldC.raRad, oldC.decRad).reduce(
          (s, x, k) => s + x * (unitVector(newC.raRad, newC.decRad)[k] as number),
          0,
        ),
      ),
    );
    expect(sep / DEG).toBeGreaterThan(0.5); // a real shift, not a no-op
    const before = modelAt(oldC.raRad, oldC.decRad, src, flux);
    const after = modelAt(newC.raRad, newC.decRad, src, flux);
    // The test is only meaningful if the two differ grossly before rotation.
    expect(maxAbsDiff(before.vis, after.vis)).toBeGreaterThan(1);
    const rotated = rotatePhases(
      before.vis,
      SHAPE,
      deltaW(before.uvw, after.uvw),
      FREQS,
      new Float32Array(before.vis.length),
    );
    const err = maxAbsDiff(rotated, after.vis) / flux[0];
    console.log(
      `phase rotation: max |rotated - direct| / S = ${err.toExponential(2)} over ${SHAPE.nbl} baselines x ${SHAPE.nchan} channels`,
    );
    expect(err).toBeLessThan(1e-5);
    // The input block is untouched when an output block is given.
    expect(maxAbsDiff(before.vis, modelAt(oldC.raRad, oldC.decRad, src, flux).vis)).toBe(0);
  });

  it('the (l, m, n) form of the delay change equals w_new - w_old', () => {
    const before = modelAt(oldC.raRad, oldC.decRad, src, flux);
    const after = modelAt(newC.raRad, newC.decRad, src, flux);
    const oApp = j2000ToApparent(oldC.raRad, oldC.decRad, MJD);
    const nApp = j2000ToApparent(newC.raRad, newC.decRad, MJD);
    const a = deltaW(before.uvw, after.uvw);
    const b = deltaWFromLmn(before.uvw, directionCosines(nApp.raRad, nApp.decRad, oApp.raRad, oApp.decRad));
    for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(1e-7);
  });

  it("w is the same in the 'j2000' and 'date' frames, so the rotation does not depend on the uv frame", () => {
    const d0 = uvwForJ2000(B, oldC.raRad, oldC.decRad, MJD, { frame: 'date' });
    const d1 = uvwForJ2000(B, newC.raRad, newC.decRad, MJD, { frame: 'date' });
    const ctx = apparentContext(MJD);
    const j0 = uvwForJ2000(B, oldC.raRad, oldC.decRad, MJD, { context: ctx });
    const j1 = uvwForJ2000(B, newC.raRad, newC.decRad, MJD, { context: ctx });
    const a = deltaW(d0, d1);
    const b = deltaW(j0, j1);
    for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number))).toBeLessThan(1e-9);
  });

  it('the model phase is +2 pi b.(s - c) / lambda with b = ant2 - ant1 (CASA/WSClean sign)', () => {
    const { vis } = modelAt(newC.raRad, newC.decRad, src, [1, 1]);
    // Geometric path difference, computed independently: baseline rotated to the frame of date by GAST.
    const g = gastRad(MJD);
    const s = unitVector(src.raRad, src.decRad);
    const c = apparentVector(unitVector(newC.raRad, newC.decRad), apparentContext(MJD));
    const cApp = raDecOf(c);
    expect(cApp.decRad).toBeCloseTo(j2000ToApparent(newC.raRad, newC.decRad, MJD).decRad, 12);
    for (const i of [0, 17, SHAPE.nbl - 1]) {
      const [x, y, z] = [B[3 * i] as number, B[3 * i + 1] as number, B[3 * i + 2] as number];
      const bt = [Math.cos(g) * x - Math.sin(g) * y, Math.sin(g) * x + Math.cos(g) * y, z];
      const path =
        (bt[0] as number) * (s[0] - c[0]) + (bt[1] as number) * (s[1] - c[1]) + (bt[2] as number) * (s[2] - c[2]);
      const ch = 5;
      const ph = (2 * Math.PI * path * (FREQS[ch] as number)) / 299792458;
      const k = (i * SHAPE.nchan + ch) * SHAPE.npol * 2;
      expect(vis[k]).toBeCloseTo(Math.cos(ph), 5);
      expect(vis[k + 1]).toBeCloseTo(Math.sin(ph), 5);
    }
  });

  it('rotating there and back restores the data; a bad shape is named', () => {
    const before = modelAt(oldC.raRad, oldC.decRad, src, flux);
    const dw = Float64Array.from({ length: SHAPE.nbl }, (_, i) => (i - 30) * 7.3);
    const copy = Float32Array.from(before.vis);
    rotatePhases(copy, SHAPE, dw, FREQS);
    rotatePhases(
      copy,
      SHAPE,
      dw.map((x) => -x),
      FREQS,
    );
    expect(maxAbsDiff(copy, before.vis) / flux[0]).toBeLessThan(1e-6);
    expect(() => rotatePhases(new Float32Array(10), SHAPE, dw, FREQS)).toThrow(/vis: expected 66 x 128 x 2 complex/);
  });
});
