// The calibration-table registry over the database: each solved table is recorded with its
// kind, calibrator, reference antenna, solver parameters, QA metrics and a validity window
// centred on the solve time (bandpass ~24 h, gains ~1 h, from the config), so lookups work
// before and after the solve; lookups report staleness (fresh / aging / stale by the time
// from the solve) and never hand out a table whose files are gone: such a table is marked
// failed (qa.missingFiles) and the next candidate is taken.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CalTable, CalTableKind } from '../../../shared/model/calibration';
import type { JsonObject } from '../../../shared/model/common';
import type { Database } from '../db';

export type Staleness = 'fresh' | 'aging' | 'stale';

/** The config values the registry needs (engine.config.calibration has them). */
export interface RegistryConfig {
  bandpassValidityH: number;
  gainValidityH: number;
  freshH: number;
  agingH: number;
}

export interface CalTableQa {
  /** Flagged solutions over the solutions of antennas with data. */
  flaggedFraction: number;
  /** Median SNR of the unflagged solutions. */
  medianSnr: number;
  [key: string]: number | string | boolean | null | number[];
}

export interface RegisterInput {
  path: string;
  kind: CalTableKind;
  calibrator: string | null;
  msId: number | null;
  refAnt: string | null;
  solveMjd: number;
  params: JsonObject;
  qa: CalTableQa;
}

export interface CalLookup {
  table: CalTable;
  /** Hours from the solve to the time looked up (negative: the solve is later). */
  offsetH: number;
  staleness: Staleness;
}

/** Validity half-width (hours) of a kind: bandpass (and delays) ~24 h, gains ~1 h. */
export function validityHours(kind: CalTableKind, cfg: RegistryConfig): number {
  return kind === 'B' || kind === 'K' ? cfg.bandpassValidityH : cfg.gainValidityH;
}

/** Staleness band of a solution used |hours| away from its solve time. */
export function stalenessOf(hours: number, cfg: RegistryConfig): Staleness {
  const h = Math.abs(hours);
  if (h < cfg.freshH) return 'fresh';
  if (h < cfg.agingH) return 'aging';
  return 'stale';
}

/** Are the table's files on disk (its directory with table.dat)? */
export function tableFilesPresent(path: string): boolean {
  return existsSync(join(path, 'table.dat'));
}

/**
 * Record a solved table as valid over solveMjd +- the kind's validity. Earlier valid tables of
 * the same kind solved on the same MS are marked superseded.
 */
export function registerCalTable(db: Database, input: RegisterInput, cfg: RegistryConfig): CalTable {
  if (!tableFilesPresent(input.path))
    throw new Error(`${input.path}: cannot register a calibration table whose table.dat is missing`);
  const half = validityHours(input.kind, cfg) / 24;
  return db.transaction(() => {
    if (input.msId !== null) {
      for (const old of db.calibration.listTables({ msId: input.msId, kind: input.kind, status: 'valid' })) {
        db.calibration.setTableStatus(old.id, 'superseded');
      }
    }
    return db.calibration.insertTable({
      path: input.path,
      kind: input.kind,
      calibrator: input.calibrator,
      msId: input.msId,
      refAnt: input.refAnt,
      solveMjd: input.solveMjd,
      validStartMjd: input.solveMjd - half,
      validEndMjd: input.solveMjd + half,
      params: input.params,
      qa: input.qa,
      status: 'valid',
    });
  });
}

/** Mark a registered table whose files are gone, so no lookup returns it again. */
function markMissing(db: Database, t: CalTable): void {
  db.calibration.setTableStatus(t.id, 'failed', {
    ...t.qa,
    missingFiles: true,
    missingNotedMjd: Date.now() / 86400000 + 40587,
  });
}

/**
 * The best valid table of a kind for a time: the nearest solve (before or after) whose window
 * holds `mjd` and whose files exist. Null when there is none.
 */
export function lookupCalTable(db: Database, kind: CalTableKind, mjd: number, cfg: RegistryConfig): CalLookup | null {
  for (const t of db.calibration.findValid(kind, mjd)) {
    if (!tableFilesPresent(t.path)) {
      markMissing(db, t);
      continue;
    }
    const offsetH = (mjd - t.solveMjd) * 24;
    return { table: t, offsetH, staleness: stalenessOf(offsetH, cfg) };
  }
  return null;
}

export interface CalSet {
  bandpass: CalLookup | null;
  gains: CalLookup | null;
}

/** The bandpass and amplitude+phase gains to apply at a time (either may be missing). */
export function lookupCalSet(db: Database, mjd: number, cfg: RegistryConfig): CalSet {
  return { bandpass: lookupCalTable(db, 'B', mjd, cfg), gains: lookupCalTable(db, 'Gap', mjd, cfg) };
}
