// `dsa110 transits --calibrator NAME`: transit times of a calibrator over DSA-110 and, where the
// workspace has data, the group and integration nearest each transit.
import { InvalidArgumentError } from 'commander';
import { parseIsoUtc } from '../../../shared/astro';
import { nowMjd } from '../../../shared/model';
import { calibratorTransits, dataSpan } from '../../engine/calibration/transits';
import { CliError } from '../errors';
import { withEngine } from './engine-session';
import { finiteNumber, table, utc } from './table';
import type { CliCommand } from './types';

function isoOption(value: string): number {
  try {
    return parseIsoUtc(value);
  } catch {
    throw new InvalidArgumentError(`expected an ISO 8601 UTC time such as 2026-01-15T08:00:00, got "${value}".`);
  }
}

interface Options {
  calibrator: string;
  start?: number;
  end?: number;
  decTolerance: number;
}

export const transitsCommand: CliCommand = {
  name: 'transits',
  register(program, ctx) {
    program
      .command('transits')
      .description('transit times of a calibrator and which data (group, integration) cover each')
      .requiredOption(
        '--calibrator <name>',
        'calibrator name: J2000 (0834+555, J0834+555), B1950 (B0831+557) or alternate (3C286), any case',
      )
      .option('--start <iso>', 'from this time (default: the start of the registered data, else now)', isoOption)
      .option(
        '--end <iso>',
        'until this time (default: the end of the registered data, else start + 7 days)',
        isoOption,
      )
      .option(
        '--dec-tolerance <deg>',
        'a group covers the transit when its declination is within this of the calibrator',
        finiteNumber,
        2.5,
      )
      .action(async (o: Options) => {
        const r = await withEngine(ctx, (engine) => {
          const cal = engine.db.calibration.findCalibrator(o.calibrator);
          if (!cal)
            throw new CliError(
              `transits: no calibrator "${o.calibrator}" in the catalog of ${engine.paths.database} (see "dsa110 calibrators --dec DEG")`,
            );
          const span = dataSpan(engine.db);
          const startMjd = o.start ?? span?.startMjd ?? nowMjd();
          const endMjd = o.end ?? (o.start === undefined && span ? span.endMjd : startMjd + 7);
          const transits = calibratorTransits(engine.db, cal, startMjd, endMjd, { decToleranceDeg: o.decTolerance });
          return { calibrator: cal, startMjd, endMjd, transits };
        });
        ctx.result(r, () => {
          const head = `${r.calibrator.name} (RA ${r.calibrator.raDeg.toFixed(4)}, Dec ${r.calibrator.decDeg.toFixed(4)}, ${r.calibrator.flux1400Jy} Jy): transits ${utc(r.startMjd)} .. ${utc(r.endMjd)}`;
          if (r.transits.length === 0) return `${head}\nno transit in the window`;
          return [
            head,
            table(
              ['TRANSIT (UTC)', 'GROUP', 'STATE', 'INTEGRATION', 'OFFSET (s)'],
              r.transits.map((t) => [
                utc(t.transitMjd),
                t.groupId ?? 'no data',
                t.groupState ?? '-',
                t.integration === null ? '-' : String(t.integration),
                t.offsetS === null ? '-' : t.offsetS.toFixed(1),
              ]),
              new Set([3, 4]),
            ),
          ].join('\n');
        });
      });
  },
};
