// Maps job kinds to graph builders and stage names to stages, so a job can be built on
// submit and rebuilt from its stage runs in the database after a crash.
import type { z } from 'zod';
import type { JsonObject } from '../../../shared/model/common';
import { topoOrder, type StageInstance } from './graph';
import type { AnyStage, Stage } from './stage';

export interface JobKind<P extends JsonObject = JsonObject> {
  kind: string;
  /** Human description for the UI/CLI. */
  title: string;
  params: z.ZodType<P>;
  /** The stage graph for these params. */
  build(params: P): StageInstance[];
}

interface StoredKind {
  kind: string;
  title: string;
  params: z.ZodType<JsonObject>;
  build(params: JsonObject): StageInstance[];
}

export class JobRegistry {
  private readonly stages = new Map<string, AnyStage>();
  private readonly kinds = new Map<string, StoredKind>();

  registerStage<P, O extends JsonObject>(stage: Stage<P, O>): this {
    if (this.stages.has(stage.name)) throw new Error(`job registry: stage ${stage.name} is already registered`);
    this.stages.set(stage.name, stage as unknown as AnyStage);
    return this;
  }

  registerJob<P extends JsonObject>(kind: JobKind<P>): this {
    if (this.kinds.has(kind.kind)) throw new Error(`job registry: job kind ${kind.kind} is already registered`);
    this.kinds.set(kind.kind, kind as unknown as StoredKind);
    return this;
  }

  stage(name: string): AnyStage {
    const s = this.stages.get(name);
    if (!s)
      throw new Error(
        `job registry: no stage named ${name} (registered: ${[...this.stages.keys()].join(', ') || 'none'})`,
      );
    return s;
  }

  jobKind(kind: string): StoredKind {
    const k = this.kinds.get(kind);
    if (!k)
      throw new Error(`job registry: no job kind ${kind} (registered: ${[...this.kinds.keys()].join(', ') || 'none'})`);
    return k;
  }

  jobKinds(): { kind: string; title: string }[] {
    return [...this.kinds.values()].map((k) => ({ kind: k.kind, title: k.title }));
  }

  /** Validate params and build the job's graph; every stage must be registered and its params valid. */
  buildJob(kind: string, params: unknown): { params: JsonObject; stages: StageInstance[] } {
    const k = this.jobKind(kind);
    const parsed = k.params.safeParse(params);
    if (!parsed.success) {
      throw new Error(
        `job ${kind}: invalid params: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`,
      );
    }
    const stages = k.build(parsed.data);
    topoOrder(`job ${kind}`, stages);
    for (const s of stages) this.parseStageParams(kind, s);
    return { params: parsed.data, stages };
  }

  /** Parse a stage instance's params with its stage's schema; the error names job, stage and field. */
  parseStageParams(what: string, inst: StageInstance): unknown {
    const stage = this.stage(inst.stage);
    const r = stage.params.safeParse(inst.params);
    if (!r.success) {
      throw new Error(
        `${what}: stage ${inst.id} (${inst.stage}): invalid params: ${r.error.issues.map((i) => `${i.path.join('.') || '(params)'}: ${i.message}`).join('; ')}`,
      );
    }
    return r.data;
  }
}
