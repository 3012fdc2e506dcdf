// `dsa110 qa ID [--tier science] [--catalog NAME]`: assess an image or mosaic (a product id,
// image:N / mosaic:N, or any FITS file), print the checks and the verdict, and move a staged product along.
// A database subject is assessed by a `qa` job (parameters and configuration frozen, resumable
// with `dsa110 jobs resume`), and an auto-publish after it by a `publish` job; a FITS file named
// directly is assessed here and nothing is recorded.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Option } from 'commander';
import type { JsonObject } from '../../../shared/model/common';
import type { Product } from '../../../shared/model/products';
import { QA_TIERS, type QaResult, type QaTier } from '../../../shared/model/qa';
import { PUBLISH_JOB, QA_JOB } from '../../engine/orchestrator';
import { assessImageFile, type Assessment } from '../../engine/qa';
import type { CliContext } from '../context';
import { CliError, UsageError } from '../errors';
import { withEngine } from './engine-session';
import { runJobHere } from './run-job';
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

function checksTable(
  title: string,
  a: Pick<Assessment, 'reasons' | 'tier' | 'verdict'> & { metrics: Readonly<Record<string, unknown>> },
): string[] {
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

/** What `dsa110 qa ID` reports: the recorded assessment, the product after it, and any auto-publish. */
interface QaView extends QaResult {
  file: string;
  jobId: string;
  product: Product | null;
  transition: { from: string; to: string } | null;
  published: { outcome: string; product: Product; jobId: string } | null;
  publishError: string | null;
}

function render(r: QaView): string {
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
  const pbPath = opts.pb ? path.resolve(ctx.io.cwd, opts.pb) : undefined;
  const noisePath = opts.noise ? path.resolve(ctx.io.cwd, opts.noise) : undefined;
  for (const [flag, p] of [
    ['--pb', pbPath],
    ['--noise', noisePath],
  ] as const) {
    if (p !== undefined && !existsSync(p)) throw new UsageError(`qa: ${flag} ${p} does not exist`);
  }
  const view = await withEngine(ctx, async (engine): Promise<QaView> => {
    // Said before any job exists: an unknown id (exit 1), a product QA cannot assess (exit 2).
    const subject = /^(image|mosaic):\d+$/.test(id) ? id : undefined;
    if (subject === undefined) {
      const product = engine.db.products.get(id);
      if (!product)
        throw new CliError(
          `qa: ${engine.db.file}: no product with id ${JSON.stringify(id)} (expected a product id, image:N or mosaic:N)`,
        );
      if (product.kind !== 'image' && product.kind !== 'mosaic')
        throw new UsageError(`qa: product ${product.id} is a ${product.kind}; QA assesses images and mosaics`);
    }
    if (subject !== undefined) {
      const [kind, n] = subject.split(':');
      const row = kind === 'image' ? engine.db.images.getImage(Number(n)) : engine.db.images.getMosaic(Number(n));
      if (!row)
        throw new CliError(
          `qa: ${engine.db.file}: no ${kind} with id ${n} (see dsa110 products list, or name a FITS file)`,
        );
    }
    const catalog = opts.catalog;
    if (catalog !== undefined && !engine.db.sources.catalogs().some((c) => c.catalog === catalog))
      throw new CliError(
        `qa: ${engine.db.file}: no reference catalog named ${JSON.stringify(catalog)} (see dsa110 catalog list)`,
      );
    const params: JsonObject = {
      ...(subject !== undefined ? { subject } : { productId: id }),
      tier: opts.tier,
      ...(catalog !== undefined ? { catalog } : {}),
      ...(pbPath !== undefined ? { pbPath } : {}),
      ...(noisePath !== undefined ? { noisePath } : {}),
    };
    // The API's qa request names a product; a row or extra maps are this command's own.
    const request =
      subject === undefined && pbPath === undefined && noisePath === undefined
        ? { request: { type: 'qa', params: { productId: id, tier: opts.tier, ...(catalog ? { catalog } : {}) } } }
        : {};
    const run = await runJobHere(ctx, engine, QA_JOB, params, { label: 'qa', ...request });
    const o = run.outputs.get('qa') ?? {};
    const q = engine.db.qa.requireResult(Number(o.qaId));
    let product = q.productId ? engine.db.products.require(q.productId) : null;
    const transition = (o.transition as QaView['transition'] | undefined) ?? null;
    // QA has recorded its verdict; publishing is this command's decision (the configured
    // auto-publish), made by a publish job of its own.
    let published: QaView['published'] = null;
    let publishError: string | null = null;
    if (product && transition?.to === 'qa_passed' && engine.config.publishing.autoPublish) {
      const pub = { productId: product.id, actor: 'pipeline' };
      try {
        const p = await runJobHere(ctx, engine, PUBLISH_JOB, pub, {
          label: 'publish',
          request: { type: 'publish', params: pub },
        });
        product = engine.db.products.require(product.id);
        published = { outcome: String(p.outputs.get('publish')?.outcome ?? 'published'), product, jobId: p.job.id };
      } catch (err) {
        publishError = (err as Error).message;
      }
    }
    const file =
      typeof o.file === 'string'
        ? o.file
        : (product?.path ??
          (q.subject === 'image'
            ? engine.db.images.getImage(q.subjectId)?.path
            : engine.db.images.getMosaic(q.subjectId)?.path) ??
          '');
    return { ...q, file, jobId: run.job.id, product, transition, published, publishError };
  });
  // The JSON form counts the sources (the per-source lists stay in the database's metrics).
  ctx.result({ ...view, sources: view.metrics.nSources ?? null }, () => render(view));
  if (view.verdict === 'fail') {
    const failed = view.reasons.filter((x) => x.severity === 'fail').map((x) => x.check);
    throw new CliError(
      `qa: ${view.productId ?? `${view.subject}:${view.subjectId}`} failed QA (${view.tier}): ${failed.join(', ')}`,
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
