// The calibration-table registry: validity windows around the solve time (lookup before and
// after it), the nearest of overlapping windows, staleness bands, supersession on a re-solve,
// and a registered table deleted from disk never returned (and marked so).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/engine/db';
import type { Database } from '../../src/main/engine/db';
import {
  lookupCalSet,
  lookupCalTable,
  registerCalTable,
  stalenessOf,
} from '../../src/main/engine/calibration/registry';
import type { RegistryConfig } from '../../src/main/engine/calibration/registry';
import type { CalTableKind } from '../../src/shared/model/calibration';

const CFG: RegistryConfig = { bandpassValidityH: 24, gainValidityH: 1, freshH: 6, agingH: 12 };
const T0 = 61055.4;
const H = 1 / 24;
const root = mkdtempSync(join(tmpdir(), 'calreg-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let db: Database;
let n = 0;
beforeEach(() => {
  db = openDatabase(join(root, `db-${++n}.sqlite`));
});

/** A table directory with a table.dat (the registry checks the files, not their contents). */
function fakeTable(name: string): string {
  const dir = join(root, `${n}-${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'table.dat'), 'x');
  return dir;
}

function reg(name: string, kind: CalTableKind, solveMjd: number, msId: number | null = null) {
  return registerCalTable(
    db,
    {
      path: fakeTable(name),
      kind,
      calibrator: '0834+555',
      msId,
      refAnt: 'DSA-104',
      solveMjd,
      params: { minSnr: 3 },
      qa: { flaggedFraction: 0.01, medianSnr: 50 },
    },
    CFG,
  );
}

describe('validity windows', () => {
  it('gives a bandpass +-24 h and gains +-1 h around the solve time, with params and QA', () => {
    const b = reg('b', 'B', T0);
    const g = reg('g', 'Gap', T0);
    expect(b.validStartMjd).toBeCloseTo(T0 - 1, 12);
    expect(b.validEndMjd).toBeCloseTo(T0 + 1, 12);
    expect(g.validStartMjd).toBeCloseTo(T0 - H, 12);
    expect(g.validEndMjd).toBeCloseTo(T0 + H, 12);
    expect(g.qa).toEqual({ flaggedFraction: 0.01, medianSnr: 50 });
    expect(g.refAnt).toBe('DSA-104');
    expect(g.status).toBe('valid');
  });

  it('finds a table for a time before and after its solve, not outside its window', () => {
    reg('g', 'Gap', T0);
    expect(lookupCalTable(db, 'Gap', T0 - 0.5 * H, CFG)?.offsetH).toBeCloseTo(-0.5, 6);
    expect(lookupCalTable(db, 'Gap', T0 + 0.9 * H, CFG)?.offsetH).toBeCloseTo(0.9, 6);
    expect(lookupCalTable(db, 'Gap', T0 + 1.1 * H, CFG)).toBeNull();
    expect(lookupCalTable(db, 'Gap', T0 - 1.1 * H, CFG)).toBeNull();
    expect(lookupCalTable(db, 'B', T0, CFG)).toBeNull();
  });

  it('picks the nearest solve where windows overlap', () => {
    const early = reg('early', 'B', T0);
    const late = reg('late', 'B', T0 + 10 * H);
    expect(lookupCalTable(db, 'B', T0 + 4 * H, CFG)?.table.id).toBe(early.id);
    expect(lookupCalTable(db, 'B', T0 + 6 * H, CFG)?.table.id).toBe(late.id);
    expect(lookupCalTable(db, 'B', T0 - 5 * H, CFG)?.table.id).toBe(early.id);
    const set = lookupCalSet(db, T0 + 7 * H, CFG);
    expect(set.bandpass?.table.id).toBe(late.id);
    expect(set.gains).toBeNull();
  });

  it('reports staleness: fresh < 6 h, aging 6-12 h, stale 12-24 h, both sides of the solve', () => {
    reg('b', 'B', T0);
    expect(lookupCalTable(db, 'B', T0 + 2 * H, CFG)?.staleness).toBe('fresh');
    expect(lookupCalTable(db, 'B', T0 - 7 * H, CFG)?.staleness).toBe('aging');
    expect(lookupCalTable(db, 'B', T0 + 13 * H, CFG)?.staleness).toBe('stale');
    expect(lookupCalTable(db, 'B', T0 - 23.9 * H, CFG)?.staleness).toBe('stale');
    expect(lookupCalTable(db, 'B', T0 + 24.1 * H, CFG)).toBeNull();
    expect([5.99, 6, 11.99, 12].map((h) => stalenessOf(h, CFG))).toEqual(['fresh', 'aging', 'aging', 'stale']);
  });

  it('supersedes the earlier table of the same kind solved on the same MS', () => {
    const msId = db.ms.insert({
      path: join(root, 'x.ms'),
      startMjd: T0,
      endMjd: T0 + 0.003,
      midMjd: T0 + 0.0015,
      decDeg: 55.57,
      status: 'converted',
    }).id;
    const first = reg('g1', 'Gap', T0, msId);
    const second = reg('g2', 'Gap', T0 + 0.001, msId);
    expect(db.calibration.requireTable(first.id).status).toBe('superseded');
    expect(lookupCalTable(db, 'Gap', T0, CFG)?.table.id).toBe(second.id);
  });
});

describe('tables deleted from disk', () => {
  it('is never returned; it is marked failed with missingFiles and the next candidate is used', () => {
    const near = reg('near', 'B', T0);
    const far = reg('far', 'B', T0 + 8 * H);
    rmSync(near.path, { recursive: true });
    const got = lookupCalTable(db, 'B', T0 + H, CFG);
    expect(got?.table.id).toBe(far.id);
    const marked = db.calibration.requireTable(near.id);
    expect(marked.status).toBe('failed');
    expect(marked.qa.missingFiles).toBe(true);
    rmSync(far.path, { recursive: true });
    expect(lookupCalTable(db, 'B', T0 + H, CFG)).toBeNull();
  });

  it('refuses to register a table whose files are missing', () => {
    expect(() =>
      registerCalTable(
        db,
        {
          path: join(root, 'nowhere.B'),
          kind: 'B',
          calibrator: null,
          msId: null,
          refAnt: null,
          solveMjd: T0,
          params: {},
          qa: { flaggedFraction: 0, medianSnr: 1 },
        },
        CFG,
      ),
    ).toThrow(/nowhere\.B: cannot register a calibration table whose table\.dat is missing/);
  });
});
