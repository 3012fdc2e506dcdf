// Runs jobs (DAGs of stages) stage by stage, persisting every transition so a job can be
// resumed after a crash, cancelled (also from another process), and watched through events.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '../../../shared/model/common';
import { nowMjd } from '../../../shared/model/common';
import type { Job, JobEvent, LogLevel, StageRun, StageState } from '../../../shared/model/jobs';
import { ConfigSchema, type Config } from '../config';
import type { Database } from '../db';
import { pidExists } from '../db/owner';
import { faultPoint } from './faults';
import { topoOrder, type StageInstance } from './graph';
import { silentLogger, teeLogger, type Logger } from './logger';
import type { JobRegistry } from './registry';
import type { AnyStage, StageContext } from './stage';

export interface JobRunnerOptions {
  db: Database;
  registry: JobRegistry;
  /** Root folder; each job works in `<workspace>/<jobId>`. */
  workspace: string;
  /**
   * The base logger of a job (e.g. the app logger's `jobLogger(jobId)`, writing the job's log
   * file). Created once per run or cancel; its `close()`, if any, is called when that ends.
   */
  loggerFor?: (jobId: string) => ClosableLogger;
  /** Most stages running at once in one job. Default 2. */
  concurrency?: number;
  /** Lowest level persisted to the job's log table and emitted as events. Default `info`. */
  persistLevel?: LogLevel;
  /** How often a running job checks the database for a cancel made by another process (ms). Default 1000. */
  cancelPollMs?: number;
  /**
   * This process's resolved configuration. It is frozen into every job at submission; when a job
   * runs, its stages get the frozen one, with only the machine settings (workspace, threads,
   * log level) taken from here. Without it stages see no configuration in their context.
   */
  config?: () => Config;
}

/** What a submission freezes beside the job besides its params. */
export interface SubmitOptions {
  /** The configuration to freeze (default: the runner's `config()`). */
  config?: Config;
  /** The client's request as submitted (API type and params), kept for retry and audit. */
  request?: { type: string; params: JsonObject };
  /** A key making the submission idempotent: a job already holding it is returned instead. */
  idempotencyKey?: string;
}

/** Settings of the machine running a job, not of the job: never frozen. */
const MACHINE_KEYS = ['workspace', 'threads', 'logLevel'] as const;

export type JobListener = (event: JobEvent) => void;
export type ClosableLogger = Logger & { close?(): void };

const DONE: readonly StageState[] = ['succeeded', 'skipped'];

/** Another process owns (part of) the job; the job's state is left alone. */
export class JobConflictError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobConflictError';
  }
}

/** The stage runs record only their pid: alive is "a process with that pid exists" (db/owner). */
export const isAlive = pidExists;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A job id: kind, UTC time and randomness; file-name safe (it names the job's workspace). */
export function newJobId(kind: string, date = new Date()): string {
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const k = kind.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40) || 'job';
  return `${k}-${stamp}-${randomBytes(4).toString('hex')}`;
}

interface Slot {
  inst: StageInstance;
  stage: AnyStage;
  params: unknown;
  outputs: JsonObject | null;
  done: boolean;
  fraction: number;
}

export class JobRunner {
  private readonly listeners = new Set<JobListener>();
  private readonly active = new Map<string, AbortController>();
  private readonly baseLoggers = new Map<string, ClosableLogger>();
  /** The frozen configuration of each job running here. */
  private readonly configs = new Map<string, Config | undefined>();
  private readonly db: Database;
  private readonly registry: JobRegistry;
  private readonly concurrency: number;

  constructor(private readonly opts: JobRunnerOptions) {
    this.db = opts.db;
    this.registry = opts.registry;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? 2));
  }

  /** Subscribe to every job's events; returns the unsubscribe function. */
  on(listener: JobListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Validate params, build the stage graph and persist the job `queued`, its configuration frozen. */
  submit(kind: string, params: unknown, options: SubmitOptions = {}): string {
    return this.submitOnce(kind, params, options).job.id;
  }

  /**
   * Like `submit`, telling whether the job is new: with an idempotency key some job already
   * holds, that job is returned (`created: false`) and nothing is written.
   */
  submitOnce(kind: string, params: unknown, options: SubmitOptions = {}): { job: Job; created: boolean } {
    if (options.idempotencyKey !== undefined) {
      const existing = this.db.jobs.getByIdempotencyKey(options.idempotencyKey);
      if (existing) return { job: existing, created: false };
    }
    const built = this.registry.buildJob(kind, params);
    const id = newJobId(kind);
    const config = options.config ?? this.opts.config?.();
    const r = this.db.jobs.createFrozen(
      {
        id,
        kind,
        params: built.params,
        stages: built.stages.map((s) => ({ stageId: s.id, stageName: s.stage, deps: s.deps, params: s.params })),
      },
      {
        request: options.request ?? null,
        // The config is plain JSON data (zod-parsed); the round trip drops nothing.
        config: config ? (JSON.parse(JSON.stringify(config)) as JsonObject) : null,
        idempotencyKey: options.idempotencyKey ?? null,
      },
    );
    if (r.created) this.emitJob(r.job);
    return r;
  }

  /**
   * The configuration a job's stages run with: the one frozen at its submission, with this
   * machine's workspace, threads and log level. A job submitted before configurations were
   * frozen runs with this process's (said in its log).
   */
  jobConfig(jobId: string, log?: Logger): Config | undefined {
    const current = this.opts.config?.();
    const frozen = this.db.jobs.frozen(jobId).config;
    if (frozen === null) {
      log?.warn(
        `job ${jobId} has no frozen configuration (submitted by an older version); its stages run with this process's configuration`,
      );
      return current;
    }
    const merged: Record<string, unknown> = { ...frozen };
    if (current) for (const k of MACHINE_KEYS) merged[k] = current[k];
    const r = ConfigSchema.safeParse(merged);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new Error(
        `job ${jobId}: its frozen configuration is not valid for this version: ${i ? `${i.path.join('.') || '(config)'}: ${i.message}` : 'invalid'}`,
      );
    }
    return r.data;
  }

  /**
   * Interrupt a job running here (SIGINT/SIGTERM): its stages stop at the next safe point and
   * clean their partial outputs, and the job is recorded `queued` again with the reason and how
   * to resume it (not `cancelled`: nobody asked for it to stop for good). False when not running here.
   */
  interrupt(jobId: string, reason: string): boolean {
    const controller = this.active.get(jobId);
    if (!controller) return false;
    const err = new Error(`interrupted (${reason})`);
    err.name = 'JobInterrupted';
    controller.abort(err);
    return true;
  }

  /** Is the job running in this process? */
  isActive(jobId: string): boolean {
    return this.active.has(jobId);
  }

  /**
   * Run (or resume) a job to its end. Stages that succeeded before and still verify are
   * skipped; a stage left running by a dead process is cleaned up and re-run. A finished job
   * is returned as it is unless `retry` is set, which re-runs a failed or cancelled job.
   */
  async run(jobId: string, options: { retry?: boolean } = {}): Promise<Job> {
    if (this.active.has(jobId)) throw new Error(`job ${jobId} is already running in this process`);
    let job = this.db.jobs.require(jobId);
    if (job.state === 'succeeded') return job;
    if ((job.state === 'failed' || job.state === 'cancelled') && !options.retry) return job;
    const controller = new AbortController();
    this.active.set(jobId, controller);
    let interrupted: Set<string>;
    try {
      interrupted = new Set(this.db.jobs.adoptInterrupted(jobId, process.pid, isAlive).map((r) => r.stageId));
    } catch (err) {
      this.active.delete(jobId);
      throw new JobConflictError(`job ${jobId} cannot run here: ${messageOf(err)}`, { cause: err });
    }
    const poll = setInterval(() => {
      const cur = this.db.jobs.get(jobId);
      if (cur?.state === 'cancelled') controller.abort(new Error('cancelled'));
    }, this.opts.cancelPollMs ?? 1000);
    poll.unref();
    try {
      return await this.runOwned(job, controller.signal, interrupted);
    } catch (err) {
      if (err instanceof JobConflictError) throw err;
      // A runner error (not a stage failure): record it so the job does not stay `running`.
      job = this.db.jobs.update(jobId, { state: 'failed', error: messageOf(err), finishedMjd: nowMjd() });
      this.emitJob(job);
      throw err;
    } finally {
      clearInterval(poll);
      this.active.delete(jobId);
      this.configs.delete(jobId);
      this.releaseLogger(jobId);
    }
  }

  /**
   * Cancel a job. Running here: its stages are aborted and their partial outputs cleaned up
   * before `run` returns. Running in another process: that process sees the state within
   * `cancelPollMs`. Not running anywhere: stages left running by a dead process are cleaned up.
   */
  async cancel(jobId: string): Promise<Job> {
    let job = this.db.jobs.require(jobId);
    if (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') return job;
    job = this.db.jobs.update(jobId, { state: 'cancelled', message: 'cancel requested', finishedMjd: nowMjd() });
    const controller = this.active.get(jobId);
    if (controller) {
      controller.abort(new Error('cancelled'));
      return job;
    }
    let adopted: StageRun[];
    try {
      adopted = this.db.jobs.adoptInterrupted(jobId, process.pid, isAlive);
    } catch {
      return job; // owned by a live process, which will see the cancel and clean up itself
    }
    const log = this.jobLogger(jobId);
    for (const run of adopted) {
      const stage = this.registry.stage(run.stageName);
      const ctx = this.context(
        jobId,
        { id: run.stageId, stage: run.stageName, params: run.params, deps: run.deps },
        {},
        run.attempt,
        log,
        new AbortController().signal,
        () => {},
      );
      await this.cleanupQuietly(stage, ctx, log);
      this.setStage(jobId, run.stageId, { state: 'cancelled', finishedMjd: nowMjd(), error: 'cancelled' });
    }
    this.emitJob(job);
    this.releaseLogger(jobId);
    return job;
  }

  private releaseLogger(jobId: string): void {
    if (this.active.has(jobId)) return;
    const base = this.baseLoggers.get(jobId);
    this.baseLoggers.delete(jobId);
    base?.close?.();
  }

  private async runOwned(initial: Job, signal: AbortSignal, interrupted: Set<string>): Promise<Job> {
    const jobId = initial.id;
    const log = this.jobLogger(jobId);
    const runs = this.db.jobs.stageRuns(jobId);
    const order = topoOrder(
      `job ${jobId}`,
      runs.map((r) => ({ id: r.stageId, stage: r.stageName, params: r.params, deps: r.deps })),
    );
    const runById = new Map(runs.map((r) => [r.stageId, r]));
    const workspace = join(this.opts.workspace, jobId);
    mkdirSync(workspace, { recursive: true });

    let job = this.db.jobs.update(jobId, {
      state: 'running',
      startedMjd: initial.startedMjd ?? nowMjd(),
      finishedMjd: null,
      error: null,
      message: null,
    });
    this.emitJob(job);
    log.info({ kind: job.kind, stages: order.length }, `job ${jobId} (${job.kind}) started`);

    const config = this.jobConfig(jobId, log);
    this.configs.set(jobId, config);
    const slots = new Map<string, Slot>();
    const depOutputs = (inst: StageInstance) =>
      Object.fromEntries(inst.deps.map((d) => [d, slots.get(d)?.outputs ?? {}]));
    const progressOf = () =>
      [...slots.values()].reduce((a, s) => a + (s.done ? 1 : s.fraction), 0) / Math.max(1, slots.size);

    // Resume: decide in topological order what is still valid and what must (re-)run.
    for (const inst of order) {
      const run = runById.get(inst.id);
      if (!run) throw new Error(`job ${jobId}: stage run ${inst.id} vanished while resuming`);
      const stage = this.registry.stage(inst.stage);
      const params = this.registry.parseStageParams(`job ${jobId}`, inst);
      const slot: Slot = { inst, stage, params, outputs: null, done: false, fraction: 0 };
      slots.set(inst.id, slot);
      const ctx = this.context(jobId, inst, depOutputs(inst), run.attempt, log, signal, () => {}, params);
      const depsValid = inst.deps.every((d) => slots.get(d)?.done === true);
      if (interrupted.has(inst.id)) {
        log.warn(
          { stageId: inst.id, pid: run.pid },
          `stage ${inst.id} was left running by a process that is gone; cleaning up its partial outputs and re-running it`,
        );
        await stage.cleanup(ctx);
      } else if (DONE.includes(run.state) && depsValid) {
        const outputs = await stage.verify(ctx);
        if (outputs) {
          slot.outputs = outputs;
          slot.done = true;
          log.info(
            { stageId: inst.id },
            `stage ${inst.id} (${inst.stage}) already done and its outputs verify; not re-run`,
          );
          continue;
        }
        log.warn(
          { stageId: inst.id },
          `stage ${inst.id} (${inst.stage}) had succeeded but its outputs no longer verify; re-running it`,
        );
      } else if (DONE.includes(run.state)) {
        log.info({ stageId: inst.id }, `stage ${inst.id} is re-run because a stage it depends on is re-run`);
      }
      if (run.state !== 'pending') this.setStage(jobId, inst.id, { state: 'pending', error: null, pid: null });
    }

    // Schedule: start every stage whose dependencies are done, at most `concurrency` at once.
    const running = new Map<string, Promise<void>>();
    const started = new Set<string>([...slots.values()].filter((s) => s.done).map((s) => s.inst.id));
    let failure: { stageId: string; message: string } | null = null;
    let conflict: string | null = null;
    let lastPersist = 0;
    const onProgress = (stageId: string, fraction: number, message: string | null) => {
      const jobProgress = progressOf();
      this.emit({ type: 'progress', jobId, stageId, fraction, message, jobProgress });
      if (Date.now() - lastPersist >= 500) {
        lastPersist = Date.now();
        this.db.jobs.update(jobId, {
          progress: jobProgress,
          message: message === null ? null : `${stageId}: ${message}`,
        });
      }
    };
    for (;;) {
      if (!failure && !conflict && !signal.aborted) {
        for (const inst of order) {
          if (running.size >= this.concurrency) break;
          if (started.has(inst.id) || !inst.deps.every((d) => slots.get(d)?.done === true)) continue;
          const slot = slots.get(inst.id);
          if (!slot) continue;
          started.add(inst.id);
          const p = this.runStage(jobId, slot, depOutputs(inst), log, signal, onProgress).then((r) => {
            running.delete(inst.id);
            if (r?.conflict) conflict ??= r.conflict;
            else if (r && !failure) failure = { stageId: inst.id, message: r.error };
          });
          running.set(inst.id, p);
        }
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }

    if (conflict) throw new JobConflictError(`job ${jobId}: ${conflict}`);
    const allDone = [...slots.values()].every((s) => s.done);
    const f = failure as { stageId: string; message: string } | null;
    const reason: unknown = signal.reason;
    if (signal.aborted && reason instanceof Error && reason.name === 'JobInterrupted') {
      job = this.db.jobs.update(jobId, {
        state: 'queued',
        progress: progressOf(),
        message: `${reason.message}; resume with: dsa110 jobs resume ${jobId}`,
        finishedMjd: null,
      });
      log.warn(
        `job ${jobId} ${reason.message}; partial outputs of its running stages removed; resume with: dsa110 jobs resume ${jobId}`,
      );
    } else if (signal.aborted) {
      job = this.db.jobs.update(jobId, {
        state: 'cancelled',
        progress: progressOf(),
        message: 'cancelled',
        finishedMjd: nowMjd(),
      });
      log.warn(`job ${jobId} cancelled`);
    } else if (f) {
      const slot = slots.get(f.stageId);
      const error = `stage ${f.stageId} (${slot?.inst.stage ?? '?'}) failed: ${f.message}`;
      job = this.db.jobs.update(jobId, {
        state: 'failed',
        progress: progressOf(),
        error,
        message: null,
        finishedMjd: nowMjd(),
      });
      log.error(`job ${jobId} failed: ${error}`);
    } else if (allDone) {
      job = this.db.jobs.update(jobId, {
        state: 'succeeded',
        progress: 1,
        message: null,
        error: null,
        finishedMjd: nowMjd(),
      });
      log.info(`job ${jobId} succeeded`);
    } else {
      throw new Error(
        `job ${jobId}: the scheduler stopped with stages neither done nor failed (${[...slots.values()]
          .filter((s) => !s.done)
          .map((s) => s.inst.id)
          .join(', ')})`,
      );
    }
    this.emitJob(job);
    return job;
  }

  /** Run one stage; resolves to its error (or a claim conflict), or null on success/skip/cancel. */
  private async runStage(
    jobId: string,
    slot: Slot,
    deps: Record<string, JsonObject>,
    jobLog: Logger,
    signal: AbortSignal,
    onProgress: (stageId: string, fraction: number, message: string | null) => void,
  ): Promise<{ error: string; conflict?: string } | null> {
    const { inst, stage } = slot;
    let claimed: StageRun;
    try {
      claimed = this.db.jobs.startStageRun(jobId, inst.id, process.pid);
    } catch (err) {
      return { error: messageOf(err), conflict: messageOf(err) };
    }
    this.emitStage(claimed);
    const t0 = Date.now();
    const log = jobLog.child({ stageId: inst.id });
    let lastEmitted = -1;
    let lastMessage: string | null = null;
    // Kill points for the resume tests (DSA110_FAULT=stage:mosaic-build:after, ...); no-ops unset.
    // `:mid` fires inside execute(), the first time the stage reports half its work done (partial
    // outputs on disk: half the subbands written, half the windows solved, CLEAN half way).
    const point = `stage:${inst.stage.replace(/[^a-z0-9-]/g, '-')}`;
    let midPassed = false;
    const progress = (fraction: number, message?: string) => {
      const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
      if (!midPassed && f >= 0.5 && f < 1) {
        midPassed = true;
        faultPoint(`${point}:mid`);
      }
      const m = message ?? null;
      slot.fraction = f;
      if (Math.abs(f - lastEmitted) < 0.001 && m === lastMessage) return;
      lastEmitted = f;
      lastMessage = m;
      onProgress(inst.id, f, m);
    };
    const ctx = this.context(jobId, inst, deps, claimed.attempt, log, signal, progress, slot.params);
    const finish = (state: StageState, extra: { outputs?: JsonObject; error?: string }) => {
      this.setStage(jobId, inst.id, {
        state,
        outputs: extra.outputs ?? null,
        error: extra.error ?? null,
        finishedMjd: nowMjd(),
        durationS: (Date.now() - t0) / 1000,
      });
    };
    try {
      for (const p of stage.inputs(ctx)) {
        if (!existsSync(p)) throw new Error(`input ${p} does not exist`);
      }
      await stage.validate(ctx);
      const existing = await stage.verify(ctx);
      if (existing) {
        slot.outputs = existing;
        slot.done = true;
        finish('skipped', { outputs: existing });
        log.info(`stage ${inst.id} (${inst.stage}): outputs already present and valid; skipped`);
        return null;
      }
      await stage.cleanup(ctx);
      log.info(`stage ${inst.id} (${inst.stage}) started (attempt ${claimed.attempt})`);
      faultPoint(`${point}:before`);
      const outputs = await stage.execute(ctx);
      faultPoint(`${point}:after`);
      const verified = await stage.verify({ ...ctx, executed: true });
      if (!verified)
        throw new Error(
          `execute() returned but verify() finds its outputs missing or invalid (${stage.outputs(ctx).join(', ') || 'no declared outputs'})`,
        );
      slot.outputs = outputs;
      slot.done = true;
      slot.fraction = 1;
      finish('succeeded', { outputs });
      onProgress(inst.id, 1, null);
      log.info({ durationS: (Date.now() - t0) / 1000 }, `stage ${inst.id} (${inst.stage}) succeeded`);
      return null;
    } catch (err) {
      const cancelled = signal.aborted;
      const message = cancelled ? 'cancelled' : messageOf(err);
      await this.cleanupQuietly(stage, ctx, log);
      finish(cancelled ? 'cancelled' : 'failed', { error: message });
      if (cancelled) log.warn(`stage ${inst.id} (${inst.stage}) cancelled; partial outputs removed`);
      else log.error({ err }, `stage ${inst.id} (${inst.stage}) failed: ${message}`);
      return cancelled ? null : { error: message };
    }
  }

  private async cleanupQuietly(stage: AnyStage, ctx: StageContext<unknown>, log: Logger): Promise<void> {
    try {
      await stage.cleanup(ctx);
    } catch (err) {
      // Reported, not thrown: the stage's own error is the one the user must see.
      log.error({ err }, `stage ${ctx.stageId} (${stage.name}): cleanup of partial outputs failed: ${messageOf(err)}`);
    }
  }

  private context(
    jobId: string,
    inst: StageInstance,
    deps: Record<string, JsonObject>,
    attempt: number,
    log: Logger,
    signal: AbortSignal,
    progress: (fraction: number, message?: string) => void,
    params?: unknown,
  ): StageContext<unknown> {
    // A cancel's cleanup outside a run reads the frozen configuration too.
    const config = this.configs.has(jobId) ? this.configs.get(jobId) : this.jobConfig(jobId);
    return {
      jobId,
      stageId: inst.id,
      params: params ?? this.registry.parseStageParams(`job ${jobId}`, inst),
      workspace: join(this.opts.workspace, jobId),
      deps,
      attempt,
      log,
      progress,
      signal,
      ...(config ? { config } : {}),
    };
  }

  private jobLogger(jobId: string): Logger {
    let base = this.baseLoggers.get(jobId);
    if (!base) {
      base = this.opts.loggerFor?.(jobId) ?? silentLogger;
      this.baseLoggers.set(jobId, base);
    }
    return teeLogger(
      base.child({ jobId }),
      (level, message, data, bindings) => {
        const stageId = typeof bindings.stageId === 'string' ? bindings.stageId : null;
        try {
          const line = this.db.jobs.appendLog({ jobId, stageId, level, message, data });
          this.emit({ type: 'log', jobId, line });
        } catch (err) {
          base.error({ err }, `job ${jobId}: could not persist a log line: ${messageOf(err)}`);
        }
      },
      this.opts.persistLevel ?? 'info',
    );
  }

  private setStage(jobId: string, stageId: string, patch: Parameters<Database['jobs']['updateStageRun']>[2]): void {
    this.emitStage(this.db.jobs.updateStageRun(jobId, stageId, patch));
  }

  private emitStage(run: StageRun): void {
    this.emit({
      type: 'stage',
      jobId: run.jobId,
      stageId: run.stageId,
      stageName: run.stageName,
      state: run.state,
      attempt: run.attempt,
      error: run.error,
      stage: run,
    });
  }

  private emitJob(job: Job): void {
    this.emit({
      type: 'job',
      jobId: job.id,
      kind: job.kind,
      state: job.state,
      progress: job.progress,
      message: job.message,
      error: job.error,
      job,
    });
  }

  private emit(event: JobEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        // A broken listener must not break the job; it is reported on the job's logger.
        (this.baseLoggers.get(event.jobId) ?? silentLogger).error(
          { err },
          `job event listener threw: ${messageOf(err)}`,
        );
      }
    }
  }
}
