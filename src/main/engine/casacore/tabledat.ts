// The table's control files: table.dat (description, column bindings, data manager headers),
// table.info (type / subType) and table.lock (change counters that casacore reads on open).
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { AipsReader, AipsWriter } from './aipsio';
import type { Endian } from './codec';
import { CasacoreError } from './errors';
import { readIPosition, writeIPosition } from './record';
import type { TableDesc } from './tabledesc';
import { readTableDesc, writeTableDesc } from './tabledesc';

export interface DataManagerEntry {
  /** Data manager type, e.g. "StandardStMan", "TiledShapeStMan". */
  type: string;
  /** Sequence number: the manager's files are table.f<seqnr>. */
  seqnr: number;
  /** The manager's own header blob stored in table.dat (an AipsIO stream; may be empty). */
  blob: Uint8Array;
}

export interface ColumnBinding {
  name: string;
  /** Sequence number of the data manager holding the column. */
  seqnr: number;
  /** Fixed cell shape recorded with the column (array columns only). */
  shape?: number[];
}

export interface TableDat {
  nrows: number;
  endian: Endian;
  desc: TableDesc;
  dataManagers: DataManagerEntry[];
  /** Same order as desc.columns. */
  bindings: ColumnBinding[];
  /** Next free data manager sequence number. */
  seqCount: number;
}

export function readTableDat(dir: string): TableDat {
  const file = join(dir, 'table.dat');
  if (!existsSync(file)) throw new CasacoreError(dir, 'not a casacore table: table.dat is missing');
  const r = new AipsReader(readFileSync(file), file);
  const version = r.getStart('Table');
  if (version > 3) throw new CasacoreError(file, `table version ${version} is not supported (expected 1..3)`);
  const nrows = version > 2 ? r.i64('number of rows') : r.u32('number of rows');
  const endianFlag = r.u32('endian flag');
  const endian: Endian = endianFlag === 0 ? 'big' : 'little';
  const tableType = r.string('table type');
  if (tableType !== 'PlainTable') {
    throw new CasacoreError(
      file,
      `table type "${tableType}" is not supported (expected PlainTable; reference and concatenated tables are not)`,
    );
  }
  const desc = readTableDesc(r);
  if (version === 1) throw new CasacoreError(file, 'table version 1 (separate keyword set) is not supported');
  let csVersion = r.i32('column set version');
  if (csVersion >= 0) throw new CasacoreError(file, `column set without version (${csVersion}) is not supported`);
  csVersion = -csVersion;
  if (csVersion <= 2) r.u32('column set rows');
  else r.i64('column set rows');
  if (csVersion >= 3) {
    const opt = r.i32('storage option');
    r.i32('storage block size');
    if (opt !== 2)
      throw new CasacoreError(file, `storage option ${opt} (MultiFile) is not supported; expected separate files (2)`);
  }
  const seqCount = r.u32('data manager sequence count');
  const ndm = r.u32('number of data managers');
  const dms: { type: string; seqnr: number }[] = [];
  for (let i = 0; i < ndm; i++) dms.push({ type: r.string('data manager type'), seqnr: r.u32('data manager seqnr') });
  const bindings: ColumnBinding[] = [];
  for (const c of desc.columns) {
    r.u32('column version');
    const name = r.string('column name');
    if (name !== c.name) throw new CasacoreError(file, `column data for "${name}" where "${c.name}" was expected`);
    r.u32('column data version');
    const seqnr = r.u32(`data manager of column ${name}`);
    const b: ColumnBinding = { name, seqnr };
    if (c.kind === 'array') {
      if (r.bool('shape flag')) b.shape = readIPosition(r);
    }
    bindings.push(b);
  }
  const dataManagers: DataManagerEntry[] = dms.map((d) => {
    const n = r.u32(`header length of ${d.type}`);
    return { ...d, blob: r.bytes(n, `header of ${d.type}`).slice() };
  });
  r.getEnd();
  return { nrows, endian, desc, dataManagers, bindings, seqCount };
}

export function writeTableDat(dir: string, t: TableDat): void {
  const w = new AipsWriter('big');
  const big = t.nrows > 2147483647;
  w.putStart('Table', big ? 3 : 2);
  if (big) w.i64(t.nrows);
  else w.u32(t.nrows);
  w.u32(t.endian === 'big' ? 0 : 1);
  w.string('PlainTable');
  writeTableDesc(w, t.desc);
  if (big) {
    w.i32(-3);
    w.i64(t.nrows);
    w.i32(2);
    w.i32(0);
  } else {
    w.i32(-2);
    w.u32(t.nrows);
  }
  w.u32(t.seqCount);
  w.u32(t.dataManagers.length);
  for (const d of t.dataManagers) {
    w.string(d.type);
    w.u32(d.seqnr);
  }
  t.desc.columns.forEach((c, i) => {
    const b = t.bindings[i];
    if (!b || b.name !== c.name) throw new Error(`writeTableDat: binding of column ${c.name} missing`);
    w.u32(2);
    w.string(c.name);
    w.u32(1);
    w.u32(b.seqnr);
    if (c.kind === 'array') {
      w.bool(b.shape !== undefined);
      if (b.shape) writeIPosition(w, b.shape);
    }
  });
  for (const d of t.dataManagers) {
    w.u32(d.blob.length);
    w.raw(d.blob);
  }
  w.putEnd();
  // casacore writes table.dat_tmp and renames it, so a reader never sees a half-written file.
  const tmp = join(dir, 'table.dat_tmp');
  writeFileSync(tmp, w.bytes());
  renameSync(tmp, join(dir, 'table.dat'));
}

export interface TableInfo {
  type: string;
  subType: string;
  readme: string;
}

export function readTableInfo(dir: string): TableInfo {
  const file = join(dir, 'table.info');
  if (!existsSync(file)) return { type: '', subType: '', readme: '' };
  const lines = readFileSync(file, 'latin1').split('\n');
  const get = (key: string): string => {
    const l = lines.find((x) => x.startsWith(`${key} = `) || x === `${key} =`);
    return l ? l.slice(key.length + 2).trim() : '';
  };
  const rest = lines.filter((x) => !x.startsWith('Type =') && !x.startsWith('SubType ='));
  return { type: get('Type'), subType: get('SubType'), readme: rest.join('\n').trim() };
}

export function writeTableInfo(dir: string, info: TableInfo): void {
  writeFileSync(join(dir, 'table.info'), `Type = ${info.type}\nSubType = ${info.subType}\n${info.readme}\n`, 'latin1');
}

/** Bytes before the sync info in table.lock: the (empty) lock request list. */
const LOCK_REQUEST_BYTES = 260;

/**
 * Write table.lock as casacore leaves it after closing: no request, no lock held, and the sync
 * record whose row count casacore prefers over table.dat's.
 */
export function writeTableLock(
  dir: string,
  nrows: number,
  ncolumns: number,
  nDataManagers: number,
  counter: number,
): void {
  const w = new AipsWriter('big');
  const big = nrows > 4294967295;
  w.putStart('sync', big ? 2 : 1);
  if (big) w.i64(nrows);
  else w.u32(nrows);
  w.i32(ncolumns);
  w.u32(counter); // modify counter
  w.u32(counter); // table change counter
  w.putStart('Block', 1);
  w.u32(nDataManagers);
  for (let i = 0; i < nDataManagers; i++) w.u32(counter);
  w.putEnd();
  w.putEnd();
  const info = w.bytes();
  const out = new Uint8Array(LOCK_REQUEST_BYTES + 4 + info.length);
  new DataView(out.buffer).setUint32(LOCK_REQUEST_BYTES, info.length, false);
  out.set(info, LOCK_REQUEST_BYTES + 4);
  writeFileSync(join(dir, 'table.lock'), out);
}

/** Row count and change counter recorded in table.lock, when the file has them. */
export function readTableLock(dir: string): { nrows: number; counter: number } | undefined {
  const file = join(dir, 'table.lock');
  if (!existsSync(file)) return undefined;
  const b = readFileSync(file);
  if (b.length < LOCK_REQUEST_BYTES + 4) return undefined;
  const n = b.readUInt32BE(LOCK_REQUEST_BYTES);
  if (n === 0) return undefined;
  const r = new AipsReader(b, file, 'big', LOCK_REQUEST_BYTES + 4);
  const version = r.getStart('sync');
  const nrows = version >= 2 ? r.i64('rows') : r.u32('rows');
  r.i32('columns');
  const counter = r.u32('modify counter');
  return { nrows, counter };
}
