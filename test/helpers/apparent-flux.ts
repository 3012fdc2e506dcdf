// The flux a drift-scan image sees of a source: S times the primary-beam response, averaged over
// the observation's integrations and channels (the natural-weighted dirty peak), at a pointing
// declination. Shared by the tests that compare WSClean's images with injected sources.
import {
  apparentContext,
  apparentVector,
  directionCosines,
  lastRad,
  raDecOf,
  unitVector,
} from '../../src/shared/astro';
import { ARRAY_CENTRE, beamModel, type BeamModelName } from '../../src/shared/instrument';

const DEG = Math.PI / 180;

export function beamAveragedFlux(
  src: { raDeg: number; decDeg: number; fluxJy: number },
  timesMjd: ArrayLike<number>,
  freqsHz: readonly number[],
  pointingDecDeg: number,
  beam: BeamModelName = 'airy',
): number {
  const model = beamModel(beam);
  let sum = 0;
  for (let i = 0; i < timesMjd.length; i++) {
    const t = timesMjd[i]!;
    const app = raDecOf(apparentVector(unitVector(src.raDeg * DEG, src.decDeg * DEG), apparentContext(t)));
    const n = directionCosines(app.raRad, app.decRad, lastRad(t, ARRAY_CENTRE.longitudeDeg), pointingDecDeg * DEG)[2];
    const theta = Math.acos(Math.min(1, n));
    for (const f of freqsHz) sum += src.fluxJy * model.response(theta, f);
  }
  return sum / (timesMjd.length * freqsHz.length);
}
