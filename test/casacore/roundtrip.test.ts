// The project's own reader on tables the project wrote: every type, both byte orders, slices,
// addColumn in place, keywords, and bad input producing errors that name the file and field.
import { mkdtempSync, rmSync, truncateSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrayColumn, keywordsToPlain, openTable } from '../../src/main/engine/casacore';
import type { Cell, ColumnData } from '../../src/main/engine/casacore';
import { NCHAN, NPOL, NROWS, expectedColumns, writeFixture } from './fixture';

const nums = (x: ColumnData): number[] => Array.from(x as ArrayLike<number>);

const root = mkdtempSync(join(tmpdir(), 'casacore-rt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(['little', 'big'] as const)('round trip, %s-endian data files', (endian) => {
  const dir = join(root, `fixture-${endian}`);
  writeFixture(dir, endian).close();

  it('reads back every column exactly', () => {
    const t = openTable(dir);
    expect(t.nrows).toBe(NROWS);
    expect(t.endian).toBe(endian);
    const exp = expectedColumns();
    for (const name of t.columnNames()) {
      expect(t.getColumn(name), name).toEqual(exp[name]);
    }
    t.close();
  });

  it('reads row ranges, cells and slices', () => {
    const t = openTable(dir);
    const exp = expectedColumns();
    expect(t.getColumn('INT', 10, 3)).toEqual((exp.INT as Int32Array).slice(10, 13));
    expect(t.getColumn('STRING', 30, 7)).toEqual((exp.STRING as string[]).slice(30, 37));
    expect(t.getCell('COMPLEX', 3)).toEqual([
      Number((exp.COMPLEX as Float32Array)[6]),
      Number((exp.COMPLEX as Float32Array)[7]),
    ]);
    expect(t.getCell('BOOL', 3)).toBe(true);
    const cell = t.getCell('DATA', 11) as Cell;
    expect(cell.shape).toEqual([NPOL, NCHAN]);
    expect(cell.data).toEqual((exp.DATA as Float32Array).slice(11 * 20, 12 * 20));
    // Channels 1..3 of polarisation 1, rows 4..9: compare with an index computation.
    const sl = t.getColumnSlice('DATA', 4, 6, { start: [1, 1], end: [2, 4] });
    const want: number[] = [];
    for (let r = 4; r < 10; r++)
      for (let c = 1; c < 4; c++) {
        const k = r * NPOL * NCHAN + c * NPOL + 1;
        want.push((exp.DATA as Float32Array)[2 * k] ?? NaN, (exp.DATA as Float32Array)[2 * k + 1] ?? NaN);
      }
    expect(nums(sl)).toEqual(want);
    const fl = t.getColumnSlice('FLAG', 0, NROWS, { start: [0, 4], end: [2, 5] });
    const wantF: number[] = [];
    for (let r = 0; r < NROWS; r++)
      for (let p = 0; p < 2; p++) wantF.push((exp.FLAG as Uint8Array)[r * 10 + 4 * 2 + p] ?? -1);
    expect(nums(fl)).toEqual(wantF);
    const uv = t.getColumnSlice('UVW', 2, 2, { start: [2], end: [3] });
    expect(nums(uv)).toEqual([(exp.UVW as Float64Array)[8], (exp.UVW as Float64Array)[11]]);
    t.close();
  });

  it('keeps descriptions, keywords, info and subtables', () => {
    const t = openTable(dir);
    expect(keywordsToPlain(t.keywords)).toEqual({
      MS_VERSION: 2,
      COUNT: -42,
      TELESCOPE: 'DSA-110',
      FREQS: [1.4e9, 1.5e9],
      NESTED: { level: 1, inner: { deep: 'yes', vec: [1, 2, 3] } },
      CX: [1.5, -2.5],
      FLAGGED: true,
      SUB: 'Table: SUB',
    });
    expect(keywordsToPlain(t.columnDesc('DOUBLE').keywords)).toEqual({
      QuantumUnits: ['s'],
      MEASINFO: { type: 'epoch', Ref: 'UTC' },
    });
    expect(t.columnDesc('DATA')).toMatchObject({ type: 'Complex', kind: 'array', shape: [NPOL, NCHAN] });
    expect(t.dataManagerOf('DATA')).toMatchObject({ type: 'TiledShapeStMan', name: 'TiledData' });
    expect(t.dataManagerOf('FLAG')).toMatchObject({ type: 'TiledColumnStMan', name: 'TiledFlag' });
    expect(t.info).toMatchObject({ type: 'Measurement Set', subType: 'test' });
    const sub = t.openSubtable('SUB');
    expect(nums(sub.getColumn('X'))).toEqual([1.5, 2.5, -3]);
    expect(sub.getColumn('LABEL')).toEqual(['a', 'bb', 'a long label over eight bytes']);
    sub.close();
    t.close();
  });
});

describe('writing in place', () => {
  it('adds a tiled column to an existing table and overwrites a row block', () => {
    const dir = join(root, 'addcol');
    writeFixture(dir).close();
    const t = openTable(dir, { writable: true });
    t.addColumn(arrayColumn('CORRECTED_DATA', 'Complex', { shape: [NPOL, NCHAN] }), {
      type: 'TiledShapeStMan',
      name: 'TiledCorrected',
      columns: ['CORRECTED_DATA'],
      tileShape: [NPOL, NCHAN, 16],
    });
    const corr = Float32Array.from({ length: 2 * NPOL * NCHAN * NROWS }, (_, i) => -i);
    t.putColumn('CORRECTED_DATA', corr);
    t.putColumnRange('INT', 30, 2, Int32Array.of(7, 8));
    t.close();
    const r = openTable(dir);
    expect(r.getColumn('CORRECTED_DATA')).toEqual(corr);
    expect(nums(r.getColumn('INT', 29, 4))).toEqual([
      (expectedColumns().INT as Int32Array)[29],
      7,
      8,
      (expectedColumns().INT as Int32Array)[32],
    ]);
    expect(r.getColumn('DATA')).toEqual(expectedColumns().DATA);
    r.close();
  });

  it('rejects writes of the wrong size or type, naming the column', () => {
    const dir = join(root, 'badwrite');
    const t = writeFixture(dir);
    expect(() => t.putColumnRange('INT', 0, 2, Int32Array.of(1))).toThrow(/column INT needs 2 values/);
    expect(() => t.putColumnRange('INT', 0, 1, Float64Array.of(1))).toThrow(/expected Int32Array for a Int column/);
    expect(() => t.putColumnRange('INT', NROWS, 1, Int32Array.of(1))).toThrow(/outside the table's 37 rows/);
    t.close();
  });
});

describe('bad input', () => {
  it('names the missing table.dat', () => {
    expect(() => openTable(join(root, 'nothing'))).toThrow(/nothing: not a casacore table: table\.dat is missing/);
  });

  it('reports a truncated table.dat with the file and what was expected', () => {
    const dir = join(root, 'trunc');
    writeFixture(dir).close();
    truncateSync(join(dir, 'table.dat'), 300);
    expect(() => openTable(dir)).toThrow(
      /table\.dat: truncated: object Table at offset 4 has length \d+ but the file ends at 300/,
    );
  });

  it('reports a truncated storage file when its data are read', () => {
    const dir = join(root, 'trunc-tsm');
    writeFixture(dir).close();
    const f = join(dir, 'table.f2_TSM0');
    truncateSync(f, Math.floor(statSync(f).size / 2));
    const t = openTable(dir);
    expect(() => t.getColumn('FLAG')).toThrow(/table\.f2_TSM0: truncated: expected \d+ bytes of tile \d+ of FLAG/);
    t.close();
  });

  it('names an unknown data manager and its columns', () => {
    const dir = join(root, 'unknown-dm');
    writeFixture(dir).close();
    const file = join(dir, 'table.dat');
    const b = readFileSync(file);
    // The data manager list entry: type name followed by its sequence number 2.
    const entry = Buffer.concat([Buffer.from('TiledColumnStMan', 'latin1'), Buffer.from([0, 0, 0, 2])]);
    const at = b.indexOf(entry);
    expect(at).toBeGreaterThan(0);
    Buffer.from('MysteryStManXXXX', 'latin1').copy(b, at);
    writeFileSync(file, b);
    expect(() => openTable(dir)).toThrow(
      /table\.dat: data manager type "MysteryStManXXXX" \(seqnr 2, columns FLAG\) is not supported/,
    );
  });

  it('reports a file that is not an AipsIO stream', () => {
    const dir = join(root, 'garbage');
    writeFixture(dir).close();
    writeFileSync(join(dir, 'table.dat'), Buffer.from('this is not a table'));
    expect(() => openTable(dir)).toThrow(/table\.dat: expected the AipsIO magic value 0xbebebebe at offset 0/);
  });
});
