// `dsa110 calibrators --dec DEG`: calibrator candidates for a pointing declination, ranked by
// primary-beam-weighted flux (the operational selection), with the next transit over DSA-110.
// `dsa110 calibrators --import FILE`: load a VLA calibrator list (its entries with a 20 cm
// flux) into the database's catalog, replacing entries of the same name.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseIsoUtc } from '../../../shared/astro';
import {
  VlaCalibratorParseError,
  parseVlaCalibrators,
  spectralIndex20to6,
} from '../../../shared/catalog/vla-calibrators';
import type { Calibrator } from '../../../shared/model/calibration';
import type { Database } from '../../engine/db';
import { CliError, UsageError } from '../errors';
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
    throw new InvalidArgumentError(
      `expected an MJD such as 60950.5 or an ISO UTC time such as 2025-10-02T14:03:07, got "${value}".`,
    );
  }
}

/** The VLA list's entries with a 20 cm flux, as catalog calibrators (alpha from 20/6 cm, else -0.7). */
export function calibratorsFromVlaList(
  text: string,
  source: string,
): { calibrators: Calibrator[]; withoutFlux: number } {
  const entries = parseVlaCalibrators(text, source);
  const calibrators: Calibrator[] = [];
  for (const e of entries) {
    const l = e.bands.find((b) => b.band === '20cm');
    if (!l || l.fluxJy === null || !(l.fluxJy > 0)) continue;
    calibrators.push({
      name: e.name,
      raDeg: e.raDeg,
      decDeg: e.decDeg,
      flux1400Jy: l.fluxJy,
      spectralIndex: spectralIndex20to6(e).alpha,
      catalog: 'vla',
      positionCode: e.positionCode || null,
      uvMinKlambda: l.uvMinKlambda,
      uvMaxKlambda: l.uvMaxKlambda,
      altName: e.altName,
      b1950Name: e.b1950Name,
    });
  }
  return { calibrators, withoutFlux: entries.length - calibrators.length };
}

/** Store a VLA list file in the database's calibrator catalog (one transaction). */
export function importVlaList(db: Database, file: string): { file: string; imported: number; withoutFlux: number } {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    throw new CliError(`calibrators --import: cannot read ${file}: ${(e as Error).message}`);
  }
  let parsed: ReturnType<typeof calibratorsFromVlaList>;
  try {
    parsed = calibratorsFromVlaList(text, file);
  } catch (e) {
    if (e instanceof VlaCalibratorParseError) throw new CliError(`calibrators --import: ${e.message}`);
    throw e;
  }
  db.transaction(() => {
    for (const c of parsed.calibrators) db.calibration.upsertCalibrator(c);
  });
  return { file, imported: parsed.calibrators.length, withoutFlux: parsed.withoutFlux };
}

interface Options {
  dec?: number;
  import?: string;
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
      .description(
        'calibrators near a pointing declination, best primary-beam-weighted flux first, with their next transit',
      )
      .option('--dec <deg>', 'pointing declination, degrees (e.g. 54.57)', finiteNumber)
      .option('--import <file>', 'store a VLA calibrator list (vlacalibrators.txt format) in the catalog first')
      .option('--radius <deg>', 'half-width of the declination strip, degrees', finiteNumber, 2.5)
      .option('--min-flux <jy>', 'minimum catalog flux at 1.4 GHz, Jy', finiteNumber, 1)
      .option('--limit <n>', 'at most this many candidates (1-500)', positiveInt, 10)
      .option('--after <time>', 'transits after this time: MJD or ISO UTC (default now)', timeOption)
      .addHelpText(
        'after',
        `
The weight is the catalog flux times the primary-beam power response at the declination
offset (the beam model is imaging.beamModel, evaluated at the band centre, ${(BAND_CENTRE_HZ / 1e6).toFixed(1)} MHz).
The catalog is the curated VLA calibrator list the database is seeded with, or what
--import FILE stored (entries with a 20 cm flux; same names are replaced).`,
      )
      .action(async (opts: Options) => {
        if (opts.dec === undefined && opts.import === undefined)
          throw new UsageError(
            "calibrators: required option '--dec <deg>' not specified (or give --import <file> to load a VLA list)",
          );
        if (opts.dec === undefined) {
          const file = path.resolve(opts.import ?? '');
          const r = await withEngine(ctx, (engine) => importVlaList(engine.db, file));
          ctx.result(
            r,
            () =>
              `imported ${r.imported} calibrators with a 20 cm flux from ${r.file} (${r.withoutFlux} entries without one skipped)`,
          );
          return;
        }
        const dec = opts.dec;
        const imported =
          opts.import === undefined
            ? null
            : await withEngine(ctx, (engine) => importVlaList(engine.db, path.resolve(opts.import ?? '')));
        const flags = {
          decDeg: '--dec',
          radiusDeg: '--radius',
          minFluxJy: '--min-flux',
          limit: '--limit',
          afterMjd: '--after',
        };
        const result = await withEngine(ctx, (engine) =>
          callApi(
            engine,
            'calibrators.search',
            {
              decDeg: dec,
              radiusDeg: opts.radius,
              minFluxJy: opts.minFlux,
              limit: opts.limit,
              ...(opts.after !== undefined ? { afterMjd: opts.after } : {}),
            },
            { command: 'calibrators', flags },
          ),
        );
        const data = {
          decDeg: dec,
          radiusDeg: opts.radius,
          minFluxJy: opts.minFlux,
          ...result,
          ...(imported ? { imported } : {}),
        };
        ctx.result(data, () => {
          if (result.items.length === 0)
            return `no calibrator of at least ${opts.minFlux} Jy within ${opts.radius} deg of Dec ${opts.dec}`;
          const rows = result.items.map((m) => [
            m.calibrator.name,
            m.calibrator.raDeg.toFixed(4),
            m.calibrator.decDeg.toFixed(4),
            m.decOffsetDeg.toFixed(2),
            m.calibrator.flux1400Jy.toFixed(2),
            m.beamWeightedFluxJy.toFixed(2),
            utc(m.nextTransitMjd),
          ]);
          const model = result.items[0]?.beamModel ?? '';
          return [
            `calibrators within ${opts.radius} deg of Dec ${opts.dec}, at least ${opts.minFlux} Jy at 1.4 GHz; beam ${model}`,
            table(
              ['NAME', 'RA (deg)', 'DEC (deg)', 'OFFSET', 'S1.4 (Jy)', 'WEIGHTED (Jy)', 'NEXT TRANSIT (UTC)'],
              rows,
              new Set([1, 2, 3, 4, 5]),
            ),
          ].join('\n');
        });
      });
  },
};
