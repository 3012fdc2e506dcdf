// Calibrating Measurement Sets: solve on a calibrator transit (per spectral window: rotate to
// the calibrator, flag, bandpass -> phase-only -> amplitude+phase gains), write the B, Gp and
// Gap tables into <workspace>/caltables (temp + rename) and register them; apply the valid
// bandpass and gains for an MS's time to DATA, writing CORRECTED_DATA (added in place) and
// FLAG. Applying the same tables twice is a no-op: the applied set is recorded in the MS's
// DSA110_CALAPPLIED keyword. Both are job-runner stages (calibrate.solve, calibrate.apply);
// calibrateMs does both in one pass over the data.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { openTable } from '../casacore';
import type { Table } from '../casacore';
import type { Config } from '../config';
import type { Database } from '../db';
import { defineStage, withJobConfig } from '../jobs';
import type { JobRegistry } from '../jobs';
import { MeasurementSet } from '../ms';
import type { NativePool } from '../native/pool';
import type { CalTableKind } from '../../../shared/model/calibration';
import { readCalTable, rowsToJones } from './caltable';
import { ensureCorrectedColumn, forEachWindow, msLayout, writeSpwBlockAsync } from './ms-block';
import type { MsLayout } from './ms-block';
import { lookupCalSet, tableFilesPresent } from './registry';
import type { CalLookup } from './registry';
import { countFlags } from './flag';
import { CalibrationError, applyCalibration } from './solve';
import type { CalBlock } from './solve';
import { registryConfig, writeSolvedTables } from './solved-tables';
import type { SolvedTable } from './solved-tables';
import { SolveTally, resolveCalibrator, solveWindow, windowSolveContext } from './window-solve';

/** What calibration needs from the engine (an Engine satisfies it). */
export interface CalibrationDeps {
  db: Database;
  config: Config;
  native(): NativePool;
  paths: { caltables: string };
}

export const APPLIED_KEYWORD = 'DSA110_CALAPPLIED';

export { registryConfig } from './solved-tables';
export type { SolvedTable } from './solved-tables';

export { detectCalibrator, solintSeconds } from './window-solve';
export type { CalibratorChoice } from './window-solve';

export interface SolveResult {
  msPath: string;
  calibrator: string;
  refAnt: string | null;
  solveMjd: number;
  tables: SolvedTable[];
  /** Windows whose solve failed (their solutions are written flagged). */
  failedSpws: { spw: number; error: string }[];
  flaggedBeforeSolve: number;
  /** Names of antennas the coherence test flagged as dead in any window. */
  deadAntennas: string[];
}

export interface SolveOptions {
  msPath: string;
  /** Calibrator name from the catalog; detected from the MS when absent. */
  calibrator?: string;
  /**
   * Run the time-frequency RFI detector before solving (default true). Off when the data were
   * flagged upstream; autocorrelations, zeros, non-finite values and dead antennas are always flagged.
   */
  rfi?: boolean;
  signal?: AbortSignal;
  onProgress?: (fraction: number, message: string) => void;
}

/** Solve bandpass and gains on a calibrator transit MS; write and register the tables. */
export async function solveMs(deps: CalibrationDeps, o: SolveOptions): Promise<SolveResult> {
  const ms = MeasurementSet.open(o.msPath);
  try {
    const layout = msLayout(ms);
    const cal = resolveCalibrator(deps.db, deps.config, layout, o.msPath, o.calibrator);
    const ctx = windowSolveContext(deps.config, layout, cal, o.rfi !== false);
    const pool = deps.native();
    const tally = new SolveTally();
    // Window k + 1 is read (between the event loop's turns) while the native workers flag
    // and solve window k.
    await forEachWindow(ms, layout, {}, async (b) => {
      if (o.signal?.aborted) throw new Error(`calibration of ${o.msPath} cancelled`, { cause: o.signal.reason });
      o.onProgress?.(b.spw / layout.spws.length, `spectral window ${b.spw}: flag and solve on ${cal.name}`);
      tally.add(b.spw, await solveWindow(pool, b, ctx));
    });
    const { tables, refAnt } = await writeSolvedTables(deps, {
      msPath: o.msPath,
      layout,
      calibrator: cal,
      solintS: ctx.solintS,
      solved: tally.solved,
      failedSpws: tally.failedSpws,
    });
    o.onProgress?.(1, `solved ${tally.solved.length} of ${layout.spws.length} windows on ${cal.name}`);
    return {
      msPath: o.msPath,
      calibrator: cal.name,
      refAnt,
      solveMjd: layout.midMjd,
      tables,
      failedSpws: tally.failedSpws,
      flaggedBeforeSolve: tally.flaggedFraction(),
      deadAntennas: tally.deadAntennaNames(layout),
    };
  } finally {
    ms.close();
  }
}

export interface ApplyResult {
  msPath: string;
  /** True when the same tables were applied before (nothing written). */
  skipped: boolean;
  bandpass: { id: number; path: string; staleness: string; offsetH: number };
  gains: { id: number; path: string; staleness: string; offsetH: number };
  /** Samples newly flagged because their solutions are flagged. */
  newlyFlagged: number;
  flaggedFraction: number;
}

function describeLookup(l: CalLookup): ApplyResult['bandpass'] {
  return { id: l.table.id, path: l.table.path, staleness: l.staleness, offsetH: l.offsetH };
}

/** The applied-set record kept in the MS's keyword. */
function appliedRecord(
  b: CalLookup,
  g: CalLookup,
): { bandpass: { id: number; path: string }; gains: { id: number; path: string } } {
  return { bandpass: { id: b.table.id, path: b.table.path }, gains: { id: g.table.id, path: g.table.path } };
}

const AppliedRecord = z.object({
  bandpass: z.object({ id: z.number(), path: z.string() }),
  gains: z.object({ id: z.number(), path: z.string() }),
});

/** Was exactly this set applied before (the keyword holds the same tables)? A garbled keyword means no. */
function alreadyApplied(previous: string | null, want: ReturnType<typeof appliedRecord>): boolean {
  if (previous === null) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(previous);
  } catch {
    return false;
  }
  const r = AppliedRecord.safeParse(parsed);
  return (
    r.success &&
    r.data.bandpass.id === want.bandpass.id &&
    r.data.bandpass.path === want.bandpass.path &&
    r.data.gains.id === want.gains.id &&
    r.data.gains.path === want.gains.path
  );
}

/** What an MS says about calibration applied to it: its layout, the applied record, CORRECTED_DATA. */
function applicationState(msPath: string): { layout: MsLayout; previous: string | null; hasCorrected: boolean } {
  const ms = MeasurementSet.open(msPath);
  try {
    const kw = ms.main.keywords.get(APPLIED_KEYWORD);
    return {
      layout: msLayout(ms),
      previous: kw && kw.kind === 'scalar' && typeof kw.value === 'string' ? kw.value : null,
      hasCorrected: ms.main.columnNames().includes('CORRECTED_DATA'),
    };
  } finally {
    ms.close();
  }
}

/**
 * The calibration set applied to the MS when it is the set a lookup picks now (the MS's
 * CORRECTED_DATA is then current), else null.
 */
export function currentApplication(deps: CalibrationDeps, msPath: string): { bandpass: string; gains: string } | null {
  const { layout, previous, hasCorrected } = applicationState(msPath);
  if (!hasCorrected || previous === null) return null;
  const set = lookupCalSet(deps.db, layout.midMjd, registryConfig(deps.config));
  if (!set.bandpass || !set.gains) return null;
  return alreadyApplied(previous, appliedRecord(set.bandpass, set.gains))
    ? { bandpass: set.bandpass.table.path, gains: set.gains.table.path }
    : null;
}

/** Apply the registered bandpass and gains valid at the MS's mid-time, writing CORRECTED_DATA. */
export async function applyMs(
  deps: CalibrationDeps,
  o: { msPath: string; signal?: AbortSignal; onProgress?: (f: number, m: string) => void },
): Promise<ApplyResult> {
  const { layout, previous, hasCorrected } = applicationState(o.msPath);
  const set = lookupCalSet(deps.db, layout.midMjd, registryConfig(deps.config));
  if (!set.bandpass || !set.gains) {
    const missing = [set.bandpass ? null : 'bandpass (B)', set.gains ? null : 'amplitude+phase gains (Gap)']
      .filter(Boolean)
      .join(' and ');
    throw new CalibrationError(
      `${o.msPath}: no valid ${missing} table for MJD ${layout.midMjd.toFixed(5)}; solve on a calibrator transit within the validity window first`,
    );
  }
  const record = appliedRecord(set.bandpass, set.gains);
  const result = { msPath: o.msPath, bandpass: describeLookup(set.bandpass), gains: describeLookup(set.gains) };
  if (hasCorrected && alreadyApplied(previous, record)) {
    return { ...result, skipped: true, newlyFlagged: 0, flaggedFraction: NaN };
  }
  const bp = readCalTable(set.bandpass.table.path);
  const gains = readCalTable(set.gains.table.path);
  const pool = deps.native();
  const reader = MeasurementSet.open(o.msPath);
  let writer: Table | null = null;
  const count = { newly: 0, flagged: 0, total: 0 };
  try {
    ensureCorrectedColumn(reader);
    writer = openTable(o.msPath, { writable: true });
    const w = writer;
    // Window k + 1 is read and window k - 1 written while the workers apply to window k.
    await forEachWindow(
      reader,
      layout,
      { uvw: false },
      async (b) => {
        if (o.signal?.aborted)
          throw new Error(`applying calibration to ${o.msPath} cancelled`, { cause: o.signal.reason });
        o.onProgress?.(b.spw / layout.spws.length, `spectral window ${b.spw}: apply`);
        const nchan = b.block.freqsHz.length;
        count.newly += await applyCalibration(pool, b.block, {
          bandpass: rowsToJones(bp, b.spw, layout.nant, nchan),
          gains: rowsToJones(gains, b.spw, layout.nant, nchan),
        });
        count.flagged += countFlags(b.block.flags);
        count.total += b.block.flags.length;
      },
      (b) => writeSpwBlockAsync(w, b, 'CORRECTED_DATA'),
    );
    w.setKeyword(APPLIED_KEYWORD, JSON.stringify({ ...record, appliedMjd: Date.now() / 86400000 + 40587 }));
  } finally {
    reader.close();
    writer?.close();
  }
  const newly = count.newly;
  const flagged = count.flagged;
  const total = count.total;
  const row = deps.db.ms.getByPath(o.msPath);
  if (row)
    deps.db.ms.update(row.id, {
      status: 'calibrated',
      stage: 'calibrate.apply',
      flaggedFraction: total > 0 ? flagged / total : 0,
    });
  o.onProgress?.(1, `applied ${basename(set.bandpass.table.path)} and ${basename(set.gains.table.path)}`);
  return { ...result, skipped: false, newlyFlagged: newly, flaggedFraction: total > 0 ? flagged / total : 0 };
}

/** The flags of a block's autocorrelation rows, to put back after the solve's flagging. */
function saveAutocorrelationFlags(b: CalBlock): () => void {
  const per = b.freqsHz.length * b.npol;
  const rows: number[] = [];
  for (let r = 0; r < b.ant1.length; r++) if (b.ant1[r] === b.ant2[r]) rows.push(r);
  const saved = new Uint8Array(rows.length * per);
  rows.forEach((r, i) => saved.set(b.flags.subarray(r * per, (r + 1) * per), i * per));
  return () => rows.forEach((r, i) => b.flags.set(saved.subarray(i * per, (i + 1) * per), r * per));
}

export interface CalibrateResult {
  solve: SolveResult;
  apply: ApplyResult;
}

/**
 * Solve on a calibrator transit MS and apply the solutions to it in one pass over its data,
 * instead of solveMs then applyMs (which read every window twice): each window is read once,
 * flagged and solved, corrected in memory by its own bandpass and gains and written to
 * CORRECTED_DATA. FLAG gets the solve's flags (RFI, zeros,
 * non-finite values, dead antennas; autocorrelations keep theirs) and those of flagged
 * solutions. The tables are written and registered as solveMs does; when the registry's
 * lookup for the MS's time picks them (the normal case: they were solved on this MS) and every
 * window solved, the MS records them as applied; otherwise applyMs applies what the lookup
 * picks (reading the data again).
 */
export async function calibrateMs(deps: CalibrationDeps, o: SolveOptions): Promise<CalibrateResult> {
  const ms = MeasurementSet.open(o.msPath);
  let writer: Table | null = null;
  let solve: SolveResult;
  let apply: ApplyResult | null = null;
  const count = { newly: 0, flagged: 0, total: 0 };
  try {
    const lay = msLayout(ms);
    const cal = resolveCalibrator(deps.db, deps.config, lay, o.msPath, o.calibrator);
    const ctx = windowSolveContext(deps.config, lay, cal, o.rfi !== false);
    const pool = deps.native();
    const tally = new SolveTally();
    const failed = new Set<number>();
    ensureCorrectedColumn(ms);
    writer = openTable(o.msPath, { writable: true });
    const w = writer;
    // Window k + 1 is read and window k - 1 written while the workers flag, solve and apply window k.
    await forEachWindow(
      ms,
      lay,
      {},
      async (b) => {
        if (o.signal?.aborted) throw new Error(`calibration of ${o.msPath} cancelled`, { cause: o.signal.reason });
        o.onProgress?.(b.spw / lay.spws.length, `spectral window ${b.spw}: flag, solve on ${cal.name} and apply`);
        const restoreAutos = saveAutocorrelationFlags(b.block);
        const ws = await solveWindow(pool, b, ctx);
        tally.add(b.spw, ws);
        restoreAutos();
        if (!ws.solution) {
          // Nothing is written for a window that failed to solve: applyMs does the MS after
          // the loop (below), so a solve that fails everywhere leaves FLAG as it was.
          failed.add(b.spw);
          return;
        }
        count.newly += await applyCalibration(pool, b.block, {
          bandpass: ws.solution.bandpass,
          gains: ws.solution.gains,
        });
        count.flagged += countFlags(b.block.flags);
        count.total += b.block.flags.length;
      },
      (b) => (failed.has(b.spw) ? Promise.resolve() : writeSpwBlockAsync(w, b, 'CORRECTED_DATA')),
    );
    const { tables, refAnt } = await writeSolvedTables(deps, {
      msPath: o.msPath,
      layout: lay,
      calibrator: cal,
      solintS: ctx.solintS,
      solved: tally.solved,
      failedSpws: tally.failedSpws,
    });
    solve = {
      msPath: o.msPath,
      calibrator: cal.name,
      refAnt,
      solveMjd: lay.midMjd,
      tables,
      failedSpws: tally.failedSpws,
      flaggedBeforeSolve: tally.flaggedFraction(),
      deadAntennas: tally.deadAntennaNames(lay),
    };
    const set = lookupCalSet(deps.db, lay.midMjd, registryConfig(deps.config));
    const id = (k: string) => tables.find((t) => t.kind === k)?.id;
    if (
      failed.size === 0 &&
      set.bandpass &&
      set.gains &&
      set.bandpass.table.id === id('B') &&
      set.gains.table.id === id('Gap')
    ) {
      w.setKeyword(
        APPLIED_KEYWORD,
        JSON.stringify({ ...appliedRecord(set.bandpass, set.gains), appliedMjd: Date.now() / 86400000 + 40587 }),
      );
      const fraction = count.total > 0 ? count.flagged / count.total : 0;
      apply = {
        msPath: o.msPath,
        bandpass: describeLookup(set.bandpass),
        gains: describeLookup(set.gains),
        skipped: false,
        newlyFlagged: count.newly,
        flaggedFraction: fraction,
      };
    }
  } finally {
    ms.close();
    writer?.close();
  }
  if (!apply) return { solve, apply: await applyMs(deps, { msPath: o.msPath, signal: o.signal }) };
  const row = deps.db.ms.getByPath(o.msPath);
  if (row)
    deps.db.ms.update(row.id, {
      status: 'calibrated',
      stage: 'calibrate.apply',
      flaggedFraction: apply.flaggedFraction,
    });
  o.onProgress?.(
    1,
    `solved on ${solve.calibrator} and applied ${basename(apply.bandpass.path)} and ${basename(apply.gains.path)}`,
  );
  return { solve, apply };
}

// ------------------------------------------------------------ job-runner stages

export const CALIBRATE_SOLVE_STAGE = 'calibrate.solve';
export const CALIBRATE_APPLY_STAGE = 'calibrate.apply';
export const CALIBRATE_KIND = 'calibrate';

export const SolveParams = z.object({
  msPath: z.string().min(1),
  calibrator: z.string().min(1).optional(),
  /**
   * Also apply the solutions to this MS in the same pass over its data (calibrateMs): one read
   * of the transit MS instead of two. Its calibrate.apply stage then finds CORRECTED_DATA done
   * (verify) and does not run.
   */
  apply: z.boolean().optional(),
  /** Run the RFI detector before solving (default true; false when the data were flagged upstream). */
  rfi: z.boolean().optional(),
});
export type SolveParams = z.infer<typeof SolveParams>;
export const ApplyParams = z.object({ msPath: z.string().min(1) });
export type ApplyParams = z.infer<typeof ApplyParams>;

/** Valid tables solved on this MS whose files exist: the solve stage's outputs, when complete. */
function solvedTablesOf(db: Database, msPath: string): { kind: string; path: string; id: number }[] | null {
  const row = db.ms.getByPath(msPath);
  if (!row) return null;
  const valid = db.calibration.listTables({ msId: row.id, status: 'valid' }).filter((t) => tableFilesPresent(t.path));
  const kinds = new Set(valid.map((t) => t.kind));
  return ['B', 'Gp', 'Gap'].every((k) => kinds.has(k as CalTableKind))
    ? valid.map((t) => ({ kind: t.kind, path: t.path, id: t.id }))
    : null;
}

/**
 * Remove what an interrupted solve of `msPath` left behind: its temporary table directories
 * (`.<ms>.<kind>*.partial-*` in the caltables folder) and tables it registered before it died
 * that do not form a complete B + Gp + Gap set (marked failed, so no lookup hands them out
 * beside the re-run's). A complete valid set is left alone: the stage's verify accepts it.
 */
export function cleanupInterruptedSolve(
  deps: Pick<CalibrationDeps, 'db' | 'paths'>,
  msPath: string,
): { partials: string[]; retired: number[] } {
  const stem = basename(msPath).replace(/\.ms$/i, '');
  const partials: string[] = [];
  const dir = deps.paths.caltables;
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      if (name.startsWith(`.${stem}.`) && /\.partial-[0-9a-f]+$/.test(name)) {
        rmSync(join(dir, name), { recursive: true, force: true });
        partials.push(join(dir, name));
      }
    }
  }
  const row = deps.db.ms.getByPath(msPath);
  const mine = deps.db.calibration
    .listTables({ status: 'valid' })
    .filter((t) => (row !== undefined && t.msId === row.id) || t.params.msPath === msPath);
  const kinds = new Set(mine.filter((t) => tableFilesPresent(t.path)).map((t) => t.kind));
  if (['B', 'Gp', 'Gap'].every((k) => kinds.has(k as CalTableKind))) return { partials, retired: [] };
  for (const t of mine) {
    deps.db.calibration.setTableStatus(t.id, 'failed', {
      ...t.qa,
      retired: 'incomplete set left by an interrupted solve',
      retiredMjd: Date.now() / 86400000 + 40587,
    });
  }
  return { partials, retired: mine.map((t) => t.id) };
}

export function calibrateSolveStage(deps: CalibrationDeps) {
  return defineStage({
    name: CALIBRATE_SOLVE_STAGE,
    params: SolveParams,
    inputs: (ctx) => [ctx.params.msPath],
    outputs: () => [],
    validate: (ctx) => {
      MeasurementSet.open(ctx.params.msPath).close();
      if (ctx.params.calibrator !== undefined && !deps.db.calibration.findCalibrator(ctx.params.calibrator)) {
        throw new CalibrationError(`params.calibrator: ${ctx.params.calibrator} is not in the calibrator catalog`);
      }
    },
    verify: (ctx) => {
      const t = solvedTablesOf(deps.db, ctx.params.msPath);
      return t ? { msPath: ctx.params.msPath, tables: t } : null;
    },
    execute: async (ctx) => {
      const o = {
        msPath: ctx.params.msPath,
        calibrator: ctx.params.calibrator,
        signal: ctx.signal,
        onProgress: (f: number, m: string) => ctx.progress(f, m),
        ...(ctx.params.rfi === false ? { rfi: false } : {}),
      };
      let r: SolveResult;
      let applied: ApplyResult | null = null;
      const jobDeps = withJobConfig(deps, ctx.config);
      if (ctx.params.apply === true) {
        const both = await calibrateMs(jobDeps, o);
        r = both.solve;
        applied = both.apply;
        ctx.log.info(
          { bandpass: both.apply.bandpass.path, gains: both.apply.gains.path, newlyFlagged: both.apply.newlyFlagged },
          `applied to ${both.apply.msPath} in the same pass`,
        );
      } else {
        r = await solveMs(jobDeps, o);
      }
      for (const f of r.failedSpws) ctx.log.warn({ spw: f.spw }, f.error);
      ctx.log.info(
        { calibrator: r.calibrator, refAnt: r.refAnt, tables: r.tables.map((t) => t.path) },
        `solved ${r.msPath}`,
      );
      return {
        msPath: r.msPath,
        calibrator: r.calibrator,
        refAnt: r.refAnt,
        solveMjd: r.solveMjd,
        flaggedBeforeSolve: r.flaggedBeforeSolve,
        deadAntennas: r.deadAntennas,
        failedSpws: r.failedSpws,
        tables: r.tables.map((t) => ({
          kind: t.kind,
          path: t.path,
          id: t.id,
          flaggedFraction: t.qa.flaggedFraction,
          medianSnr: t.qa.medianSnr,
        })),
        applied: applied ? applyOutputs(applied) : null,
      };
    },
    cleanup: (ctx) => {
      const r = cleanupInterruptedSolve(deps, ctx.params.msPath);
      if (r.partials.length || r.retired.length)
        ctx.log.warn(
          { partials: r.partials, retired: r.retired },
          `solve of ${ctx.params.msPath}: removed ${r.partials.length} partial table director${r.partials.length === 1 ? 'y' : 'ies'} and retired ${r.retired.length} table(s) of an incomplete earlier attempt`,
        );
    },
  });
}

export function calibrateApplyStage(deps: CalibrationDeps) {
  return defineStage({
    name: CALIBRATE_APPLY_STAGE,
    params: ApplyParams,
    inputs: (ctx) => [ctx.params.msPath],
    outputs: () => [],
    validate: (ctx) => {
      MeasurementSet.open(ctx.params.msPath).close();
    },
    // Done when CORRECTED_DATA holds the set a lookup picks now (recorded in the MS).
    verify: (ctx) => {
      const jobDeps = withJobConfig(deps, ctx.config);
      const a = currentApplication(jobDeps, ctx.params.msPath);
      if (!a) return null;
      const { layout } = applicationState(ctx.params.msPath);
      const set = lookupCalSet(jobDeps.db, layout.midMjd, registryConfig(jobDeps.config));
      return {
        msPath: ctx.params.msPath,
        skipped: true as boolean,
        bandpass: a.bandpass,
        gains: a.gains,
        newlyFlagged: 0,
        flaggedFraction: null as number | null,
        ...(set.bandpass && set.gains
          ? { bandpassLookup: describeLookup(set.bandpass), gainsLookup: describeLookup(set.gains) }
          : {}),
      };
    },
    execute: async (ctx) => {
      const r = await applyMs(withJobConfig(deps, ctx.config), {
        msPath: ctx.params.msPath,
        signal: ctx.signal,
        onProgress: (f, m) => ctx.progress(f, m),
      });
      ctx.log.info(
        { skipped: r.skipped, bandpass: r.bandpass.path, gains: r.gains.path },
        `${r.skipped ? 'already applied to' : 'applied to'} ${r.msPath}`,
      );
      return applyOutputs(r);
    },
    cleanup: () => undefined,
  });
}

/** An apply's result as stage outputs (JSON): the tables' paths, and each lookup with its staleness. */
function applyOutputs(r: ApplyResult) {
  return {
    msPath: r.msPath,
    skipped: r.skipped,
    bandpass: r.bandpass.path,
    gains: r.gains.path,
    newlyFlagged: r.newlyFlagged,
    bandpassLookup: r.bandpass,
    gainsLookup: r.gains,
    flaggedFraction: Number.isFinite(r.flaggedFraction) ? r.flaggedFraction : null,
  };
}

export const CalibrateJobParams = z.object({
  msPath: z.string().min(1),
  calibrator: z.string().min(1).optional(),
  mode: z.enum(['solve', 'apply', 'both']).default('both'),
  /** Run the RFI detector before solving (default true). */
  rfi: z.boolean().optional(),
});

/** Register calibrate.solve, calibrate.apply and the `calibrate` job kind once on a registry. */
export function registerCalibrate(deps: CalibrationDeps & { registry: JobRegistry }): void {
  const reg = deps.registry;
  if (reg.jobKinds().some((k) => k.kind === CALIBRATE_KIND)) return;
  reg
    .registerStage(calibrateSolveStage(deps))
    .registerStage(calibrateApplyStage(deps))
    .registerJob({
      kind: CALIBRATE_KIND,
      title: 'solve calibration on a calibrator transit MS and/or apply valid solutions to an MS',
      params: CalibrateJobParams,
      build: (p) => {
        // Solve and apply: one pass over the data (the solve applies; the apply stage then verifies as done).
        const solve = {
          id: 'solve',
          stage: CALIBRATE_SOLVE_STAGE,
          deps: [],
          params: {
            msPath: p.msPath,
            ...(p.calibrator ? { calibrator: p.calibrator } : {}),
            ...(p.mode === 'both' ? { apply: true } : {}),
            ...(p.rfi === false ? { rfi: false } : {}),
          },
        };
        const apply = {
          id: 'apply',
          stage: CALIBRATE_APPLY_STAGE,
          params: { msPath: p.msPath },
          deps: p.mode === 'both' ? ['solve'] : [],
        };
        return p.mode === 'solve' ? [solve] : p.mode === 'apply' ? [apply] : [solve, apply];
      },
    });
}
