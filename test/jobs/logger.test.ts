// The job logger: a pino logger satisfies the Logger interface; lines are forwarded to it,
// persisted per job at or above the persist level, emitted as events; the base is closed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/main/engine/db';
import {
  JobRegistry,
  JobRunner,
  defineStage,
  teeLogger,
  type ClosableLogger,
  type Logger,
} from '../../src/main/engine/jobs';
import type { JobEvent } from '../../src/shared/model/jobs';

function pinoInto(lines: Record<string, unknown>[]): pino.Logger {
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return pino({ level: 'debug' }, stream);
}

let dir: string;
let db: Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dsa-log-'));
  db = openDatabase(join(dir, 'state.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('job logging', () => {
  it('teeLogger forwards every call to pino and sinks lines at or above the level, with child bindings', () => {
    const out: Record<string, unknown>[] = [];
    const base: Logger = pinoInto(out); // compile-time check: pino satisfies Logger
    const sunk: [string, string, unknown, Record<string, unknown>][] = [];
    const log = teeLogger(base, (level, msg, data, bindings) => sunk.push([level, msg, data, bindings]), 'info');
    log.debug('not persisted');
    log.child({ stageId: 'solve' }).warn({ antenna: 17, err: new Error('dead') }, 'antenna flagged');
    log.info('plain');
    expect(out.map((l) => l.msg)).toEqual(['not persisted', 'antenna flagged', 'plain']);
    expect(out[1]?.stageId).toBe('solve');
    expect(sunk.map((s) => [s[0], s[1]])).toEqual([
      ['warn', 'antenna flagged'],
      ['info', 'plain'],
    ]);
    expect(sunk[0]?.[2]).toMatchObject({ antenna: 17, err: { name: 'Error', message: 'dead' } });
    expect(sunk[0]?.[3]).toEqual({ stageId: 'solve' });
  });

  it('a job run persists its stage logs, emits them as events, and closes the base logger', async () => {
    const out: Record<string, unknown>[] = [];
    let closed = 0;
    const registry = new JobRegistry()
      .registerStage(
        defineStage({
          name: 'test.talk',
          params: z.object({ n: z.number().int() }),
          inputs: () => [],
          outputs: () => [],
          validate: () => {},
          verify: () => null,
          cleanup: () => {},
          execute: async (ctx) => {
            ctx.log.info({ n: ctx.params.n }, 'talking');
            ctx.log.debug('quiet detail');
            return { said: ctx.params.n };
          },
        }),
      )
      .registerJob({
        kind: 'talk',
        title: 'talk',
        params: z.object({}),
        build: () => [{ id: 't', stage: 'test.talk', params: { n: 3 }, deps: [] }],
      });
    // verify() never finds outputs, so the runner must report execute's outputs as unverifiable.
    const runner = new JobRunner({
      db,
      registry,
      workspace: join(dir, 'ws'),
      loggerFor: (): ClosableLogger =>
        Object.assign(pinoInto(out).child({}), {
          close: () => {
            closed++;
          },
        }),
    });
    const events: JobEvent[] = [];
    runner.on((e) => events.push(e));
    const id = runner.submit('talk', {});
    const job = await runner.run(id);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(
      /stage t \(test.talk\) failed: execute\(\) returned but verify\(\) finds its outputs missing or invalid/,
    );
    const lines = db.jobs.logs(id);
    const talking = lines.find((l) => l.message === 'talking');
    expect(talking).toMatchObject({ stageId: 't', level: 'info', data: { n: 3 } });
    expect(lines.some((l) => l.message === 'quiet detail')).toBe(false);
    expect(out.some((l) => l.msg === 'quiet detail' && l.jobId === id)).toBe(true);
    const logEvents = events.filter((e): e is Extract<JobEvent, { type: 'log' }> => e.type === 'log');
    expect(logEvents.map((e) => e.line)).toEqual(lines);
    expect(closed).toBe(1);
    const last = events.filter((e) => e.type === 'job').at(-1);
    expect(last?.type === 'job' ? last.job : null).toEqual(job);
  });
});
