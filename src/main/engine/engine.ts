// The engine facade: one object holding the resolved configuration, the workspace, the state
// database, the logger, the native worker pool and the job runner. The CLI, Electron and the demo
// all open it the same way; opening registers the pipeline's stages and job kinds on `registry`
// (pipeline.ts), so any process can resume any job of the workspace.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowMjd } from '../../shared/model/common';
import { ensureWorkspace, loadConfig, type Config, type LoadedConfig, type WorkspacePaths } from './config';
import { LeaseHeldError, openDatabase, type Database } from './db';
import { createLogger, type AppLogger } from './log';
import { JobConflictError, JobRegistry, JobRunner, type JobListener } from './jobs';
import type { Job } from '../../shared/model/jobs';
import { NativePool } from './native/pool';
import { seedCalibrators } from './calibration/calibrators';
import { registerPipeline } from './pipeline';
import { recoverPublishing, type RecoveryReport } from './registry';

/** Who runs the engine, as `app.info` reports it. */
export interface AppIdentity {
  name: string;
  version: string;
  runtime: 'electron' | 'node' | 'http';
}

export interface EngineOpenOptions {
  /** Workspace directory (highest precedence, like --workspace). */
  workspace?: string;
  /** An explicit config file; without it `<workspace>/config.json` is read when present. */
  configFile?: string;
  /** Highest-precedence configuration values, nested or dotted (see loadConfig). */
  overrides?: Record<string, unknown>;
  /** Environment for DSA110_* variables (default process.env). */
  env?: Record<string, string | undefined>;
  /** Base for relative paths (default process.cwd()). */
  cwd?: string;
  /**
   * A configuration the caller already resolved (the CLI does, to report origins and warnings
   * itself); when given, the fields above are not consulted.
   */
  config?: LoadedConfig;
  /** A logger to use instead of creating `<workspace>/logs/dsa110.log`; the engine does not close it. */
  logger?: AppLogger;
  /** Default: this package's name and version, runtime `node`. */
  app?: Partial<AppIdentity>;
}

/** Job runs started through `Engine.run`, so `close()` can cancel and wait for them. */
type RunningJobs = Map<string, Promise<Job>>;

/** Name and version of the package this module belongs to (sources: ../../..; bundle: out/main/../..). */
function packageIdentity(): { name: string; version: string } {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (typeof pkg.name === 'string' && typeof pkg.version === 'string')
        return { name: pkg.name, version: pkg.version };
      throw new Error(`${file}: expected string fields "name" and "version"`);
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(
        `no package.json above ${path.dirname(fileURLToPath(import.meta.url))}; pass "app" to Engine.open`,
      );
    dir = parent;
  }
}

export class Engine {
  /** When this engine was opened, MJD (UTC). */
  readonly startedMjd = nowMjd();
  /** What the publishing recovery scan at open repaired (interrupted publishes), for reports. */
  startupRecovery: RecoveryReport[] = [];
  private pool: NativePool | null = null;
  private closing: Promise<void> | null = null;
  private readonly running: RunningJobs = new Map();

  private constructor(
    private current: LoadedConfig,
    readonly paths: WorkspacePaths,
    readonly db: Database,
    readonly log: AppLogger,
    private readonly ownsLogger: boolean,
    readonly registry: JobRegistry,
    readonly runner: JobRunner,
    readonly app: AppIdentity,
  ) {}

  /**
   * Resolve the configuration, create the workspace, open (and migrate) the database, seed the
   * calibrator catalog when empty, and set up the logger, job registry and runner. The native
   * pool starts on first use of `native()`.
   */
  static async open(opts: EngineOpenOptions = {}): Promise<Engine> {
    const loaded =
      opts.config ??
      loadConfig({
        workspace: opts.workspace,
        configFile: opts.configFile,
        overrides: opts.overrides,
        env: opts.env,
        cwd: opts.cwd,
      });
    const { config } = loaded;
    const paths = ensureWorkspace(config);
    const jobsDir = path.join(paths.root, 'jobs');
    mkdirSync(jobsDir, { recursive: true });
    const app: AppIdentity = {
      ...(opts.app?.name !== undefined && opts.app.version !== undefined
        ? { name: opts.app.name, version: opts.app.version }
        : packageIdentity()),
      runtime: opts.app?.runtime ?? 'node',
    };
    const log = opts.logger ?? createLogger({ logsDir: paths.logs, level: config.logLevel });
    let db: Database | undefined;
    try {
      db = openDatabase(paths.database);
      const seeded = seedCalibrators(db);
      if (seeded > 0)
        log.info({ calibrators: seeded }, `seeded the calibrator table of ${paths.database} from the curated VLA list`);
      const registry = new JobRegistry();
      // Jobs freeze the engine's configuration as it is when they are submitted (it can change: config.setUser).
      let opened: Engine | null = null;
      const runner = new JobRunner({
        db,
        registry,
        workspace: jobsDir,
        loggerFor: (jobId) => log.jobLogger(jobId),
        config: () => (opened ? opened.config : loaded.config),
      });
      log.debug({ workspace: paths.root, runtime: app.runtime }, 'engine opened');
      const engine = new Engine(loaded, paths, db, log, opts.logger === undefined, registry, runner, app);
      opened = engine;
      registerPipeline(engine);
      // A publish interrupted between the move and the database update is finished or rolled
      // back before anything else touches the products (the journal says which).
      engine.startupRecovery = await recoverPublishing(engine);
      for (const r of engine.startupRecovery)
        log.warn(
          { product: r.productId, outcome: r.outcome },
          `publishing recovery: ${r.productId}: ${r.outcome}${r.message ? ` (${r.message})` : ''}`,
        );
      return engine;
    } catch (err) {
      db?.close();
      if (opts.logger === undefined) log.close();
      throw err;
    }
  }

  /** The resolved configuration with the origin of every value. */
  get loaded(): LoadedConfig {
    return this.current;
  }

  get config(): Config {
    return this.current.config;
  }

  /**
   * Take a new resolved configuration (user settings written by `config.setUser`). The
   * workspace cannot change under an open engine; jobs already submitted keep their frozen one.
   */
  reconfigure(next: LoadedConfig): void {
    if (next.config.workspace !== this.current.config.workspace) {
      throw new Error(
        `engine: the workspace cannot change while the engine is open (${this.current.config.workspace} -> ${next.config.workspace})`,
      );
    }
    this.current = next;
  }

  /** The worker pool for the native kernels, started on first use with `config.threads` workers. */
  native(): NativePool {
    if (this.closing) throw new Error('engine: native() called after close()');
    this.pool ??= new NativePool({ workers: this.config.threads });
    return this.pool;
  }

  /** Has the native pool been started (so a status report does not start it just to look)? */
  get nativeStarted(): boolean {
    return this.pool !== null;
  }

  /** Subscribe to every job's events; returns the unsubscribe function. */
  onJobEvent(listener: JobListener): () => void {
    return this.runner.on(listener);
  }

  /** Submit a registered job kind with its params; returns the new job's id (state `queued`). */
  submit(kind: string, params: unknown): string {
    return this.runner.submit(kind, params);
  }

  /**
   * Run (or resume) a job in this process; `close()` cancels it and waits for its cleanup. The
   * run holds the workspace lease `job:<id>`: another process sees the job's owner alive (or
   * gone: then the job shows as interrupted), and two processes never run one job.
   */
  run(jobId: string, options: { retry?: boolean } = {}): Promise<Job> {
    const existing = this.running.get(jobId);
    if (existing) return existing;
    const p = this.db.leases
      .hold(`job:${jobId}`, `run job ${jobId}`, () => this.runner.run(jobId, options), { waitMs: 0 })
      .catch((err: unknown) => {
        if (err instanceof LeaseHeldError)
          throw new JobConflictError(
            `job ${jobId} is being run by pid ${err.lease.owner.pid} on ${err.lease.owner.host}; wait for it or cancel it (dsa110 jobs cancel ${jobId})`,
            { cause: err },
          );
        throw err;
      })
      .finally(() => this.running.delete(jobId));
    this.running.set(jobId, p);
    return p;
  }

  /**
   * SIGINT/SIGTERM: every job running here stops at its next safe point, removes its stages'
   * partial outputs and is recorded as interrupted (resumable with `dsa110 jobs resume`).
   */
  interrupt(reason: string): void {
    for (const jobId of this.running.keys()) this.runner.interrupt(jobId, reason);
  }

  /**
   * Cancel the jobs this engine runs, wait for their cleanup, then stop the native pool and
   * close the database and the logger. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const errors: unknown[] = [];
    const runs = [...this.running.entries()];
    for (const [jobId] of runs) {
      try {
        await this.runner.cancel(jobId);
      } catch (err) {
        errors.push(err);
      }
    }
    // A cancelled run resolves after its stages cleaned up; a failed one has been recorded.
    await Promise.allSettled(runs.map(([, p]) => p));
    if (this.pool) {
      try {
        await this.pool.close();
      } catch (err) {
        errors.push(err);
      }
    }
    try {
      this.db.close();
    } catch (err) {
      errors.push(err);
    }
    this.log.flush();
    if (this.ownsLogger) this.log.close();
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `engine close: ${errors.length} errors`);
  }
}
