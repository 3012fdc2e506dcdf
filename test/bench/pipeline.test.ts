// The pipeline benchmark's pure parts: option parsing, the real-time factors (which stages count)
// and the printed table. The benchmark itself (minutes on full-size data) is run by hand.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  GROUP_SKY_S,
  type PipelineReport,
  type StageReport,
  StepRecorder,
  formatReport,
  parseOptions,
  realTimeFactors,
  stepLabel,
} from '../../bench/pipeline';

const defaults = { dir: '/tmp/default-bench', threads: 2 };

function stage(
  name: string,
  counts: StageReport['counts'],
  wallS: number,
  cpuS: number,
  peakIsStage = true,
): StageReport {
  return {
    name,
    counts,
    wallS,
    cpuS,
    sysS: cpuS / 4,
    peakRssMiB: 1000 + wallS,
    peakIsStage,
    othersCpuS: 1.5,
    load1Start: 0.5,
    detail: `${name} done`,
    steps: [],
  };
}

const stages = [
  stage('native pool start', 'none', 0.4, 0.6),
  stage('index', 'none', 0.3, 0.3),
  stage('convert', 'group', 10, 12),
  stage('calibrate.solve', 'mosaic', 20, 35),
  stage('calibrate.apply', 'group', 5, 7),
  stage('image', 'group', 15, 28),
];

describe('bench pipeline options', () => {
  it('defaults, and every option', () => {
    expect(parseOptions([], defaults)).toEqual({ dir: '/tmp/default-bench', input: null, threads: 2, keep: false });
    expect(
      parseOptions(['--workspace', 'rel/ws', '--input', '/data/raw', '--threads', '4', '--keep'], defaults),
    ).toEqual({
      dir: path.resolve('rel/ws'),
      input: '/data/raw',
      threads: 4,
      keep: true,
    });
  });

  it('rejects unknown options, stray arguments and bad thread counts, naming them', () => {
    expect(() => parseOptions(['--niter', '5'], defaults)).toThrow(/niter/);
    expect(() => parseOptions(['extra'], defaults)).toThrow(/unexpected argument extra/);
    expect(() => parseOptions(['--threads', '0'], defaults)).toThrow(/--threads: expected an integer >= 1, got 0/);
    expect(() => parseOptions(['--threads', '1.5'], defaults)).toThrow(/--threads/);
    expect(() => parseOptions(['--workspace', ''], defaults)).toThrow(/--workspace/);
  });
});

describe('bench pipeline factors', () => {
  it('a group is 24 integrations of 12.885 s', () => {
    expect(GROUP_SKY_S).toBeCloseTo(309.24, 2);
  });

  it('counts convert + apply + image per group, the solve only in the second factor, never the setup', () => {
    const f = realTimeFactors(stages, 300);
    expect(f.perGroup).toBeCloseTo((10 + 5 + 15) / 300, 12);
    expect(f.withSolve).toBeCloseTo((10 + 5 + 15 + 20) / 300, 12);
    expect(f.cpuPerGroup).toBeCloseTo((12 + 7 + 28) / 300, 12);
    expect(f.cpuWithSolve).toBeCloseTo((12 + 7 + 28 + 35) / 300, 12);
  });

  it('refuses a sky time that is not positive', () => {
    expect(() => realTimeFactors(stages, 0)).toThrow(/sky time must be positive, got 0/);
    expect(() => realTimeFactors(stages, Number.NaN)).toThrow(/sky time/);
  });
});

describe('bench pipeline table', () => {
  const report = (ss: StageReport[]): PipelineReport => ({
    benchmark: 'pipeline',
    startedIso: '2026-11-21T14:00:00.000Z',
    machine: { cores: 2, cpuModel: 'Test CPU', threads: 2, loadStart: [1, 2, 3], loadEnd: [4, 5, 6] },
    input: { dir: '/x/input', source: '/data', bytes: 2.35e9, files: 16, preparedS: 1, how: 'copied' },
    data: {
      groupId: '2026-01-15T08:48:00',
      antennas: 96,
      channels: 768,
      integrations: 24,
      rows: 1787904,
      visibilities: 1787904 * 48 * 2,
      skyS: 300,
    },
    imaging: { size: 2560, cellArcsec: 5, weighting: 'briggs', robust: 0, niter: 1000, column: 'CORRECTED_DATA' },
    stages: ss,
    factors: realTimeFactors(ss, 300),
    targetFactor: 0.2,
    processPeakRssMiB: 2048,
  });

  it('one row per stage with its numbers, the totals, both factors and the loads', () => {
    const text = formatReport(report(stages));
    const lines = text.split('\n');
    const row = lines.find((l) => l.startsWith('calibrate.apply'));
    expect(row).toBeDefined();
    // wall, CPU, system, CPU/wall, peak MiB, others, load1, counted.
    expect(row!.split(/\s+/).slice(1, 9)).toEqual(['5.0', '7.0', '1.8', '1.40', '1005', '1.5', '0.50', 'yes']);
    expect(lines.find((l) => l.startsWith('calibrate.solve'))!.split(/\s+/)[8]).toBe('solve');
    expect(lines.find((l) => l.startsWith('index'))!.split(/\s+/)[8]).toBe('no');
    expect(
      lines
        .find((l) => l.startsWith('convert+apply+image'))!
        .split(/\s+/)
        .slice(1, 3),
    ).toEqual(['30.0', '47.0']);
    expect(
      lines
        .find((l) => l.startsWith('  + solve'))!
        .trim()
        .split(/\s+/)
        .slice(2, 4),
    ).toEqual(['50.0', '82.0']);
    expect(text).toContain('real-time factor (convert + apply + image) / 300.00 s: 0.100  (target <= 0.2');
    expect(text).toContain('with the solve (once per mosaic, here on this group):  0.167');
    // 47 CPU-s over 300 s of sky on 2 threads: between 0.078 and 0.157.
    expect(text).toContain(
      'the factor would lie between 0.078 (all 2 threads busy throughout) and 0.157 (one at a time)',
    );
    expect(text).toContain('at start 1.00 2.00 3.00, at end 4.00 5.00 6.00');
    expect(text).toContain(
      '96 antennas, 768 channels, 24 integrations, 1787904 rows, 172 M visibilities; 300.00 s of sky',
    );
    expect(text).not.toContain('could not reset');
  });

  it('lists the steps of stages that reported progress, under the table', () => {
    const steps = [
      { label: '(start: checks before the first message)', count: 1, wallS: 0.2, cpuS: 0.1 },
      { label: 'major cycle #', count: 3, wallS: 12.5, cpuS: 24 },
    ];
    const text = formatReport(report([...stages.slice(0, 5), { ...stage('image', 'group', 15, 28), steps }]));
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.startsWith('where the time goes'));
    expect(i).toBeGreaterThan(0);
    expect(lines[i + 1]!.trim().split(/\s{2,}/)).toEqual([
      'image',
      '(start: checks before the first message)',
      '0.2',
      '0.1',
    ]);
    expect(lines[i + 2]!.trim().split(/\s{2,}/)).toEqual(['major cycle # (x3)', '12.5', '24.0']);
    expect(formatReport(report(stages))).not.toContain('where the time goes');
  });

  it('marks a peak RSS that is the process peak rather than the stage peak', () => {
    const text = formatReport(report([...stages.slice(0, 5), stage('image', 'group', 15, 28, false)]));
    expect(
      text
        .split('\n')
        .find((l) => l.startsWith('image'))!
        .split(/\s+/)[5],
    ).toBe('1015*');
    expect(text).toContain('* = process peak so far');
  });
});

describe('bench pipeline steps', () => {
  it('labels a message by its kind: before a colon, numbers and paths masked', () => {
    expect(stepLabel('major cycle 3: 450 components, peak 1.234e+0 Jy/beam')).toBe('major cycle #');
    expect(stepLabel('sb03 -> spectral window 3')).toBe('sb# -> spectral window #');
    expect(stepLabel('reading /tmp/ws/ms/2026-01-15T08:48:00.ms')).toBe('reading PATH');
    expect(stepLabel('solved 16 of 16 windows on 0834+555')).toBe('solved # of # windows on #+#');
  });

  it('splits wall and CPU at the messages and sums each kind; time before the first message is its own step', () => {
    const r = new StepRecorder(1000, 10);
    r.mark('reading /x.ms', 1500, 10.4);
    r.mark('PSF', 3000, 12);
    r.mark('PSF', 3500, 12.5); // a repeated message continues its step
    r.mark('major cycle 1: 100 components', 4000, 13);
    r.mark('major cycle 2: 200 components', 6000, 16);
    const steps = r.steps(9000, 21);
    expect(steps.map((s) => [s.label, s.count])).toEqual([
      ['(start: checks before the first message)', 1],
      ['reading PATH', 1],
      ['PSF', 1],
      ['major cycle #', 2],
    ]);
    const by = new Map(steps.map((s) => [s.label, s]));
    expect(by.get('PSF')!.wallS).toBeCloseTo(1.0, 12);
    expect(by.get('PSF')!.cpuS).toBeCloseTo(1.0, 12);
    expect(by.get('major cycle #')!.wallS).toBeCloseTo(5.0, 12);
    expect(by.get('major cycle #')!.cpuS).toBeCloseTo(8.0, 12);
    // The steps add up to the stage.
    expect(steps.reduce((a, s) => a + s.wallS, 0)).toBeCloseTo(8.0, 12);
    expect(steps.reduce((a, s) => a + s.cpuS, 0)).toBeCloseTo(11.0, 12);
  });
});
