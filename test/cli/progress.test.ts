// The progress helper: a redrawn bar on a terminal, sparse plain lines otherwise, silence when disabled.
import { describe, expect, it } from 'vitest';
import { createProgress, followJob, renderBar } from '../../src/main/cli/progress';
import { job } from '../api/fixtures';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 80, write: (s: string) => chunks.push(s) } };
}

describe('createProgress', () => {
  it('redraws one bar in place on a terminal, at most every 100 ms, and ends with a line', () => {
    const { chunks, stream } = sink(true);
    let t = 0;
    const p = createProgress({ label: 'convert', stream, enabled: true, now: () => t });
    p.update(0.1, 'sb00');
    t = 50;
    p.update(0.2, 'sb03'); // too soon: skipped
    t = 150;
    p.event({ fraction: 0.5, message: 'sb07' });
    p.done('16 subbands');
    expect(chunks).toHaveLength(4);
    expect(chunks[0]).toBe(`\r\x1b[2K${renderBar('convert', 0.1, 'sb00', 80)}`);
    expect(chunks[1]).toContain(' 50% sb07');
    expect(chunks[2]).toBe('\r\x1b[2K');
    expect(chunks[3]).toBe('convert: done (16 subbands)\n');
    p.update(0.9);
    expect(chunks).toHaveLength(4);
  });

  it('writes a plain line per new tenth, no more often than the interval, when not a terminal', () => {
    const { chunks, stream } = sink(false);
    let t = 0;
    const p = createProgress({ label: 'image', stream, enabled: true, now: () => t, plainIntervalMs: 1000 });
    for (let i = 0; i <= 100; i++) {
      t = i * 100; // 10 s in all, 100 updates
      p.update(i / 100, `step ${i}`);
    }
    p.fail('wsclean exited 1');
    // Tenths 0..10 reached every 1 s: exactly one line each, then the final line.
    expect(chunks).toHaveLength(12);
    expect(chunks[0]).toBe('image: 0% step 0\n');
    expect(chunks[5]).toBe('image: 50% step 50\n');
    expect(chunks[11]).toBe('image: failed (wsclean exited 1)\n');
    expect(chunks.every((c) => !c.includes('\r'))).toBe(true);
  });

  it('writes nothing when disabled (--json or --quiet)', () => {
    const { chunks, stream } = sink(true);
    const p = createProgress({ label: 'x', stream, enabled: false });
    p.update(0.5);
    p.done();
    expect(chunks).toEqual([]);
  });
});

describe('renderBar', () => {
  it('shows the fraction, an unknown total, and fits the terminal width', () => {
    expect(renderBar('mosaic', 0.5, '', 80)).toBe(`mosaic [${'#'.repeat(15)}${'.'.repeat(15)}]  50%`);
    expect(renderBar('mosaic', null, 'waiting', 80)).toMatch(/\[\.+\] {3}\?% waiting$/);
    expect(renderBar('m', 1.7, 'x'.repeat(200), 60).length).toBeLessThanOrEqual(59);
  });
});

describe('followJob', () => {
  it('shows the whole job fraction with the stage, ignores other jobs, and ends on the terminal state', () => {
    const { chunks, stream } = sink(false);
    const p = createProgress({ label: 'job j1', stream, enabled: true, now: () => 0, plainIntervalMs: 0 });
    followJob(
      p,
      { type: 'progress', jobId: 'j1', stageId: 'convert', fraction: 0.5, message: 'sb07', jobProgress: 0.25 },
      'j1',
    );
    followJob(
      p,
      { type: 'progress', jobId: 'j2', stageId: 'image', fraction: 0.9, message: null, jobProgress: 0.9 },
      'j1',
    );
    const failed = { ...job('j1', 'failed', 0.25), kind: 'convert', error: 'sb07: truncated file' };
    followJob(
      p,
      {
        type: 'job',
        jobId: 'j1',
        kind: 'convert',
        state: 'failed',
        progress: 0.25,
        message: null,
        error: failed.error,
        job: failed,
      },
      'j1',
    );
    expect(chunks).toEqual(['job j1: 25% convert: sb07\n', 'job j1: failed (sb07: truncated file)\n']);
  });
});
