// Converting an ingest group of the database: its files, the MS path `<outputDir>/<groupId>.ms`,
// the measurement_sets row (converting -> converted | failed) and the group's ingest state.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Database } from '../db';
import { MeasurementSet } from '../ms';
import type { MeasurementSet as MsRow } from '../../../shared/model/ms';
import { removeStalePartials, writeConversion } from './convert';
import type { ConvertResult, WriteOptions } from './convert';
import { planConversion } from './plan';

export interface ConvertGroupOptions extends WriteOptions {
  allowIncomplete?: boolean;
  expectedSubbands?: number;
  /** Convert again even when a verified MS exists at the path. */
  overwrite?: boolean;
}

export interface ConvertGroupResult extends ConvertResult {
  msId: number;
  /** True when an existing, complete MS was kept. */
  skipped: boolean;
}

/** The MS path of a group. */
export function msPathFor(outputDir: string, groupId: string): string {
  return join(resolve(outputDir), `${groupId}.ms`);
}

/** An MS already at `path` whose database row says converted (or later) and whose MAIN holds its rows. */
export function existingComplete(db: Database, path: string): MsRow | null {
  if (!existsSync(path)) return null;
  const row = db.ms.getByPath(path);
  if (!row || row.status === 'converting' || row.status === 'failed' || row.nRows === null) return null;
  try {
    const ms = MeasurementSet.open(path);
    const n = ms.nrows;
    ms.close();
    return n === row.nRows ? row : null;
  } catch {
    return null;
  }
}

/** The result of a conversion, as an MS already converted (`skipped`) reads back from its row. */
export function resultFromRow(row: MsRow, groupId: string): ConvertGroupResult {
  return {
    msId: row.id,
    skipped: true,
    path: row.path,
    groupId,
    rows: row.nRows ?? 0,
    spws: row.nSpws ?? 0,
    subbands: [],
    missingSubbands: [],
    antennas: row.nAntennas ?? 0,
    antennasWithData: row.nAntennas ?? 0,
    baselines: 0,
    ntimes: 0,
    startMjd: row.startMjd,
    endMjd: row.endMjd,
    midMjd: row.midMjd,
    pointingDecDeg: row.decDeg,
    phaseCentreRaDeg: row.phaseCenterRaDeg ?? 0,
    phaseCentreDecDeg: row.phaseCenterDecDeg ?? 0,
    flaggedFraction: row.flaggedFraction ?? 0,
    freqMinHz: 0,
    freqMaxHz: 0,
    warnings: [],
  };
}

/** A group with two different files claiming one subband: not converted until one is removed. */
export class GroupConflictError extends Error {
  constructor(
    readonly groupId: string,
    readonly conflicts: { path: string; registeredPath: string; subband: number }[],
  ) {
    super(
      `group ${groupId} is not converted: ${conflicts.map((c) => `sb${String(c.subband).padStart(2, '0')} is claimed by two different files, ${c.registeredPath} and ${c.path}`).join('; ')}; remove (or move away) the wrong file and run dsa110 index on its directory again`,
    );
    this.name = 'GroupConflictError';
  }
}

/**
 * Convert one ingest group to `<outputDir>/<groupId>.ms`, recording it in the database. The
 * workspace lease `convert:<group>` makes concurrent converts of one group take turns: the
 * second finds the first one's MS complete and keeps it.
 */
export async function convertGroup(
  db: Database,
  groupId: string,
  outputDir: string,
  opts: ConvertGroupOptions = {},
): Promise<ConvertGroupResult> {
  db.ingest.requireGroup(groupId);
  const conflicts = db.ingest.conflicts(groupId);
  if (conflicts.length > 0) throw new GroupConflictError(groupId, conflicts);
  return db.leases.hold(
    `convert:${groupId}`,
    `convert group ${groupId} to ${msPathFor(outputDir, groupId)}`,
    () => convertHeld(db, groupId, outputDir, opts),
    { signal: opts.signal },
  );
}

async function convertHeld(
  db: Database,
  groupId: string,
  outputDir: string,
  opts: ConvertGroupOptions,
): Promise<ConvertGroupResult> {
  const files = db.ingest.filesOfGroup(groupId).map((f) => f.path);
  const path = msPathFor(outputDir, groupId);
  if (!opts.overwrite) {
    const done = existingComplete(db, path);
    if (done) return resultFromRow(done, groupId);
  }
  removeStalePartials(path);
  const plan = await planConversion(groupId, files, {
    allowIncomplete: opts.allowIncomplete,
    expectedSubbands: opts.expectedSubbands,
  });
  const fields = {
    groupId,
    startMjd: plan.startMjd,
    endMjd: plan.endMjd,
    midMjd: plan.midMjd,
    decDeg: (plan.pointingDecRad * 180) / Math.PI,
    phaseCenterRaDeg: (plan.phaseCentre.raRad * 180) / Math.PI,
    phaseCenterDecDeg: (plan.phaseCentre.decRad * 180) / Math.PI,
    nAntennas: new Set([...plan.ant1, ...plan.ant2]).size,
    nSpws: plan.spws.length,
    nRows: plan.timesMjd.length * plan.spws.length * plan.nbl,
    status: 'converting' as const,
    stage: 'convert',
    flaggedFraction: null,
  };
  const prior = db.ms.getByPath(path);
  const row = prior ? db.ms.update(prior.id, fields) : db.ms.insert({ path, ...fields });
  db.ingest.setGroupState(groupId, 'in_progress');
  try {
    const r = await writeConversion(plan, path, opts);
    db.ms.update(row.id, { status: 'converted', flaggedFraction: r.flaggedFraction });
    db.ingest.setGroupState(groupId, 'completed', { endMjd: plan.endMjd });
    return { ...r, msId: row.id, skipped: false };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    db.ms.update(row.id, { status: 'failed' });
    db.ingest.setGroupState(groupId, 'failed', { error: message });
    throw err;
  }
}
