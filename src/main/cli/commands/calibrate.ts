// `dsa110 calibrate --ms PATH [--calibrator NAME] [--solve-only | --apply-only]`: solves
// bandpass and gains when the MS holds a calibrator transit (the calibrator detected from the
// catalog when not named) and applies them in the same pass over the data, or applies the valid
// registered solutions for the MS's time, writing CORRECTED_DATA; prints the solutions' QA and
// the tables applied.
import path from 'node:path';
import { CalibrationError } from '../../engine/calibration/solve';
import { applyMs, calibrateMs, detectCalibrator, solveMs } from '../../engine/calibration/stage';
import type { ApplyResult, SolveResult } from '../../engine/calibration/stage';
import { msLayout } from '../../engine/calibration/ms-block';
import { MeasurementSet } from '../../engine/ms';
import { CliError, UsageError } from '../errors';
import { withEngine } from './engine-session';
import { table } from './table';
import type { CliCommand } from './types';

interface Options {
  ms: string;
  calibrator?: string;
  solveOnly: boolean;
  applyOnly: boolean;
  rfi: boolean;
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
    lines.push(`solved on ${s.calibrator} (reference antenna ${s.refAnt ?? 'none'}), ${(100 * s.flaggedBeforeSolve).toFixed(1)} % of the data flagged before solving`);
    if (s.deadAntennas.length > 0) lines.push(`dead antennas flagged: ${s.deadAntennas.join(', ')}`);
    lines.push(table(['KIND', 'FLAGGED %', 'MEDIAN SNR', 'TABLE'], s.tables.map((t) => [
      t.kind, (100 * t.qa.flaggedFraction).toFixed(2), t.qa.medianSnr.toFixed(1), t.path,
    ]), new Set([1, 2])));
    for (const f of s.failedSpws) lines.push(`spectral window ${f.spw} failed: ${f.error}`);
  } else if (o.solveSkipped) {
    lines.push(`no solve: ${o.solveSkipped}`);
  }
  if (o.apply) {
    const a = o.apply;
    const desc = (x: ApplyResult['bandpass']): string => `${path.basename(x.path)} (${x.staleness}, ${x.offsetH >= 0 ? '+' : ''}${x.offsetH.toFixed(2)} h from its solve)`;
    lines.push(a.skipped
      ? `already applied to ${a.msPath}: ${desc(a.bandpass)} and ${desc(a.gains)}; nothing written`
      : `applied ${desc(a.bandpass)} and ${desc(a.gains)} -> CORRECTED_DATA of ${a.msPath}; ${(100 * a.flaggedFraction).toFixed(1)} % flagged`);
  }
  return lines.join('\n');
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
      .addHelpText('after', `
Without --solve-only/--apply-only: solves when a catalog calibrator (>= 1 Jy, within 2.5 deg)
transits during the MS (or --calibrator is given), then applies the bandpass and gains valid at
the MS's mid-time (the nearest solve, before or after; bandpass ~24 h, gains ~1 h).
Tables go to <workspace>/caltables and are registered in the database.`)
      .action(async (o: Options) => {
        if (o.solveOnly && o.applyOnly) throw new UsageError('calibrate: --solve-only and --apply-only exclude each other');
        const msPath = path.resolve(o.ms);
        const progress = ctx.progress('calibrate');
        const out = await withEngine(ctx, async (engine): Promise<Outcome> => {
          const res: Outcome = { msPath, solve: null, solveSkipped: null, apply: null };
          try {
            if (!o.applyOnly) {
              let named = o.calibrator;
              if (named === undefined) {
                const ms = MeasurementSet.open(msPath);
                try {
                  named = detectCalibrator(engine.db, msLayout(ms), engine.config.imaging.beamModel)?.calibrator.name;
                } finally {
                  ms.close();
                }
              }
              if (named === undefined) {
                if (o.solveOnly) throw new CliError(`calibrate: ${msPath}: no catalog calibrator transits during this MS; name one with --calibrator`);
                res.solveSkipped = 'no catalog calibrator transits during this MS';
              } else if (o.solveOnly) {
                res.solve = await solveMs(engine, { msPath, calibrator: named, rfi: o.rfi, onProgress: (f, m) => progress.update(f, m) });
              } else {
                // Solve and apply in one pass over the data (each window read once).
                const both = await calibrateMs(engine, { msPath, calibrator: named, rfi: o.rfi, onProgress: (f, m) => progress.update(f, m) });
                res.solve = both.solve;
                res.apply = both.apply;
              }
            }
            if (!o.solveOnly && !res.apply) res.apply = await applyMs(engine, { msPath, onProgress: (f, m) => progress.update(f, m) });
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
