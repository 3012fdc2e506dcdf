// validateTiles: inspect the images, run the checks, and (unless a dry run) store the outcome
// on the mosaic group (created on first use, named like the mosaic) with db.qa.insertValidation.
import { nowMjd, type MosaicValidation } from '../../../shared/model';
import type { Config } from '../config';
import type { Database } from '../db';
import { inspectTiles, type TileInfo } from './tiles';
import { DEFAULT_LIMITS, runChecks, type ValidationCheck } from './validate';

export interface MosaicValidationReport {
  ok: boolean;
  checks: ValidationCheck[];
  /** The stored row (null on a dry run). */
  stored: MosaicValidation | null;
  /** The mosaic group the validation belongs to (null on a dry run when no group exists). */
  groupId: number | null;
  /** What was found about each image, in the order given. */
  tiles: TileInfo[];
}

export class MosaicValidationError extends Error {
  constructor(
    readonly group: string,
    readonly report: MosaicValidationReport,
  ) {
    super(
      `mosaic ${group}: tile validation failed (${report.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.check}: ${c.message}`)
        .join('; ')}); ` + 'fix the selection or build with force (--force) to combine the usable images anyway',
    );
    this.name = 'MosaicValidationError';
  }
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : 0.5 * (s[h - 1]! + s[h]!);
}

/** The group named `name`, created from the tiles when absent; a completed group cannot be reused. */
function groupFor(db: Database, name: string, tiles: TileInfo[]): number {
  const memberImageIds = [...new Set(tiles.filter((t) => t.image).map((t) => t.imageId))];
  const memberMsIds = [...new Set(tiles.map((t) => t.msId).filter((x): x is number => x !== null))];
  const existing = db.images.getMosaicGroupByName(name);
  if (existing) {
    if (existing.status === 'completed') {
      const m = db.images.listMosaics({ groupId: existing.id })[0];
      throw new Error(
        `mosaic group '${name}' is already built${m ? ` (mosaic ${m.id} at ${m.path})` : ''}; choose another name`,
      );
    }
    db.images.addMembers(existing.id, { imageIds: memberImageIds, msIds: memberMsIds });
    return existing.id;
  }
  const starts = tiles.map((t) => t.startMjd).filter((x): x is number => x !== null);
  const ends = tiles.map((t) => t.endMjd ?? t.startMjd).filter((x): x is number => x !== null);
  const now = nowMjd();
  return db.images.insertMosaicGroup({
    name,
    memberImageIds,
    memberMsIds,
    decDeg: median(tiles.map((t) => t.decDeg).filter((x): x is number => x !== null)) ?? 0,
    startMjd: starts.length ? Math.min(...starts) : now,
    endMjd: ends.length ? Math.max(...ends) : now,
  }).id;
}

/**
 * Validates the tiles of a mosaic named `groupName`. With `store` (default) the result is
 * stored on the group (created when needed); `store: false` is a dry run that writes nothing.
 */
export async function validateTiles(
  engine: { db: Database; config: Config },
  imageIds: readonly number[],
  groupName: string,
  opts: { store?: boolean } = {},
): Promise<MosaicValidationReport> {
  // Reading headers and MS keywords is synchronous; yield once so callers' progress can render.
  await Promise.resolve();
  const tiles = inspectTiles(engine.db, imageIds);
  const checks = runChecks(tiles, { ...DEFAULT_LIMITS, decToleranceDeg: engine.config.mosaic.decToleranceDeg });
  const ok = checks.every((c) => c.ok);
  if (opts.store === false) {
    return { ok, checks, stored: null, groupId: engine.db.images.getMosaicGroupByName(groupName)?.id ?? null, tiles };
  }
  const stored = engine.db.transaction(() => {
    const groupId = groupFor(engine.db, groupName, tiles);
    return engine.db.qa.insertValidation({ groupId, ok, checks });
  });
  return { ok, checks, stored, groupId: stored.groupId, tiles };
}
