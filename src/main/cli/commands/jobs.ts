// `dsa110 jobs list|show|cancel|resume`: the jobs in the workspace's database, one job's stages, timings
// and last log lines, and cancelling a job (also one running in another process).
import { InvalidArgumentError, Option } from 'commander';
import { JOB_STATES, nowMjd, type Job, type JobState } from '../../../shared/model';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { followJob } from '../progress';
import { describePlan, MosaicPlanDoc } from '../../engine/orchestrator';
import { jobLiveness } from '../../engine/jobs';
import { callApi, withEngine } from './engine-session';
import { duration, positiveInt, table, utc } from './table';
import type { CliCommand } from './types';

function jobDurationS(job: Job): number | null {
  if (job.startedMjd === null) return null;
  return ((job.finishedMjd ?? nowMjd()) - job.startedMjd) * 86400;
}

function collectStates(value: string, previous: JobState[] | undefined): JobState[] {
  const state = JOB_STATES.find((s) => s === value);
  if (state === undefined) throw new InvalidArgumentError(`Allowed choices are ${JOB_STATES.join(', ')}.`);
  return [...(previous ?? []), state];
}

function percent(f: number): string {
  return `${Math.floor(f * 100)}%`;
}

async function list(ctx: CliContext, opts: { state?: JobState[]; kind?: string; limit: number }): Promise<void> {
  const { page, plans } = await withEngine(ctx, async (engine) => {
    const raw = await callApi(
      engine,
      'jobs.list',
      { states: opts.state, kind: opts.kind, limit: opts.limit },
      { command: 'jobs list', flags: { states: '--state', limit: '--limit', kind: '--kind' } },
    );
    return {
      // A running job whose process is gone shows as interrupted, with how to resume it.
      page: { ...raw, items: raw.items.map((j) => ({ ...j, liveness: jobLiveness(engine.db, j) })) },
      // Recorded batch plans, built or not, with their jobs (unfiltered listing only).
      plans: opts.state || opts.kind ? [] : engine.db.qa.listPlans(),
    };
  });
  ctx.result(opts.state || opts.kind ? page : { ...page, plans }, () => {
    const jobs =
      page.items.length === 0
        ? page.total === 0
          ? 'no jobs'
          : `no jobs on this page (${page.total} in all)`
        : `${table(
            ['ID', 'KIND', 'STATE', 'DONE', 'CREATED (UTC)', 'DURATION', 'MESSAGE'],
            page.items.map((j) => [
              j.id,
              j.kind,
              j.liveness.shown,
              percent(j.progress),
              utc(j.createdMjd),
              duration(jobDurationS(j)),
              j.liveness.note ?? j.error ?? j.message ?? '',
            ]),
            new Set([3]),
          )}` +
          (page.items.length < page.total
            ? `\n${page.items.length} of ${page.total} jobs (newest first; --limit for more)`
            : '');
    if (plans.length === 0) return jobs;
    const planRows = plans.map((p) => [p.name, p.status, p.jobId ?? '-', utc(p.createdMjd)]);
    return `${jobs}\n\nmosaic plans (dsa110 jobs show NAME; dsa110 mosaic build --name NAME):\n${table(['PLAN', 'STATUS', 'JOB', 'CREATED (UTC)'], planRows)}`;
  });
}

async function show(ctx: CliContext, id: string, opts: { lines: number }): Promise<void> {
  // A recorded mosaic plan's name shows the plan, then its job when it has been built.
  const plan = await withEngine(ctx, (engine) => (engine.db.jobs.get(id) ? null : (engine.db.qa.getPlan(id) ?? null)));
  if (plan) {
    const parsed = MosaicPlanDoc.safeParse(plan.plan);
    ctx.result(plan, () =>
      [
        `plan ${plan.name}: ${plan.status}${plan.jobId ? `, job ${plan.jobId} (dsa110 jobs show ${plan.jobId})` : ' (not built: dsa110 mosaic build --name ' + plan.name + ' --output DIR)'}`,
        ...(parsed.success
          ? describePlan(parsed.data)
          : [`  (unreadable plan: ${parsed.error.issues[0]?.message ?? ''})`]),
      ].join('\n'),
    );
    return;
  }
  const report = await withEngine(ctx, async (engine) => {
    const { job, stages } = await callApi(engine, 'jobs.get', { id }, { command: 'jobs show', flags: { id: 'ID' } });
    // The last lines: the log table is ordered by id, so the tail is the newest.
    const all = engine.db.jobs.logs(id);
    return {
      job,
      liveness: jobLiveness(engine.db, job),
      stages,
      logs: { total: all.length, items: all.slice(-opts.lines) },
    };
  });
  const { job, liveness, stages, logs } = report;
  ctx.result(report, () => {
    const head = [
      `job ${job.id}`,
      `  kind      ${job.kind}`,
      liveness.note
        ? `  state     interrupted (${percent(job.progress)}): ${liveness.note}`
        : `  state     ${job.state} (${percent(job.progress)})${job.message ? `: ${job.message}` : ''}`,
      `  created   ${utc(job.createdMjd)} UTC`,
      `  started   ${utc(job.startedMjd)}${job.startedMjd === null ? '' : ' UTC'}`,
      `  finished  ${utc(job.finishedMjd)}${job.finishedMjd === null ? '' : ' UTC'}`,
      `  duration  ${duration(jobDurationS(job))}`,
      ...(job.error ? [`  error     ${job.error}`] : []),
      `  params    ${JSON.stringify(job.params)}`,
    ];
    const stageRows = stages.map((s) => [
      s.stageId,
      s.stageName,
      s.state,
      String(s.attempt),
      utc(s.startedMjd),
      duration(s.durationS),
      s.deps.join(',') || '-',
      s.error ?? '',
    ]);
    const logLines = logs.items.map(
      (l) => `  ${utc(l.timeMjd)}  ${l.level.padEnd(5)}  ${l.stageId ? `[${l.stageId}] ` : ''}${l.message}`,
    );
    return [
      ...head,
      '',
      `stages (${stages.length}):`,
      table(
        ['  STAGE', 'NAME', 'STATE', 'ATTEMPT', 'STARTED (UTC)', 'DURATION', 'AFTER', 'ERROR'],
        stageRows.map((r) => [`  ${r[0]}`, ...r.slice(1)]),
        new Set([3]),
      ),
      '',
      logs.total === 0 ? 'no log lines' : `last ${logs.items.length} of ${logs.total} log lines:`,
      ...logLines,
    ].join('\n');
  });
}

async function cancel(ctx: CliContext, id: string, opts: { reason?: string }): Promise<void> {
  const result = await withEngine(ctx, (engine) =>
    callApi(
      engine,
      'jobs.cancel',
      { id, ...(opts.reason !== undefined ? { reason: opts.reason } : {}) },
      { command: 'jobs cancel', flags: { id: 'ID', reason: '--reason' } },
    ),
  );
  ctx.result(result, () =>
    result.accepted
      ? `job ${id} cancelled (a process running it stops within about a second and removes partial outputs)`
      : `job ${id} had already finished (${result.job.state}); nothing to cancel`,
  );
}

/** Run a job to its end in this process: a queued one, one left by a killed process, or a failed one again. */
async function resume(ctx: CliContext, id: string): Promise<void> {
  const job = await withEngine(ctx, async (engine) => {
    const before = engine.db.jobs.get(id);
    if (!before) throw new CliError(`jobs resume: no job ${id} (see "dsa110 jobs list")`);
    const progress = ctx.progress(`${before.kind} ${id}`);
    const off = engine.onJobEvent((e) => followJob(progress, e, id));
    try {
      return await engine.run(id, { retry: true });
    } finally {
      off();
    }
  });
  if (job.state !== 'succeeded')
    throw new CliError(`jobs resume: job ${job.id} ended ${job.state}${job.error ? `: ${job.error}` : ''}`);
  ctx.result(job, () => `job ${job.id}: ${job.state}`);
}

export const jobsCommand: CliCommand = {
  name: 'jobs',
  register(program, ctx) {
    const jobs = program.command('jobs').description('list, inspect and cancel pipeline jobs in the workspace');
    jobs
      .command('list')
      .description('jobs, newest first')
      // choices() for the help text; the parser after it both checks and collects repeats.
      .addOption(
        new Option('--state <state>', 'only jobs in this state (repeatable)')
          .choices(JOB_STATES)
          .argParser(collectStates),
      )
      .option('--kind <kind>', 'only jobs of this kind')
      .option('--limit <n>', 'at most this many jobs (1-500)', positiveInt, 20)
      .action((opts: { state?: JobState[]; kind?: string; limit: number }) => list(ctx, opts));
    jobs
      .command('show')
      .description(
        "one job: parameters, every stage with its state and timing, and the job's last log lines; or a mosaic plan by name",
      )
      .argument('<id>', 'job id or mosaic plan name (see "dsa110 jobs list")')
      .option('--lines <n>', 'how many of the last log lines to show', positiveInt, 10)
      .action((id: string, opts: { lines: number }) => show(ctx, id, opts));
    jobs
      .command('cancel')
      .description('cancel a queued or running job (also one running in another process)')
      .argument('<id>', 'job id')
      .option('--reason <text>', "why; recorded in the job's log")
      .action((id: string, opts: { reason?: string }) => cancel(ctx, id, opts));
    jobs
      .command('resume')
      .description(
        'run a job to its end here: queued, interrupted (its process died) or failed; finished stages are not redone',
      )
      .argument('<id>', 'job id')
      .action((id: string) => resume(ctx, id));
  },
};
