// Test stages that write real files: each output is `<workspace>/<name>.txt`, built from its
// dependencies' contents plus its own, written chunk by chunk to a temp sibling and renamed.
// Executions are counted in `<workspace>/counts/<stageId>`, outside the outputs.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { appendFile, mkdir, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  JobRegistry,
  defineStage,
  removeOutputs,
  tempSibling,
  type StageContext,
  type StageInstance,
} from '../../src/main/engine/jobs';

const FileParams = z.object({
  name: z.string().regex(/^[a-z0-9]+$/),
  content: z.string(),
  /** Chunks written to the temp file, with a pause after each. */
  steps: z.number().int().min(1).default(1),
  stepMs: z.number().int().min(0).default(0),
  failWith: z.string().optional(),
});
type FileParams = z.infer<typeof FileParams>;

const TRAILER = '#complete\n';
const outPath = (ctx: StageContext<FileParams>) => join(ctx.workspace, `${ctx.params.name}.txt`);

export function executions(workspace: string, stageId: string): number {
  const f = join(workspace, 'counts', stageId);
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
}

/** Temp siblings left by a partial write of `path`. */
export function partials(path: string): string[] {
  const dir = dirname(path);
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(`.${basename(path)}.partial-`)) : [];
}

function expectedContent(ctx: StageContext<FileParams>): string {
  const upstream = Object.keys(ctx.deps)
    .sort()
    .map((d) => String(ctx.deps[d]?.content ?? ''));
  return `${upstream.join('')}${ctx.params.content};`;
}

export const fileStage = defineStage({
  name: 'test.write-file',
  params: FileParams,
  inputs: (ctx) => Object.values(ctx.deps).map((o) => String(o.path)),
  outputs: (ctx) => [outPath(ctx)],
  validate: (ctx) => {
    for (const [id, o] of Object.entries(ctx.deps)) {
      if (typeof o.content !== 'string') throw new Error(`stage ${ctx.stageId}: dependency ${id} gave no content`);
    }
  },
  verify: (ctx) => {
    const p = outPath(ctx);
    if (!existsSync(p)) return null;
    const text = readFileSync(p, 'utf8');
    const content = expectedContent(ctx);
    return text === `${content}\n${TRAILER}` ? { path: p, content } : null;
  },
  execute: async (ctx) => {
    const p = outPath(ctx);
    mkdirSync(join(ctx.workspace, 'counts'), { recursive: true });
    appendFileSync(join(ctx.workspace, 'counts', ctx.stageId), `${process.pid}\n`);
    // A re-run must start clean: the runner's cleanup removes what an interrupted run left.
    appendFileSync(join(ctx.workspace, 'order.log'), `start ${ctx.stageId} partials=${partials(p).length}\n`);
    await mkdir(dirname(p), { recursive: true });
    const tmp = tempSibling(p);
    const content = expectedContent(ctx);
    for (let i = 0; i < ctx.params.steps; i++) {
      ctx.signal.throwIfAborted();
      await appendFile(tmp, i === 0 ? `${content}\n` : '');
      if (i === 0) appendFileSync(join(ctx.workspace, 'markers'), `${ctx.stageId}\n`);
      ctx.progress((i + 1) / ctx.params.steps, `chunk ${i + 1}/${ctx.params.steps}`);
      ctx.log.debug({ chunk: i }, 'chunk written');
      if (ctx.params.stepMs > 0) await sleep(ctx.params.stepMs, undefined, { signal: ctx.signal });
    }
    if (ctx.params.failWith) throw new Error(ctx.params.failWith);
    await appendFile(tmp, TRAILER);
    await rename(tmp, p);
    appendFileSync(join(ctx.workspace, 'order.log'), `end ${ctx.stageId}\n`);
    return { path: p, content };
  },
  cleanup: async (ctx) => {
    await removeOutputs([outPath(ctx)]);
  },
});

const ChainParams = z.object({
  slowSteps: z.number().int().min(1).default(1),
  stepMs: z.number().int().min(0).default(0),
  failAt2: z.string().optional(),
});

export function testRegistry(): JobRegistry {
  return new JobRegistry()
    .registerStage(fileStage)
    .registerJob({
      kind: 'chain3',
      title: 'three stages in a row',
      params: ChainParams,
      build: (p): StageInstance[] => [
        { id: 's1', stage: 'test.write-file', params: { name: 'one', content: 'A' }, deps: [] },
        {
          id: 's2',
          stage: 'test.write-file',
          deps: ['s1'],
          params: {
            name: 'two',
            content: 'B',
            steps: p.slowSteps,
            stepMs: p.stepMs,
            ...(p.failAt2 ? { failWith: p.failAt2 } : {}),
          },
        },
        { id: 's3', stage: 'test.write-file', params: { name: 'three', content: 'C' }, deps: ['s2'] },
      ],
    })
    .registerJob({
      kind: 'diamond',
      title: 'a -> (b, c) -> d',
      params: z.object({ stepMs: z.number().int().min(0).default(20) }),
      build: (p): StageInstance[] => [
        { id: 'd', stage: 'test.write-file', params: { name: 'd', content: 'D' }, deps: ['b', 'c'] },
        {
          id: 'b',
          stage: 'test.write-file',
          params: { name: 'b', content: 'B', steps: 3, stepMs: p.stepMs },
          deps: ['a'],
        },
        {
          id: 'c',
          stage: 'test.write-file',
          params: { name: 'c', content: 'C', steps: 2, stepMs: p.stepMs },
          deps: ['a'],
        },
        { id: 'a', stage: 'test.write-file', params: { name: 'a', content: 'A' }, deps: [] },
      ],
    })
    .registerJob({
      kind: 'cyclic',
      title: 'invalid',
      params: z.object({}),
      build: () => [
        { id: 'x', stage: 'test.write-file', params: { name: 'x', content: 'X' }, deps: ['y'] },
        { id: 'y', stage: 'test.write-file', params: { name: 'y', content: 'Y' }, deps: ['x'] },
      ],
    });
}
