// The conversion through the engine: `dsa110 convert` and `dsa110 ms info` on the real binary
// (indexing first, the database row, a rerun keeping the MS, an incomplete group refused by
// name), and the `convert` job kind through the job runner.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/main/engine/engine';
import { CONVERT_KIND, registerConvert } from '../../src/main/engine/convert';
import { indexDirectory } from '../../src/main/engine/ingest/indexer';
import { simulateGroup } from './sim-group';
import type { SimulationResult } from '../../src/main/engine/sim/simulate';

const BIN = path.resolve('bin/dsa110.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-cli-convert-'));
const ws = path.join(tmp, 'ws');
let sim: SimulationResult;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  sim = await simulateGroup({
    antennas: 8,
    channelsPerSubband: 4,
    outDir: path.join(tmp, 'raw'),
    offsets: [{ name: 'a', lRad: 0, mRad: 0, fluxJy: 1 }],
  });
}, 120_000);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}
function run(...args: string[]): Run {
  return runIn(ws, ...args);
}
function runIn(workspace: string, ...args: string[]): Run {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_')));
  const r = spawnSync(process.execPath, [BIN, '--workspace', workspace, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...clean, HOME: tmp },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dsa110 convert and dsa110 ms info', () => {
  it('indexes the input, converts the group, records it, and describes the MS', () => {
    const out = path.join(tmp, 'ms');
    const r = run('--json', 'convert', '--input-dir', path.join(tmp, 'raw'), '--output-dir', out);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as {
      converted: { path: string; rows: number; spws: number; skipped: boolean; groupId: string }[];
      refused: unknown[];
      failed: unknown[];
    };
    expect(res.failed).toEqual([]);
    expect(res.converted).toHaveLength(1);
    const c = res.converted[0]!;
    expect(c.groupId).toBe(sim.chunks[0]!.groupId);
    expect(c.path).toBe(path.join(out, `${c.groupId}.ms`));
    expect(c.rows).toBe(24 * 16 * 36);
    expect(c.skipped).toBe(false);

    const info = run('--json', 'ms', 'info', c.path);
    expect(info.status, info.stderr).toBe(0);
    const s = JSON.parse(info.stdout) as {
      rows: number;
      spws: { ascending: boolean }[];
      fields: unknown[];
      antennasWithData: number;
      flaggedFraction: number;
      columns: string[];
    };
    expect(s.rows).toBe(c.rows);
    expect(s.spws).toHaveLength(16);
    expect(s.spws.every((w) => w.ascending)).toBe(true);
    expect(s.antennasWithData).toBe(8);
    expect(s.flaggedFraction).toBeCloseTo(8 / 36, 12); // the autocorrelations
    const human = run('ms', 'info', c.path);
    expect(human.stdout).toMatch(/sb15 +4 +1312\.\d+/);
    expect(human.stdout).toContain('flagged 22.22 %');

    const again = run('--json', 'convert', '--input-dir', path.join(tmp, 'raw'), '--output-dir', out);
    expect(again.status, again.stderr).toBe(0);
    expect((JSON.parse(again.stdout) as typeof res).converted[0]!.skipped).toBe(true);
  });

  it('refuses an incomplete group named by --group, naming the missing subbands', () => {
    const part = path.join(tmp, 'part');
    mkdirSync(part);
    for (const f of sim.chunks[0]!.files.filter((f) => !/_sb1[24]\.hdf5$/.test(f)))
      symlinkSync(f, path.join(part, path.basename(f)));
    // A workspace of its own: the group of the remaining files is named by their earliest timestamp.
    const ws2 = path.join(tmp, 'ws-part');
    const idx = runIn(ws2, '--json', 'index', '--input-dir', part);
    expect(idx.status, idx.stderr).toBe(0);
    const groups = (JSON.parse(idx.stdout) as { groups: { id: string }[] }).groups;
    expect(groups).toHaveLength(1);
    const r = runIn(
      ws2,
      'convert',
      '--input-dir',
      part,
      '--output-dir',
      path.join(tmp, 'ms-part'),
      '--group',
      groups[0]!.id,
    );
    expect(r.status).toBe(1);
    expect(r.stderr + r.stdout).toMatch(/subbands sb12, sb14 are missing \(14 of 16 present\)/);
    const ok = runIn(
      ws2,
      '--json',
      'convert',
      '--input-dir',
      part,
      '--output-dir',
      path.join(tmp, 'ms-part'),
      '--allow-incomplete',
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as { converted: { spws: number }[] }).converted[0]!.spws).toBe(14);
  });

  it('rejects a malformed --start', () => {
    const r = run('convert', '--input-dir', tmp, '--output-dir', tmp, '--start', 'yesterday');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--start');
  });
});

describe('the convert job kind', () => {
  it('runs through the job runner and records the MS in the database', async () => {
    const engine = await Engine.open({ workspace: path.join(tmp, 'ws-job'), env: {} });
    try {
      registerConvert(engine);
      await indexDirectory(engine.db, path.join(tmp, 'raw'));
      const groupId = sim.chunks[0]!.groupId;
      const id = engine.submit(CONVERT_KIND, { groupId, outputDir: path.join(tmp, 'ms-job') });
      const job = await engine.run(id);
      expect(job.state, job.error ?? '').toBe('succeeded');
      const row = engine.db.ms.getByPath(path.join(tmp, 'ms-job', `${groupId}.ms`));
      expect(row?.status).toBe('converted');
      expect(row?.nSpws).toBe(16);
      expect(row?.nAntennas).toBe(8);
      expect(row?.groupId).toBe(groupId);
      expect(row?.flaggedFraction).toBeCloseTo(8 / 36, 12);
      expect(engine.db.ingest.requireGroup(groupId).state).toBe('completed');
      // Submitted again, the stage verifies the existing MS and is skipped.
      const again = await engine.run(engine.submit(CONVERT_KIND, { groupId, outputDir: path.join(tmp, 'ms-job') }));
      expect(again.state).toBe('succeeded');
      expect(engine.db.jobs.stageRuns(again.id)[0]?.state).toBe('skipped');
    } finally {
      await engine.close();
    }
  });
});
