// casacore's DataType enumeration and how each element type is held in memory and on disk
// (canonical sizes; complex values are interleaved re/im; Bool arrays are bits on disk).

/** Element types of table columns (casacore's scalar DataTypes). */
export type DataTypeName =
  | 'Bool'
  | 'UChar'
  | 'Short'
  | 'UShort'
  | 'Int'
  | 'UInt'
  | 'Int64'
  | 'Float'
  | 'Double'
  | 'Complex'
  | 'DComplex'
  | 'String';

/** casacore DataType numbers (casa/Utilities/DataType.h). */
export const TP = {
  Bool: 0,
  Char: 1,
  UChar: 2,
  Short: 3,
  UShort: 4,
  Int: 5,
  UInt: 6,
  Float: 7,
  Double: 8,
  Complex: 9,
  DComplex: 10,
  String: 11,
  Table: 12,
  ArrayBool: 13,
  ArrayChar: 14,
  ArrayUChar: 15,
  ArrayShort: 16,
  ArrayUShort: 17,
  ArrayInt: 18,
  ArrayUInt: 19,
  ArrayFloat: 20,
  ArrayDouble: 21,
  ArrayComplex: 22,
  ArrayDComplex: 23,
  ArrayString: 24,
  Record: 25,
  Other: 26,
  Quantity: 27,
  ArrayQuantity: 28,
  Int64: 29,
  ArrayInt64: 30,
} as const;

const scalarCode: Record<DataTypeName, number> = {
  Bool: TP.Bool,
  UChar: TP.UChar,
  Short: TP.Short,
  UShort: TP.UShort,
  Int: TP.Int,
  UInt: TP.UInt,
  Int64: TP.Int64,
  Float: TP.Float,
  Double: TP.Double,
  Complex: TP.Complex,
  DComplex: TP.DComplex,
  String: TP.String,
};
const arrayCode: Record<DataTypeName, number> = {
  Bool: TP.ArrayBool,
  UChar: TP.ArrayUChar,
  Short: TP.ArrayShort,
  UShort: TP.ArrayUShort,
  Int: TP.ArrayInt,
  UInt: TP.ArrayUInt,
  Int64: TP.ArrayInt64,
  Float: TP.ArrayFloat,
  Double: TP.ArrayDouble,
  Complex: TP.ArrayComplex,
  DComplex: TP.ArrayDComplex,
  String: TP.ArrayString,
};

export function scalarTypeCode(t: DataTypeName): number {
  return scalarCode[t];
}
export function arrayTypeCode(t: DataTypeName): number {
  return arrayCode[t];
}

/** The element type of a scalar or array DataType number, or undefined for others. */
export function typeFromCode(code: number): { type: DataTypeName; array: boolean } | undefined {
  for (const [name, c] of Object.entries(scalarCode))
    if (c === code) return { type: name as DataTypeName, array: false };
  for (const [name, c] of Object.entries(arrayCode)) if (c === code) return { type: name as DataTypeName, array: true };
  return undefined;
}

/** The 8-character type names casacore puts in column class names ("ScalarColumnDesc<Int     "). */
const valTypeName: Record<DataTypeName, string> = {
  Bool: 'Bool    ',
  UChar: 'uChar   ',
  Short: 'Short   ',
  UShort: 'uShort  ',
  Int: 'Int     ',
  UInt: 'uInt    ',
  Int64: 'Int64   ',
  Float: 'float   ',
  Double: 'double  ',
  Complex: 'Complex ',
  DComplex: 'DComplex',
  String: 'String  ',
};
export function valTypeString(t: DataTypeName): string {
  return valTypeName[t];
}

/** Bytes of one element on disk (canonical); Bool is 1 in AipsIO, 1 bit in storage managers. */
export function canonicalSize(t: DataTypeName): number {
  switch (t) {
    case 'Bool':
    case 'UChar':
      return 1;
    case 'Short':
    case 'UShort':
      return 2;
    case 'Int':
    case 'UInt':
    case 'Float':
      return 4;
    case 'Int64':
    case 'Double':
    case 'Complex':
      return 8;
    case 'DComplex':
      return 16;
    case 'String':
      return 0;
  }
}

/**
 * Values of a column or array in memory: complex as interleaved re/im, Bool as 0/1 bytes,
 * Int64 as BigInt64Array, String as string[].
 */
export type ColumnData =
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[];

/** Number of typed-array slots per element (2 for complex types). */
export function slotsPerElement(t: DataTypeName): number {
  return t === 'Complex' || t === 'DComplex' ? 2 : 1;
}

/** Allocate storage for n elements of type t. */
export function allocData(t: DataTypeName, n: number): ColumnData {
  switch (t) {
    case 'Bool':
    case 'UChar':
      return new Uint8Array(n);
    case 'Short':
      return new Int16Array(n);
    case 'UShort':
      return new Uint16Array(n);
    case 'Int':
      return new Int32Array(n);
    case 'UInt':
      return new Uint32Array(n);
    case 'Int64':
      return new BigInt64Array(n);
    case 'Float':
      return new Float32Array(n);
    case 'Double':
      return new Float64Array(n);
    case 'Complex':
      return new Float32Array(2 * n);
    case 'DComplex':
      return new Float64Array(2 * n);
    case 'String':
      return new Array<string>(n).fill('');
  }
}

/** Check that data holds values of type t (the right container); returns its element count. */
export function elementCount(t: DataTypeName, data: ColumnData, where: string): number {
  const ok = (() => {
    switch (t) {
      case 'Bool':
      case 'UChar':
        return data instanceof Uint8Array;
      case 'Short':
        return data instanceof Int16Array;
      case 'UShort':
        return data instanceof Uint16Array;
      case 'Int':
        return data instanceof Int32Array;
      case 'UInt':
        return data instanceof Uint32Array;
      case 'Int64':
        return data instanceof BigInt64Array;
      case 'Float':
      case 'Complex':
        return data instanceof Float32Array;
      case 'Double':
      case 'DComplex':
        return data instanceof Float64Array;
      case 'String':
        return Array.isArray(data);
    }
  })();
  if (!ok)
    throw new TypeError(`${where}: expected ${containerName(t)} for a ${t} column, got ${data.constructor.name}`);
  return data.length / slotsPerElement(t);
}

function containerName(t: DataTypeName): string {
  return allocData(t, 0).constructor.name;
}
