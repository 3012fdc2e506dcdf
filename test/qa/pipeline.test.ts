// QA end to end on the pipeline's own products: simulate a 5-minute group (20 antennas, noise on),
// convert, image and CLEAN it, import the simulator's truth.json as the reference catalog, and
// assess the PB-corrected image against it: it must pass with the right flux scale and astrometry;
// the same image scaled by 0.8 must fail on the flux scale.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/main/engine/config';
import { planConversion, writeConversion } from '../../src/main/engine/convert';
import { openDatabase, type Database } from '../../src/main/engine/db';
import { readFitsImage, restoringBeamFromHeader, skyGridFromHeader, writeFitsImage } from '../../src/main/engine/fits';
import { imageMeasurementSet, type ImagingOutput } from '../../src/main/engine/imaging/pipeline';
import { NativePool } from '../../src/main/engine/native/pool';
import { assessImageFile } from '../../src/main/engine/qa';
import { importCatalog } from '../../src/main/engine/refcat';
import { simulate } from '../../src/main/engine/sim/simulate';
import { DEC_DEG, START, sourcesAt, type Offset } from '../convert/sim-group';

const CELL = 5;
const SIZE = 1024;
const PIX = (CELL / 3600) * (Math.PI / 180);
// Eight sources spread over the inner field (within 0.6 deg of the centre, PB > 0.6), 25 beams apart or more.
const OFFSETS: Offset[] = [
  [40, -30, 0.4],
  [-150, 110, 0.25],
  [200, 160, 0.3],
  [-300, -250, 0.35],
  [320, -200, 0.2],
  [-60, 330, 0.3],
  [120, 380, 0.15],
  [-380, 20, 0.25],
].map(([l, m, f], k) => ({ name: `S${k}`, lRad: l! * PIX, mRad: m! * PIX, fluxJy: f! }));

describe('QA of an image made by the pipeline from simulated data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qa-pipeline-'));
  const pool = new NativePool({ workers: 2 });
  let out: ImagingOutput;
  let db: Database;
  const config = defaultConfig({ workspace: dir, threads: 2 });
  // The simulated sources have a flat spectrum (spectral index 0); the catalog check must not assume -0.7.
  config.qa.catalogSpectralIndex = 0;

  beforeAll(async () => {
    const sim = await simulate(
      {
        outDir: join(dir, 'raw'),
        start: START,
        minutes: 5,
        decDeg: DEC_DEG,
        antennas: 20,
        channelsPerSubband: 4,
        sources: sourcesAt(OFFSETS),
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
      },
      pool,
    );
    db = openDatabase(join(dir, 'state.sqlite'));
    expect(importCatalog(db, sim.truthFile, { name: 'SIM' })).toMatchObject({
      format: 'sim-truth',
      imported: OFFSETS.length,
    });
    const chunk = sim.chunks[0]!;
    const plan = await planConversion(chunk.groupId, chunk.files);
    const ms = await writeConversion(plan, join(dir, 'group.ms'));
    rmSync(join(dir, 'raw'), { recursive: true, force: true });
    out = await imageMeasurementSet(pool, {
      msPath: ms.path,
      prefix: join(dir, 'img'),
      params: {
        size: SIZE,
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
  }, 900_000);
  afterAll(async () => {
    db?.close();
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes: every truth source found, flux scale within 3 %, astrometry well under 1"', async () => {
    const a = await assessImageFile(out.files['image-pb'], {
      tier: 'science',
      config,
      db,
      catalog: 'SIM',
      pbPath: out.files.pb,
      pbCorrected: true,
    });
    // 20 of the 117 antennas in 5 minutes make a beam about 2.75:1, within the science tier's warn
    // limit (3.2, set for DSA-110's ~2.8:1 snapshot beam): every check passes.
    expect(a.reasons.filter((r) => r.severity !== 'pass').map((r) => `${r.check}:${r.severity}`)).toEqual([]);
    expect(a.verdict).toBe('pass');
    expect(a.metrics.catalogDetectable).toBe(OFFSETS.length);
    expect(a.metrics.completeness).toBe(1);
    expect(Math.abs(a.metrics.fluxRatioMedian! - 1)).toBeLessThan(0.03);
    expect(a.metrics.astrometricRmsArcsec!).toBeLessThan(1);
    // The finder's beam-shaped fits on a CLEANed image: sizes within 10 % of the restoring beam.
    expect(Math.abs(a.metrics.sourceSizeRatio! - 1)).toBeLessThan(0.1);
  });

  it('fails the same image with a 20 % flux-scale error on the flux scale', async () => {
    const img = readFitsImage(out.files['image-pb']);
    const scaled = Float32Array.from(img.data, (v) => v * 0.8);
    const file = join(dir, 'scaled.fits');
    const k = img.keywords;
    const num = (key: string) => k.get(key) as number;
    writeFitsImage(
      file,
      {
        grid: skyGridFromHeader(k, out.files['image-pb']),
        freqHz: num('CRVAL3'),
        bandwidthHz: num('CDELT3'),
        bunit: 'JY/BEAM',
        beam: restoringBeamFromHeader(k)!,
      },
      scaled,
    );
    const a = await assessImageFile(file, {
      tier: 'science',
      config,
      db,
      catalog: 'SIM',
      pbPath: out.files.pb,
      pbCorrected: true,
    });
    expect(a.reasons.filter((r) => r.severity === 'fail').map((r) => r.check)).toEqual(['flux_scale']);
    expect(Math.abs(a.metrics.fluxRatioMedian! - 0.8)).toBeLessThan(0.03);
  });
});
