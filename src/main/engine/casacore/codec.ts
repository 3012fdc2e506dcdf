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
  t: DataTypeName,
  data: ColumnData,
  start: number,
  count: number,
  dst: Uint8Array,
  off: number,
  endian: Endian,
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
  t: DataTypeName,
  src: Uint8Array,
  off: number,
  count: number,
  out: ColumnData,
  outStart: number,
  endian: Endian,
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

/**
 * Pack values[vStart..vStart+n) as bits into dst starting at bit `bitOff` of dst[off]. Bits
 * outside the range keep their values. Whole bytes are assembled 8 values at a time (FLAG
 * columns hold ~10^8 values per MS).
 */
export function packBits(
  values: Uint8Array,
  vStart: number,
  n: number,
  dst: Uint8Array,
  off: number,
  bitOff = 0,
): void {
  let i = 0;
  let bit = bitOff;
  // Leading values up to a byte boundary, one bit at a time.
  for (; i < n && (bit & 7) !== 0; i++, bit++) {
    const idx = off + (bit >> 3);
    const mask = 1 << (bit & 7);
    const cur = dst[idx] ?? 0;
    dst[idx] = values[vStart + i] ? cur | mask : cur & ~mask;
  }
  let idx = off + (bit >> 3);
  let v = vStart + i;
  for (; i + 8 <= n; i += 8, v += 8, idx++) {
    dst[idx] =
      (values[v] ? 1 : 0) |
      (values[v + 1] ? 2 : 0) |
      (values[v + 2] ? 4 : 0) |
      (values[v + 3] ? 8 : 0) |
      (values[v + 4] ? 16 : 0) |
      (values[v + 5] ? 32 : 0) |
      (values[v + 6] ? 64 : 0) |
      (values[v + 7] ? 128 : 0);
  }
  // Trailing values in a partly covered last byte.
  for (let j = 0; i < n; i++, j++) {
    const mask = 1 << j;
    const cur = dst[idx] ?? 0;
    dst[idx] = values[vStart + i] ? cur | mask : cur & ~mask;
  }
}

/** Unpack n bits from src (starting at bit `bitOff` of src[off]) into out[outStart..). */
export function unpackBits(
  src: Uint8Array,
  off: number,
  bitOff: number,
  n: number,
  out: Uint8Array,
  outStart: number,
): void {
  let i = 0;
  let bit = bitOff;
  for (; i < n && (bit & 7) !== 0; i++, bit++) out[outStart + i] = ((src[off + (bit >> 3)] ?? 0) >> (bit & 7)) & 1;
  let idx = off + (bit >> 3);
  let o = outStart + i;
  for (; i + 8 <= n; i += 8, o += 8, idx++) {
    const b = src[idx] ?? 0;
    out[o] = b & 1;
    out[o + 1] = (b >> 1) & 1;
    out[o + 2] = (b >> 2) & 1;
    out[o + 3] = (b >> 3) & 1;
    out[o + 4] = (b >> 4) & 1;
    out[o + 5] = (b >> 5) & 1;
    out[o + 6] = (b >> 6) & 1;
    out[o + 7] = (b >> 7) & 1;
  }
  const last = src[idx] ?? 0;
  for (let j = 0; i < n; i++, j++, o++) out[o] = (last >> j) & 1;
}
