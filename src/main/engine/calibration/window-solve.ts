// One spectral window's solve on a calibrator transit (flag, then bandpass, phase-only and
// amplitude+phase gains against the calibrator's point model), the choice of calibrator, and
// the tally of a solve over the windows; shared by the solve stage and the one-pass calibrate.
import { beamModel } from '../../../shared/instrument';
import { transitMjd } from '../../../shared/astro';
import type { Calibrator } from '../../../shared/model/calibration';
import type { Config } from '../config';
import type { Database } from '../db';
import type { NativePool } from '../native/pool';
import { flagBlock } from './flag';
import type { FlagStats } from './flag';
import {
  antennaIndicesOfStations,
  pointModel,
  pointingOffsets,
  rotateFromSource,
  rotateToSource,
  sourcePhases,
} from './ms-block';
import type { MsLayout, MsSpwBlock } from './ms-block';
import type { ModelSource } from './model';
import { CalibrationError, solveCalibration } from './solve';
import type { CalibrationSolution } from './solve';
import type { SolvedWindow } from './solved-tables';

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
  for (const c of db.calibration.listCalibrators({
    decMinDeg: decDeg - 2.5,
    decMaxDeg: decDeg + 2.5,
    minFlux1400Jy: 1,
  })) {
    const tr = transitMjd((c.raDeg * Math.PI) / 180, (c.decDeg * Math.PI) / 180, layout.midMjd);
    if (tr < layout.startMjd || tr > layout.endMjd) continue;
    const off = pointingOffsets(Float64Array.of(tr), layout, c)[0] as number;
    const w = c.flux1400Jy * beam.response(off, centreHz);
    if (!best || w > best.weightedFluxJy)
      best = { calibrator: c, transitMjd: tr, offsetDeg: (off * 180) / Math.PI, weightedFluxJy: w };
  }
  return best;
}

/** The named catalog calibrator, or the one detected in the MS; CalibrationError when none. */
export function resolveCalibrator(
  db: Database,
  config: Config,
  layout: MsLayout,
  msPath: string,
  name: string | undefined,
): Calibrator {
  if (name !== undefined) {
    const c = db.calibration.findCalibrator(name);
    if (!c)
      throw new CalibrationError(
        `calibrator ${name} is not in the catalog (dsa110 calibrators --import FILE loads a VLA list)`,
      );
    return c;
  }
  const found = detectCalibrator(db, layout, config.imaging.beamModel);
  if (!found) {
    throw new CalibrationError(
      `${msPath}: no catalog calibrator (>= 1 Jy, within 2.5 deg of Dec ${((layout.phaseCentre.decRad * 180) / Math.PI).toFixed(2)}) transits between MJD ${layout.startMjd.toFixed(5)} and ${layout.endMjd.toFixed(5)}`,
    );
  }
  return found.calibrator;
}

/** Everything a window's solve needs besides its data. */
export interface WindowSolveContext {
  layout: MsLayout;
  calibrator: Calibrator;
  src: ModelSource;
  beamName: string;
  rfi: boolean;
  refants: number[];
  solintS: number;
  minSnr: number;
  maxBandpassFlaggedFraction: number;
}

export function windowSolveContext(
  config: Config,
  layout: MsLayout,
  calibrator: Calibrator,
  rfi: boolean,
): WindowSolveContext {
  const cfg = config.calibration;
  return {
    layout,
    calibrator,
    rfi,
    beamName: config.imaging.beamModel,
    src: {
      name: calibrator.name,
      raDeg: calibrator.raDeg,
      decDeg: calibrator.decDeg,
      fluxJy: calibrator.flux1400Jy,
      spectralIndex: calibrator.spectralIndex,
    },
    refants: antennaIndicesOfStations(layout.antennas, cfg.refantChain),
    solintS: solintSeconds(cfg.gainSolint, layout.intervalS),
    minSnr: cfg.minSnr,
    maxBandpassFlaggedFraction: cfg.maxBandpassFlaggedPct / 100,
  };
}

export interface WindowSolve {
  flags: FlagStats;
  /** null when the window failed to solve (error says why). */
  solution: CalibrationSolution | null;
  error: string | null;
}

/**
 * Flag and solve one window (phased to the MS phase centre) against the calibrator's point
 * model placed at the calibrator (sourcePhases), in place: its flags gain the pre-solve flags,
 * its visibilities are left as they were. Channels that are not evenly spaced are rotated to
 * the calibrator for the solve and back after it. A CalibrationError (too much flagged) fails
 * the window only.
 */
export async function solveWindow(pool: NativePool, b: MsSpwBlock, ctx: WindowSolveContext): Promise<WindowSolve> {
  const phase = sourcePhases(b, ctx.layout, ctx.src);
  if (!phase) rotateToSource(b, ctx.layout, ctx.src);
  try {
    const model = { kind: 'point' as const, flux: pointModel(b.block, ctx.layout, ctx.src, ctx.beamName), phase };
    const flags = await flagBlock(pool, b.block, { model, ...(ctx.rfi ? {} : { rfi: false as const }) });
    try {
      const solution = await solveCalibration(pool, b.block, model, {
        refants: ctx.refants,
        minSnr: ctx.minSnr,
        solintS: ctx.solintS,
        bandpass: { maxFlaggedFraction: ctx.maxBandpassFlaggedFraction },
      });
      return { flags, solution, error: null };
    } catch (e) {
      if (!(e instanceof CalibrationError)) throw e;
      return { flags, solution: null, error: e.message };
    }
  } finally {
    if (!phase) rotateFromSource(b, ctx.layout, ctx.src);
  }
}

/** The windows' solves added up: what the tables and the solve result are made of. */
export class SolveTally {
  readonly solved: SolvedWindow[] = [];
  readonly failedSpws: { spw: number; error: string }[] = [];
  private flagged = 0;
  private samples = 0;
  private readonly dead = new Set<number>();

  add(spw: number, w: WindowSolve): void {
    this.flagged += w.flags.flagged;
    this.samples += w.flags.samples;
    for (const a of w.flags.deadAntennas) this.dead.add(a);
    if (w.solution) this.solved.push({ spw, b: w.solution.bandpass, p: w.solution.phase, g: w.solution.gains });
    else this.failedSpws.push({ spw, error: w.error ?? 'unknown failure' });
  }

  flaggedFraction(): number {
    return this.samples > 0 ? this.flagged / this.samples : 0;
  }

  deadAntennaNames(layout: MsLayout): string[] {
    return [...this.dead].sort((x, y) => x - y).map((a) => layout.antennas[a]?.name ?? String(a));
  }
}
