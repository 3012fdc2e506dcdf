// Issue 14, case 1 (calibration): a solve killed between writing its tables leaves a `.partial`
// table directory and tables registered before it died; the solve stage's cleanup (run before
// the re-run) removes the partial directory and retires the incomplete set, so the re-run's
// bandpass is the only valid one for its validity window. A complete set is left alone.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupInterruptedSolve } from '../../src/main/engine/calibration/stage';
import type { Engine } from '../../src/main/engine/engine';
import { openTestEngine, tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
let engine: Engine;

beforeAll(async () => {
  tmp = tempDir('dsa110-solve-cleanup-');
  engine = await openTestEngine(tmp.dir);
});
afterAll(async () => {
  await engine.close();
  tmp.remove();
});

function table(msPath: string, kind: 'B' | 'Gp' | 'Gap', suffix = ''): number {
  const stem = path.basename(msPath, '.ms');
  const p = path.join(engine.paths.caltables, `${stem}.${kind}${suffix}`);
  mkdirSync(p, { recursive: true });
  writeFileSync(path.join(p, 'table.dat'), 'x');
  const mjd = 61000.5;
  return engine.db.calibration.insertTable({
    path: p,
    kind,
    calibrator: '0834+555',
    msId: null,
    refAnt: '104',
    solveMjd: mjd,
    validStartMjd: mjd - 1,
    validEndMjd: mjd + 1,
    params: { msPath },
    status: 'valid',
  }).id;
}

describe('cleanup of an interrupted solve', () => {
  it('removes its partial table directories and retires an incomplete set', () => {
    const msPath = path.join(engine.paths.ms, '2026-01-15T08:45:30.ms');
    const b = table(msPath, 'B');
    const partial = path.join(engine.paths.caltables, '.2026-01-15T08:45:30.Gp.partial-0a1b2c3d');
    mkdirSync(partial, { recursive: true });
    writeFileSync(path.join(partial, 'table.dat'), 'half');
    const other = path.join(engine.paths.caltables, '.2026-01-15T09:00:00.Gp.partial-0a1b2c3d');
    mkdirSync(other, { recursive: true });
    const r = cleanupInterruptedSolve(engine, msPath);
    expect(r).toEqual({ partials: [partial], retired: [b] });
    expect(existsSync(partial)).toBe(false);
    // Another MS's partial directory is not this solve's to remove.
    expect(existsSync(other)).toBe(true);
    const row = engine.db.calibration.requireTable(b);
    expect(row.status).toBe('failed');
    expect(row.qa.retired).toBe('incomplete set left by an interrupted solve');
    expect(engine.db.calibration.findValid('B', 61000.5)).toEqual([]);
    // The re-run registers its own set: one valid bandpass for the window.
    table(msPath, 'B', '.v2');
    table(msPath, 'Gp', '.v2');
    table(msPath, 'Gap', '.v2');
    expect(cleanupInterruptedSolve(engine, msPath)).toEqual({ partials: [], retired: [] });
    expect(engine.db.calibration.findValid('B', 61000.5).map((t) => path.basename(t.path))).toEqual([
      '2026-01-15T08:45:30.B.v2',
    ]);
  });
});
