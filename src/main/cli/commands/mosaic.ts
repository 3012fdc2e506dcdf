// `dsa110 mosaic build --images ID|PATH ... | --since ISO --until ISO --method M --output DIR
// [--name NAME] [--dry-run] [--force]`: validate and combine restored images into a mosaic product
// directory. The orchestrator's commands (mosaic-orchestrate.ts) are passed in by the command
// list (commands/index.ts): more subcommands of the group, and the runner of `mosaic build --name PLAN`.
import path from 'node:path';
import type { Command } from 'commander';
import { parseIsoUtc } from '../../../shared/astro';
import { MOSAIC_METHODS, type MosaicMethod } from '../../../shared/model';
import {
  buildMosaic,
  mosaicGrid,
  MosaicValidationError,
  selectImages,
  validateTiles,
  type MosaicValidationReport,
} from '../../engine/mosaic';
import type { CliContext } from '../context';
import { CliError, UsageError } from '../errors';
import { withEngine } from './engine-session';
import { table, utc } from './table';
import type { CliCommand } from './types';

/** What other modules add to the `mosaic` group (the orchestrator's CLI: plan, centered, next, ...). */
export interface MosaicExtensions {
  /** More subcommands of `mosaic`, added after `build`. */
  subcommands: ReadonlyArray<(group: Command, ctx: CliContext) => void>;
  /** Runs the recorded plan `name` for `mosaic build --name` (exit code). */
  runPlan?: (ctx: CliContext, name: string, opts: { output?: string; dryRun?: boolean }) => Promise<number>;
}

interface BuildOptions {
  images?: string[];
  since?: string;
  until?: string;
  dec?: string;
  method?: string;
  output?: string;
  name?: string;
  pbCut?: string;
  interpolation?: string;
  dryRun?: boolean;
  force?: boolean;
}

function number(flag: string, v: string | undefined, ok: (x: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || !ok(x))
    throw new UsageError(`mosaic build: ${flag} must be ${what}, got '${v}'`);
  return x;
}

function mjdOf(flag: string, v: string): number {
  try {
    return parseIsoUtc(v);
  } catch (e) {
    throw new UsageError(`mosaic build: ${flag}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function validationLines(v: MosaicValidationReport): string[] {
  return [
    `validation: ${v.ok ? 'ok' : 'FAILED'}`,
    ...v.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.check.padEnd(12)} ${c.message}`),
  ];
}

async function build(ctx: CliContext, o: BuildOptions, runPlan: MosaicExtensions['runPlan']): Promise<void> {
  const hasSelection = (o.images?.length ?? 0) > 0 || o.since !== undefined || o.until !== undefined;
  if (!hasSelection && o.name !== undefined && runPlan) {
    const isPlan = await withEngine(ctx, (engine) => engine.db.qa.getPlan(o.name!) !== undefined);
    if (isPlan) {
      const code = await runPlan(ctx, o.name, {
        ...(o.output !== undefined ? { output: o.output } : {}),
        ...(o.dryRun ? { dryRun: true } : {}),
      });
      if (code !== 0) throw new CliError(`mosaic build: plan ${o.name} ended with exit code ${code}`, code);
      return;
    }
  }
  if (!hasSelection)
    throw new UsageError(
      `mosaic build: give --images ID|PATH ..., or --since ISO --until ISO${o.name !== undefined ? `, or the --name of a recorded plan (no plan '${o.name}')` : ''}`,
    );
  if ((o.images?.length ?? 0) > 0 && (o.since !== undefined || o.until !== undefined))
    throw new UsageError('mosaic build: give either --images or --since/--until, not both');
  if ((o.since === undefined) !== (o.until === undefined))
    throw new UsageError('mosaic build: --since and --until go together');
  if (o.method !== undefined && !(MOSAIC_METHODS as readonly string[]).includes(o.method))
    throw new UsageError(`mosaic build: --method must be one of ${MOSAIC_METHODS.join(', ')}, got '${o.method}'`);
  if (o.interpolation !== undefined && o.interpolation !== 'bilinear' && o.interpolation !== 'lanczos3')
    throw new UsageError(`mosaic build: --interpolation must be bilinear or lanczos3, got '${o.interpolation}'`);
  if (o.output === undefined)
    throw new UsageError('mosaic build: --output DIR is required (the mosaic product directory to create)');
  const pbCut = number('--pb-cut', o.pbCut, (x) => x > 0 && x < 1, 'in (0, 1)');
  const decDeg = number('--dec', o.dec, (x) => x >= -90 && x <= 90, 'a declination in [-90, 90] degrees');
  const outputDir = path.resolve(o.output);
  const name = o.name ?? path.basename(outputDir);
  const range =
    o.since !== undefined ? { sinceMjd: mjdOf('--since', o.since), untilMjd: mjdOf('--until', o.until!) } : null;
  if (range && !(range.untilMjd > range.sinceMjd)) throw new UsageError('mosaic build: --until must be after --since');

  const progress = ctx.progress(`mosaic build ${name}`);
  const result = await withEngine(ctx, async (engine) => {
    const method = (o.method ?? engine.config.mosaic.method) as MosaicMethod;
    let imageIds: number[];
    if (range) {
      const sel = selectImages(engine.db, {
        ...range,
        ...(decDeg !== undefined ? { decDeg, decTolDeg: engine.config.mosaic.decToleranceDeg } : {}),
      });
      if (sel.length === 0)
        throw new CliError(
          `mosaic build: no restored images of Measurement Sets between ${o.since} and ${o.until}${decDeg !== undefined ? ` at Dec ${decDeg}` : ''} (database ${engine.paths.database})`,
        );
      imageIds = sel.map((i) => i.id);
    } else {
      imageIds = o.images!.map((arg) => {
        if (/^\d+$/.test(arg)) return Number(arg);
        const img = engine.db.images.getImageByPath(path.resolve(arg));
        if (!img)
          throw new CliError(
            `mosaic build: --images ${arg}: no image recorded at ${path.resolve(arg)} (was it made by \`dsa110 image\`?)`,
          );
        return img.id;
      });
    }
    if (o.dryRun) {
      const v = await validateTiles(engine, imageIds, name, { store: false });
      const usable = v.tiles.filter((t) => t.wcs && t.problems.length === 0);
      let grid: ReturnType<typeof mosaicGrid> | null = null;
      let gridError: string | null = null;
      try {
        grid = usable.length > 0 ? mosaicGrid(usable.map((t) => ({ wcs: t.wcs!, nx: t.nx, ny: t.ny }))) : null;
      } catch (e) {
        gridError = e instanceof Error ? e.message : String(e);
      }
      return {
        dryRun: true as const,
        name,
        method,
        outputDir,
        validation: { ok: v.ok, checks: v.checks },
        images: v.tiles.map((t) => ({
          imageId: t.imageId,
          path: t.path,
          msPath: t.msPath,
          startMjd: t.startMjd,
          endMjd: t.endMjd,
          decDeg: t.decDeg,
          freqHz: t.freqHz,
          beam: t.beam,
          calibration: t.calibration,
        })),
        grid: grid
          ? {
              nx: grid.nx,
              ny: grid.ny,
              cellArcsec: grid.cellArcsec,
              crvalRaDeg: grid.wcs.crval1,
              crvalDecDeg: grid.wcs.crval2,
              projection: grid.projection,
            }
          : null,
        gridError,
      };
    }
    try {
      const r = await buildMosaic(engine, {
        imageIds,
        method,
        outputDir,
        name,
        ...(pbCut !== undefined ? { pbCut } : {}),
        ...(o.interpolation ? { interpolation: o.interpolation as 'bilinear' | 'lanczos3' } : {}),
        force: o.force === true,
        onProgress: (f, m) => progress.update(f, m),
      });
      progress.done();
      return { dryRun: false as const, name, method, outputDir, ...r };
    } catch (e) {
      progress.fail();
      if (e instanceof MosaicValidationError) {
        throw new CliError(
          [
            `mosaic build ${name}: tile validation failed; nothing was built (use --force to combine the usable images anyway)`,
            ...validationLines(e.report),
          ].join('\n'),
        );
      }
      throw e;
    }
  });

  if (result.dryRun) {
    ctx.result(result, () =>
      [
        `dry run: mosaic ${result.name} (${result.method}) into ${result.outputDir}; nothing was changed`,
        table(
          ['IMAGE', 'START (UTC)', 'DEC', 'FREQ MHz', 'BEAM "', 'PATH'],
          result.images.map((i) => [
            String(i.imageId),
            utc(i.startMjd),
            i.decDeg?.toFixed(3) ?? '-',
            i.freqHz ? (i.freqHz / 1e6).toFixed(3) : '-',
            i.beam ? `${i.beam.majorArcsec.toFixed(1)}x${i.beam.minorArcsec.toFixed(1)}` : '-',
            i.path ?? '-',
          ]),
          new Set([2, 3]),
        ),
        ...validationLines({ ...result.validation, stored: null, groupId: null, tiles: [] }),
        result.grid
          ? `grid: ${result.grid.nx} x ${result.grid.ny} pixels of ${result.grid.cellArcsec}", SIN about RA ${result.grid.crvalRaDeg.toFixed(4)} Dec ${result.grid.crvalDecDeg.toFixed(4)}`
          : `grid: ${result.gridError ?? 'none (no usable image)'}`,
      ].join('\n'),
    );
    return;
  }
  ctx.result(result, () =>
    [
      `mosaic ${result.name} (id ${result.mosaicId}, group ${result.groupId}): ${result.nImages} images, ${result.method}`,
      `  ${utc(result.startMjd)} to ${utc(result.endMjd)} UTC; grid ${result.grid.nx} x ${result.grid.ny} pixels of ${result.grid.cellArcsec}" (${result.grid.projection} about RA ${result.grid.crvalRaDeg.toFixed(4)} Dec ${result.grid.crvalDecDeg.toFixed(4)})`,
      `  median effective noise ${(result.noiseJy * 1e3).toFixed(4)} mJy/beam${result.validation.ok ? '' : ' (validation FAILED, built with --force)'}`,
      `  ${result.files.mosaic}`,
      `  also ${[result.files.noise, result.files.weights, result.files.preview, result.files.provenance].map((f) => path.basename(f)).join(', ')}`,
    ].join('\n'),
  );
}

/** The `mosaic` group: `build`, then the subcommands of `extensions`. */
export const mosaicCommand = (extensions: MosaicExtensions = { subcommands: [] }): CliCommand => ({
  name: 'mosaic',
  register(program, ctx) {
    const group = program.command('mosaic').description('combine restored images into mosaics');
    group
      .command('build')
      .description(
        'validate the images (declination strip, frequency, beam, calibration, duplicates, time order) and combine them into a mosaic directory',
      )
      .option('--images <id|path...>', 'restored images by database id or PREFIX-image.fits path')
      .option('--since <iso>', 'images of Measurement Sets with mid time from this UTC time ...')
      .option('--until <iso>', '... up to this UTC time (exclusive)')
      .option('--dec <deg>', 'with --since/--until: only this declination strip (config mosaic.decToleranceDeg)')
      .option('--method <method>', `${MOSAIC_METHODS.join(' | ')} (default: config mosaic.method)`)
      .option('--output <dir>', 'the mosaic directory to create (must not exist)')
      .option(
        '--name <name>',
        'mosaic name and file base name (default: the output directory name); alone, the name of a recorded plan to run',
      )
      .option('--pb-cut <x>', 'ignore input pixels whose primary beam is below this (default: config imaging.pbCut)')
      .option('--interpolation <kind>', 'bilinear | lanczos3 (default lanczos3)')
      .option('--dry-run', 'print the selection, the validation and the grid; change nothing')
      .option('--force', 'combine the usable images even when the validation fails')
      .action((opts: BuildOptions) => build(ctx, opts, extensions.runPlan));
    for (const add of extensions.subcommands) add(group, ctx);
  },
});
