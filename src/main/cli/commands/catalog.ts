// `dsa110 catalog import FILE --name NVSS`, `dsa110 catalog list`, `dsa110 catalog cone`: the
// reference catalogs (NVSS-like CSV / VOTable, the simulator's truth.json) QA cross-matches against.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { CATALOG_FORMATS, CatalogError, importCatalog, type CatalogFormat } from '../../engine/refcat';
import type { CliContext } from '../context';
import { CliError, UsageError } from '../errors';
import { withEngine } from './engine-session';
import { finiteNumber, positiveInt, table } from './table';
import type { CliCommand } from './types';

function positiveNumber(value: string): number {
  const n = finiteNumber(value);
  if (!(n > 0)) throw new InvalidArgumentError(`expected a number > 0, got "${value}".`);
  return n;
}

async function importCmd(
  ctx: CliContext,
  file: string,
  opts: { name: string; format?: CatalogFormat; fluxUnit?: string; skipInvalid?: boolean },
): Promise<void> {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new UsageError(`catalog import: ${abs} does not exist`);
  const r = await withEngine(ctx, (engine) => {
    try {
      return importCatalog(engine.db, abs, {
        name: opts.name,
        ...(opts.format ? { format: opts.format } : {}),
        ...(opts.fluxUnit ? { fluxUnit: opts.fluxUnit } : {}),
        skipInvalid: opts.skipInvalid === true,
      });
    } catch (e) {
      if (e instanceof CatalogError) throw new CliError(`catalog import: ${e.message}`);
      throw e;
    }
  });
  for (const p of r.skipped)
    ctx.note(`skipped ${r.file}: ${p.where}${p.column ? `, column "${p.column}"` : ''}: ${p.message}`);
  ctx.result(
    r,
    () =>
      `catalog ${r.catalog}: ${r.imported} new, ${r.updated} updated source(s) from ${r.file} (${r.format})${r.skipped.length ? `; ${r.skipped.length} bad row(s) skipped` : ''}`,
  );
}

async function list(ctx: CliContext): Promise<void> {
  const cats = await withEngine(ctx, (engine) => engine.db.sources.catalogs());
  ctx.result({ catalogs: cats }, () =>
    cats.length === 0
      ? 'no reference catalogs (dsa110 catalog import FILE --name NAME)'
      : table(
          ['CATALOG', 'SOURCES', 'DEC MIN', 'DEC MAX'],
          cats.map((c) => [c.catalog, String(c.count), c.minDecDeg.toFixed(3), c.maxDecDeg.toFixed(3)]),
          new Set([1, 2, 3]),
        ),
  );
}

async function cone(
  ctx: CliContext,
  opts: { ra: number; dec: number; radius: number; catalog?: string; limit: number },
): Promise<void> {
  if (opts.ra < 0 || opts.ra >= 360)
    throw new UsageError(`catalog cone: --ra must be in [0, 360) degrees, got ${opts.ra}`);
  if (opts.dec < -90 || opts.dec > 90)
    throw new UsageError(`catalog cone: --dec must be in [-90, 90] degrees, got ${opts.dec}`);
  const rows = await withEngine(ctx, (engine) => engine.db.sources.cone(opts.ra, opts.dec, opts.radius, opts.catalog));
  const shown = rows.slice(0, opts.limit);
  ctx.result({ total: rows.length, sources: shown }, () => {
    if (rows.length === 0)
      return `no sources within ${opts.radius} deg of (${opts.ra}, ${opts.dec})${opts.catalog ? ` in ${opts.catalog}` : ''}`;
    const t = table(
      ['CATALOG', 'NAME', 'RA (deg)', 'DEC (deg)', 'SEP (arcsec)', 'FLUX (mJy)'],
      shown.map((s) => [
        s.catalog,
        s.name,
        s.raDeg.toFixed(6),
        s.decDeg.toFixed(6),
        (s.separationDeg * 3600).toFixed(1),
        s.fluxJy === null ? '-' : (s.fluxJy * 1e3).toFixed(2),
      ]),
      new Set([2, 3, 4, 5]),
    );
    return rows.length > shown.length
      ? `${t}\n${shown.length} of ${rows.length} sources (nearest first; --limit for more)`
      : t;
  });
}

export const catalogCommand: CliCommand = {
  name: 'catalog',
  register(program, ctx) {
    const cat = program
      .command('catalog')
      .description('reference catalogs for QA cross-matching: import, list, cone search');
    cat
      .command('import')
      .description('import a catalog (CSV, VOTable, or a simulation truth.json) under a name; re-importing updates it')
      .argument('<file>', 'catalog file')
      .requiredOption('--name <name>', 'catalog name, e.g. NVSS')
      .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(CATALOG_FORMATS))
      .option('--flux-unit <unit>', 'unit of a flux column whose header does not say (Jy, mJy)')
      .option('--skip-invalid', 'skip bad rows (listed) instead of refusing the file')
      .action(
        (file: string, opts: { name: string; format?: CatalogFormat; fluxUnit?: string; skipInvalid?: boolean }) =>
          importCmd(ctx, file, opts),
      );
    cat
      .command('list')
      .description('the catalogs held, with source counts and declination ranges')
      .action(() => list(ctx));
    cat
      .command('cone')
      .description('catalog sources within a radius of a position, nearest first')
      .requiredOption('--ra <deg>', 'right ascension, degrees', finiteNumber)
      .requiredOption('--dec <deg>', 'declination, degrees', finiteNumber)
      .requiredOption('--radius <deg>', 'search radius, degrees', positiveNumber)
      .option('--catalog <name>', 'only this catalog')
      .option('--limit <n>', 'at most this many rows (default 50)', positiveInt, 50)
      .action((opts: { ra: number; dec: number; radius: number; catalog?: string; limit: number }) => cone(ctx, opts));
  },
};
