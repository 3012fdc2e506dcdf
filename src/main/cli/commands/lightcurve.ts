// `dsa110 lightcurve NAME|RA,DEC`: a source's light curve (peak and integrated, forced and
// detected, upper limits), its variability (weighted mean, eta, V) and the two-epoch Vs and m of
// every pair over the thresholds; as a table, CSV or VOTable.
import path from 'node:path';
import { Option } from 'commander';
import { LIGHTCURVE_COLUMNS, toCsv, toVoTable } from '../../engine/photometry/export';
import { lightCurveOf, type LightCurveEntry } from '../../engine/photometry/lightcurve';
import { pairMetrics, variability } from '../../engine/photometry/variability';
import type { Engine } from '../../engine/engine';
import type { PhotSource } from '../../engine/db/repos/photometry';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { withEngine } from './engine-session';
import {
  EXPORT_FORMATS,
  emit,
  parseRaDec,
  thresholdOptions,
  thresholdsOf,
  type ExportFormat,
  type ThresholdFlags,
} from './sources';
import { finiteNumber, table } from './table';
import type { CliCommand } from './types';

interface LightcurveFlags extends ThresholdFlags {
  radius: number;
  format: ExportFormat;
  out?: string;
}

function findSource(engine: Engine, which: string, radiusArcsec: number): PhotSource {
  const db = engine.db;
  if (/^\s*[-+]?[\d.]+\s*,\s*[-+]?[\d.]+\s*$/.test(which)) {
    const p = parseRaDec('lightcurve', which);
    const near = db.photometry.cone(p.raDeg, p.decDeg, radiusArcsec / 3600);
    if (near.length === 0)
      throw new CliError(`lightcurve: no source within ${radiusArcsec}" of (${p.raDeg}, ${p.decDeg})`);
    return near[0]!;
  }
  const exact = db.photometry.getSourceByName(which);
  if (exact) return exact;
  for (const c of db.sources.catalogs()) {
    const ref = db.sources.findByName(c.catalog, which);
    const s = ref ? db.photometry.sourceOfRef(ref.id) : undefined;
    if (s) return s;
  }
  const like = db.photometry.search({ name: which, limit: 6 });
  if (like.length === 1) return like[0]!;
  if (like.length > 1)
    throw new CliError(
      `lightcurve: "${which}" matches several sources (${like.map((s) => s.name).join(', ')}${like.length > 5 ? ', ...' : ''}); give the full name`,
    );
  throw new CliError(`lightcurve: no source named "${which}" (dsa110 sources --name TEXT lists them)`);
}

async function lightcurve(ctx: CliContext, which: string, o: LightcurveFlags): Promise<void> {
  const { source, lc } = await withEngine(ctx, (engine) => {
    const source = findSource(engine, which, o.radius);
    return { source, lc: lightCurveOf(engine.db, source.id) };
  });
  if (o.format !== 'table') {
    const text =
      o.format === 'csv'
        ? toCsv(LIGHTCURVE_COLUMNS, lc)
        : toVoTable(LIGHTCURVE_COLUMNS, lc, {
            name: 'lightcurve',
            description: `light curve of ${source.name}`,
            params: { source: source.name, ra: source.raDeg, dec: source.decDeg },
          });
    const shown = emit(ctx, text, o.out);
    if (shown !== null) ctx.io.stdout.write(shown);
    else ctx.note(`wrote ${lc.length} epoch(s) of ${source.name} to ${path.resolve(ctx.io.cwd, o.out!)}`);
    return;
  }
  const thresholds = thresholdsOf(o);
  const st = variability(
    lc.map((e) => e.peakJy),
    lc.map((e) => e.peakErrJy),
    thresholds,
  );
  const pairs = pairMetrics(
    lc.map((e) => e.peakJy),
    lc.map((e) => e.peakErrJy),
  )
    .filter((p) => Math.abs(p.vs) >= o.minVs && Math.abs(p.m) >= o.minM)
    .sort((a, b) => Math.abs(b.vs) - Math.abs(a.vs));
  ctx.result({ source, lightCurve: lc, variability: st, significantPairs: pairs }, () => render(source, lc, st, pairs));
}

function render(
  s: PhotSource,
  lc: LightCurveEntry[],
  st: ReturnType<typeof variability>,
  pairs: ReturnType<typeof pairMetrics>,
): string {
  const mjy = (v: number) => (v * 1e3).toFixed(3);
  const lines = [
    `${s.name}  RA ${s.raDeg.toFixed(6)}  Dec ${s.decDeg.toFixed(6)}${s.isNew ? '  NEW' : ''}`,
    '',
    table(
      ['MJD', 'KIND', 'PEAK (mJy/b)', 'ERR', 'INT (mJy)', 'ERR', 'PB', 'LIMIT', 'IMAGE'],
      lc.map((e) => [
        e.mjd.toFixed(5),
        e.detected ? e.kind : `${e.kind} (no det.)`,
        mjy(e.peakJy),
        mjy(e.peakErrJy),
        mjy(e.intJy),
        mjy(e.intErrJy),
        e.pbResponse === null ? '-' : e.pbResponse.toFixed(3),
        e.upperLimitJy === null ? '-' : `<${mjy(e.upperLimitJy)}`,
        path.basename(e.path),
      ]),
      new Set([0, 2, 3, 4, 5, 6, 7]),
    ),
    '',
    `weighted mean ${mjy(st.weightedMean)} +- ${mjy(st.weightedMeanErr)} mJy/beam over ${st.n} epochs; ` +
      `eta ${st.eta.toFixed(2)} (threshold ${st.etaThreshold.toFixed(2)}), V ${st.v.toFixed(3)}` +
      `${st.etaVCandidate ? ' -> eta/V candidate' : ''}`,
    pairs.length === 0
      ? 'no pair of epochs over the two-epoch thresholds'
      : `${pairs.length} pair(s) over the two-epoch thresholds; most significant: ` +
        pairs
          .slice(0, 5)
          .map(
            (p) =>
              `MJD ${lc[p.a]!.mjd.toFixed(2)}/${lc[p.b]!.mjd.toFixed(2)} Vs ${p.vs.toFixed(1)} m ${p.m.toFixed(2)}`,
          )
          .join('; '),
  ];
  return lines.join('\n');
}

export const lightcurveCommand: CliCommand = {
  name: 'lightcurve',
  register(program, ctx) {
    thresholdOptions(program.command('lightcurve'))
      .description('the light curve and variability (eta, V, two-epoch Vs and m) of a source, by name or RA,DEC')
      .argument('<source>', "a source name (ours or the reference catalog's), or RA,DEC in degrees")
      .option('--radius <arcsec>', 'for RA,DEC: the nearest source within this radius', finiteNumber, 10)
      .addOption(new Option('--format <format>', 'output format').choices(EXPORT_FORMATS).default('table'))
      .option('--out <file>', 'write the CSV / VOTable to a file instead of stdout')
      .action((which: string, o: LightcurveFlags) => lightcurve(ctx, which, o));
  },
};
