// The stage contract: what a pipeline step declares and how the runner drives it.
import type { z } from 'zod';
import type { JsonObject } from '../../../shared/model/common';
import type { Config } from '../config';
import type { Logger } from './logger';

export interface StageContext<P> {
  readonly jobId: string;
  readonly stageId: string;
  /** Parsed by the stage's params schema. */
  readonly params: P;
  /** The job's own workspace directory (exists); stages put scratch and outputs under it. */
  readonly workspace: string;
  /** Outputs of the dependency stages, by stage id. */
  readonly deps: Readonly<Record<string, JsonObject>>;
  /** 1 for the first execution, incremented on every re-run. */
  readonly attempt: number;
  readonly log: Logger;
  /** Report progress of this stage, fraction in [0, 1]. */
  progress(fraction: number, message?: string): void;
  /** Aborted on cancellation; long work must check it and stop promptly. */
  readonly signal: AbortSignal;
  /**
   * The job's configuration, frozen when it was submitted (machine settings such as threads
   * from this process). Stages read every setting from here, never from the engine's current
   * configuration, so a resumed or retried job runs as submitted. Absent only outside a job.
   */
  readonly config?: Config;
  /**
   * True when `verify` is called to confirm what this run's `execute` just wrote; a stage whose
   * params ask to `overwrite` existing outputs refuses them only before executing.
   */
  readonly executed?: boolean;
}

/**
 * A pipeline step. The runner calls, in order: `inputs`/`validate` (inputs exist and are
 * sane), `verify` (outputs already valid: the stage is skipped), `cleanup` then `execute`,
 * then `verify` again to confirm what execute wrote. `cleanup` also runs after a failure, a
 * cancellation, or when a run was interrupted by a dead process.
 */
export interface Stage<P = JsonObject, O extends JsonObject = JsonObject> {
  readonly name: string;
  readonly params: z.ZodType<P>;
  /** Paths this stage reads; the runner checks they exist before `validate`. */
  inputs(ctx: StageContext<P>): string[];
  /** Paths this stage writes. */
  outputs(ctx: StageContext<P>): string[];
  /** Throw a clear error (which path, which field, what was expected) when inputs are not usable. */
  validate(ctx: StageContext<P>): void | Promise<void>;
  /** The stage's outputs when they exist and are valid, otherwise null (then it must run). */
  verify(ctx: StageContext<P>): O | null | Promise<O | null>;
  /** Produce the outputs completely or not at all (write to a temp name, then rename). Idempotent. */
  execute(ctx: StageContext<P>): Promise<O>;
  /** Remove partial outputs of an interrupted, failed or cancelled run. */
  cleanup(ctx: StageContext<P>): void | Promise<void>;
}

/** A stage with its types erased, as the registry stores it. */
export type AnyStage = Stage<unknown, JsonObject>;

/** Identity helper that infers P and O and checks the object against the contract. */
export function defineStage<P, O extends JsonObject>(stage: Stage<P, O>): Stage<P, O> {
  return stage;
}

/**
 * `engine` seen with the job's frozen configuration as its `config` (everything else, methods
 * included, is the engine itself), for code below the stages that reads `engine.config`.
 */
export function withJobConfig<T extends { config: Config }>(engine: T, config: Config | undefined): T {
  if (config === undefined || config === engine.config) return engine;
  return new Proxy(engine, {
    get: (target, key) => (key === 'config' ? config : (Reflect.get(target, key, target) as unknown)),
  });
}
