// The application log and per-job logs land in the right files, as parseable JSON lines.
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, formatLine } from '../../src/main/engine/log';

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('createLogger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dsa110-log-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes JSON lines with level labels and ISO times to <logs>/dsa110.log, respecting the level', () => {
    const log = createLogger({ logsDir: dir, level: 'info' });
    log.debug('hidden');
    log.info({ ms: 'a.ms' }, 'converted');
    log.child({ stage: 'calibrate' }).warn('few solutions');
    log.close();
    const recs = lines(path.join(dir, 'dsa110.log'));
    expect(recs.map((r) => r.msg)).toEqual(['converted', 'few solutions']);
    expect(recs[0]).toMatchObject({ level: 'info', ms: 'a.ms', pid: process.pid });
    expect(recs[1]).toMatchObject({ level: 'warn', stage: 'calibrate' });
    expect(Number.isNaN(Date.parse(String(recs[0]?.time)))).toBe(false);
  });

  it('writes a job log per job, each line tagged with the job id and also in the application log', () => {
    const log = createLogger({ logsDir: dir, level: 'debug' });
    const j7 = log.jobLogger(7);
    const j8 = log.jobLogger('8');
    j7.info({ fraction: 0.5 }, 'half way');
    j8.debug('job eight');
    j7.child({ subband: 3 }).error('bad file');
    log.info('not a job line');
    j7.close();
    j7.info('after close goes nowhere');
    log.close();
    const seven = lines(path.join(dir, 'jobs', '7.log'));
    const eight = lines(path.join(dir, 'jobs', '8.log'));
    expect(seven.map((r) => r.msg)).toEqual(['half way', 'bad file']);
    expect(seven.every((r) => r.jobId === 7)).toBe(true);
    expect(seven[1]).toMatchObject({ level: 'error', subband: 3 });
    expect(eight.map((r) => [r.msg, r.jobId])).toEqual([['job eight', '8']]);
    const all = lines(path.join(dir, 'dsa110.log'));
    expect(all.map((r) => r.msg)).toEqual(['half way', 'job eight', 'bad file', 'not a job line']);
    expect(all[3]?.jobId).toBeUndefined();
  });

  it('refuses a job id that cannot be a file name', () => {
    const log = createLogger({ logsDir: dir });
    expect(() => log.jobLogger('../etc/passwd')).toThrow(/job id "\.\.\/etc\/passwd"/);
    log.close();
    expect(existsSync(path.join(dir, 'etc'))).toBe(false);
  });

  it('echoes records at the console level as readable lines', () => {
    const out: string[] = [];
    const log = createLogger({
      logsDir: dir,
      level: 'debug',
      console: { level: 'warn', stream: { write: (s: string) => out.push(s) } },
    });
    log.info('file only');
    log.warn({ file: 'x.hdf5' }, 'skipped');
    log.close();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d\d:\d\d:\d\d WARN {2}skipped file=x\.hdf5\n$/);
    expect(lines(path.join(dir, 'dsa110.log'))).toHaveLength(2);
  });

  it('flushes lines still buffered when the process exits', async () => {
    // A child process logs and exits at once; the exit hook must get the lines to disk.
    const { spawnSync } = await import('node:child_process');
    const script = `import { createLogger } from ${JSON.stringify(path.resolve('src/main/engine/log/index.ts'))};
      const log = createLogger({ logsDir: ${JSON.stringify(dir)} });
      for (let i = 0; i < 2000; i++) log.info({ i }, 'line');
      process.exit(0);`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const recs = lines(path.join(dir, 'dsa110.log'));
    expect(recs).toHaveLength(2000);
    expect(recs[1999]?.i).toBe(1999);
  });
});

describe('formatLine', () => {
  it('keeps unparseable input and shows error messages', () => {
    expect(formatLine('not json')).toBe('not json\n');
    expect(
      formatLine('{"level":"error","time":"2025-01-01T10:11:12.000Z","msg":"failed","err":{"message":"disk full"}}'),
    ).toBe('10:11:12 ERROR failed error="disk full"\n');
  });

  it('shows a stack trace only when asked (the CLI at debug or trace), and no message twice', () => {
    const rec = JSON.stringify({
      level: 'error',
      time: '2025-01-01T10:11:12.000Z',
      msg: 'stage image failed: input x does not exist',
      jobId: 'j1',
      err: { message: 'input x does not exist', stack: 'Error: input x does not exist\n    at runStage (a.js:1:1)' },
    });
    expect(formatLine(rec)).toBe('10:11:12 ERROR stage image failed: input x does not exist jobId=j1\n');
    expect(formatLine(rec, { stacks: true })).toBe(
      '10:11:12 ERROR stage image failed: input x does not exist jobId=j1\nError: input x does not exist\n    at runStage (a.js:1:1)\n',
    );
  });
});
