// Engines on temporary workspaces for the engine tests, a stage that waits for cancellation, and
// a caller that goes through the contract both ways (input parsed, output validated).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { createApiHandlers } from '../../src/main/engine/api';
import { Engine, type EngineOpenOptions } from '../../src/main/engine/engine';
import { defineStage, removeOutputs, writeFileAtomic } from '../../src/main/engine/jobs';
import {
  validateInput,
  validateOutput,
  type RequestArgs,
  type RequestName,
  type RequestOutput,
} from '../../src/shared/api';

export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An engine on `workspace` with no DSA110_* variables from the test's environment. */
export function openTestEngine(workspace: string, opts: EngineOpenOptions = {}): Promise<Engine> {
  return Engine.open({ workspace, env: {}, overrides: { threads: 1 }, ...opts });
}

/** Call a request as a client would: input parsed by the contract, reply validated by it. */
export async function call<K extends RequestName>(
  engine: Engine,
  channel: K,
  args: RequestArgs<K>,
): Promise<RequestOutput<K>> {
  const handler = createApiHandlers(engine)[channel] as (
    i: unknown,
    c: { requestId: undefined; signal: AbortSignal },
  ) => Promise<unknown>;
  const out = await handler(validateInput(channel, args), {
    requestId: undefined,
    signal: new AbortController().signal,
  });
  return validateOutput(channel, out);
}

/** A stage that reports it started, then waits until the job is cancelled. */
export const waitStage = defineStage({
  name: 'test.wait-for-cancel',
  params: z.object({}),
  inputs: () => [],
  outputs: () => [],
  validate: () => undefined,
  verify: () => null,
  execute: (ctx) =>
    new Promise((_, reject) => {
      ctx.progress(0.25, 'waiting');
      const stop = () => reject(new Error('cancelled'));
      if (ctx.signal.aborted) stop();
      else ctx.signal.addEventListener('abort', stop, { once: true });
    }),
  cleanup: () => undefined,
});

/** A stage that writes `<job workspace>/<stageId>.json` with its value; verify reads it back. */
export const okStage = defineStage({
  name: 'test.ok',
  params: z.object({ value: z.number() }),
  inputs: () => [],
  outputs: (ctx) => [path.join(ctx.workspace, `${ctx.stageId}.json`)],
  validate: () => undefined,
  verify: (ctx) => {
    const file = path.join(ctx.workspace, `${ctx.stageId}.json`);
    if (!existsSync(file)) return null;
    const out = JSON.parse(readFileSync(file, 'utf8')) as { value?: unknown };
    return out.value === ctx.params.value ? { value: ctx.params.value } : null;
  },
  execute: async (ctx) => {
    await writeFileAtomic(path.join(ctx.workspace, `${ctx.stageId}.json`), JSON.stringify({ value: ctx.params.value }));
    ctx.log.info({ value: ctx.params.value }, `value ${ctx.params.value}`);
    ctx.log.warn('a warning for the log filters');
    return { value: ctx.params.value };
  },
  cleanup: (ctx) => removeOutputs([path.join(ctx.workspace, `${ctx.stageId}.json`)]),
});

/** Job kinds `test.wait` (one waiting stage) and `test.two` (two ok stages in a row). */
export function registerTestJobs(engine: Engine): void {
  engine.registry
    .registerStage(waitStage)
    .registerStage(okStage)
    .registerJob({
      kind: 'test.wait',
      title: 'waits for cancel',
      params: z.object({}),
      build: () => [{ id: 'wait', stage: waitStage.name, params: {}, deps: [] }],
    })
    .registerJob({
      kind: 'test.two',
      title: 'two stages',
      params: z.object({}),
      build: () => [
        { id: 'first', stage: okStage.name, params: { value: 1 }, deps: [] },
        { id: 'second', stage: okStage.name, params: { value: 2 }, deps: ['first'] },
      ],
    });
}
