// getColumnInto: tiled columns decode straight into a caller's buffer (or a view on one), other
// managers are copied; the result equals getColumn, and a wrong buffer is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrayColumn, createTable, openTable, scalarColumn } from '../../src/main/engine/casacore';

const dir = mkdtempSync(path.join(tmpdir(), 'casacore-into-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Table.getColumnInto', () => {
  const file = path.join(dir, 't.tab');
  const nrows = 37;
  const t = createTable(
    file,
    {
      columns: [
        scalarColumn('TIME', 'Double'),
        arrayColumn('DATA', 'Complex', { shape: [2, 5] }),
        arrayColumn('FLAG', 'Bool', { shape: [2, 5] }),
      ],
    },
    {
      nrows,
      dataManagers: [
        { type: 'StandardStMan', name: 'SSM', columns: ['TIME'] },
        { type: 'TiledShapeStMan', name: 'TiledData', columns: ['DATA'], tileShape: [2, 3, 4] },
        { type: 'TiledShapeStMan', name: 'TiledFlag', columns: ['FLAG'], tileShape: [2, 5, 8] },
      ],
    },
  );
  t.putColumn(
    'TIME',
    Float64Array.from({ length: nrows }, (_, i) => 5e9 + i),
  );
  t.putColumn(
    'DATA',
    Float32Array.from({ length: nrows * 20 }, (_, i) => Math.sin(i) * 100),
  );
  t.putColumn(
    'FLAG',
    Uint8Array.from({ length: nrows * 10 }, (_, i) => (i % 7 === 0 ? 1 : 0)),
  );
  t.close();

  it('fills a view on a larger buffer with what getColumn returns, for tiled and standard columns', () => {
    const r = openTable(file);
    const big = new Float32Array(2 * 20 * 50).fill(-1);
    r.getColumnInto('DATA', 5, 30, big.subarray(40, 40 + 30 * 20));
    expect(Array.from(big.subarray(40, 40 + 30 * 20))).toEqual(Array.from(r.getColumn('DATA', 5, 30) as Float32Array));
    expect(big[39]).toBe(-1);
    expect(big[40 + 30 * 20]).toBe(-1);
    const flags = new Uint8Array(10 * 7);
    r.getColumnInto('FLAG', 30, 7, flags);
    expect(Array.from(flags)).toEqual(Array.from(r.getColumn('FLAG', 30, 7) as Uint8Array));
    const time = new Float64Array(4);
    r.getColumnInto('TIME', 33, 4, time);
    expect(Array.from(time)).toEqual([5e9 + 33, 5e9 + 34, 5e9 + 35, 5e9 + 36]);
    r.close();
  });

  it('refuses a buffer of the wrong type or length, naming the column', () => {
    const r = openTable(file);
    expect(() => r.getColumnInto('DATA', 0, 2, new Float32Array(39))).toThrow(
      /column DATA: readInto needs a Float32Array of length 40/,
    );
    expect(() => r.getColumnInto('DATA', 0, 2, new Float64Array(40))).toThrow(/column DATA/);
    expect(() => r.getColumnInto('TIME', 0, 2, new Float64Array(3))).toThrow(
      /column TIME: getColumnInto needs 2 values/,
    );
    r.close();
  });
});
