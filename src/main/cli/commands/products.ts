// `dsa110 products list|recover`, `dsa110 publish ID`, `dsa110 approve ID`, `dsa110 reject ID`:
// the data registry's review and publishing from the command line.
import { InvalidArgumentError, Option } from 'commander';
import { PRODUCT_STATUSES, type Product, type ProductStatus } from '../../../shared/model';
import { PUBLISH_JOB } from '../../engine/orchestrator';
import { checkProductId, recoverPublishing, RegistryError, type RecoveryReport } from '../../engine/registry';
import type { CliContext } from '../context';
import { CliError, UsageError } from '../errors';
import { callApi, withEngine } from './engine-session';
import { runJobHere } from './run-job';
import { positiveInt, table, utc } from './table';
import type { CliCommand } from './types';

function collectStatuses(value: string, previous: ProductStatus[] | undefined): ProductStatus[] {
  const status = PRODUCT_STATUSES.find((s) => s === value);
  if (status === undefined) throw new InvalidArgumentError(`Allowed choices are ${PRODUCT_STATUSES.join(', ')}.`);
  return [...(previous ?? []), status];
}

function size(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u] ?? ''}`;
}

/** Registry errors as CLI errors: a malformed id is a usage error (2), the rest failures (1). */
function asCliError(command: string, err: unknown): unknown {
  if (!(err instanceof RegistryError)) return err;
  return err.code === 'invalid'
    ? new UsageError(`${command}: ${err.message}`)
    : new CliError(`${command}: ${err.message}`);
}

function recoveryLines(reports: RecoveryReport[]): string[] {
  return reports.map((r) =>
    r.outcome === 'in-progress'
      ? `${r.productId}: being published by another live process; left alone`
      : `recovered interrupted publish of ${r.productId}: ${r.outcome}${r.message ? ` (${r.message})` : ''}`,
  );
}

async function list(ctx: CliContext, opts: { status?: ProductStatus[]; limit: number }): Promise<void> {
  const page = await withEngine(ctx, (engine) =>
    callApi(
      engine,
      'products.list',
      { statuses: opts.status, limit: opts.limit },
      { command: 'products list', flags: { statuses: '--status', limit: '--limit' } },
    ),
  );
  ctx.result(page, () => {
    if (page.items.length === 0)
      return page.total === 0 ? 'no products' : `no products on this page (${page.total} in all)`;
    const rows = page.items.map((p: Product) => [
      p.id,
      p.kind,
      p.status,
      size(p.sizeBytes),
      utc(p.updatedMjd),
      p.reviewer ?? '-',
      p.publishedPath ?? p.path,
    ]);
    const shown =
      page.items.length < page.total
        ? `\n${page.items.length} of ${page.total} products (newest first; --limit for more)`
        : '';
    return `${table(['ID', 'KIND', 'STATUS', 'SIZE', 'UPDATED (UTC)', 'REVIEWER', 'PATH'], rows, new Set([3]))}${shown}`;
  });
}

async function recover(ctx: CliContext): Promise<void> {
  // Engine.open already ran the scan; report what it repaired along with anything left now.
  const reports = await withEngine(ctx, async (engine) => [
    ...engine.startupRecovery,
    ...(await recoverPublishing(engine)),
  ]);
  ctx.result({ recovered: reports }, () =>
    reports.length === 0 ? 'no interrupted publishes' : recoveryLines(reports).join('\n'),
  );
  if (reports.some((r) => r.outcome === 'failed'))
    throw new CliError('products recover: some interrupted publishes need an operator (see above)');
}

async function publishOne(ctx: CliContext, id: string, opts: { actor?: string }): Promise<void> {
  const actor = opts.actor ?? process.env.USER ?? 'cli';
  try {
    const out = await withEngine(ctx, async (engine) => {
      // The startup scan: repair anything a crashed publisher left before publishing more.
      // Publishes still running elsewhere are not ours to report.
      const recovered = [...engine.startupRecovery, ...(await recoverPublishing(engine))].filter(
        (r) => r.outcome !== 'in-progress',
      );
      for (const line of recoveryLines(recovered)) ctx.note(line);
      // Checked here so a bad id (exit 2) or an unknown product is said before any job exists.
      checkProductId(id);
      if (!engine.db.products.get(id))
        throw new RegistryError('not_found', `${engine.db.file}: no product with id ${JSON.stringify(id)}`);
      // A publish job: its parameters frozen, its log kept, resumed if a killed run left it.
      const run = await runJobHere(
        ctx,
        engine,
        PUBLISH_JOB,
        { productId: id, actor },
        { label: 'publish', request: { type: 'publish', params: { productId: id, actor } } },
      );
      const o = run.outputs.get('publish') ?? {};
      const product = engine.db.products.require(id);
      return {
        product,
        outcome: o.outcome === 'published' ? ('published' as const) : ('already-published' as const),
        recovered,
        jobId: run.job.id,
        ...(typeof o.method === 'string' ? { method: o.method } : {}),
        ...(typeof o.attempts === 'number' ? { attempts: o.attempts } : {}),
      };
    });
    ctx.result(out, () =>
      out.outcome === 'published'
        ? `published ${id} to ${out.product.publishedPath ?? '?'} (${out.method === 'copied' ? 'copied across file systems, checksum verified' : 'renamed'}${(out.attempts ?? 1) > 1 ? `, ${out.attempts} attempts` : ''})`
        : `${id} was already published at ${out.product.publishedPath ?? '?'}`,
    );
  } catch (err) {
    throw asCliError('publish', err);
  }
}

async function review(
  ctx: CliContext,
  verb: 'approve' | 'reject',
  id: string,
  opts: { reviewer: string; comment?: string },
): Promise<void> {
  const result = await withEngine(ctx, (engine) => {
    const labels = { command: verb, flags: { id: 'ID', reviewer: '--reviewer', comment: '--comment' } };
    const comment = opts.comment !== undefined ? { comment: opts.comment } : {};
    return verb === 'approve'
      ? callApi(engine, 'products.approve', { id, reviewer: opts.reviewer, ...comment }, labels)
      : callApi(engine, 'products.reject', { id, reviewer: opts.reviewer, comment: opts.comment ?? '' }, labels);
  });
  const p = result.product;
  ctx.result(result, () => `${p.id} ${p.status} by ${p.reviewer ?? opts.reviewer}${p.comment ? `: ${p.comment}` : ''}`);
}

export const productsCommand: CliCommand = {
  name: 'products',
  register(program, ctx) {
    const products = program
      .command('products')
      .description('the data registry: list products, recover interrupted publishes');
    products
      .command('list')
      .description('products, newest first')
      .addOption(
        new Option('--status <status>', 'only products in this status (repeatable)')
          .choices(PRODUCT_STATUSES)
          .argParser(collectStatuses),
      )
      .option('--limit <n>', 'at most this many products (1-500)', positiveInt, 50)
      .action((opts: { status?: ProductStatus[]; limit: number }) => list(ctx, opts));
    products
      .command('recover')
      .description('repair publishes interrupted by a crash (finish or roll back each); publish runs this first')
      .action(() => recover(ctx));
    program
      .command('publish')
      .description('publish an approved product: move it from staging into the products root (checksum verified)')
      .argument('<id>', 'product id (see "dsa110 products list")')
      .option('--actor <name>', 'who publishes, for the audit trail (default $USER)')
      .action((id: string, opts: { actor?: string }) => publishOne(ctx, id, opts));
    program
      .command('approve')
      .description('approve a product after review (an override when QA failed)')
      .argument('<id>', 'product id')
      .requiredOption('--reviewer <name>', 'who reviewed it')
      .option('--comment <text>', 'a note for the audit trail')
      .action((id: string, opts: { reviewer: string; comment?: string }) => review(ctx, 'approve', id, opts));
    program
      .command('reject')
      .description('reject a product after review; the comment says why')
      .argument('<id>', 'product id')
      .requiredOption('--reviewer <name>', 'who reviewed it')
      .requiredOption('--comment <text>', 'why it is rejected')
      .action((id: string, opts: { reviewer: string; comment: string }) => review(ctx, 'reject', id, opts));
  },
};
