// `dsa110 qa ID [--tier science] [--catalog NAME]`: assess an image or mosaic (a product id,
// image:N / mosaic:N, or any FITS file), print the checks and the verdict, and move a staged product along.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import { QA_TIERS, type QaTier } from '../../../shared/model/qa';
import { assessImageFile, QaError, runQa, type Assessment, type QaRunResult } from '../../engine/qa';
import { publishAfterQa, type AfterQa } from '../../engine/registry';
import type { CliContext } from '../context';
import { CliError, UsageError } from '../errors';
import { withEngine } from './engine-session';
import { table } from './table';
import type { CliCommand } from './types';

const SHOWN_METRICS: [string, string, (v: number) => string][] = [
  ['rmsJy', 'robust rms', (v) => `${(v * 1e3).toFixed(3)} mJy/beam`],
  ['peakJy', 'peak', (v) => `${(v * 1e3).toFixed(2)} mJy/beam`],
  ['nSources', 'sources found', (v) => String(v)],
  ['catalogDetectable', 'detectable catalog sources', (v) => String(v)],
  ['catalogMatched', 'matched', (v) => String(v)],
  ['fluxRatioMedian', 'median flux ratio', (v) => v.toFixed(3)],
  ['raOffsetMedianArcsec', 'median dRA cos(dec)', (v) => `${v.toFixed(2)}"`],
  ['decOffsetMedianArcsec', 'median dDec', (v) => `${v.toFixed(2)}"`],
];

function checksTable(title: string, a: Pick<Assessment, 'reasons' | 'metrics' | 'tier' | 'verdict'>): string[] {
  const rows = a.reasons.map((x) => [
    x.check,
    x.severity.toUpperCase(),
    x.value === null ? '-' : String(Number(x.value.toPrecision(4))),
    x.limit === null ? '-' : String(x.limit),
    x.message,
  ]);
  const lines = [title, '', table(['CHECK', 'RESULT', 'VALUE', 'LIMIT', 'WHY'], rows, new Set([2, 3])), ''];
  const m = SHOWN_METRICS.filter(([k]) => typeof a.metrics[k] === 'number').map(
    ([k, label, f]) => `${label} ${f(a.metrics[k] as number)}`,
  );
  if (m.length) lines.push(m.join(', '));
  lines.push(`verdict (${a.tier}): ${a.verdict.toUpperCase()}`);
  return lines;
}

function render(r: QaRunResult & AfterQa): string {
  const lines = checksTable(
    `${r.subject} ${r.subjectId}${r.productId ? ` (product ${r.productId})` : ''}: ${r.file}`,
    r,
  );
  if (r.transition) lines.push(`product ${r.productId ?? ''}: ${r.transition.from} -> ${r.transition.to}`);
  else if (r.product) lines.push(`product ${r.product.id} stays ${r.product.status} (already reviewed)`);
  if (r.published) lines.push(`published to ${r.published.product.publishedPath ?? '?'} (auto-publish)`);
  if (r.publishError)
    lines.push(`auto-publish failed: ${r.publishError} (retry with dsa110 publish ${r.productId ?? ''})`);
  return lines.join('\n');
}

type QaFlags = { tier: QaTier; catalog?: string; pb?: string; noise?: string; pbCorrected?: boolean };

/** A FITS file named directly: assessed and printed, nothing recorded (it need not be in the database). */
async function qaFile(ctx: CliContext, file: string, opts: QaFlags): Promise<void> {
  for (const [flag, p] of [
    ['<id>', file],
    ['--pb', opts.pb],
    ['--noise', opts.noise],
  ] as const) {
    if (p !== undefined && !existsSync(p)) throw new UsageError(`qa: ${flag} ${p} does not exist`);
  }
  const a = await withEngine(ctx, (engine) => {
    const catalog = opts.catalog ?? engine.config.qa.catalog ?? undefined;
    return assessImageFile(file, {
      tier: opts.tier,
      config: engine.config,
      db: engine.db,
      pbCorrected: opts.pbCorrected === true,
      ...(catalog !== undefined ? { catalog } : {}),
      ...(opts.pb ? { pbPath: opts.pb } : {}),
      ...(opts.noise ? { noisePath: opts.noise } : {}),
    });
  });
  ctx.result(
    {
      file,
      tier: a.tier,
      verdict: a.verdict,
      metrics: a.metrics,
      reasons: a.reasons,
      sources: a.sources.length,
      matches: a.matches,
    },
    () => [...checksTable(`${file} (not recorded: a file, not a product)`, a)].join('\n'),
  );
  if (a.verdict === 'fail')
    throw new CliError(
      `qa: ${file} failed QA (${a.tier}): ${a.reasons
        .filter((x) => x.severity === 'fail')
        .map((x) => x.check)
        .join(', ')}`,
    );
}

async function qa(ctx: CliContext, id: string, opts: QaFlags): Promise<void> {
  if (/\.fits?$/i.test(id))
    return qaFile(ctx, path.resolve(ctx.io.cwd, id), {
      ...opts,
      ...(opts.pb ? { pb: path.resolve(ctx.io.cwd, opts.pb) } : {}),
      ...(opts.noise ? { noise: path.resolve(ctx.io.cwd, opts.noise) } : {}),
    });
  const result = await withEngine(ctx, async (engine) => {
    let assessed: QaRunResult;
    try {
      assessed = await runQa(engine, id, {
        tier: opts.tier,
        actor: 'pipeline',
        ...(opts.catalog ? { catalog: opts.catalog } : {}),
        ...(opts.pb ? { pbPath: opts.pb } : {}),
        ...(opts.noise ? { noisePath: opts.noise } : {}),
      });
    } catch (e) {
      if (e instanceof QaError)
        throw e.code === 'invalid' ? new UsageError(`qa: ${e.message}`) : new CliError(`qa: ${e.message}`);
      throw e;
    }
    // QA has recorded its verdict; publishing is this command's decision: the configured auto-publish.
    return { ...assessed, ...(await publishAfterQa(engine, assessed, { actor: 'pipeline' })) };
  });
  // The JSON form leaves out the per-source lists' bulk: counts are in the metrics.
  const { assessment, ...rest } = result;
  ctx.result({ ...rest, sources: assessment.sources.length, matches: assessment.matches }, () => render(result));
  if (result.verdict === 'fail') {
    const failed = result.reasons.filter((x) => x.severity === 'fail').map((x) => x.check);
    throw new CliError(
      `qa: ${result.productId ?? `${result.subject}:${result.subjectId}`} failed QA (${result.tier}): ${failed.join(', ')}`,
    );
  }
}

export const qaCommand: CliCommand = {
  name: 'qa',
  register(program, ctx) {
    program
      .command('qa')
      .description(
        'quality assessment of an image or mosaic: the checks, their reasons and the verdict (exit 1 on fail)',
      )
      .argument('<id>', 'product id, image:N / mosaic:N (database row), or a FITS file (assessed, not recorded)')
      .addOption(new Option('--tier <tier>', 'threshold tier').choices(QA_TIERS).default('science'))
      .option(
        '--catalog <name>',
        'reference catalog to cross-match (default: config qa.catalog; see "dsa110 catalog list")',
      )
      .option('--pb <file>', "primary-beam FITS on the same grid (default: the MS's recorded PB image)")
      .option('--noise <file>', 'effective-noise FITS (default for a mosaic: <name>-noise.fits beside it)')
      .option('--pb-corrected', 'a FITS file named directly is already primary-beam corrected')
      .action((id: string, opts: QaFlags) => qa(ctx, id, opts));
  },
};
