// A table using every element type, fixed arrays in StandardStMan and both tiled managers,
// nested keywords and a subtable: the shared fixture of the casacore tests.
import { join } from 'node:path';
import { arrayColumn, createTable, kw, scalarColumn } from '../../src/main/engine/casacore';
import type { ColumnData, Endian, Table } from '../../src/main/engine/casacore';

export const NROWS = 37;
export const NPOL = 2;
export const NCHAN = 5;

/** Deterministic values per column: what the fixture writes and every reader must return. */
export function expectedColumns(n = NROWS): Record<string, ColumnData> {
  const seq = (k: number, f: (i: number) => number): number[] => Array.from({ length: k }, (_, i) => f(i));
  return {
    BOOL: Uint8Array.from(seq(n, (i) => (i % 3 === 0 ? 1 : 0))),
    UCHAR: Uint8Array.from(seq(n, (i) => (i * 7) % 256)),
    SHORT: Int16Array.from(seq(n, (i) => i * 100 - 1800)),
    INT: Int32Array.from(seq(n, (i) => i * 123457 - 2000000)),
    UINT: Uint32Array.from(seq(n, (i) => 4000000000 - i)),
    INT64: BigInt64Array.from(
      seq(n, (i) => i),
      (i) => BigInt(i) * 10000000000n - 7n,
    ),
    FLOAT: Float32Array.from(seq(n, (i) => i * 0.25 - 3.5)),
    DOUBLE: Float64Array.from(seq(n, (i) => 5.1e9 + i * 1.0000001)),
    COMPLEX: Float32Array.from(seq(2 * n, (i) => (i % 2 ? -i : i) * 0.5)),
    DCOMPLEX: Float64Array.from(seq(2 * n, (i) => (i % 2 ? -i : i) / 3)),
    STRING: seq(n, (i) => i).map((i) => (i % 4 === 0 ? '' : `name-${i}-${'x'.repeat(i % 13)}`)),
    UVW: Float64Array.from(seq(3 * n, (i) => (i - 50) * 1.5)),
    WEIGHT: Float32Array.from(seq(NPOL * n, (i) => 1 + i / 8)),
    FLAG_ROWS: Uint8Array.from(seq(4 * n, (i) => (i % 5 === 1 ? 1 : 0))),
    DATA: Float32Array.from(seq(2 * NPOL * NCHAN * n, (i) => Math.sin(i) * 100)),
    FLAG: Uint8Array.from(seq(NPOL * NCHAN * n, (i) => (i % 7 === 0 ? 1 : 0))),
    MODEL: Float64Array.from(seq(2 * NPOL * NCHAN * n, (i) => i / 7)),
  };
}

/** Write the fixture table (rows in uneven blocks, to exercise partial buckets and tiles). */
export function writeFixture(dir: string, endian: Endian = 'little'): Table {
  const t = createTable(
    dir,
    {
      columns: [
        scalarColumn('BOOL', 'Bool'),
        scalarColumn('UCHAR', 'UChar'),
        scalarColumn('SHORT', 'Short'),
        scalarColumn('INT', 'Int'),
        scalarColumn('UINT', 'UInt'),
        scalarColumn('INT64', 'Int64'),
        scalarColumn('FLOAT', 'Float'),
        scalarColumn('DOUBLE', 'Double', {
          keywords: { QuantumUnits: ['s'], MEASINFO: { type: 'epoch', Ref: 'UTC' } },
        }),
        scalarColumn('COMPLEX', 'Complex'),
        scalarColumn('DCOMPLEX', 'DComplex'),
        scalarColumn('STRING', 'String'),
        arrayColumn('UVW', 'Double', { shape: [3] }, { keywords: { QuantumUnits: ['m', 'm', 'm'] } }),
        arrayColumn('WEIGHT', 'Float', { shape: [NPOL] }),
        arrayColumn('FLAG_ROWS', 'Bool', { shape: [4] }),
        arrayColumn('DATA', 'Complex', { shape: [NPOL, NCHAN] }),
        arrayColumn('FLAG', 'Bool', { shape: [NPOL, NCHAN] }),
        arrayColumn('MODEL', 'DComplex', { shape: [NPOL, NCHAN] }),
      ],
      keywords: {
        MS_VERSION: kw.float(2),
        COUNT: kw.int(-42),
        TELESCOPE: 'DSA-110',
        FREQS: [1.4e9, 1.5e9],
        NESTED: { level: kw.int(1), inner: { deep: 'yes', vec: kw.ints([1, 2, 3]) } },
        CX: kw.complex(1.5, -2.5),
        FLAGGED: true,
        SUB: kw.table('SUB'),
      },
    },
    {
      nrows: NROWS,
      endian,
      info: { type: 'Measurement Set', subType: 'test' },
      dataManagers: [
        { type: 'TiledShapeStMan', name: 'TiledData', columns: ['DATA'], tileShape: [NPOL, 2, 4] },
        { type: 'TiledColumnStMan', name: 'TiledFlag', columns: ['FLAG'], tileShape: [NPOL, NCHAN, 8] },
        { type: 'TiledShapeStMan', name: 'TiledModel', columns: ['MODEL'], tileShape: [1, 3, 5] },
        { type: 'StandardStMan', name: 'SmallBuckets', columns: ['STRING', 'INT64'], bucketSize: 256 },
      ],
    },
  );
  const exp = expectedColumns();
  const blocks = [0, 5, 6, 20, NROWS];
  for (const name of t.columnNames()) {
    const data = exp[name];
    if (!data) throw new Error(`fixture has no values for ${name}`);
    const per = data.length / NROWS;
    for (let b = 0; b + 1 < blocks.length; b++) {
      const r0 = blocks[b] ?? 0;
      const r1 = blocks[b + 1] ?? 0;
      t.putColumnRange(name, r0, r1 - r0, data.slice(r0 * per, r1 * per) as ColumnData);
    }
  }
  const sub = createTable(
    join(dir, 'SUB'),
    { columns: [scalarColumn('X', 'Float'), scalarColumn('LABEL', 'String')] },
    { nrows: 3, endian },
  );
  sub.putColumn('X', Float32Array.of(1.5, 2.5, -3));
  sub.putColumn('LABEL', ['a', 'bb', 'a long label over eight bytes']);
  sub.close();
  return t;
}
