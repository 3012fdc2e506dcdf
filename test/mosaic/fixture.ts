// A throwaway engine (database, default config, a small native pool) and simulated images
// registered like the imager does (an MS row with the time range and pointing, a 'clean' image).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../src/main/engine/config/schema';
import { openDatabase, type Database } from '../../src/main/engine/db';
import type { MosaicEngine } from '../../src/main/engine/mosaic';
import { NativePool } from '../../src/main/engine/native/pool';
import { isoOfMjd, writeSimImage, type SimImageSpec, type Source } from './sky';

export const DEC = 55.5;
export const T0 = 61000.25;
export const FREQ = 1.405e9;

export interface TestEngine extends MosaicEngine {
  dir: string;
  warnings: string[];
  close(): Promise<void>;
}

export function testEngine(): TestEngine {
  const dir = mkdtempSync(path.join(tmpdir(), 'dsa110-mosaic-'));
  const db: Database = openDatabase(path.join(dir, 'state.sqlite'));
  const pool = new NativePool({ workers: 1 });
  const warnings: string[] = [];
  return {
    dir,
    db,
    warnings,
    config: defaultConfig({ workspace: dir, threads: 2 }),
    native: () => pool,
    log: { info: () => undefined, warn: (_o, msg) => void warnings.push(msg ?? '') },
    app: { name: 'dsa110-contimg-test', version: '0.0.0' },
    async close() {
      await pool.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TileSpec extends Partial<Omit<SimImageSpec, 'prefix' | 'sources' | 'dateObs'>> {
  /** Index along the strip: RA = 128 + 1.25 k deg (5 min of time), time = T0 + 5 k min. */
  k: number;
  /** Pointing declination recorded on the MS (default: the image's). */
  msDecDeg?: number;
  msPath?: string;
}

/** Writes a simulated image and registers its MS and the restored image; returns the image id. */
export function addTile(
  e: { dir: string; db: Database },
  name: string,
  t: TileSpec,
  sources: readonly Source[],
): { imageId: number; msId: number; files: ReturnType<typeof writeSimImage> } {
  const startMjd = T0 + (5 * t.k) / 1440;
  const spec: SimImageSpec = {
    prefix: path.join(e.dir, 'images', name),
    raDeg: t.raDeg ?? 128 + 1.25 * t.k,
    decDeg: t.decDeg ?? DEC,
    n: t.n ?? 200,
    cellArcsec: t.cellArcsec ?? 60,
    beamArcsec: t.beamArcsec ?? 200,
    noiseJy: t.noiseJy ?? 1e-3,
    freqHz: t.freqHz ?? FREQ,
    seed: t.seed ?? 1000 + t.k,
    sources,
    dateObs: isoOfMjd(startMjd),
    ...(t.beamMajorArcsec !== undefined ? { beamMajorArcsec: t.beamMajorArcsec } : {}),
  };
  const files = writeSimImage(spec);
  const ms = e.db.ms.insert({
    path: t.msPath ?? path.join(e.dir, 'ms', `${name}.ms`),
    startMjd,
    endMjd: startMjd + 5 / 1440,
    midMjd: startMjd + 2.5 / 1440,
    decDeg: t.msDecDeg ?? spec.decDeg,
    status: 'imaged',
  });
  const img = e.db.images.insertImage({
    path: files.image,
    msId: ms.id,
    kind: 'clean',
    beamMajorArcsec: spec.beamMajorArcsec ?? spec.beamArcsec,
    beamMinorArcsec: spec.beamArcsec,
    beamPaDeg: 0,
    centerRaDeg: spec.raDeg,
    centerDecDeg: spec.decDeg,
    widthPx: spec.n,
    heightPx: spec.n,
    cellArcsec: spec.cellArcsec,
    freqHz: spec.freqHz,
    tier: 'science',
    pbModel: 'airy',
  });
  return { imageId: img.id, msId: ms.id, files };
}
