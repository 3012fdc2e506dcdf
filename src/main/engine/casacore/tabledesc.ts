// Table and column descriptions (casacore TableDesc / ColumnDesc) and their AipsIO form.
import type { AipsReader, AipsWriter } from './aipsio';
import type { DataTypeName } from './datatypes';
import { scalarTypeCode, typeFromCode, valTypeString } from './datatypes';
import { CasacoreError } from './errors';
import type { KeywordInput, Keywords } from './record';
import { makeKeywords, readIPosition, readRecord, writeIPosition, writeRecord } from './record';

/** Column option bits (casacore ColumnDesc::Option). */
export const COLUMN_DIRECT = 1;
export const COLUMN_UNDEFINED = 2;
export const COLUMN_FIXED_SHAPE = 4;

export interface ColumnDesc {
  name: string;
  type: DataTypeName;
  kind: 'scalar' | 'array';
  /** Dimensionality of array cells; -1 or 0 when any. */
  ndim: number;
  /** Fixed cell shape in casacore order (first axis varies fastest), when the column has one. */
  shape?: number[];
  /** Option bits: COLUMN_DIRECT | COLUMN_UNDEFINED | COLUMN_FIXED_SHAPE. */
  options: number;
  /** Maximum string length (0 = variable). */
  maxLength: number;
  comment: string;
  /** Data manager type and group the column asks for (the bindings in table.dat decide). */
  dataManagerType: string;
  dataManagerGroup: string;
  keywords: Keywords;
}

export interface TableDesc {
  name: string;
  version: string;
  comment: string;
  keywords: Keywords;
  /** casacore's private keywords (hypercolumn definitions live here). */
  privateKeywords: Keywords;
  columns: ColumnDesc[];
}

export interface ColumnOptions {
  comment?: string;
  keywords?: Keywords | { [name: string]: KeywordInput };
  /** Fixed maximum length of strings (0 = variable, the default). */
  maxLength?: number;
}

function kwOf(k: ColumnOptions['keywords']): Keywords {
  if (k === undefined) return new Map();
  return k instanceof Map ? k : makeKeywords(k);
}

/** A scalar column description. */
export function scalarColumn(name: string, type: DataTypeName, opts: ColumnOptions = {}): ColumnDesc {
  return {
    name,
    type,
    kind: 'scalar',
    ndim: 0,
    options: 0,
    maxLength: opts.maxLength ?? 0,
    comment: opts.comment ?? '',
    dataManagerType: 'StandardStMan',
    dataManagerGroup: 'StandardStMan',
    keywords: kwOf(opts.keywords),
  };
}

/**
 * An array column description: give `shape` (casacore order, e.g. [npol, nchan] for DATA) for
 * a fixed cell shape, or `ndim` alone for variable-shape cells.
 */
export function arrayColumn(
  name: string,
  type: DataTypeName,
  cells: { shape: number[] } | { ndim: number },
  opts: ColumnOptions = {},
): ColumnDesc {
  const fixed = 'shape' in cells;
  if (fixed && cells.shape.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new RangeError(`column ${name}: cell shape [${cells.shape.join(',')}] must be positive integers`);
  }
  return {
    name,
    type,
    kind: 'array',
    ndim: fixed ? cells.shape.length : cells.ndim,
    ...(fixed ? { shape: [...cells.shape] } : {}),
    options: fixed ? COLUMN_DIRECT | COLUMN_FIXED_SHAPE : 0,
    maxLength: opts.maxLength ?? 0,
    comment: opts.comment ?? '',
    dataManagerType: 'StandardStMan',
    dataManagerGroup: 'StandardStMan',
    keywords: kwOf(opts.keywords),
  };
}

// ---------------------------------------------------------------- AipsIO

function readDefaultValue(r: AipsReader, t: DataTypeName): void {
  switch (t) {
    case 'Bool':
    case 'UChar':
      r.u8();
      break;
    case 'Short':
    case 'UShort':
      r.u16();
      break;
    case 'Int':
    case 'UInt':
    case 'Float':
      r.u32();
      break;
    case 'Int64':
    case 'Double':
    case 'Complex':
      r.bytes(8);
      break;
    case 'DComplex':
      r.bytes(16);
      break;
    case 'String':
      r.string('default value');
      break;
  }
}

function readColumnDesc(r: AipsReader): ColumnDesc {
  r.u32('ColumnDesc version');
  const className = r.string('column class name');
  const scalar = className.startsWith('ScalarColumnDesc<');
  const array = className.startsWith('ArrayColumnDesc<');
  if (!scalar && !array) {
    throw new CasacoreError(
      r.file,
      `column class "${className}" is not supported (expected ScalarColumnDesc<T> or ArrayColumnDesc<T>)`,
    );
  }
  r.u32('BaseColumnDesc version');
  const name = r.string('column name');
  const comment = r.string(`comment of column ${name}`);
  const dataManagerType = r.string(`data manager type of column ${name}`);
  const dataManagerGroup = r.string(`data manager group of column ${name}`);
  const code = r.i32(`data type of column ${name}`);
  const t = typeFromCode(code);
  if (!t || t.array) throw new CasacoreError(r.file, `column ${name} has unsupported data type ${code}`);
  const options = r.i32(`options of column ${name}`);
  const ndim = r.i32(`ndim of column ${name}`);
  let shape: number[] | undefined;
  if (array) {
    const s = readIPosition(r);
    if (s.length > 0 && (options & COLUMN_FIXED_SHAPE) !== 0) shape = s;
  }
  const maxLength = r.u32(`maxlen of column ${name}`);
  const keywords = readRecord(r);
  r.u32('column desc version');
  if (scalar) readDefaultValue(r, t.type);
  else r.bool('array default flag');
  return {
    name,
    type: t.type,
    kind: scalar ? 'scalar' : 'array',
    ndim,
    ...(shape ? { shape } : {}),
    options,
    maxLength,
    comment,
    dataManagerType,
    dataManagerGroup,
    keywords,
  };
}

export function readTableDesc(r: AipsReader): TableDesc {
  const version = r.getStart('TableDesc');
  const name = r.string('table description name');
  const vers = r.string('table description version');
  const comment = r.string('table description comment');
  const keywords = readRecord(r);
  const privateKeywords = version !== 1 ? readRecord(r) : new Map();
  const ncol = r.u32('number of columns');
  const columns: ColumnDesc[] = [];
  for (let i = 0; i < ncol; i++) columns.push(readColumnDesc(r));
  r.getEnd();
  return { name, version: vers, comment, keywords, privateKeywords, columns };
}

function writeDefaultValue(w: AipsWriter, t: DataTypeName): void {
  switch (t) {
    case 'Bool':
    case 'UChar':
      w.u8(0);
      break;
    case 'Short':
    case 'UShort':
      w.u16(0);
      break;
    case 'Int':
    case 'UInt':
    case 'Float':
      w.u32(0);
      break;
    case 'Int64':
    case 'Double':
    case 'Complex':
      w.raw(new Uint8Array(8));
      break;
    case 'DComplex':
      w.raw(new Uint8Array(16));
      break;
    case 'String':
      w.string('');
      break;
  }
}

function writeColumnDesc(w: AipsWriter, c: ColumnDesc): void {
  w.u32(1);
  w.string(`${c.kind === 'scalar' ? 'ScalarColumnDesc' : 'ArrayColumnDesc'}<${valTypeString(c.type)}`);
  w.u32(1);
  w.string(c.name);
  w.string(c.comment);
  w.string(c.dataManagerType);
  w.string(c.dataManagerGroup);
  w.i32(scalarTypeCode(c.type));
  w.i32(c.options);
  w.i32(c.kind === 'scalar' ? 0 : c.ndim);
  if (c.kind === 'array') writeIPosition(w, c.shape ?? []);
  w.u32(c.maxLength);
  writeRecord(w, c.keywords);
  w.u32(1);
  if (c.kind === 'scalar') writeDefaultValue(w, c.type);
  else w.bool(false);
}

export function writeTableDesc(w: AipsWriter, d: TableDesc): void {
  w.putStart('TableDesc', 2);
  w.string(d.name);
  w.string(d.version);
  w.string(d.comment);
  writeRecord(w, d.keywords);
  writeRecord(w, d.privateKeywords);
  w.u32(d.columns.length);
  for (const c of d.columns) writeColumnDesc(w, c);
  w.putEnd();
}
