// `dsa110 calibrators --dec DEG`: calibrator candidates for a pointing declination, ranked by
// primary-beam-weighted flux (the operational selection), with the next transit over DSA-110.
import { parseIsoUtc } from '../../../shared/astro';
import { InvalidArgumentError } from 'commander';
import { BAND_CENTRE_HZ } from '../../engine/api';
import { callApi, withEngine } from './engine-session';
import { finiteNumber, positiveInt, table, utc } from './table';
import type { CliCommand } from './types';

/** An MJD ("60950.5") or an ISO 8601 UTC time ("2025-10-02T14:03:07"). */
function timeOption(value: string): number {
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  try {
    return parseIsoUtc(value);
  } catch {
    throw new InvalidArgumentError(`expected an MJD such as 60950.5 or an ISO UTC time such as 2025-10-02T14:03:07, got "${value}".`);
  }
}

interface Options {
  dec: number;
  radius: number;
  minFlux: number;
  limit: number;
  after?: number;
}

export const calibratorsCommand: CliCommand = {
  name: 'calibrators',
  register(program, ctx) {
    program
      .command('calibrators')
      .description('calibrators near a pointing declination, best primary-beam-weighted flux first, with their next transit')
      .requiredOption('--dec <deg>', 'pointing declination, degrees (e.g. 54.57)', finiteNumber)
      .option('--radius <deg>', 'half-width of the declination strip, degrees', finiteNumber, 2.5)
      .option('--min-flux <jy>', 'minimum catalog flux at 1.4 GHz, Jy', finiteNumber, 1)
      .option('--limit <n>', 'at most this many candidates (1-500)', positiveInt, 10)
      .option('--after <time>', 'transits after this time: MJD or ISO UTC (default now)', timeOption)
      .addHelpText('after', `
The weight is the catalog flux times the primary-beam power response at the declination
offset (the beam model is imaging.beamModel, evaluated at the band centre, ${(BAND_CENTRE_HZ / 1e6).toFixed(1)} MHz).
The catalog is the curated VLA calibrator list the database is seeded with.`)
      .action(async (opts: Options) => {
        const flags = { decDeg: '--dec', radiusDeg: '--radius', minFluxJy: '--min-flux', limit: '--limit', afterMjd: '--after' };
        const result = await withEngine(ctx, (engine) => callApi(engine, 'calibrators.search', {
          decDeg: opts.dec, radiusDeg: opts.radius, minFluxJy: opts.minFlux, limit: opts.limit,
          ...(opts.after !== undefined ? { afterMjd: opts.after } : {}),
        }, { command: 'calibrators', flags }));
        const data = { decDeg: opts.dec, radiusDeg: opts.radius, minFluxJy: opts.minFlux, ...result };
        ctx.result(data, () => {
          if (result.items.length === 0) return `no calibrator of at least ${opts.minFlux} Jy within ${opts.radius} deg of Dec ${opts.dec}`;
          const rows = result.items.map((m) => [
            m.calibrator.name, m.calibrator.raDeg.toFixed(4), m.calibrator.decDeg.toFixed(4), m.decOffsetDeg.toFixed(2),
            m.calibrator.flux1400Jy.toFixed(2), m.beamWeightedFluxJy.toFixed(2), utc(m.nextTransitMjd),
          ]);
          const model = result.items[0]?.beamModel ?? '';
          return [
            `calibrators within ${opts.radius} deg of Dec ${opts.dec}, at least ${opts.minFlux} Jy at 1.4 GHz; beam ${model}`,
            table(['NAME', 'RA (deg)', 'DEC (deg)', 'OFFSET', 'S1.4 (Jy)', 'WEIGHTED (Jy)', 'NEXT TRANSIT (UTC)'], rows, new Set([1, 2, 3, 4, 5])),
          ].join('\n');
        });
      });
  },
};
