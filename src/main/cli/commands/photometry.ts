// `dsa110 photometry TARGET...`: measure images or mosaics (image:N, mosaic:N or FITS files, in
// time order) into the science products: forced photometry at the reference catalog, the finder's
// components, association across epochs, light curves and variability.
import path from 'node:path';
import { measureEpoch, PhotometryError, resolveTarget } from '../../engine/photometry/measure';
import { appInfo } from '../app-info';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withEngine } from './engine-session';
import { thresholdOptions, thresholdsOf, type ThresholdFlags } from './sources';
import { finiteNumber, table } from './table';
import type { CliCommand } from './types';

interface PhotometryFlags extends ThresholdFlags {
  catalog?: string;
  pbCut?: number;
}

async function photometry(ctx: CliContext, targets: string[], o: PhotometryFlags): Promise<void> {
  const results = await withEngine(ctx, (engine) => {
    const resolved = targets.map((t) => {
      try {
        return resolveTarget(engine.db, /^(image|mosaic):\d+$/.test(t) ? t : path.resolve(ctx.io.cwd, t));
      } catch (e) {
        if (e instanceof PhotometryError) throw new CliError(`photometry: ${e.message}`);
        throw e;
      }
    });
    const catalog = o.catalog ?? engine.config.qa.catalog ?? undefined;
    return resolved.map((t) => {
      try {
        return measureEpoch(engine.db, t, {
          ...(catalog !== undefined ? { catalog } : {}),
          pbCut: o.pbCut ?? engine.config.imaging.pbCut,
          thresholds: thresholdsOf(o),
          version: appInfo().version,
        });
      } catch (e) {
        if (e instanceof PhotometryError) throw new CliError(`photometry: ${e.message}`);
        throw e;
      }
    });
  });
  ctx.result(
    results.map((r) => ({ ...r, epoch: { id: r.epoch.id, path: r.epoch.path, mjd: r.epoch.mjd } })),
    () =>
      table(
        ['EPOCH', 'MJD', 'FORCED', 'COMPONENTS', 'FORCED (SURVEY)', 'NEW', 'RELATIONS', 'CANDIDATES', 'IMAGE'],
        results.map((r) => [
          String(r.epoch.id),
          r.epoch.mjd.toFixed(5),
          String(r.forced),
          String(r.components),
          String(r.forcedSurvey),
          String(r.newSources),
          String(r.relations),
          String(r.candidates),
          path.basename(r.epoch.path),
        ]),
        new Set([0, 1, 2, 3, 4, 5, 6, 7]),
      ),
  );
}

export const photometryCommand: CliCommand = {
  name: 'photometry',
  register(program, ctx) {
    thresholdOptions(program.command('photometry'))
      .description(
        'measure images or mosaics: forced photometry at the reference catalog, components, association, light curves',
      )
      .argument('<targets...>', 'image:N, mosaic:N or FITS files (PREFIX-image.fits with PREFIX-pb.fits beside it)')
      .option('--catalog <name>', 'reference catalog for forced photometry (default: config qa.catalog, else all)')
      .option('--pb-cut <response>', 'primary-beam cut (default: config imaging.pbCut)', finiteNumber)
      .action((targets: string[], o: PhotometryFlags) => photometry(ctx, targets, o));
  },
};
