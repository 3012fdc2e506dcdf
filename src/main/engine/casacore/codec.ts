// Element encoding between typed arrays and file bytes in either byte order, and casacore's
// Bool packing (8 values per byte, first value in the least significant bit).
import type { ColumnData, DataTypeName } from './datatypes';
import { canonicalSize, slotsPerElement } from './datatypes';

/** Byte order of a storage manager's data files (table.dat itself is always big-endian). */
export type Endian = 'big' | 'little';

function swapInPlace(bytes: Uint8Array, width: number): void {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (width === 2) b.swap16();
  else if (width === 4) b.swap32();
  else if (width === 8) b.swap64();
}

/** Width of one swappable unit (the real or imaginary part for complex types). */
function unitWidth(t: DataTypeName): number {
  return canonicalSize(t) / slotsPerElement(t);
}

function numericBytes(data: Exclude<ColumnData, string[]>, start: number, slots: number): Uint8Array {
  const w = data.BYTES_PER_ELEMENT;
  return new Uint8Array(data.buffer, data.byteOffset + start * w, slots * w);
}

/**
 * Write `count` elements of data (from element `start`) into dst at byte offset `off`.
 * Bool is written one byte per value here (AipsIO style); use packBits for storage managers.
 */
export function encodeElements(
  t: DataTypeName, data: ColumnData, start: number, count: number,
  dst: Uint8Array, off: number, endian: Endian,
): number {
  if (t === 'String') throw new Error('encodeElements: strings are encoded by their owner');
  const arr = data as Exclude<ColumnData, string[]>;
  const spe = slotsPerElement(t);
  const src = numericBytes(arr, start * spe, count * spe);
  dst.set(src, off);
  const w = unitWidth(t);
  if (endian === 'big' && w > 1) swapInPlace(dst.subarray(off, off + src.length), w);
  return src.length;
}

/** Read `count` elements at byte offset `off` of src into out (from element `outStart`). */
export function decodeElements(
  t: DataTypeName, src: Uint8Array, off: number, count: number,
  out: ColumnData, outStart: number, endian: Endian,
): number {
  if (t === 'String') throw new Error('decodeElements: strings are decoded by their owner');
  const arr = out as Exclude<ColumnData, string[]>;
  const spe = slotsPerElement(t);
  const dst = numericBytes(arr, outStart * spe, count * spe);
  const n = dst.length;
  if (off + n > src.length) throw new RangeError(`decodeElements: need ${n} bytes at ${off}, have ${src.length - off}`);
  dst.set(src.subarray(off, off + n));
  const w = unitWidth(t);
  if (endian === 'big' && w > 1) swapInPlace(dst, w);
  return n;
}

/** Bytes needed for n Bool values packed as bits. */
export function bitBytes(n: number): number {
  return Math.ceil(n / 8);
}

/** Pack values[vStart..vStart+n) as bits into dst starting at bit `bitOff` of dst[off]. */
export function packBits(values: Uint8Array, vStart: number, n: number, dst: Uint8Array, off: number, bitOff = 0): void {
  for (let i = 0; i < n; i++) {
    const bit = bitOff + i;
    const idx = off + (bit >> 3);
    const mask = 1 << (bit & 7);
    const cur = dst[idx] ?? 0;
    dst[idx] = values[vStart + i] ? cur | mask : cur & ~mask;
  }
}

/** Unpack n bits from src (starting at bit `bitOff` of src[off]) into out[outStart..). */
export function unpackBits(src: Uint8Array, off: number, bitOff: number, n: number, out: Uint8Array, outStart: number): void {
  for (let i = 0; i < n; i++) {
    const bit = bitOff + i;
    out[outStart + i] = ((src[off + (bit >> 3)] ?? 0) >> (bit & 7)) & 1;
  }
}
