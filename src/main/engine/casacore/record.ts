// Table records (keyword sets): nested records, scalars, arrays and subtable references, and
// their AipsIO form (TableRecord / Record with a RecordDesc, as casacore writes them).
import { AipsReader, AipsWriter } from './aipsio';
import { bitBytes, decodeElements, encodeElements, packBits, unpackBits } from './codec';
import type { ColumnData, DataTypeName } from './datatypes';
import { TP, allocData, arrayTypeCode, canonicalSize, elementCount, scalarTypeCode, typeFromCode } from './datatypes';
import { CasacoreError } from './errors';

/** A complex scalar as [re, im]. */
export type ComplexValue = [number, number];
export type ScalarValue = boolean | number | bigint | string | ComplexValue;

export type KeywordValue =
  | { kind: 'scalar'; type: DataTypeName; value: ScalarValue }
  /** shape in casacore order (first axis varies fastest in data). */
  | { kind: 'array'; type: DataTypeName; shape: number[]; data: ColumnData }
  | { kind: 'record'; value: Keywords }
  /** A subtable: path relative to the table holding the keyword (e.g. "ANTENNA"). */
  | { kind: 'table'; path: string };

/** A keyword set: ordered fields. */
export type Keywords = Map<string, KeywordValue>;

/** What makeKeywords accepts for a field: plain JS values are typed by their JS type. */
export type KeywordInput =
  | KeywordValue
  | string
  | boolean
  | number
  | bigint
  | string[]
  | number[]
  | Float64Array
  | Float32Array
  | Int32Array
  | Keywords
  | { [name: string]: KeywordInput };

/** Explicitly typed keyword values, for types plain JS values do not imply. */
export const kw = {
  bool: (v: boolean): KeywordValue => ({ kind: 'scalar', type: 'Bool', value: v }),
  uchar: (v: number): KeywordValue => ({ kind: 'scalar', type: 'UChar', value: v }),
  short: (v: number): KeywordValue => ({ kind: 'scalar', type: 'Short', value: v }),
  int: (v: number): KeywordValue => ({ kind: 'scalar', type: 'Int', value: v }),
  uint: (v: number): KeywordValue => ({ kind: 'scalar', type: 'UInt', value: v }),
  int64: (v: bigint | number): KeywordValue => ({ kind: 'scalar', type: 'Int64', value: BigInt(v) }),
  float: (v: number): KeywordValue => ({ kind: 'scalar', type: 'Float', value: v }),
  double: (v: number): KeywordValue => ({ kind: 'scalar', type: 'Double', value: v }),
  complex: (re: number, im: number): KeywordValue => ({ kind: 'scalar', type: 'Complex', value: [re, im] }),
  dcomplex: (re: number, im: number): KeywordValue => ({ kind: 'scalar', type: 'DComplex', value: [re, im] }),
  string: (v: string): KeywordValue => ({ kind: 'scalar', type: 'String', value: v }),
  array: (type: DataTypeName, shape: number[], data: ColumnData): KeywordValue => {
    const n = elementCount(type, data, 'kw.array');
    if (n !== shape.reduce((a, b) => a * b, 1))
      throw new RangeError(`kw.array: ${n} values do not fill shape [${shape.join(',')}]`);
    return { kind: 'array', type, shape: [...shape], data };
  },
  strings: (v: string[]): KeywordValue => ({ kind: 'array', type: 'String', shape: [v.length], data: [...v] }),
  doubles: (v: ArrayLike<number>): KeywordValue => ({
    kind: 'array',
    type: 'Double',
    shape: [v.length],
    data: Float64Array.from(v),
  }),
  ints: (v: ArrayLike<number>): KeywordValue => ({
    kind: 'array',
    type: 'Int',
    shape: [v.length],
    data: Int32Array.from(v),
  }),
  record: (v: Keywords | { [name: string]: KeywordInput }): KeywordValue => ({
    kind: 'record',
    value: v instanceof Map ? v : makeKeywords(v),
  }),
  table: (path: string): KeywordValue => ({ kind: 'table', path }),
};

function isKeywordValue(v: object): v is KeywordValue {
  const k = (v as { kind?: unknown }).kind;
  return (
    (k === 'scalar' && 'type' in v && 'value' in v) ||
    (k === 'array' && 'shape' in v && 'data' in v) ||
    (k === 'record' && 'value' in v) ||
    (k === 'table' && 'path' in v)
  );
}

/** Turn a plain JS value into a keyword value (number = Double, string[] = Array<String>, ...). */
export function toKeywordValue(v: KeywordInput): KeywordValue {
  if (typeof v === 'string') return kw.string(v);
  if (typeof v === 'boolean') return kw.bool(v);
  if (typeof v === 'number') return kw.double(v);
  if (typeof v === 'bigint') return kw.int64(v);
  if (v instanceof Map) return { kind: 'record', value: v };
  if (v instanceof Float64Array) return kw.array('Double', [v.length], v);
  if (v instanceof Float32Array) return kw.array('Float', [v.length], v);
  if (v instanceof Int32Array) return kw.array('Int', [v.length], v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string')) return kw.strings(v as string[]);
    if (v.every((x) => typeof x === 'number')) return kw.doubles(v as number[]);
    throw new TypeError('keyword arrays must be all strings or all numbers');
  }
  if (isKeywordValue(v)) return v;
  return { kind: 'record', value: makeKeywords(v) };
}

/** Build a keyword set from a plain object (insertion order is kept). */
export function makeKeywords(obj: { [name: string]: KeywordInput } = {}): Keywords {
  const m: Keywords = new Map();
  for (const [k, v] of Object.entries(obj)) m.set(k, toKeywordValue(v));
  return m;
}

/** Plain JS view of a keyword set (for display and tests): arrays as {shape, data} unless 1-D. */
export function keywordsToPlain(k: Keywords): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of k) {
    switch (v.kind) {
      case 'scalar':
        out[name] = v.value;
        break;
      case 'array': {
        const data = Array.from(v.data as ArrayLike<unknown>);
        out[name] = v.shape.length === 1 ? data : { shape: v.shape, data };
        break;
      }
      case 'record':
        out[name] = keywordsToPlain(v.value);
        break;
      case 'table':
        out[name] = `Table: ${v.path}`;
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------- reading

interface FieldDesc {
  name: string;
  code: number;
  sub?: FieldDesc[];
}

function readRecordDesc(r: AipsReader): FieldDesc[] {
  const version = r.getStart('RecordDesc');
  const n = r.i32('number of record fields');
  const fields: FieldDesc[] = [];
  for (let i = 0; i < n; i++) {
    const name = r.string('field name');
    const code = r.i32(`type of field ${name}`);
    const f: FieldDesc = { name, code };
    if (code === TP.Record) f.sub = readRecordDesc(r);
    else if (code === TP.Table) r.string('table description name');
    else if (typeFromCode(code)?.array) readIPosition(r);
    else if (!typeFromCode(code))
      throw new CasacoreError(r.file, `record field ${name} has unsupported data type ${code}`);
    if (version > 1) r.string('field comment');
    fields.push(f);
  }
  r.getEnd();
  return fields;
}

/** IPosition object (version 1: Int values, 2: Int64 values). */
export function readIPosition(r: AipsReader): number[] {
  const version = r.getStart('IPosition');
  const n = r.u32('IPosition length');
  const v: number[] = [];
  for (let i = 0; i < n; i++) v.push(version === 1 ? r.i32('IPosition value') : r.i64('IPosition value'));
  r.getEnd();
  return v;
}

export function writeIPosition(w: AipsWriter, shape: readonly number[]): void {
  const big = shape.some((x) => x > 2147483647);
  w.putStart('IPosition', big ? 2 : 1);
  w.u32(shape.length);
  for (const x of shape) {
    if (big) w.i64(x);
    else w.i32(x);
  }
  w.putEnd();
}

function readScalar(r: AipsReader, t: DataTypeName): ScalarValue {
  switch (t) {
    case 'Bool':
      return r.bool();
    case 'UChar':
      return r.u8();
    case 'Short':
      return r.i16();
    case 'UShort':
      return r.u16();
    case 'Int':
      return r.i32();
    case 'UInt':
      return r.u32();
    case 'Int64':
      return r.bigint64();
    case 'Float':
      return r.f32();
    case 'Double':
      return r.f64();
    case 'Complex':
      return [r.f32(), r.f32()];
    case 'DComplex':
      return [r.f64(), r.f64()];
    case 'String':
      return r.string();
  }
}

/** Read an AipsIO Array<T> object. */
export function readArray(r: AipsReader, t: DataTypeName): { shape: number[]; data: ColumnData } {
  const type = r.peekType();
  const version = r.getStart(type.startsWith('Array') ? type : 'Array');
  const ndim = r.u32('array ndim');
  if (version < 3) for (let i = 0; i < ndim; i++) r.i32('array origin');
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(r.u32('array axis length'));
  const n = r.u32('array element count');
  const expect = shape.reduce((a, b) => a * b, 1);
  if (n !== expect)
    throw new CasacoreError(r.file, `array of shape [${shape.join(',')}] holds ${n} values, expected ${expect}`);
  const data = allocData(t, n);
  if (t === 'String') {
    for (let i = 0; i < n; i++) (data as string[])[i] = r.string('array string');
  } else if (t === 'Bool') {
    unpackBits(r.bytes(bitBytes(n), 'Bool array'), 0, 0, n, data as Uint8Array, 0);
  } else {
    const nb = n * canonicalSize(t);
    const b = r.bytes(nb, `${t} array`);
    decodeElements(t, b, 0, n, data, 0, r.endianName);
  }
  r.getEnd();
  return { shape, data };
}

function readField(r: AipsReader, f: FieldDesc): KeywordValue {
  if (f.code === TP.Record) {
    const sub = f.sub ?? [];
    return { kind: 'record', value: sub.length === 0 ? readRecord(r) : readRecordData(r, sub) };
  }
  if (f.code === TP.Table) return { kind: 'table', path: stripTablePath(r.string(`table name of keyword ${f.name}`)) };
  const t = typeFromCode(f.code);
  if (!t) throw new CasacoreError(r.file, `record field ${f.name} has unsupported type ${f.code}`);
  if (t.array) return { kind: 'array', type: t.type, ...readArray(r, t.type) };
  return { kind: 'scalar', type: t.type, value: readScalar(r, t.type) };
}

/**
 * casacore stores a subtable inside its parent as "././NAME" and one beside the parent as
 * "./NAME"; the path kept here is relative to the parent table's own directory.
 */
function stripTablePath(p: string): string {
  if (p.startsWith('././')) return p.slice(4);
  if (p.startsWith('./')) return `../${p.slice(2)}`;
  return p;
}

function storedTablePath(p: string): string {
  if (p.startsWith('/')) return p;
  if (p.startsWith('../') && !p.slice(3).includes('/')) return `./${p.slice(3)}`;
  return `././${p}`;
}

function readRecordData(r: AipsReader, fields: FieldDesc[]): Keywords {
  const k: Keywords = new Map();
  for (const f of fields) k.set(f.name, readField(r, f));
  return k;
}

/** Read a TableRecord or Record object. */
export function readRecord(r: AipsReader): Keywords {
  const type = r.peekType();
  if (type !== 'TableRecord' && type !== 'Record') {
    throw new CasacoreError(
      r.file,
      `expected a TableRecord or Record object, found "${type}" (old keyword sets are not supported)`,
    );
  }
  r.getStart(type);
  const desc = readRecordDesc(r);
  r.i32('record type');
  const k = readRecordData(r, desc);
  r.getEnd();
  return k;
}

// ---------------------------------------------------------------- writing

const arrayObjectName: Record<DataTypeName, string> = {
  Bool: 'Array<void>',
  UChar: 'Array<uChar>',
  Short: 'Array<short>',
  UShort: 'Array<uShort>',
  Int: 'Array<Int>',
  UInt: 'Array<uInt>',
  Int64: 'Array<Int64>',
  Float: 'Array<float>',
  Double: 'Array<double>',
  Complex: 'Array<void>',
  DComplex: 'Array<void>',
  String: 'Array<String>',
};

function fieldCode(v: KeywordValue): number {
  switch (v.kind) {
    case 'scalar':
      return scalarTypeCode(v.type);
    case 'array':
      return arrayTypeCode(v.type);
    case 'record':
      return TP.Record;
    case 'table':
      return TP.Table;
  }
}

function writeScalar(w: AipsWriter, t: DataTypeName, v: ScalarValue, name: string): void {
  const num = (): number => {
    if (typeof v !== 'number') throw new TypeError(`keyword ${name}: expected a number for ${t}, got ${typeof v}`);
    return v;
  };
  const cx = (): ComplexValue => {
    if (!Array.isArray(v)) throw new TypeError(`keyword ${name}: expected [re, im] for ${t}`);
    return v;
  };
  switch (t) {
    case 'Bool':
      w.bool(Boolean(v));
      break;
    case 'UChar':
      w.u8(num());
      break;
    case 'Short':
      w.i16(num());
      break;
    case 'UShort':
      w.u16(num());
      break;
    case 'Int':
      w.i32(num());
      break;
    case 'UInt':
      w.u32(num());
      break;
    case 'Int64':
      w.i64(typeof v === 'bigint' ? v : BigInt(num()));
      break;
    case 'Float':
      w.f32(num());
      break;
    case 'Double':
      w.f64(num());
      break;
    case 'Complex': {
      const [a, b] = cx();
      w.f32(a);
      w.f32(b);
      break;
    }
    case 'DComplex': {
      const [a, b] = cx();
      w.f64(a);
      w.f64(b);
      break;
    }
    case 'String':
      w.string(String(v));
      break;
  }
}

/** Write an AipsIO Array<T> object. */
export function writeArray(w: AipsWriter, t: DataTypeName, shape: readonly number[], data: ColumnData): void {
  const n = elementCount(t, data, 'writeArray');
  w.putStart(arrayObjectName[t], 3);
  w.u32(shape.length);
  for (const x of shape) w.u32(x);
  w.u32(n);
  if (t === 'String') {
    for (const s of data as string[]) w.string(s);
  } else if (t === 'Bool') {
    const b = new Uint8Array(bitBytes(n));
    packBits(data as Uint8Array, 0, n, b, 0);
    w.raw(b);
  } else {
    const b = new Uint8Array(n * canonicalSize(t));
    encodeElements(t, data, 0, n, b, 0, w.endianName);
    w.raw(b);
  }
  w.putEnd();
}

/** Write a keyword set as a TableRecord (nested records as variable records, like CASA). */
export function writeRecord(w: AipsWriter, k: Keywords, objectType: 'TableRecord' | 'Record' = 'TableRecord'): void {
  w.putStart(objectType, 1);
  w.putStart('RecordDesc', 2);
  w.i32(k.size);
  for (const [name, v] of k) {
    w.string(name);
    w.i32(fieldCode(v));
    if (v.kind === 'record') {
      w.putStart('RecordDesc', 2);
      w.i32(0);
      w.putEnd();
    } else if (v.kind === 'array') {
      writeIPosition(w, [-1]);
    } else if (v.kind === 'table') {
      w.string('');
    }
    w.string(''); // comment
  }
  w.putEnd();
  w.i32(1); // RecordInterface::Variable
  for (const [name, v] of k) {
    switch (v.kind) {
      case 'scalar':
        writeScalar(w, v.type, v.value, name);
        break;
      case 'array':
        writeArray(w, v.type, v.shape, v.data);
        break;
      case 'record':
        writeRecord(w, v.value, objectType);
        break;
      case 'table':
        w.string(storedTablePath(v.path));
        break;
    }
  }
  w.putEnd();
}
