// The streaming daemon (`dsa110 stream`): watches the correlator's incoming directory,
// registers each subband file once it is complete (the indexer: content identity, groups by
// observation and declination, conflicts), keeps a persistent queue of groups in the database
// (collecting -> pending -> in_progress -> completed | failed, and partial past a timeout), and
// runs each group as a job of the runner (convert, calibrate, image: the batch pipeline's own
// stages). Every queue transition is one transaction with what it records (the job it submits,
// the products it completes with), so a daemon killed at any point restarts where it stopped:
// an in-progress group resumes its own job, whose finished stages verify and are not redone.
import { existsSync, statfsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nowMjd } from '../../../shared/model/common';
import type { Job } from '../../../shared/model/jobs';
import type { StreamGroup } from '../../../shared/model/stream';
import type { Config, WorkspacePaths } from '../config';
import { LeaseHeldError, type Database } from '../db';
import { indexFiles, type IndexResult } from '../ingest/indexer';
import type { ImagingTier } from '../imaging';
import type { JobRegistry, JobRunner } from '../jobs';
import { faultPoint } from '../jobs/faults';
import type { Logger } from '../log';
import { chooseCalibration, STREAM_JOB, streamImagePath, streamMsPath, type StreamJobParams } from './job';
import { hdf5Incomplete } from './hdf5-check';
import { DirectoryWatcher, type FileSignature } from './watcher';

export interface StreamEngine {
  db: Database;
  config: Config;
  paths: WorkspacePaths;
  registry: JobRegistry;
  runner: JobRunner;
  log: Logger;
  run(jobId: string, options?: { retry?: boolean }): Promise<Job>;
  interrupt(reason: string): void;
}

export interface StreamOptions {
  inputDir: string;
  /** Solve calibration on a group holding a bandpass calibrator's transit when no valid tables exist. */
  enableCalibrationSolving: boolean;
  enableMosaics: boolean;
  /** Groups processed at once. */
  concurrency: number;
  /** Scan interval of the watcher (ms). */
  pollMs: number;
  /** A file is complete once its size and mtime held this long (ms). */
  settleMs: number;
  /** Scan only, no file-system events (network and FUSE file systems). */
  pollOnly: boolean;
  /** A group still incomplete this long after its latest file becomes `partial` (s). */
  partialTimeoutS: number;
  /** `convert`: a partial group is converted from what is there, with a note; `wait`: it waits for its files. */
  partialPolicy: 'convert' | 'wait';
  /** Attempts of a group before it is `failed`. */
  maxAttempts: number;
  /** First retry delay (s); doubled on each further failure. */
  backoffS: number;
  /** Intake pauses while the workspace's file system has less free space than this (bytes). */
  minFreeBytes: number;
  tier: ImagingTier;
}

export function defaultStreamOptions(config: Config, inputDir: string): StreamOptions {
  return {
    inputDir,
    enableCalibrationSolving: false,
    enableMosaics: false,
    concurrency: 1,
    pollMs: 2000,
    settleMs: config.ingest.settleTimeS * 1000,
    pollOnly: false,
    partialTimeoutS: 600,
    partialPolicy: 'convert',
    maxAttempts: 3,
    backoffS: 30,
    minFreeBytes: 10 * 2 ** 30,
    tier: 'standard',
  };
}

/** What the daemon reports as it goes (the CLI prints it; the structured log has it too). */
export interface StreamEvent {
  level: 'info' | 'warn' | 'error';
  event: string;
  message: string;
  groupId?: string;
  path?: string;
}

const DAY_S = 86400;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function sb(n: number): string {
  return `sb${String(n).padStart(2, '0')}`;
}

/** Free bytes of the file system holding `dir` (DSA110_STREAM_FREE_BYTES overrides it, for tests of the guard). */
export function freeBytes(dir: string): number {
  const forced = process.env.DSA110_STREAM_FREE_BYTES;
  if (forced !== undefined && forced !== '') return Number(forced);
  const s = statfsSync(dir);
  return Number(s.bavail) * Number(s.bsize);
}

export class StreamDaemon {
  private readonly db: Database;
  private readonly inputDir: string;
  private watcher: DirectoryWatcher | null = null;
  private readonly workers = new Map<string, Promise<void>>();
  private paused: { reason: string; untilMs?: number } | null = null;
  private free: number | null = null;
  private stopping: string | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly engine: StreamEngine,
    private readonly opts: StreamOptions,
    private readonly report: (e: StreamEvent) => void = () => undefined,
  ) {
    this.db = engine.db;
    this.inputDir = path.resolve(opts.inputDir);
  }

  private say(e: StreamEvent): void {
    const data = { stream: e.event, ...(e.groupId ? { groupId: e.groupId } : {}), ...(e.path ? { path: e.path } : {}) };
    this.engine.log[e.level](data, e.message);
    this.report(e);
  }

  /**
   * Run until `signal` aborts (SIGINT/SIGTERM): then stop taking work, interrupt the running jobs
   * at their next safe point (their partial outputs removed, resumable), record the groups as
   * pending again and return. One daemon per workspace: a second one is refused.
   */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.db.leases.hold('stream', `stream ${this.inputDir} (pid ${process.pid})`, () => this.runHeld(signal), {
        waitMs: 0,
      });
    } catch (err) {
      if (err instanceof LeaseHeldError)
        throw new Error(
          `stream: another streaming daemon runs on this workspace (pid ${err.lease.owner.pid} on ${err.lease.owner.host}); stop it first`,
          { cause: err },
        );
      throw err;
    }
  }

  private async runHeld(signal: AbortSignal): Promise<void> {
    this.db.stream.daemonStarted({
      pid: process.pid,
      host: os.hostname(),
      inputDir: this.inputDir,
      options: { ...this.opts },
    });
    this.say({
      level: 'info',
      event: 'start',
      message: `streaming from ${this.inputDir}: ${this.opts.concurrency} worker(s), partial after ${this.opts.partialTimeoutS} s (${this.opts.partialPolicy}), calibration solving ${this.opts.enableCalibrationSolving ? 'on' : 'off'}`,
    });
    this.reconcile();
    this.watcher = new DirectoryWatcher({
      dir: this.inputDir,
      pollMs: this.opts.pollMs,
      settleMs: this.opts.settleMs,
      pollOnly: this.opts.pollOnly,
      onStable: (name, sig) => this.register(name, sig),
      onIgnored: (name, reason) =>
        this.say({
          level: 'info',
          event: 'ignored',
          path: path.join(this.inputDir, name),
          message: `ignored ${name}: ${reason}`,
        }),
      onError: (err) => this.say({ level: 'warn', event: 'watch-error', message: err.message }),
    });
    this.watcher.start();
    if (!this.watcher.events)
      this.say({ level: 'info', event: 'polling', message: `watching ${this.inputDir} by polling only` });

    const stop = () => {
      this.stopping = String((signal.reason as Error | undefined)?.message ?? 'stop requested');
      this.wake?.();
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
    try {
      while (!this.stopping) {
        this.tick();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.tickTimer = setTimeout(resolve, Math.min(1000, this.opts.pollMs));
        });
        this.wake = null;
        if (this.tickTimer) clearTimeout(this.tickTimer);
      }
    } finally {
      await this.shutdown();
    }
  }

  private async shutdown(): Promise<void> {
    const why = this.stopping ?? 'stopping';
    await this.watcher?.stop();
    if (this.workers.size > 0) {
      this.say({
        level: 'info',
        event: 'stopping',
        message: `${why}: interrupting ${this.workers.size} running group(s) at their next safe point`,
      });
      this.engine.interrupt(why);
      await Promise.allSettled(this.workers.values());
    }
    this.db.stream.daemonStopped();
    this.say({ level: 'info', event: 'stopped', message: `stopped (${why})` });
  }

  // ------------------------------------------------------------ registration

  /** A complete file from the watcher: registered through the indexer, its group queued. */
  private async register(name: string, sig: FileSignature): Promise<void> {
    const file = path.join(this.inputDir, name);
    const known = this.db.ingest.getFile(file);
    // Bootstrap and re-scans: a file registered with this size and mtime is not read again.
    if (known && known.sizeBytes === sig.size && Math.abs(known.mtimeMjd - (sig.mtimeMs / 86400000 + 40587)) < 1e-9) {
      if (!this.db.stream.get(known.groupId)) this.queueArrival(known.groupId, file, false);
      return;
    }
    // Complete by its own account: the superblock reads and the file is as long as it says.
    let incomplete: string | null;
    try {
      incomplete = hdf5Incomplete(file);
    } catch (err) {
      incomplete = `cannot be read: ${messageOf(err)}`;
    }
    if (incomplete !== null) {
      this.db.stream.reject(file, incomplete, sig.size, sig.mtimeMs);
      this.say({
        level: 'warn',
        event: 'rejected',
        path: file,
        message: `refused ${name}: ${incomplete} (kept in place; looked at again if it changes)`,
      });
      return;
    }
    let r: IndexResult;
    try {
      r = await indexFiles(this.db, this.inputDir, [name], {
        toleranceS: this.engine.config.ingest.groupToleranceS,
        expectedSubbands: this.engine.config.ingest.expectedSubbands,
      });
    } catch (err) {
      this.db.stream.reject(file, messageOf(err), sig.size, sig.mtimeMs);
      this.say({ level: 'error', event: 'register-error', path: file, message: `${name}: ${messageOf(err)}` });
      return;
    }
    // Kill points of the fault driver (DSA110_FAULT=stream:registered*1, ...); no-ops unset.
    faultPoint('stream:registered');
    const failed = r.failed[0];
    if (failed) {
      const reason = sig.size === 0 ? 'empty file (0 bytes)' : failed.error;
      this.db.stream.reject(file, reason, sig.size, sig.mtimeMs);
      this.say({
        level: 'warn',
        event: 'rejected',
        path: file,
        message: `refused ${name}: ${reason} (kept in place; looked at again if it changes)`,
      });
      return;
    }
    this.db.stream.unreject(file);
    const conflict = r.conflicts[0];
    if (conflict) {
      this.db.stream.reject(
        file,
        `claims ${sb(conflict.subband)} of group ${conflict.groupId}, already held by the different file ${conflict.registeredPath}`,
        sig.size,
        sig.mtimeMs,
      );
      this.say({
        level: 'warn',
        event: 'conflict',
        groupId: conflict.groupId,
        path: file,
        message: `${name} claims ${sb(conflict.subband)} of group ${conflict.groupId}, already held by the different file ${conflict.registeredPath}: the group is not converted until one of them is removed`,
      });
      this.queueArrival(conflict.groupId, file, false);
      return;
    }
    const dup = r.duplicates[0];
    if (dup) {
      this.say({
        level: 'info',
        event: 'duplicate',
        path: file,
        groupId: dup.groupId,
        message: `${name} is a copy of the registered ${dup.sameAs} (same content): not registered again`,
      });
      return;
    }
    const group = r.groups[0];
    if (!group) return;
    this.queueArrival(group.id, file, r.registered > 0);
  }

  /** The group of a newly registered file enters (or moves in) the queue, in one transaction. */
  private queueArrival(groupId: string, file: string, fresh: boolean): void {
    const events: StreamEvent[] = [];
    this.db.transaction(() => {
      const before = this.db.stream.get(groupId);
      const row = this.db.stream.arrived(groupId);
      const g = this.db.ingest.requireGroup(groupId);
      const complete = g.presentSubbands >= g.expectedSubbands;
      const subband = this.db.ingest.getFile(file)?.subband;
      if (
        before &&
        fresh &&
        (before.state === 'completed' || before.state === 'in_progress' || before.state === 'failed')
      ) {
        const late = `${subband !== undefined ? sb(subband) : path.basename(file)} arrived ${((nowMjd() - before.lastArrivalMjd) * DAY_S).toFixed(0)} s after the group's previous file, when the group was already ${before.state}${before.state === 'completed' ? ' (its MS was made without it)' : ''}`;
        this.db.stream.update(groupId, { note: appendNote(row.note, `late: ${late}`) });
        events.push({ level: 'warn', event: 'late', groupId, path: file, message: `group ${groupId}: ${late}` });
        return;
      }
      if (complete && (row.state === 'collecting' || row.state === 'partial')) {
        this.db.stream.update(groupId, {
          state: 'pending',
          ...(row.state === 'partial' ? { note: appendNote(row.note, 'completed by a late file') } : {}),
        });
        events.push({
          level: 'info',
          event: 'complete',
          groupId,
          message: `group ${groupId}: all ${g.expectedSubbands} subbands registered; queued`,
        });
      } else if (!before) {
        events.push({ level: 'info', event: 'new-group', groupId, message: `group ${groupId}: collecting` });
      }
    });
    for (const e of events) this.say(e);
  }

  /**
   * Groups registered but not in the queue (the daemon died between the two, or files were
   * indexed by `dsa110 index`): those of the input directory are queued as their files say.
   */
  private reconcile(): void {
    const inside = (p: string) => path.dirname(path.resolve(p)) === this.inputDir;
    for (const g of this.db.ingest.listGroups({})) {
      if (this.db.stream.get(g.id)) continue;
      const files = this.db.ingest.filesOfGroup(g.id);
      const last = files.filter((f) => inside(f.path)).pop();
      if (last) this.queueArrival(g.id, last.path, false);
    }
    const resumed = this.db.stream.list({ states: ['in_progress'] });
    if (resumed.length > 0)
      this.say({
        level: 'info',
        event: 'resume',
        message: `resuming ${resumed.length} group(s) left in progress: ${resumed.map((r) => r.groupId).join(', ')}`,
      });
  }

  // ------------------------------------------------------------ the queue

  private tick(): void {
    try {
      this.db.stream.heartbeat({
        paused: this.paused !== null,
        pauseReason: this.paused?.reason ?? null,
        freeBytes: this.free,
      });
      this.partialTimeouts();
      this.diskGuard();
      this.schedule();
    } catch (err) {
      // The daemon reports and keeps going: one bad tick must not end the stream.
      this.say({ level: 'error', event: 'tick-error', message: `stream: ${messageOf(err)}` });
    }
  }

  private partialTimeouts(): void {
    const limit = nowMjd() - this.opts.partialTimeoutS / DAY_S;
    for (const row of this.db.stream.list({ states: ['collecting'] })) {
      if (row.lastArrivalMjd > limit) continue;
      const g = this.db.ingest.requireGroup(row.groupId);
      const present = new Set(this.db.ingest.filesOfGroup(g.id).map((f) => f.subband));
      const missing = Array.from({ length: g.expectedSubbands }, (_, i) => i).filter((i) => !present.has(i));
      const note = `partial: ${present.size} of ${g.expectedSubbands} subbands after ${this.opts.partialTimeoutS} s (missing ${missing.map(sb).join(', ')}); ${this.opts.partialPolicy === 'convert' ? 'converted from what is there' : 'waiting for the missing files'}`;
      this.db.stream.update(row.groupId, { state: 'partial', note: appendNote(row.note, note) });
      this.say({ level: 'warn', event: 'partial', groupId: row.groupId, message: `group ${row.groupId}: ${note}` });
    }
  }

  private diskGuard(): void {
    try {
      this.free = freeBytes(this.engine.paths.root);
    } catch (err) {
      this.say({
        level: 'warn',
        event: 'disk-check',
        message: `free space of ${this.engine.paths.root}: ${messageOf(err)}`,
      });
      return;
    }
    const gb = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;
    // A write that found the disk full holds intake for one backoff, then the free space decides.
    if (this.paused?.untilMs !== undefined && Date.now() < this.paused.untilMs) return;
    if (this.free < this.opts.minFreeBytes) {
      if (!this.paused) {
        this.paused = {
          reason: `${gb(this.free)} free on ${this.engine.paths.root}, below the ${gb(this.opts.minFreeBytes)} threshold`,
        };
        this.say({
          level: 'warn',
          event: 'paused',
          message: `intake paused: ${this.paused.reason}; files are still registered, no new group is processed until space returns`,
        });
      }
    } else if (this.paused) {
      this.say({
        level: 'info',
        event: 'resumed',
        message: `intake resumed: ${gb(this.free)} free (was paused: ${this.paused.reason})`,
      });
      this.paused = null;
    }
  }

  private schedule(): void {
    // Groups left in progress by a previous run resume first (their jobs exist), paused or not.
    for (const row of this.db.stream.list({ states: ['in_progress'] })) {
      if (this.workers.size >= this.opts.concurrency) return;
      if (!this.workers.has(row.groupId)) this.startWorker(row);
    }
    if (this.paused || this.stopping) return;
    const states: StreamGroup['state'][] = this.opts.partialPolicy === 'convert' ? ['pending', 'partial'] : ['pending'];
    while (this.workers.size < this.opts.concurrency) {
      const next = this.db.stream.nextDue(states);
      if (!next || this.workers.has(next.groupId)) return;
      const claimed = this.claim(next);
      if (claimed) this.startWorker(claimed);
    }
  }

  private startWorker(row: StreamGroup): void {
    const p = this.work(row)
      .catch((err: unknown) =>
        this.say({ level: 'error', event: 'worker-error', groupId: row.groupId, message: messageOf(err) }),
      )
      .finally(() => {
        this.workers.delete(row.groupId);
        this.wake?.();
      });
    this.workers.set(row.groupId, p);
  }

  /**
   * Take a due group: check its files are still there and it has no conflict, choose its
   * calibration, and submit its job; the job and the in_progress state commit together.
   * Null when the group cannot run (its state and note say why).
   */
  private claim(row: StreamGroup): StreamGroup | null {
    const events: StreamEvent[] = [];
    const claimed = this.db.transaction((): StreamGroup | null => {
      const g = this.db.ingest.requireGroup(row.groupId);
      const files = this.db.ingest.filesOfGroup(g.id);
      const gone = files.filter((f) => !existsSync(f.path));
      if (gone.length > 0) {
        // Deleted after registration: forgotten, and the group waits (or goes partial) without them.
        for (const f of gone) this.db.ingest.removeFile(f.path);
        const what = `${gone.map((f) => `${sb(f.subband)} (${f.path})`).join(', ')} deleted after registration`;
        const left = files.length - gone.length;
        if (left === 0) {
          events.push({
            level: 'error',
            event: 'failed',
            groupId: g.id,
            message: `group ${g.id}: ${what}; no file left`,
          });
          this.db.stream.update(g.id, {
            state: 'failed',
            lastError: `${what}; no file left`,
            finishedMjd: nowMjd(),
          });
          return null;
        }
        events.push({ level: 'warn', event: 'deleted', groupId: g.id, message: `group ${g.id}: ${what}` });
        this.db.stream.update(g.id, {
          state: row.state === 'partial' ? 'partial' : 'collecting',
          jobId: null,
          note: appendNote(row.note, what),
        });
        return null;
      }
      const conflicts = this.db.ingest.conflicts(g.id);
      if (conflicts.length > 0) {
        const why = conflicts
          .map(
            (c) =>
              `${sb(c.subband)} is claimed by two different files, ${c.registeredPath} and ${c.path}; remove the wrong one`,
          )
          .join('; ');
        events.push({ level: 'error', event: 'failed', groupId: g.id, message: `group ${g.id}: ${why}` });
        this.db.stream.update(g.id, { state: 'failed', lastError: why, finishedMjd: nowMjd() });
        return null;
      }
      let jobId = row.jobId;
      let note = row.note;
      const prior = jobId === null ? undefined : this.db.jobs.get(jobId);
      const wantPartial = files.length < g.expectedSubbands;
      if (!prior || (prior.params as { allowIncomplete?: boolean }).allowIncomplete !== wantPartial) {
        const cal = chooseCalibration(this.engine, g, this.opts.enableCalibrationSolving);
        const params: StreamJobParams = {
          groupId: g.id,
          msDir: this.engine.paths.ms,
          imageDir: this.engine.paths.images,
          calibration: cal.calibration,
          ...(cal.calibrator ? { calibrator: cal.calibrator } : {}),
          allowIncomplete: wantPartial,
          expectedSubbands: g.expectedSubbands,
          tier: this.opts.tier,
        };
        jobId = this.engine.runner.submit(STREAM_JOB, params);
        if (wantPartial) {
          const have = new Set(files.map((f) => f.subband));
          const missing = Array.from({ length: g.expectedSubbands }, (_, i) => i).filter((i) => !have.has(i));
          note = appendNote(
            note,
            `converted from ${files.length} of ${g.expectedSubbands} subbands (without ${missing.map(sb).join(', ')})`,
          );
        }
        note = appendNote(note, `calibration: ${cal.reason}`);
      }
      const next = this.db.stream.update(g.id, {
        state: 'in_progress',
        jobId,
        attempts: row.attempts + 1,
        startedMjd: nowMjd(),
        nextAttemptMjd: null,
        note,
      });
      events.push({
        level: 'info',
        event: 'claimed',
        groupId: g.id,
        message: `group ${g.id}: attempt ${next.attempts}, job ${jobId}`,
      });
      return next;
    });
    for (const e of events) this.say(e);
    if (claimed) faultPoint('stream:claimed');
    return claimed;
  }

  private async work(row: StreamGroup): Promise<void> {
    const jobId = row.jobId;
    if (!jobId) throw new Error(`group ${row.groupId} is in progress without a job`);
    let job: Job;
    try {
      job = await this.engine.run(jobId, { retry: true });
    } catch (err) {
      this.failed(row, `job ${jobId}: ${messageOf(err)}`);
      return;
    }
    if (job.state === 'succeeded') {
      faultPoint('stream:before-complete');
      this.completed(row, job);
      faultPoint('stream:completed');
    } else if (job.state === 'queued') {
      // Interrupted (SIGINT/SIGTERM): pending again, its job resumes at the next start.
      this.db.stream.update(row.groupId, {
        state: 'pending',
        attempts: Math.max(0, row.attempts - 1),
        note: appendNote(row.note, `interrupted (${this.stopping ?? 'signal'}); resumes at the next start`),
      });
      this.say({
        level: 'info',
        event: 'interrupted',
        groupId: row.groupId,
        message: `group ${row.groupId}: interrupted; pending again (job ${jobId} resumes)`,
      });
    } else this.failed(row, job.error ?? `job ${jobId} ended ${job.state}`);
  }

  private completed(row: StreamGroup, job: Job): void {
    const params = job.params as unknown as StreamJobParams;
    const msPath = streamMsPath(params);
    const imagePath = streamImagePath(params);
    const image = this.db.images.getImageByPath(imagePath);
    if (!image) {
      this.failed(row, `job ${job.id} succeeded but its image ${imagePath} is not recorded`);
      return;
    }
    const done = this.db.stream.update(row.groupId, {
      state: 'completed',
      msPath,
      imagePath,
      lastError: null,
      nextAttemptMjd: null,
      finishedMjd: nowMjd(),
    });
    this.say({
      level: 'info',
      event: 'completed',
      groupId: row.groupId,
      message: `group ${row.groupId}: completed in ${((done.finishedMjd! - done.lastArrivalMjd) * DAY_S).toFixed(1)} s after its last file: ${imagePath}`,
    });
  }

  private failed(row: StreamGroup, error: string): void {
    const cur = this.db.stream.get(row.groupId) ?? row;
    if (/ENOSPC|no space left/i.test(error)) {
      this.paused = {
        reason: `the disk was full while processing group ${row.groupId} (${error})`,
        untilMs: Date.now() + this.opts.backoffS * 1000,
      };
      this.say({
        level: 'warn',
        event: 'paused',
        groupId: row.groupId,
        message: `intake paused: ${this.paused.reason}; resumes once the free space is above the threshold again (checked in ${this.opts.backoffS} s)`,
      });
    }
    if (cur.attempts >= this.opts.maxAttempts) {
      this.db.stream.update(row.groupId, { state: 'failed', lastError: error, finishedMjd: nowMjd() });
      this.say({
        level: 'error',
        event: 'failed',
        groupId: row.groupId,
        message: `group ${row.groupId}: failed after ${cur.attempts} attempt(s): ${error}`,
      });
      return;
    }
    const delayS = this.opts.backoffS * 2 ** Math.max(0, cur.attempts - 1);
    this.db.stream.update(row.groupId, {
      state: 'pending',
      lastError: error,
      nextAttemptMjd: nowMjd() + delayS / DAY_S,
    });
    this.say({
      level: 'warn',
      event: 'retry',
      groupId: row.groupId,
      message: `group ${row.groupId}: attempt ${cur.attempts} failed (${error}); retried in ${delayS.toFixed(0)} s`,
    });
  }
}

function appendNote(note: string | null, add: string): string {
  if (!note) return add;
  return note.includes(add) ? note : `${note}; ${add}`;
}
