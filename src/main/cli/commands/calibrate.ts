// `dsa110 calibrate --ms PATH [--calibrator NAME] [--solve-only | --apply-only]`: solves
// bandpass and gains when the MS holds a calibrator transit (the calibrator detected from the
// catalog when not named) and applies them in the same pass over the data, or applies the valid
// registered solutions for the MS's time, writing CORRECTED_DATA; prints the solutions' QA and
// the tables applied.
import path from 'node:path';
import { CalibrationError } from '../../engine/calibration/solve';
import type { JsonObject } from '../../../shared/model/common';
import { applyMs, CALIBRATE_KIND, calibrateMs, detectCalibrator, solveMs } from '../../engine/calibration/stage';
import type { ApplyResult, SolveResult } from '../../engine/calibration/stage';
import { msLayout } from '../../engine/calibration/ms-block';
import { MeasurementSet } from '../../engine/ms';
import type { Engine } from '../../engine/engine';
import type { CliContext } from '../context';
import { CliError, UsageError } from '../errors';
import { runJobHere } from './run-job';
import { withEngine } from './engine-session';
import { table } from './table';
import type { CliCommand } from './types';

interface Options {
  ms: string;
  calibrator?: string;
  solveOnly: boolean;
  applyOnly: boolean;
  rfi: boolean;
  job: boolean;
}

interface Outcome {
  msPath: string;
  solve: SolveResult | null;
  /** Why no solve was attempted (no transit in the MS), when it was not. */
  solveSkipped: string | null;
  apply: ApplyResult | null;
}

function render(o: Outcome): string {
  const lines: string[] = [];
  if (o.solve) {
    const s = o.solve;
    lines.push(
      `solved on ${s.calibrator} (reference antenna ${s.refAnt ?? 'none'}), ${(100 * s.flaggedBeforeSolve).toFixed(1)} % of the data flagged before solving`,
    );
    if (s.deadAntennas.length > 0) lines.push(`dead antennas flagged: ${s.deadAntennas.join(', ')}`);
    lines.push(
      table(
        ['KIND', 'FLAGGED %', 'MEDIAN SNR', 'TABLE'],
        s.tables.map((t) => [t.kind, (100 * t.qa.flaggedFraction).toFixed(2), t.qa.medianSnr.toFixed(1), t.path]),
        new Set([1, 2]),
      ),
    );
    for (const f of s.failedSpws) lines.push(`spectral window ${f.spw} failed: ${f.error}`);
  } else if (o.solveSkipped) {
    lines.push(`no solve: ${o.solveSkipped}`);
  }
  if (o.apply) {
    const a = o.apply;
    const desc = (x: ApplyResult['bandpass']): string =>
      `${path.basename(x.path)} (${x.staleness}, ${x.offsetH >= 0 ? '+' : ''}${x.offsetH.toFixed(2)} h from its solve)`;
    lines.push(
      a.skipped
        ? `already applied to ${a.msPath}: ${desc(a.bandpass)} and ${desc(a.gains)}; nothing written`
        : `applied ${desc(a.bandpass)} and ${desc(a.gains)} -> CORRECTED_DATA of ${a.msPath}; ${(100 * a.flaggedFraction).toFixed(1)} % flagged`,
    );
  }
  return lines.join('\n');
}

type Lookup = ApplyResult['bandpass'];
const isLookup = (v: unknown): v is Lookup =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Lookup).path === 'string' &&
  typeof (v as Lookup).staleness === 'string';

/** An apply's stage outputs as the CLI reports an apply. */
function applyFromOutputs(a: JsonObject | null | undefined): ApplyResult | null {
  if (!a || !isLookup(a.bandpassLookup) || !isLookup(a.gainsLookup)) return null;
  return {
    msPath: String(a.msPath),
    skipped: a.skipped === true,
    bandpass: a.bandpassLookup,
    gains: a.gainsLookup,
    newlyFlagged: typeof a.newlyFlagged === 'number' ? a.newlyFlagged : 0,
    flaggedFraction: typeof a.flaggedFraction === 'number' ? a.flaggedFraction : NaN,
  };
}

/** The catalog calibrator whose transit the MS holds, if any (its name). */
function transitingCalibrator(engine: Engine, msPath: string): string | undefined {
  const ms = MeasurementSet.open(msPath);
  try {
    return detectCalibrator(engine.db, msLayout(ms), engine.config.imaging.beamModel)?.calibrator.name;
  } finally {
    ms.close();
  }
}

/**
 * The calibration as a `calibrate` job: the calibrator is chosen now (named, or the one whose
 * transit the MS holds) and frozen with the job with the mode and the configuration; solve and
 * apply run in one pass over the data; a killed run resumes.
 */
async function calibrateAsJob(ctx: CliContext, engine: Engine, msPath: string, o: Options): Promise<Outcome> {
  const res: Outcome = { msPath, solve: null, solveSkipped: null, apply: null };
  let named = o.calibrator;
  if (named !== undefined && !engine.db.calibration.getCalibrator(named))
    throw new CliError(
      `calibrate: calibrator ${named} is not in the catalog (dsa110 calibrators --import FILE loads a VLA list)`,
    );
  if (!o.applyOnly && named === undefined) {
    named = transitingCalibrator(engine, msPath);
    if (named === undefined) {
      if (o.solveOnly)
        throw new CliError(
          `calibrate: ${msPath}: no catalog calibrator transits during this MS; name one with --calibrator`,
        );
      res.solveSkipped = 'no catalog calibrator transits during this MS';
    }
  }
  const mode = o.applyOnly || named === undefined ? 'apply' : o.solveOnly ? 'solve' : 'both';
  const params: JsonObject = {
    msPath,
    mode,
    ...(named !== undefined && mode !== 'apply' ? { calibrator: named } : {}),
    ...(o.rfi ? {} : { rfi: false }),
  };
  const run = await runJobHere(ctx, engine, CALIBRATE_KIND, params, {
    label: 'calibrate',
    request: { type: 'calibrate', params },
  });
  const solve = run.outputs.get('solve');
  if (solve) {
    const tables = Array.isArray(solve.tables)
      ? (solve.tables as {
          kind: SolveResult['tables'][number]['kind'];
          path: string;
          id: number;
          flaggedFraction: number;
          medianSnr: number;
        }[])
      : [];
    res.solve = {
      msPath,
      calibrator: String(solve.calibrator),
      refAnt: typeof solve.refAnt === 'string' ? solve.refAnt : null,
      solveMjd: Number(solve.solveMjd),
      tables: tables.map((t) => ({
        kind: t.kind,
        path: t.path,
        id: t.id,
        qa: { flaggedFraction: t.flaggedFraction, medianSnr: t.medianSnr },
      })),
      failedSpws: Array.isArray(solve.failedSpws) ? (solve.failedSpws as { spw: number; error: string }[]) : [],
      flaggedBeforeSolve: Number(solve.flaggedBeforeSolve),
      deadAntennas: Array.isArray(solve.deadAntennas) ? solve.deadAntennas.map(String) : [],
    };
  }
  // Applied in the solve's own pass, or by the apply stage.
  res.apply =
    applyFromOutputs(solve?.applied as JsonObject | null | undefined) ?? applyFromOutputs(run.outputs.get('apply'));
  return res;
}

export const calibrateCommand: CliCommand = {
  name: 'calibrate',
  register(program, ctx) {
    program
      .command('calibrate')
      .description('solve bandpass and gains on a calibrator transit MS and/or apply valid solutions (CORRECTED_DATA)')
      .requiredOption('--ms <path>', 'the Measurement Set')
      .option('--calibrator <name>', 'calibrator of the catalog (default: the one transiting during the MS)')
      .option('--solve-only', 'solve and register tables, do not apply', false)
      .option('--apply-only', 'apply registered solutions only, do not solve', false)
      .option('--no-rfi', 'skip the RFI detector before solving (data flagged upstream); other flags still apply')
      .option('--no-job', 'calibrate here without recording a job (no resume)')
      .addHelpText(
        'after',
        `
Without --solve-only/--apply-only: solves when a catalog calibrator (>= 1 Jy, within 2.5 deg)
transits during the MS (or --calibrator is given), then applies the bandpass and gains valid at
the MS's mid-time (the nearest solve, before or after; bandpass ~24 h, gains ~1 h).
Tables go to <workspace>/caltables and are registered in the database.`,
      )
      .action(async (o: Options) => {
        if (o.solveOnly && o.applyOnly)
          throw new UsageError('calibrate: --solve-only and --apply-only exclude each other');
        const msPath = path.resolve(o.ms);
        if (o.job) {
          const out = await withEngine(ctx, (engine) => calibrateAsJob(ctx, engine, msPath, o));
          ctx.result(out, () => render(out));
          return;
        }
        const progress = ctx.progress('calibrate');
        const out = await withEngine(ctx, async (engine): Promise<Outcome> => {
          const res: Outcome = { msPath, solve: null, solveSkipped: null, apply: null };
          try {
            if (!o.applyOnly) {
              let named = o.calibrator;
              if (named === undefined) {
                named = transitingCalibrator(engine, msPath);
              }
              if (named === undefined) {
                if (o.solveOnly)
                  throw new CliError(
                    `calibrate: ${msPath}: no catalog calibrator transits during this MS; name one with --calibrator`,
                  );
                res.solveSkipped = 'no catalog calibrator transits during this MS';
              } else if (o.solveOnly) {
                res.solve = await solveMs(engine, {
                  msPath,
                  calibrator: named,
                  rfi: o.rfi,
                  onProgress: (f, m) => progress.update(f, m),
                });
              } else {
                // Solve and apply in one pass over the data (each window read once).
                const both = await calibrateMs(engine, {
                  msPath,
                  calibrator: named,
                  rfi: o.rfi,
                  onProgress: (f, m) => progress.update(f, m),
                });
                res.solve = both.solve;
                res.apply = both.apply;
              }
            }
            if (!o.solveOnly && !res.apply)
              res.apply = await applyMs(engine, { msPath, onProgress: (f, m) => progress.update(f, m) });
          } catch (e) {
            if (e instanceof CalibrationError) throw new CliError(`calibrate: ${e.message}`);
            throw e;
          }
          return res;
        });
        progress.done();
        ctx.result(out, () => render(out));
      });
  },
};
