// `dsa110 mosaic centered|next|plan|plans` and `mosaic build --name PLAN`: the orchestrator's
// commands, added to the `mosaic` command group (commands/index.ts passes `orchestratorMosaic`). A request is planned, recorded with its job,
// and run here (--wait) or in a detached process; asking again resumes the same job.
import { spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseIsoUtc } from '../../../shared/astro';
import { MOSAIC_METHODS, type MosaicMethod } from '../../../shared/model/images';
import { QA_TIERS, type QaTier } from '../../../shared/model/qa';
import type { Engine } from '../../engine/engine';
import {
  describePlan,
  insideStaging,
  jobForPlan,
  jobGraph,
  MosaicPlanDoc,
  planCentered,
  planNext,
  planRange,
  PlanError,
  previewStages,
  recordPlan,
  runPlanJob,
  storedPlan,
  type StartResult,
} from '../../engine/orchestrator';
import type { CliContext } from '../context';
import { CliError, UsageError } from '../errors';
import { followJob } from '../progress';
import { withEngine } from './engine-session';
import type { MosaicExtensions } from './mosaic';

interface CommonOpts {
  method?: string;
  tier?: string;
  catalog?: string;
  review?: boolean;
  wait?: boolean;
}

function method(v: string | undefined): MosaicMethod | undefined {
  if (v === undefined) return undefined;
  if (!(MOSAIC_METHODS as readonly string[]).includes(v))
    throw new UsageError(`mosaic: --method must be one of ${MOSAIC_METHODS.join(', ')}, got '${v}'`);
  return v as MosaicMethod;
}
function tier(v: string | undefined): QaTier | undefined {
  if (v === undefined) return undefined;
  if (!(QA_TIERS as readonly string[]).includes(v))
    throw new UsageError(`mosaic: --tier must be one of ${QA_TIERS.join(', ')}, got '${v}'`);
  return v as QaTier;
}
function iso(flag: string, v: string): number {
  try {
    return parseIsoUtc(v);
  } catch {
    throw new UsageError(`mosaic: ${flag} must be an ISO 8601 UTC time (e.g. 2026-01-15T08:30:00), got '${v}'`);
  }
}
const planOpts = (o: CommonOpts) => {
  const m = method(o.method);
  const t = tier(o.tier);
  return { ...(m ? { method: m } : {}), ...(t ? { tier: t } : {}), catalog: o.catalog ?? null };
};

/** Where a mosaic request stands: job, product, QA verdict and its reasons. */
export function mosaicStatus(engine: Engine, start: StartResult) {
  const job = engine.db.jobs.require(start.jobId);
  const product = engine.db.products.get(start.plan.name) ?? null;
  const qa = product ? (engine.db.qa.latestForProduct(product.id) ?? null) : null;
  return {
    name: start.plan.name,
    jobId: job.id,
    jobState: job.state,
    jobError: job.error,
    product: product ? { id: product.id, status: product.status, path: product.publishedPath ?? product.path } : null,
    qa: qa ? { verdict: qa.verdict, tier: qa.tier, metrics: qa.metrics, reasons: qa.reasons } : null,
    notes: start.plan.notes,
  };
}
export type MosaicStatus = ReturnType<typeof mosaicStatus>;

const KEY_METRICS: [string, string, (v: number) => string][] = [
  ['rmsJy', 'rms', (v) => `${(v * 1e3).toFixed(3)} mJy/beam`],
  ['peakJy', 'peak', (v) => `${v.toFixed(3)} Jy/beam`],
  ['dynamicRange', 'dynamic range', (v) => v.toFixed(0)],
  ['nSources', 'sources found', (v) => v.toFixed(0)],
  ['nMatched', 'catalog matches', (v) => v.toFixed(0)],
  ['fluxRatioMedian', 'flux ratio (median)', (v) => v.toFixed(3)],
  ['astrometricRmsArcsec', 'astrometric rms', (v) => `${v.toFixed(2)}"`],
  ['completeness', 'completeness', (v) => v.toFixed(2)],
];

export function renderStatus(s: MosaicStatus): string {
  const lines = [`mosaic ${s.name}: job ${s.jobId} ${s.jobState}${s.jobError ? ` (${s.jobError})` : ''}`];
  if (s.product) lines.push(`  product  ${s.product.id} ${s.product.status}: ${s.product.path}`);
  if (s.qa) {
    lines.push(`  QA       ${s.qa.verdict.toUpperCase()} (${s.qa.tier} tier)`);
    for (const [key, label, fmt] of KEY_METRICS) {
      const v = s.qa.metrics[key];
      if (typeof v === 'number' && Number.isFinite(v)) lines.push(`    ${label.padEnd(20)} ${fmt(v)}`);
    }
    for (const r of s.qa.reasons.filter((x) => x.severity !== 'pass'))
      lines.push(`    ${r.severity.padEnd(5)} ${r.check}: ${r.message}`);
  }
  for (const n of s.notes) lines.push(`  note     ${n}`);
  if (s.product?.status === 'qa_failed' || s.product?.status === 'qa_passed')
    lines.push(`  review   dsa110 qa ${s.product.id}; dsa110 approve ${s.product.id} --reviewer NAME`);
  return lines.join('\n');
}

/** Run the job here with a progress bar, or hand it to a detached `dsa110 jobs resume`. */
async function execute(
  ctx: CliContext,
  engine: Engine,
  start: StartResult,
  wait: boolean,
  label: string,
): Promise<void> {
  if (start.state === 'done') {
    ctx.note(`${label}: ${start.plan.name} was already built by job ${start.jobId}`);
  } else if (wait) {
    if (start.state === 'resume') ctx.note(`${label}: resuming job ${start.jobId} (finished stages are not redone)`);
    const progress = ctx.progress(`${label} ${start.plan.name}`);
    const off = engine.onJobEvent((e) => followJob(progress, e, start.jobId));
    try {
      await runPlanJob(engine, start, { onWait: (m) => ctx.note(`${label}: ${m}`) });
    } finally {
      off();
    }
  } else {
    const log = path.join(engine.paths.jobLogs, `${start.jobId}.out`);
    const fd = openSync(log, 'a');
    const script = process.argv[1];
    if (!script)
      throw new CliError(`${label}: cannot find this program's script to start the job in the background; use --wait`);
    const child = spawn(process.execPath, [...process.execArgv, script, 'jobs', 'resume', start.jobId], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, DSA110_WORKSPACE: engine.config.workspace },
    });
    child.unref();
    ctx.note(
      `${label}: job ${start.jobId} runs in the background (pid ${child.pid}); follow it with: dsa110 jobs show ${start.jobId} (output: ${log})`,
    );
  }
  const status = mosaicStatus(engine, start);
  ctx.result({ plan: start.plan, status }, () =>
    [...describePlan(start.plan), '', renderStatus({ ...status, notes: [] })].join('\n'),
  );
  if (wait && status.jobState !== 'succeeded')
    throw new CliError(
      `${label}: job ${status.jobId} ${status.jobState}${status.jobError ? `: ${status.jobError}` : ''}`,
    );
}

function planned<T>(label: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PlanError) throw new CliError(`${label}: ${err.message}`);
    throw err;
  }
}

/** The options `mosaic centered` and `mosaic next` share: method, QA tier and catalog, review, wait. */
function runOptions(cmd: Command): Command {
  return cmd
    .option('--method <m>', `${MOSAIC_METHODS.join(' | ')} (default: config mosaic.method)`)
    .option('--tier <t>', `QA tier: ${QA_TIERS.join(' | ')}`, 'science')
    .option('--catalog <name>', 'reference catalog for the QA cross-match (see `dsa110 catalog list`)')
    .option('--review', 'leave a QA-passed mosaic for a reviewer instead of publishing it', false)
    .option('--wait', 'run here and return when the mosaic is published or has failed', false);
}

function registerCentered(group: Command, ctx: CliContext): void {
  const centered = group
    .command('centered')
    .description(
      "a mosaic centred on a calibrator's earliest transit with data: convert, calibrate, image, combine, QA, publish",
    )
    .requiredOption('--calibrator <name>', 'calibrator name (see `dsa110 calibrators`)')
    .option('--timespan-minutes <min>', 'window length around the transit (default: config mosaic.timespanMin)');
  runOptions(centered).action(async (o: CommonOpts & { calibrator: string; timespanMinutes?: string }) => {
    const span = o.timespanMinutes === undefined ? undefined : Number(o.timespanMinutes);
    if (span !== undefined && !(Number.isFinite(span) && span > 0 && span <= 24 * 60))
      throw new UsageError(`mosaic centered: --timespan-minutes must be in (0, 1440], got '${o.timespanMinutes}'`);
    await withEngine(ctx, async (engine) => {
      const plan = planned('mosaic centered', () =>
        planCentered(engine, o.calibrator, span ?? engine.config.mosaic.timespanMin, planOpts(o)),
      );
      await execute(
        ctx,
        engine,
        jobForPlan(engine, plan, { autoPublish: !o.review }),
        o.wait === true,
        'mosaic centered',
      );
    });
  });
}

function registerNext(group: Command, ctx: CliContext): void {
  const next = group
    .command('next')
    .description(
      "the earliest window of the data's declination strip with no mosaic yet (windows overlap by config mosaic.overlap images)",
    )
    .option('--calibrator <name>', 'calibrator (default: the brightest beam-weighted one for the data declination)')
    .option('--dec <deg>', 'declination strip (default: inferred from the data)');
  runOptions(next).action(async (o: CommonOpts & { calibrator?: string; dec?: string }) => {
    const dec = o.dec === undefined ? undefined : Number(o.dec);
    if (dec !== undefined && !(Number.isFinite(dec) && dec >= -90 && dec <= 90))
      throw new UsageError(`mosaic next: --dec must be in [-90, 90], got '${o.dec}'`);
    await withEngine(ctx, async (engine) => {
      const plan = planned('mosaic next', () =>
        planNext(engine, {
          ...planOpts(o),
          ...(dec !== undefined ? { decDeg: dec } : {}),
          ...(o.calibrator ? { calibrator: o.calibrator } : {}),
        }),
      );
      await execute(ctx, engine, jobForPlan(engine, plan, { autoPublish: !o.review }), o.wait === true, 'mosaic next');
    });
  });
}

function registerPlan(group: Command, ctx: CliContext): void {
  group
    .command('plan')
    .description(
      'record a batch mosaic plan (groups, calibration, what is missing) without running anything; `mosaic build --name` runs it',
    )
    .requiredOption('--name <name>', 'plan name, also the mosaic product name ([A-Za-z0-9_+-])')
    .requiredOption('--since <iso>', 'first group start, ISO 8601 UTC')
    .requiredOption('--until <iso>', 'groups starting before this, ISO 8601 UTC')
    .option('--method <m>', `${MOSAIC_METHODS.join(' | ')} (default: config mosaic.method)`)
    .option('--tier <t>', `QA tier: ${QA_TIERS.join(' | ')}`, 'science')
    .option(
      '--calibrator <name>',
      "solve on this calibrator's transit (default: the strip's bandpass calibrator, or valid registered tables)",
    )
    .option('--catalog <name>', 'reference catalog for the QA cross-match')
    .action(async (o: CommonOpts & { name: string; since: string; until: string; calibrator?: string }) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9_+-]{0,199}$/.test(o.name))
        throw new UsageError(
          `mosaic plan: --name must be file-name safe ([A-Za-z0-9_+-], no dots: it is also the product id; max 200), got '${o.name}'`,
        );
      const since = iso('--since', o.since);
      const until = iso('--until', o.until);
      await withEngine(ctx, (engine) => {
        if (engine.db.qa.getPlan(o.name))
          throw new CliError(`mosaic plan: a plan named ${o.name} exists already (see \`dsa110 mosaic plans\`)`);
        const plan = planned('mosaic plan', () =>
          planRange(engine, since, until, {
            ...planOpts(o),
            name: o.name,
            ...(o.calibrator ? { calibrator: o.calibrator } : {}),
          }),
        );
        recordPlan(engine, plan, { since: o.since, until: o.until });
        ctx.result(plan, () =>
          [
            ...describePlan(plan),
            '',
            `recorded; run it with: dsa110 mosaic build --name ${plan.name} --output DIR [--dry-run]`,
          ].join('\n'),
        );
      });
    });
  group
    .command('plans')
    .description('recorded mosaic plans with their status and job')
    .action(async () => {
      const plans = await withEngine(ctx, (engine) => engine.db.qa.listPlans());
      ctx.result(plans, () =>
        plans.length === 0
          ? 'no mosaic plans'
          : plans.map((p) => `${p.name.padEnd(40)} ${p.status.padEnd(9)} ${p.jobId ?? '-'}`).join('\n'),
      );
    });
}

/** `mosaic build --name PLAN [--output DIR] [--dry-run]`: run a recorded plan once, no retries. */
async function buildPlan(ctx: CliContext, name: string, opts: { output?: string; dryRun?: boolean }): Promise<number> {
  return withEngine(ctx, async (engine) => {
    const { record, plan: stored } = planned('mosaic build', () => storedPlan(engine, name));
    const plan: MosaicPlanDoc = opts.output ? { ...stored, outputDir: path.resolve(opts.output) } : stored;
    const register = insideStaging(engine, plan.outputDir);
    if (opts.dryRun) {
      const stages = await previewStages(engine, jobGraph({ plan, autoPublish: true, register }));
      const todo = stages.filter((s) => !s.done).length;
      ctx.result({ plan, stages: stages.map((s) => ({ ...s.inst, done: s.done })) }, () =>
        [
          ...describePlan(plan),
          '',
          `would run ${todo} of ${stages.length} stages; ${stages.length - todo} are done already (nothing was changed):`,
          ...stages.map(
            (s) =>
              `  ${s.done ? 'done' : 'run '}  ${s.inst.id.padEnd(30)} ${s.inst.stage}${s.inst.deps.length ? ` after ${s.inst.deps.length > 3 ? `${s.inst.deps.length} stages` : s.inst.deps.join(', ')}` : ''}`,
          ),
          register
            ? ''
            : `  (the output is outside the staging root ${engine.paths.staging}: the mosaic is QA'd but not registered or published)`,
        ].join('\n'),
      );
      return 0;
    }
    if (record.jobId && engine.db.jobs.get(record.jobId)?.state === 'succeeded')
      throw new CliError(`mosaic build: plan ${name} was already built by job ${record.jobId}`);
    if (opts.output && opts.output !== stored.outputDir) engine.db.qa.updatePlan(name, { plan });
    // Batch mode: one attempt at everything, a failure ends the command with its message.
    const start = jobForPlan(engine, plan, { autoPublish: true, publishAttempts: 1, register });
    const progress = ctx.progress(`mosaic build ${name}`);
    const off = engine.onJobEvent((e) => followJob(progress, e, start.jobId));
    try {
      await runPlanJob(engine, start, { retry: false });
    } finally {
      off();
    }
    const status = mosaicStatus(engine, start);
    if (status.jobState !== 'succeeded')
      throw new CliError(
        `mosaic build: plan ${name}: job ${status.jobId} ${status.jobState}${status.jobError ? `: ${status.jobError}` : ''}`,
      );
    ctx.result({ plan, status }, () => renderStatus(status));
    return 0;
  });
}

/** The orchestrator's additions to the `mosaic` group, for mosaicCommand(). */
export const orchestratorMosaic: MosaicExtensions = {
  subcommands: [registerCentered, registerNext, registerPlan],
  runPlan: buildPlan,
};
