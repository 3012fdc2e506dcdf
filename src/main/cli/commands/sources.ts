// `dsa110 sources`: the associated sources of the science products (forced photometry, finder
// components, association across epochs), searched by name, cone and variability, as a table, CSV
// or VOTable. `dsa110 photometry TARGET...` measures images or mosaics into them.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { SOURCE_COLUMNS, toCsv, toVoTable } from '../../engine/photometry/export';
import type { SourceQuery } from '../../engine/db/repos/photometry';
import { DEFAULT_THRESHOLDS, type VariabilityThresholds } from '../../engine/photometry/variability';
import type { CliContext } from '../context';
import { UsageError } from '../errors';
import { withEngine } from './engine-session';
import { finiteNumber, positiveInt, table } from './table';
import type { CliCommand } from './types';

export const EXPORT_FORMATS = ['table', 'csv', 'votable'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `RA,DEC` in degrees, or a usage error naming the option. */
export function parseRaDec(what: string, v: string): { raDeg: number; decDeg: number } {
  const m = /^\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s*,\s*([-+]?[\d.]+(?:e[-+]?\d+)?)\s*$/i.exec(v);
  const ra = m ? Number(m[1]) : Number.NaN;
  const dec = m ? Number(m[2]) : Number.NaN;
  if (!(ra >= 0 && ra < 360) || !(dec >= -90 && dec <= 90))
    throw new UsageError(`${what}: expected RA,DEC in degrees (RA in [0, 360), Dec in [-90, 90]), got "${v}"`);
  return { raDeg: ra, decDeg: dec };
}

/** Write `text` to `out` (relative to the working directory), or return it for stdout. */
export function emit(ctx: CliContext, text: string, out: string | undefined): string | null {
  if (!out) return text;
  const file = path.resolve(ctx.io.cwd, out);
  writeFileSync(file, text);
  return null;
}

/** The variability thresholds' options (VAST's two-epoch defaults; eta as a false-alarm probability). */
export function thresholdOptions(cmd: Command): Command {
  return cmd
    .option('--min-vs <vs>', 'two-epoch |Vs| threshold', finiteNumber, DEFAULT_THRESHOLDS.minVs)
    .option('--min-m <m>', 'two-epoch |m| threshold', finiteNumber, DEFAULT_THRESHOLDS.minM)
    .option(
      '--eta-fap <p>',
      'eta threshold as a false-alarm probability',
      finiteNumber,
      DEFAULT_THRESHOLDS.etaFalseAlarm,
    )
    .option('--min-v <v>', 'V threshold for an eta/V candidate', finiteNumber, DEFAULT_THRESHOLDS.minV);
}

export interface ThresholdFlags {
  minVs: number;
  minM: number;
  etaFap: number;
  minV: number;
}

export function thresholdsOf(o: ThresholdFlags): VariabilityThresholds {
  return { minVs: o.minVs, minM: o.minM, etaFalseAlarm: o.etaFap, minV: o.minV };
}

interface SourcesFlags {
  name?: string;
  cone?: string;
  radius: number;
  minEta?: number;
  minV?: number;
  minFlux?: number;
  maxFlux?: number;
  candidates?: boolean;
  new?: boolean;
  limit: number;
  format: ExportFormat;
  out?: string;
}

const fmt = (v: number | null, digits: number, scale = 1) => (v === null ? '-' : (v * scale).toFixed(digits));

async function sources(ctx: CliContext, o: SourcesFlags): Promise<void> {
  const q: SourceQuery = { limit: o.limit };
  if (o.name) q.name = o.name;
  if (o.cone) q.cone = { ...parseRaDec('sources --cone', o.cone), radiusDeg: o.radius / 3600 };
  if (o.minEta !== undefined) q.minEta = o.minEta;
  if (o.minV !== undefined) q.minV = o.minV;
  if (o.minFlux !== undefined) q.minFluxJy = o.minFlux / 1e3;
  if (o.maxFlux !== undefined) q.maxFluxJy = o.maxFlux / 1e3;
  if (o.candidates) q.candidatesOnly = true;
  if (o.new) q.newOnly = true;
  const rows = await withEngine(ctx, (engine) => engine.db.photometry.search(q));
  if (o.format !== 'table') {
    const text =
      o.format === 'csv'
        ? toCsv(SOURCE_COLUMNS, rows)
        : toVoTable(SOURCE_COLUMNS, rows, {
            name: 'sources',
            description: 'dsa110-contimg associated sources with their variability',
          });
    const shown = emit(ctx, text, o.out);
    if (shown !== null) ctx.io.stdout.write(shown);
    else ctx.note(`wrote ${rows.length} source(s) to ${path.resolve(ctx.io.cwd, o.out!)} (${o.format})`);
    return;
  }
  ctx.result({ count: rows.length, sources: rows }, () =>
    rows.length === 0
      ? 'no sources match (measure images with dsa110 photometry TARGET)'
      : table(
          ['NAME', 'RA (deg)', 'DEC (deg)', 'EPOCHS', 'DET', 'FLUX (mJy)', 'ETA', 'V', 'VS MAX', 'M', 'FLAGS'],
          rows.map((s) => [
            s.name,
            s.raDeg.toFixed(5),
            s.decDeg.toFixed(5),
            String(Math.max(s.nForced, s.nDetections)),
            String(s.nDetections),
            fmt(s.wmeanPeakJy, 2, 1e3),
            fmt(s.etaPeak, 2),
            fmt(s.vPeak, 3),
            fmt(s.vsMax, 1),
            fmt(s.mAtVsMax, 2),
            [s.candidate ? 'candidate' : '', s.isNew ? 'new' : ''].filter(Boolean).join(',') || '-',
          ]),
          new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ),
  );
}

export const sourcesCommand: CliCommand = {
  name: 'sources',
  register(program, ctx) {
    program
      .command('sources')
      .description(
        'associated sources from photometry: search by name, cone, variability (eta, V) and flux; table, CSV or VOTable',
      )
      .option('--name <text>', 'name contains (case-insensitive)')
      .option('--cone <ra,dec>', 'cone centre, degrees')
      .option('--radius <arcsec>', 'cone radius, arcsec', finiteNumber, 60)
      .option('--min-eta <eta>', 'eta (peak) at least', finiteNumber)
      .option('--min-v <v>', '|V| (peak) at least', finiteNumber)
      .option('--min-flux <mJy>', 'weighted mean peak flux at least, mJy/beam', finiteNumber)
      .option('--max-flux <mJy>', 'weighted mean peak flux at most, mJy/beam', finiteNumber)
      .option('--candidates', 'variability candidates only (eta/V or a Vs/m pair), most significant first')
      .option('--new', 'new sources only (undetected where earlier epochs were deep enough)')
      .option('--limit <n>', 'at most this many rows', positiveInt, 100)
      .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('table'))
      .option('--out <file>', 'write the CSV / VOTable to a file instead of stdout')
      .action((o: SourcesFlags) => sources(ctx, o));
  },
};
