// Variable-shape (indirect) array columns written by StandardStMan into table.f<N>i: cells of
// different shapes per row, rewritten in place (same shape) or appended (new shape), left
// empty; read back by the project and, cell by cell, by python-casacore (both byte orders).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrayColumn, createTable, openTable, scalarColumn } from '../../src/main/engine/casacore';
import type { Cell } from '../../src/main/engine/casacore';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';
import { expectSameAsPython } from '../casacore/pydump';

const root = mkdtempSync(join(tmpdir(), 'varshape-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NROWS = 7;
/** Row r: a [2, r+1] cell (row 3 left empty in every array column). */
const shapeOf = (r: number): number[] => [2, r + 1];
function complexCell(r: number): Cell {
  const n = 2 * (r + 1);
  return { shape: shapeOf(r), data: Float32Array.from({ length: 2 * n }, (_, k) => r * 100 + k * 0.25 - 3) };
}
function floatCell(r: number): Cell {
  return { shape: shapeOf(r), data: Float32Array.from({ length: 2 * (r + 1) }, (_, k) => r - k / 8) };
}
function boolCell(r: number): Cell {
  return { shape: shapeOf(r), data: Uint8Array.from({ length: 2 * (r + 1) }, (_, k) => ((k + r) % 3 === 0 ? 1 : 0)) };
}
function doubleCell(r: number): Cell {
  return { shape: [r + 2], data: Float64Array.from({ length: r + 2 }, (_, k) => Math.PI * (r + 1) * (k + 1)) };
}

function writeTable(dir: string, endian: 'little' | 'big'): void {
  const t = createTable(
    dir,
    {
      columns: [
        scalarColumn('ROW', 'Int'),
        arrayColumn('CPARAM', 'Complex', { ndim: -1 }),
        arrayColumn('SNR', 'Float', { ndim: -1 }),
        arrayColumn('FLAG', 'Bool', { ndim: -1 }),
        arrayColumn('VALUES', 'Double', { ndim: 1 }),
      ],
    },
    {
      nrows: NROWS,
      endian,
      dataManagers: [{ type: 'StandardStMan', name: 'SSM', columns: ['ROW', 'CPARAM', 'SNR', 'FLAG', 'VALUES'] }],
    },
  );
  t.putColumn(
    'ROW',
    Int32Array.from({ length: NROWS }, (_, i) => i),
  );
  for (let r = 0; r < NROWS; r++) {
    if (r === 3) continue;
    t.putCells('CPARAM', r, [complexCell(r)]);
    t.putCells('SNR', r, [floatCell(r)]);
    t.putCells('FLAG', r, [boolCell(r)]);
    t.putCells('VALUES', r, [doubleCell(r)]);
  }
  t.close();
}

describe.each(['little', 'big'] as const)('variable-shape cells, %s-endian', (endian) => {
  const dir = join(root, `vs-${endian}`);
  writeTable(dir, endian);

  it('reads back every cell with its own shape; empty cells stay empty', () => {
    const t = openTable(dir);
    for (let r = 0; r < NROWS; r++) {
      if (r === 3) {
        expect(t.getCellShape('CPARAM', r)).toBeNull();
        continue;
      }
      expect(t.getCell('CPARAM', r)).toEqual(complexCell(r));
      expect(t.getCell('SNR', r)).toEqual(floatCell(r));
      expect(t.getCell('FLAG', r)).toEqual(boolCell(r));
      expect(t.getCell('VALUES', r)).toEqual(doubleCell(r));
    }
    expect(t.columnDesc('CPARAM')).toMatchObject({ ndim: -1, options: 0 });
    expect(t.columnDesc('CPARAM').shape).toBeUndefined();
    t.close();
  });

  it('overwrites a same-shape cell in place and appends a cell of a new shape', () => {
    const copy = join(root, `rw-${endian}`);
    writeTable(copy, endian);
    const size0 = statSync(join(copy, 'table.f0i')).size;
    const t = openTable(copy, { writable: true });
    const same: Cell = { shape: [2, 2], data: Float32Array.from([9, 8, 7, 6, 5, 4, 3, 2]) };
    t.putCells('CPARAM', 1, [same]);
    t.close();
    expect(statSync(join(copy, 'table.f0i')).size).toBe(size0);
    const t2 = openTable(copy, { writable: true });
    const bigger: Cell = { shape: [1, 3], data: Float32Array.from([1, 2, 3]) };
    t2.putCells('SNR', 0, [bigger]);
    t2.putCells('FLAG', 3, [{ shape: [2, 1], data: Uint8Array.from([1, 0]) }]);
    t2.close();
    expect(statSync(join(copy, 'table.f0i')).size).toBeGreaterThan(size0);
    const t3 = openTable(copy);
    expect(t3.getCell('CPARAM', 1)).toEqual(same);
    expect(t3.getCell('SNR', 0)).toEqual(bigger);
    expect(t3.getCell('SNR', 1)).toEqual(floatCell(1));
    expect(t3.getCell('FLAG', 3)).toEqual({ shape: [2, 1], data: Uint8Array.from([1, 0]) });
    t3.close();
  });

  it('refuses cells whose values do not fill the shape, naming the row and column', () => {
    const copy = join(root, `bad-${endian}`);
    writeTable(copy, endian);
    const t = openTable(copy, { writable: true });
    expect(() => t.putCells('CPARAM', 2, [{ shape: [2, 2], data: new Float32Array(6) }])).toThrow(
      /row 2 of column CPARAM: 3 values do not fill shape \[2,2\]/,
    );
    expect(() => t.putCells('VALUES', 0, [{ shape: [2, 2], data: new Float64Array(4) }])).toThrow(
      /row 0 of column VALUES: cell shape \[2,2\] has 2 axes, the column 1/,
    );
    expect(() => t.putCells('ROW', 0, [{ shape: [1], data: new Int32Array(1) }])).toThrow(/ROW is a scalar column/);
    t.close();
  });

  describe.skipIf(skipInterop(pythonModules('casacore.tables', 'numpy')))('python-casacore', () => {
    it('reads every cell as the project does', () => {
      expectSameAsPython(dir);
    });

    it('writes variable-shape cells the project then reads', () => {
      const copy = join(root, `py-${endian}`);
      writeTable(copy, endian);
      runPython(
        String.raw`
import sys, numpy as np, casacore.tables as pt
t = pt.table(sys.argv[1], readonly=False, ack=False)
t.putcell('CPARAM', 3, np.array([[1+2j, 3-4j, 5+0.5j]], dtype=np.complex64))
t.putcell('SNR', 2, np.zeros((4, 2), dtype=np.float32) + 7)
t.close()`,
        [copy],
      );
      const t = openTable(copy);
      expect(t.getCell('CPARAM', 3)).toEqual({ shape: [3, 1], data: Float32Array.from([1, 2, 3, -4, 5, 0.5]) });
      expect(t.getCell('SNR', 2)).toEqual({ shape: [2, 4], data: new Float32Array(8).fill(7) });
      expect(t.getCell('CPARAM', 4)).toEqual(complexCell(4));
      t.close();
      expectSameAsPython(copy);
    });
  });
});
