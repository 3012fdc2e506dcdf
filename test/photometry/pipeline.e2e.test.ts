// Photometry end to end on the pipeline's own products: two simulated 5-minute epochs at one
// declination (20 antennas, noise on), the second with one source brightened by the simulator's
// flare model; each converted, imaged and CLEANed, then measured (apparent image + its PB) against
// the simulator's truth.json as the reference catalog: forced fluxes near the truth after the
// primary beam, the flaring source's two-epoch modulation as injected, the constant ones not.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planConversion, writeConversion } from '../../src/main/engine/convert';
import { openDatabase, type Database } from '../../src/main/engine/db';
import { imageMeasurementSet } from '../../src/main/engine/imaging/pipeline';
import { NativePool } from '../../src/main/engine/native/pool';
import { lightCurveOf } from '../../src/main/engine/photometry/lightcurve';
import { measureEpoch, resolveTarget } from '../../src/main/engine/photometry/measure';
import { importCatalog } from '../../src/main/engine/refcat';
import { simulate } from '../../src/main/engine/sim/simulate';
import { fluxAtTime, type VariableSource } from '../../src/main/engine/sim/variability';
import { DEC_DEG, START, sourcesAt, type Offset } from '../convert/sim-group';

const CELL = 5;
const PIX = (CELL / 3600) * (Math.PI / 180);
const OFFSETS: Offset[] = [
  [40, -30, 0.4],
  [-150, 110, 0.25],
  [200, 160, 0.3],
  [-300, -250, 0.35],
  [320, -200, 0.2],
].map(([l, m, f], k) => ({ name: `S${k}`, lRad: l! * PIX, mRad: m! * PIX, fluxJy: f! }));
/** S1 flares by 60 % at the second epoch (the simulator's flare model, peak at epoch 2). */
const FLARE: VariableSource = {
  name: 'S1',
  raDeg: 0,
  decDeg: 0,
  fluxJy: 0.25,
  variability: { kind: 'flare', t0Mjd: 1, amplitude: 0.6, riseDays: 0.2, decayDays: 5 },
};
const EPOCH_MJD = [0, 1];

describe('photometry of images made by the pipeline from simulated epochs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'phot-pipeline-'));
  const pool = new NativePool({ workers: 2 });
  let db: Database;

  beforeAll(async () => {
    db = openDatabase(join(dir, 'state.sqlite'));
    for (let k = 0; k < 2; k++) {
      const offsets = OFFSETS.map((o) => (o.name === 'S1' ? { ...o, fluxJy: fluxAtTime(FLARE, EPOCH_MJD[k]!) } : o));
      const sim = await simulate(
        {
          outDir: join(dir, `raw${k}`),
          start: START,
          minutes: 5,
          decDeg: DEC_DEG,
          antennas: 20,
          channelsPerSubband: 4,
          sources: sourcesAt(offsets),
          corruptions: {
            gains: false,
            bandpass: false,
            noise: true,
            deadAntennas: 0,
            flaggedChannelFraction: 0,
            rfi: false,
          },
          minApparentJy: 0,
          jitterS: 3,
          seed: 100 + k,
        },
        pool,
      );
      // The quiescent truth is the reference catalog.
      if (k === 0) importCatalog(db, sim.truthFile, { name: 'SIM' });
      const chunk = sim.chunks[0]!;
      const ms = await writeConversion(await planConversion(chunk.groupId, chunk.files), join(dir, `epoch${k}.ms`));
      rmSync(join(dir, `raw${k}`), { recursive: true, force: true });
      const out = await imageMeasurementSet(pool, {
        msPath: ms.path,
        prefix: join(dir, `epoch${k}`),
        params: {
          size: 768,
          cellArcsec: CELL,
          weighting: 'briggs',
          robust: 0,
          niter: 1000,
          mgain: 0.8,
          autoThresholdSigma: 3,
          pbCut: 0.2,
          beamModel: 'airy',
          threads: 2,
        },
      });
      rmSync(ms.path, { recursive: true, force: true });
      // The simulated epochs share a start time; the light curve's epochs are a day apart.
      measureEpoch(db, { ...resolveTarget(db, out.files.image), mjd: 61000 + EPOCH_MJD[k]! }, { catalog: 'SIM' });
    }
  }, 1_200_000);
  afterAll(async () => {
    db?.close();
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('measures forced fluxes near the truth after the primary beam, and the flare as injected', () => {
    const epochs = db.photometry.epochs();
    expect(epochs).toHaveLength(2);
    expect(epochs.every((e) => e.pbApplied && e.pbPath !== null)).toBe(true);
    for (const o of OFFSETS) {
      const ref = db.sources.findByName('SIM', o.name)!;
      const src = db.photometry.sourceOfRef(ref.id)!;
      const lc = lightCurveOf(db, src.id);
      expect(lc).toHaveLength(2);
      const truth = EPOCH_MJD.map((t) => (o.name === 'S1' ? fluxAtTime(FLARE, t) : o.fluxJy));
      for (let k = 0; k < 2; k++) {
        const ratio = lc[k]!.peakJy / truth[k]!;
        console.log(
          `${o.name} epoch ${k}: forced ${(lc[k]!.peakJy * 1e3).toFixed(1)} mJy, truth ${(truth[k]! * 1e3).toFixed(1)}, ratio ${ratio.toFixed(3)} +- ${(lc[k]!.peakErrJy / truth[k]!).toFixed(3)}`,
        );
        expect(Math.abs(ratio - 1)).toBeLessThan(0.05);
      }
      const m = (2 * (lc[1]!.peakJy - lc[0]!.peakJy)) / (lc[1]!.peakJy + lc[0]!.peakJy);
      const mTrue = (2 * (truth[1]! - truth[0]!)) / (truth[1]! + truth[0]!);
      expect(Math.abs(m - mTrue)).toBeLessThan(0.05);
      expect(src.candidate).toBe(o.name === 'S1');
      // The finder's components joined the catalog source in both epochs.
      expect(src.nDetections).toBe(2);
    }
  });
});
