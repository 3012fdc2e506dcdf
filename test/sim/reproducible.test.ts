// The simulator is deterministic for a seed: the same seed gives the same files whatever the
// threads, another seed gives other noise (and the same truth apart from what the seed draws).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NativePool } from '../../src/main/engine/native/pool';
import { simulate, type SimulationResult } from '../../src/main/engine/sim/simulate';
import { openUvh5 } from '../../src/main/engine/uvh5';

const pool = new NativePool({ workers: 2 });
const dirs: string[] = [];
afterAll(async () => {
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function run(seed: number, threads: number): Promise<SimulationResult> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'dsa110-sim-repro-'));
  dirs.push(outDir);
  // Every corruption on, RFI included, and enough channels per subband for a flagged one.
  return simulate(
    {
      outDir,
      start: '2026-01-15T08:22:27',
      minutes: 5,
      decDeg: 55.57,
      seed,
      antennas: 10,
      channelsPerSubband: 6,
      threads,
      corruptions: { rfi: true, flaggedChannelFraction: 0.05 },
    },
    pool,
  );
}

async function data(file: string): Promise<{ vis: Buffer; flags: Buffer }> {
  const f = await openUvh5(file);
  const b = f.readVisibilities({ rowStart: 0, rowCount: f.header.Nblts });
  f.close();
  return {
    vis: Buffer.from(b.vis.buffer, b.vis.byteOffset, b.vis.byteLength),
    flags: Buffer.from(b.flags.buffer, b.flags.byteOffset, b.flags.byteLength),
  };
}

describe('simulator reproducibility', () => {
  it('writes identical visibilities and flags for the same seed with 1 or 2 threads, different ones for another seed', async () => {
    const a = await run(110, 1);
    const b = await run(110, 2);
    const c = await run(111, 2);
    expect(a.chunks[0]!.files.map((f) => path.basename(f))).toEqual(b.chunks[0]!.files.map((f) => path.basename(f)));
    let flagged = 0;
    for (let i = 0; i < 16; i++) {
      const da = await data(a.chunks[0]!.files[i]!);
      const db = await data(b.chunks[0]!.files[i]!);
      const dc = await data(c.chunks[0]!.files[i]!);
      expect(da.vis.equals(db.vis)).toBe(true);
      expect(da.flags.equals(db.flags)).toBe(true);
      expect(da.vis.equals(dc.vis)).toBe(false);
      flagged += da.flags.reduce((s, x) => s + x, 0);
    }
    expect(flagged).toBeGreaterThan(0);
    const ta = JSON.parse(readFileSync(a.truthFile, 'utf8')) as Record<string, unknown>;
    const tb = JSON.parse(readFileSync(b.truthFile, 'utf8')) as Record<string, unknown>;
    expect(tb).toEqual(ta);
  });
});
