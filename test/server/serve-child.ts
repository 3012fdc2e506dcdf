// A `dsa110 serve` process for the recovery test: the real server over a real engine on the
// given workspace, with one extra job kind, `test.slow` (a stage that takes about 4 s, then a
// quick one). `--submit` starts such a job. Prints one JSON line: url, token, pid, job, recovered.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Engine } from '../../src/main/engine/engine';
import { defineStage, removeOutputs } from '../../src/main/engine/jobs';
import { serve } from '../../src/main/server';

const [workspace, flag] = process.argv.slice(2);
if (!workspace) throw new Error('usage: serve-child.ts WORKSPACE [--submit]');

const slow = defineStage({
  name: 'test.slow-step',
  params: z.object({ steps: z.number().int() }),
  inputs: () => [],
  outputs: (ctx) => [path.join(ctx.workspace, `${ctx.stageId}.done`)],
  validate: () => undefined,
  verify: (ctx) => (existsSync(path.join(ctx.workspace, `${ctx.stageId}.done`)) ? { steps: ctx.params.steps } : null),
  execute: async (ctx) => {
    // Each attempt is recorded, so the test can tell the interrupted run from the resumed one.
    const attempts = path.join(ctx.workspace, `${ctx.stageId}.attempts`);
    writeFileSync(attempts, `${existsSync(attempts) ? readFileSync(attempts, 'utf8') : ''}${process.pid}\n`);
    for (let i = 0; i < ctx.params.steps; i++) {
      if (ctx.signal.aborted) throw new Error('cancelled');
      ctx.progress(i / ctx.params.steps, `step ${i + 1}/${ctx.params.steps}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    writeFileSync(path.join(ctx.workspace, `${ctx.stageId}.done`), 'ok');
    return { steps: ctx.params.steps };
  },
  cleanup: (ctx) => removeOutputs([path.join(ctx.workspace, `${ctx.stageId}.done`)]),
});

const engine = await Engine.open({
  workspace,
  env: {},
  overrides: { threads: 1 },
  app: { name: 'dsa110-test', version: '0.0.0', runtime: 'http' },
});
engine.registry.registerStage(slow).registerJob({
  kind: 'test.slow',
  title: 'slow',
  params: z.object({}),
  build: () => [
    { id: 'slow', stage: slow.name, params: { steps: 40 }, deps: [] },
    { id: 'quick', stage: slow.name, params: { steps: 2 }, deps: ['slow'] },
  ],
});
const server = await serve({ engine, port: 0, rendererDir: null });
let job: string | null = null;
if (flag === '--submit') {
  job = engine.submit('test.slow', {});
  void engine.run(job).catch(() => undefined);
}
process.stdout.write(
  `${JSON.stringify({ url: `http://127.0.0.1:${server.port}`, token: server.token, pid: process.pid, job, recovered: server.recovered.map((r) => r.jobId) })}\n`,
);
const stop = () => {
  void server
    .close()
    .then(() => engine.close())
    .then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
