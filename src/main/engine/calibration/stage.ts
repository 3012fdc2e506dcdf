// Calibrating Measurement Sets: solve on a calibrator transit (per spectral window: rotate to
// the calibrator, flag, bandpass -> phase-only -> amplitude+phase gains), write the B, Gp and
// Gap tables into <workspace>/caltables (temp + rename) and register them; apply the valid
// bandpass and gains for an MS's time to DATA, writing CORRECTED_DATA (added in place) and
// FLAG. Applying the same tables twice is a no-op: the applied set is recorded in the MS's
// DSA110_CALAPPLIED keyword. Both are job-runner stages (calibrate.solve, calibrate.apply).
import { basename, join } from 'node:path';
import { z } from 'zod';
import { DISH_DIAMETER_M, beamModel } from '../../../shared/instrument';
import { transitMjd } from '../../../shared/astro';
import type { Calibrator } from '../../../shared/model/calibration';
import type { CalTableKind } from '../../../shared/model/calibration';
import { openTable } from '../casacore';
import type { Config } from '../config';
import type { Database } from '../db';
import { defineStage } from '../jobs';
import type { JobRegistry } from '../jobs';
import { produceAtomic } from '../jobs/fsutil';
import { MeasurementSet, addVisibilityColumn } from '../ms';
import type { NativePool } from '../native/pool';
import { jonesToRows, readCalTable, rowsToJones, writeCalTable } from './caltable';
import type { CalTableContents, CalTableRow, VisCal } from './caltable';
import { flagBlock } from './flag';
import { antennaIndicesOfStations, msLayout, pointModel, pointingOffsets, readSpwBlockAsync, rotateToSource, writeSpwBlock } from './ms-block';
import type { MsLayout, MsSpwBlock } from './ms-block';
import { lookupCalSet, registerCalTable, tableFilesPresent } from './registry';
import type { CalLookup, CalTableQa, RegistryConfig } from './registry';
import { CalibrationError, applyCalibration, solveCalibration } from './solve';
import type { JonesTable } from './solve';

/** What calibration needs from the engine (an Engine satisfies it). */
export interface CalibrationDeps {
  db: Database;
  config: Config;
  native(): NativePool;
  paths: { caltables: string };
}

export const APPLIED_KEYWORD = 'DSA110_CALAPPLIED';

export function registryConfig(config: Config): RegistryConfig {
  const c = config.calibration;
  return { bandpassValidityH: c.bandpassValidityH, gainValidityH: c.gainValidityH, freshH: c.freshH, agingH: c.agingH };
}

/** A config solution interval ("inf", "int", "60s", "2min") in seconds. */
export function solintSeconds(solint: string, integrationS: number): number {
  if (solint === 'inf') return Infinity;
  if (solint === 'int') return integrationS;
  const m = /^(\d+(?:\.\d+)?)(s|min)$/.exec(solint);
  if (!m) throw new Error(`calibration solint: expected "inf", "int" or a duration like "60s", got "${solint}"`);
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
}

export interface CalibratorChoice {
  calibrator: Calibrator;
  transitMjd: number;
  offsetDeg: number;
  /** Catalog flux times the beam's power response at the offset, band centre. */
  weightedFluxJy: number;
}

/**
 * The catalog calibrator whose transit falls inside the MS's time span, within 2.5 deg of its
 * declination, at least 1 Jy, with the highest primary-beam-weighted flux; null when none.
 */
export function detectCalibrator(db: Database, layout: MsLayout, beamName: string): CalibratorChoice | null {
  const decDeg = (layout.phaseCentre.decRad * 180) / Math.PI;
  const beam = beamModel(beamName);
  const centreHz = layout.spws.reduce((a, s) => a + s.refFreqHz, 0) / Math.max(1, layout.spws.length);
  let best: CalibratorChoice | null = null;
  for (const c of db.calibration.listCalibrators({ decMinDeg: decDeg - 2.5, decMaxDeg: decDeg + 2.5, minFlux1400Jy: 1 })) {
    const tr = transitMjd((c.raDeg * Math.PI) / 180, (c.decDeg * Math.PI) / 180, layout.midMjd);
    if (tr < layout.startMjd || tr > layout.endMjd) continue;
    const off = pointingOffsets(Float64Array.of(tr), layout, c)[0] as number;
    const w = c.flux1400Jy * beam.response(off, centreHz);
    if (!best || w > best.weightedFluxJy) best = { calibrator: c, transitMjd: tr, offsetDeg: (off * 180) / Math.PI, weightedFluxJy: w };
  }
  return best;
}

export interface SolvedTable { kind: CalTableKind; path: string; id: number; qa: CalTableQa }

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

function qaOf(tables: JonesTable[], failedSpws: number): CalTableQa {
  let flagged = 0;
  let total = 0;
  const snrs: number[] = [];
  for (const t of tables) {
    const per = t.nslot * t.ngroup;
    for (let s = 0; s < per; s++) {
      for (const a of t.antennas) {
        for (let p = 0; p < t.npol; p++) {
          const k = (s * t.nant + a) * t.npol + p;
          total++;
          if (t.flags[k]) flagged++;
          else snrs.push(t.snr[k] as number);
        }
      }
    }
  }
  snrs.sort((x, y) => x - y);
  return {
    flaggedFraction: total > 0 ? flagged / total : 1,
    medianSnr: snrs.length > 0 ? (snrs[Math.floor(snrs.length / 2)] as number) : 0,
    spwsSolved: tables.length,
    spwsFailed: failedSpws,
  };
}

/** Rows of a window whose solve failed: unit gains, all flagged, at the MS mid-time. */
function flaggedRows(spw: number, layout: MsLayout, ngroup: number): CalTableRow[] {
  const n = layout.npol * ngroup;
  return Array.from({ length: layout.nant }, (_, a): CalTableRow => ({
    timeS: layout.midMjd * 86400, intervalS: (layout.endMjd - layout.startMjd) * 86400, fieldId: 0, spw, antenna: a, refant: -1,
    scan: 1, obsId: 0, nchan: ngroup, param: Float32Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? 1 : 0)),
    paramErr: new Float32Array(n), flag: new Uint8Array(n).fill(1), snr: new Float32Array(n), weight: null,
  }));
}

function mostCommonRefant(tables: JonesTable[]): number {
  const count = new Map<number, number>();
  for (const t of tables) for (const r of t.refant) if (r >= 0) count.set(r, (count.get(r) ?? 0) + 1);
  return [...count.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? -1;
}

/** A free path for a new table: <caltables>/<ms stem>.<kind>, suffixed when the database has it. */
function tablePath(db: Database, dir: string, msPath: string, kind: CalTableKind): string {
  const stem = basename(msPath).replace(/\.ms$/i, '');
  let p = join(dir, `${stem}.${kind}`);
  for (let v = 2; db.calibration.getTableByPath(p); v++) p = join(dir, `${stem}.${kind}.v${v}`);
  return p;
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
  const cfg = deps.config.calibration;
  const beamName = deps.config.imaging.beamModel;
  const ms = MeasurementSet.open(o.msPath);
  try {
    const layout = msLayout(ms);
    let cal: Calibrator;
    if (o.calibrator !== undefined) {
      const c = deps.db.calibration.getCalibrator(o.calibrator);
      if (!c) throw new CalibrationError(`calibrator ${o.calibrator} is not in the catalog (dsa110 calibrators --import FILE loads a VLA list)`);
      cal = c;
    } else {
      const found = detectCalibrator(deps.db, layout, beamName);
      if (!found) throw new CalibrationError(`${o.msPath}: no catalog calibrator (>= 1 Jy, within 2.5 deg of Dec ${((layout.phaseCentre.decRad * 180) / Math.PI).toFixed(2)}) transits between MJD ${layout.startMjd.toFixed(5)} and ${layout.endMjd.toFixed(5)}`);
      cal = found.calibrator;
    }
    const src = { name: cal.name, raDeg: cal.raDeg, decDeg: cal.decDeg, fluxJy: cal.flux1400Jy, spectralIndex: cal.spectralIndex };
    const refants = antennaIndicesOfStations(layout.antennas, cfg.refantChain);
    const solintS = solintSeconds(cfg.gainSolint, layout.intervalS);
    const pool = deps.native();
    const solved: { spw: number; b: JonesTable; p: JonesTable; g: JonesTable }[] = [];
    const failedSpws: { spw: number; error: string }[] = [];
    let flaggedBefore = 0;
    let samples = 0;
    const dead = new Set<number>();
    // Pipelined: window k+1 is read (in runs, between the event loop's turns) while the
    // native workers flag and solve window k.
    const readRotated = (spw: number): Promise<MsSpwBlock> => {
      const p = readSpwBlockAsync(ms, layout, spw).then((b) => {
        rotateToSource(b, layout, src);
        return b;
      });
      // Handled here so a failure while this window is in flight is not an unhandled
      // rejection; it is raised where the window is awaited.
      p.catch(() => undefined);
      return p;
    };
    let next: Promise<MsSpwBlock> | null = null;
    try {
      next = layout.spws[0] ? readRotated(layout.spws[0].id) : null;
      for (const [i, sp] of layout.spws.entries()) {
        if (o.signal?.aborted) throw new Error(`calibration of ${o.msPath} cancelled`, { cause: o.signal.reason });
        o.onProgress?.(sp.id / layout.spws.length, `spectral window ${sp.id}: flag and solve on ${cal.name}`);
        const b = await (next as Promise<MsSpwBlock>);
        const following = layout.spws[i + 1];
        next = following ? readRotated(following.id) : null;
        const model = { kind: 'point' as const, flux: pointModel(b.block, layout, src, beamName) };
        const stats = await flagBlock(pool, b.block, { model, ...(o.rfi === false ? { rfi: false as const } : {}) });
        flaggedBefore += stats.flagged;
        samples += stats.samples;
        for (const a of stats.deadAntennas) dead.add(a);
        try {
          const sol = await solveCalibration(pool, b.block, model, {
            refants, minSnr: cfg.minSnr, solintS, bandpass: { maxFlaggedFraction: cfg.maxBandpassFlaggedPct / 100 },
          });
          solved.push({ spw: sp.id, b: sol.bandpass, p: sol.phase, g: sol.gains });
        } catch (e) {
          if (!(e instanceof CalibrationError)) throw e;
          failedSpws.push({ spw: sp.id, error: e.message });
        }
      }
    } finally {
      // A read still under way must finish before the MS closes (its failure is moot by then).
      await next?.catch(() => undefined);
    }
    if (solved.length === 0) throw new CalibrationError(`${o.msPath}: every spectral window failed to solve: ${failedSpws.map((f) => `spw ${f.spw}: ${f.error}`).join('; ')}`);
    const refIdx = mostCommonRefant(solved.map((s) => s.g));
    const refAnt = layout.antennas[refIdx]?.name ?? null;
    const base = {
      msName: basename(o.msPath), npol: layout.npol,
      antennas: layout.antennas.map((a) => ({ name: a.name, station: a.station, positionM: a.positionM, diameterM: DISH_DIAMETER_M })),
      fields: [{ name: cal.name, raRad: (cal.raDeg * Math.PI) / 180, decRad: (cal.decDeg * Math.PI) / 180, timeS: layout.midMjd * 86400 }],
      observation: { telescope: 'DSA_110', observer: 'dsa110-contimg', project: 'dsa110-continuum', startS: layout.startMjd * 86400, endS: layout.endMjd * 86400 },
      writer: 'dsa110-contimg calibrate',
    };
    const scanS = (layout.endMjd - layout.startMjd) * 86400;
    const kinds: { kind: CalTableKind; visCal: VisCal; pick: (s: (typeof solved)[number]) => JonesTable; intervalS: number }[] = [
      { kind: 'B', visCal: 'B Jones', pick: (s) => s.b, intervalS: scanS },
      { kind: 'Gp', visCal: 'G Jones', pick: (s) => s.p, intervalS: Number.isFinite(solintS) ? solintS : scanS },
      { kind: 'Gap', visCal: 'G Jones', pick: (s) => s.g, intervalS: Number.isFinite(solintS) ? solintS : scanS },
    ];
    const params = {
      calibrator: cal.name, fluxJy: cal.flux1400Jy, spectralIndex: cal.spectralIndex, beamModel: beamName, minSnr: cfg.minSnr,
      refantChain: cfg.refantChain, gainSolint: cfg.gainSolint, bandpassSolint: 'inf', maxBandpassFlaggedPct: cfg.maxBandpassFlaggedPct, msPath: o.msPath,
    };
    const msRow = deps.db.ms.getByPath(o.msPath) ?? null;
    const tables: SolvedTable[] = [];
    for (const k of kinds) {
      const rows = layout.spws.flatMap((sp) => {
        const s = solved.find((x) => x.spw === sp.id);
        return s ? jonesToRows(k.pick(s), sp.id, { fieldId: 0, scan: 1, intervalS: k.intervalS }) : flaggedRows(sp.id, layout, k.kind === 'B' ? sp.freqsHz.length : 1);
      });
      const spws = layout.spws.map((sp) => (k.kind === 'B'
        ? { name: sp.name, freqsHz: sp.freqsHz, widthsHz: sp.widthsHz, refFreqHz: sp.refFreqHz }
        : {
          name: sp.name, freqsHz: Float64Array.of(sp.freqsHz.reduce((a, f) => a + f, 0) / sp.freqsHz.length),
          widthsHz: Float64Array.of(sp.widthsHz.reduce((a, w) => a + Math.abs(w), 0)), refFreqHz: sp.refFreqHz,
        }));
      const contents: CalTableContents = { ...base, visCal: k.visCal, rows, spws };
      const path = tablePath(deps.db, deps.paths.caltables, o.msPath, k.kind);
      await produceAtomic(path, async (tmp) => writeCalTable(tmp, contents));
      const qa = qaOf(solved.map(k.pick), failedSpws.length);
      const row = registerCalTable(deps.db, {
        path, kind: k.kind, calibrator: cal.name, msId: msRow?.id ?? null, refAnt, solveMjd: layout.midMjd, params, qa,
      }, registryConfig(deps.config));
      tables.push({ kind: k.kind, path, id: row.id, qa });
    }
    o.onProgress?.(1, `solved ${solved.length} of ${layout.spws.length} windows on ${cal.name}`);
    return { msPath: o.msPath, calibrator: cal.name, refAnt, solveMjd: layout.midMjd, tables, failedSpws,
      flaggedBeforeSolve: samples > 0 ? flaggedBefore / samples : 0, deadAntennas: [...dead].sort((x, y) => x - y).map((a) => layout.antennas[a]?.name ?? String(a)) };
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
function appliedRecord(b: CalLookup, g: CalLookup): { bandpass: { id: number; path: string }; gains: { id: number; path: string } } {
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
  return r.success && r.data.bandpass.id === want.bandpass.id && r.data.bandpass.path === want.bandpass.path
    && r.data.gains.id === want.gains.id && r.data.gains.path === want.gains.path;
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
  return alreadyApplied(previous, appliedRecord(set.bandpass, set.gains)) ? { bandpass: set.bandpass.table.path, gains: set.gains.table.path } : null;
}

/** Apply the registered bandpass and gains valid at the MS's mid-time, writing CORRECTED_DATA. */
export async function applyMs(deps: CalibrationDeps, o: { msPath: string; signal?: AbortSignal; onProgress?: (f: number, m: string) => void }): Promise<ApplyResult> {
  const { layout, previous, hasCorrected } = applicationState(o.msPath);
  const set = lookupCalSet(deps.db, layout.midMjd, registryConfig(deps.config));
  if (!set.bandpass || !set.gains) {
    const missing = [set.bandpass ? null : 'bandpass (B)', set.gains ? null : 'amplitude+phase gains (Gap)'].filter(Boolean).join(' and ');
    throw new CalibrationError(`${o.msPath}: no valid ${missing} table for MJD ${layout.midMjd.toFixed(5)}; solve on a calibrator transit within the validity window first`);
  }
  const record = appliedRecord(set.bandpass, set.gains);
  const result = { msPath: o.msPath, bandpass: describeLookup(set.bandpass), gains: describeLookup(set.gains) };
  if (hasCorrected && alreadyApplied(previous, record)) {
    return { ...result, skipped: true, newlyFlagged: 0, flaggedFraction: NaN };
  }
  const bp = readCalTable(set.bandpass.table.path);
  const gains = readCalTable(set.gains.table.path);
  if (!hasCorrected) addVisibilityColumn(o.msPath, 'CORRECTED_DATA', 'zero');
  const pool = deps.native();
  const reader = MeasurementSet.open(o.msPath);
  const writer = openTable(o.msPath, { writable: true });
  let newly = 0;
  let flagged = 0;
  let total = 0;
  // Pipelined like the solve: window k+1 is read while the workers apply to window k.
  const read = (spw: number): Promise<MsSpwBlock> => {
    const p = readSpwBlockAsync(reader, layout, spw, { uvw: false });
    p.catch(() => undefined);
    return p;
  };
  let next: Promise<MsSpwBlock> | null = null;
  try {
    next = layout.spws[0] ? read(layout.spws[0].id) : null;
    for (const [i, sp] of layout.spws.entries()) {
      if (o.signal?.aborted) throw new Error(`applying calibration to ${o.msPath} cancelled`, { cause: o.signal.reason });
      o.onProgress?.(sp.id / layout.spws.length, `spectral window ${sp.id}: apply`);
      const b = await (next as Promise<MsSpwBlock>);
      const following = layout.spws[i + 1];
      next = following ? read(following.id) : null;
      const nchan = sp.freqsHz.length;
      newly += await applyCalibration(pool, b.block, { bandpass: rowsToJones(bp, sp.id, layout.nant, nchan), gains: rowsToJones(gains, sp.id, layout.nant, nchan) });
      writeSpwBlock(writer, b, 'CORRECTED_DATA');
      const fl = b.block.flags;
      for (let q = 0; q < fl.length; q++) flagged += fl[q] ? 1 : 0;
      total += b.block.flags.length;
    }
    writer.setKeyword(APPLIED_KEYWORD, JSON.stringify({ ...record, appliedMjd: Date.now() / 86400000 + 40587 }));
  } finally {
    await next?.catch(() => undefined);
    reader.close();
    writer.close();
  }
  const row = deps.db.ms.getByPath(o.msPath);
  if (row) deps.db.ms.update(row.id, { status: 'calibrated', stage: 'calibrate.apply', flaggedFraction: total > 0 ? flagged / total : 0 });
  o.onProgress?.(1, `applied ${basename(set.bandpass.table.path)} and ${basename(set.gains.table.path)}`);
  return { ...result, skipped: false, newlyFlagged: newly, flaggedFraction: total > 0 ? flagged / total : 0 };
}

// ------------------------------------------------------------ job-runner stages

export const CALIBRATE_SOLVE_STAGE = 'calibrate.solve';
export const CALIBRATE_APPLY_STAGE = 'calibrate.apply';
export const CALIBRATE_KIND = 'calibrate';

export const SolveParams = z.object({ msPath: z.string().min(1), calibrator: z.string().min(1).optional() });
export type SolveParams = z.infer<typeof SolveParams>;
export const ApplyParams = z.object({ msPath: z.string().min(1) });
export type ApplyParams = z.infer<typeof ApplyParams>;

/** Valid tables solved on this MS whose files exist: the solve stage's outputs, when complete. */
function solvedTablesOf(db: Database, msPath: string): { kind: string; path: string; id: number }[] | null {
  const row = db.ms.getByPath(msPath);
  if (!row) return null;
  const valid = db.calibration.listTables({ msId: row.id, status: 'valid' }).filter((t) => tableFilesPresent(t.path));
  const kinds = new Set(valid.map((t) => t.kind));
  return ['B', 'Gp', 'Gap'].every((k) => kinds.has(k as CalTableKind)) ? valid.map((t) => ({ kind: t.kind, path: t.path, id: t.id })) : null;
}

export function calibrateSolveStage(deps: CalibrationDeps) {
  return defineStage({
    name: CALIBRATE_SOLVE_STAGE,
    params: SolveParams,
    inputs: (ctx) => [ctx.params.msPath],
    outputs: () => [],
    validate: (ctx) => {
      MeasurementSet.open(ctx.params.msPath).close();
      if (ctx.params.calibrator !== undefined && !deps.db.calibration.getCalibrator(ctx.params.calibrator)) {
        throw new CalibrationError(`params.calibrator: ${ctx.params.calibrator} is not in the calibrator catalog`);
      }
    },
    verify: (ctx) => {
      const t = solvedTablesOf(deps.db, ctx.params.msPath);
      return t ? { msPath: ctx.params.msPath, tables: t } : null;
    },
    execute: async (ctx) => {
      const r = await solveMs(deps, { msPath: ctx.params.msPath, calibrator: ctx.params.calibrator, signal: ctx.signal, onProgress: (f, m) => ctx.progress(f, m) });
      for (const f of r.failedSpws) ctx.log.warn({ spw: f.spw }, f.error);
      ctx.log.info({ calibrator: r.calibrator, refAnt: r.refAnt, tables: r.tables.map((t) => t.path) }, `solved ${r.msPath}`);
      return { msPath: r.msPath, calibrator: r.calibrator, tables: r.tables.map((t) => ({ kind: t.kind, path: t.path, id: t.id, flaggedFraction: t.qa.flaggedFraction, medianSnr: t.qa.medianSnr })) };
    },
    cleanup: () => undefined,
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
      const a = currentApplication(deps, ctx.params.msPath);
      return a ? { msPath: ctx.params.msPath, skipped: true, bandpass: a.bandpass, gains: a.gains, newlyFlagged: 0 } : null;
    },
    execute: async (ctx) => {
      const r = await applyMs(deps, { msPath: ctx.params.msPath, signal: ctx.signal, onProgress: (f, m) => ctx.progress(f, m) });
      ctx.log.info({ skipped: r.skipped, bandpass: r.bandpass.path, gains: r.gains.path }, `${r.skipped ? 'already applied to' : 'applied to'} ${r.msPath}`);
      return { msPath: r.msPath, skipped: r.skipped, bandpass: r.bandpass.path, gains: r.gains.path, newlyFlagged: r.newlyFlagged };
    },
    cleanup: () => undefined,
  });
}

export const CalibrateJobParams = z.object({
  msPath: z.string().min(1),
  calibrator: z.string().min(1).optional(),
  mode: z.enum(['solve', 'apply', 'both']).default('both'),
});

/** Register calibrate.solve, calibrate.apply and the `calibrate` job kind once on a registry. */
export function registerCalibrate(deps: CalibrationDeps & { registry: JobRegistry }): void {
  const reg = deps.registry;
  if (reg.jobKinds().some((k) => k.kind === CALIBRATE_KIND)) return;
  reg.registerStage(calibrateSolveStage(deps)).registerStage(calibrateApplyStage(deps)).registerJob({
    kind: CALIBRATE_KIND,
    title: 'solve calibration on a calibrator transit MS and/or apply valid solutions to an MS',
    params: CalibrateJobParams,
    build: (p) => {
      const solve = { id: 'solve', stage: CALIBRATE_SOLVE_STAGE, params: { msPath: p.msPath, ...(p.calibrator ? { calibrator: p.calibrator } : {}) }, deps: [] };
      const apply = { id: 'apply', stage: CALIBRATE_APPLY_STAGE, params: { msPath: p.msPath }, deps: p.mode === 'both' ? ['solve'] : [] };
      return p.mode === 'solve' ? [solve] : p.mode === 'apply' ? [apply] : [solve, apply];
    },
  });
}
