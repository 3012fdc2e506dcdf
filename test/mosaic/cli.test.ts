// `dsa110 mosaic build` through the real binary on a temporary workspace: a dry run changes
// nothing, --since/--until selects and builds, a failed validation exits 1 and builds nothing,
// and a missing selection is a usage error (2).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/main/engine/engine';
import { DEC, T0, addTile } from './fixture';
import { isoOfMjd } from './sky';

const BIN = path.resolve('bin/dsa110.mjs');
let tmp: string;
let ws: string;
let good: number[] = [];
let offStrip = 0;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-cli-mosaic-'));
  ws = path.join(tmp, 'ws');
  const engine = await Engine.open({ workspace: ws, env: {} });
  const small = { n: 96, cellArcsec: 120, beamArcsec: 400 };
  good = [0, 1, 2].map((k) => addTile({ dir: tmp, db: engine.db }, `cli-${k}`, { ...small, k }, []).imageId);
  offStrip = addTile({ dir: tmp, db: engine.db }, 'cli-off', { ...small, k: 3, decDeg: DEC + 1 }, []).imageId;
  await engine.close();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]) {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_') || k === 'DSA110_NATIVE_ADDON'),
  );
  const r = spawnSync(process.execPath, [BIN, '--workspace', ws, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...clean, HOME: tmp },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function withDb<T>(fn: (e: Engine) => T): Promise<T> {
  const e = await Engine.open({ workspace: ws, env: {} });
  try {
    return fn(e);
  } finally {
    await e.close();
  }
}

describe('dsa110 mosaic build', () => {
  it('--dry-run prints the selection, the validation and the grid, and changes nothing', async () => {
    const out = path.join(tmp, 'out', 'dry');
    const r = run('mosaic', 'build', '--images', ...good.map(String), '--output', out, '--dry-run', '--json');
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as {
      dryRun: boolean;
      validation: { ok: boolean };
      images: unknown[];
      grid: { nx: number; projection: string };
    };
    expect(o.dryRun).toBe(true);
    expect(o.validation.ok).toBe(true);
    expect(o.images).toHaveLength(3);
    expect(o.grid.projection).toBe('SIN');
    expect(existsSync(out)).toBe(false);
    expect(await withDb((e) => e.db.images.getMosaicGroupByName('dry'))).toBeUndefined();
    const human = run(
      'mosaic',
      'build',
      '--images',
      ...good.map(String),
      String(offStrip),
      '--output',
      out,
      '--dry-run',
    );
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toContain('validation: FAILED');
    expect(human.stdout).toMatch(/FAIL declination/);
  });

  it('--since/--until selects the images of the time range and builds the mosaic', async () => {
    const out = path.join(tmp, 'out', 'range');
    const r = run(
      'mosaic',
      'build',
      '--since',
      isoOfMjd(T0 - 1 / 1440),
      '--until',
      isoOfMjd(T0 + 14 / 1440),
      '--method',
      'mean',
      '--output',
      out,
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout) as { nImages: number; mosaicId: number; files: { mosaic: string }; method: string };
    expect(o.nImages).toBe(3);
    expect(o.method).toBe('mean');
    expect(existsSync(o.files.mosaic)).toBe(true);
    const row = await withDb((e) => e.db.images.getMosaic(o.mosaicId));
    expect(row?.path).toBe(path.join(out, 'range.fits'));
  });

  it('a failed validation exits 1 with the reasons and builds nothing', async () => {
    const out = path.join(tmp, 'out', 'bad');
    const r = run('mosaic', 'build', '--images', String(good[0]), String(offStrip), '--output', out, '--name', 'bad');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('tile validation failed');
    expect(r.stderr).toContain('declination');
    expect(existsSync(out)).toBe(false);
    expect(await withDb((e) => e.db.images.getMosaicGroupByName('bad')?.status)).toBe('failed');
  });

  it('no selection, or both kinds, is a usage error', () => {
    expect(run('mosaic', 'build', '--output', path.join(tmp, 'x')).status).toBe(2);
    expect(
      run(
        'mosaic',
        'build',
        '--images',
        '1',
        '--since',
        '2026-01-01',
        '--until',
        '2026-01-02',
        '--output',
        path.join(tmp, 'x'),
      ).status,
    ).toBe(2);
    expect(run('mosaic', 'build', '--images', '1', '--method', 'median', '--output', path.join(tmp, 'x')).status).toBe(
      2,
    );
  });
});
