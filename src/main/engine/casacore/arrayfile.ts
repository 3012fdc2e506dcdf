// casacore's StManArrayFile (table.f<N>i): indirect, variable-shape arrays, each stored as
// [refcount (version 1)] ndim, shape, values; strings as offsets to (length, chars) records.
import { bitBytes, decodeElements, encodeElements, packBits, unpackBits } from './codec';
import type { Endian } from './codec';
import type { Cell } from './dataman';
import { PFile, product } from './dataman';
import type { ColumnData, DataTypeName } from './datatypes';
import { allocData, canonicalSize, elementCount } from './datatypes';
import { CasacoreError } from './errors';

export class ArrayFile {
  private readonly file: PFile;
  private readonly view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);
  private readonly le: boolean;
  private version = 0;
  /** Logical length (next free offset). */
  private length = 16;

  constructor(
    readonly path: string,
    readonly endian: Endian,
    mode: 'r' | 'r+' | 'w+',
  ) {
    this.file = new PFile(path, mode);
    this.le = endian === 'little';
    if (mode === 'w+' || this.file.size() === 0) {
      this.writeHeader();
    } else {
      const h = this.file.read(0, 12, 'array file header');
      this.version = this.view(h).getUint32(0, this.le);
      this.length = Number(this.view(h).getBigInt64(4, this.le));
    }
  }

  private writeHeader(): void {
    const h = new Uint8Array(16);
    this.view(h).setUint32(0, this.version, this.le);
    this.view(h).setBigInt64(4, BigInt(this.length), this.le);
    this.file.write(0, h);
  }

  /** Shape of the array at offset, and where its values start. */
  shapeAt(offset: number): { shape: number[]; dataOffset: number } {
    const skip = this.version > 0 ? 4 : 0;
    const head = this.view(this.file.read(offset + skip, 4, 'array ndim'));
    const ndim = head.getUint32(0, this.le);
    if (ndim > 64)
      throw new CasacoreError(this.path, `array at offset ${offset} claims ${ndim} dimensions (expected at most 64)`);
    const sb = this.view(this.file.read(offset + skip + 4, 4 * ndim, 'array shape'));
    const shape: number[] = [];
    for (let i = 0; i < ndim; i++) shape.push(sb.getInt32(4 * i, this.le));
    return { shape, dataOffset: offset + skip + 4 + 4 * ndim };
  }

  /** Elements [first, first+n) (flat, casacore order) of the array at offset into out[outStart..]. */
  readRange(t: DataTypeName, dataOffset: number, first: number, n: number, out: ColumnData, outStart: number): void {
    if (n === 0) return;
    if (t === 'Bool') {
      const b0 = Math.floor(first / 8);
      const bytes = this.file.read(dataOffset + b0, bitBytes(first - 8 * b0 + n), 'Bool array');
      unpackBits(bytes, 0, first - 8 * b0, n, out as Uint8Array, outStart);
    } else if (t === 'String') {
      const offs = this.view(this.file.read(dataOffset + 4 * first, 4 * n, 'string offsets'));
      for (let i = 0; i < n; i++) {
        const o = offs.getUint32(4 * i, this.le);
        let s = '';
        if (o !== 0) {
          const len = this.view(this.file.read(o, 4, 'string length')).getUint32(0, this.le);
          s = Buffer.from(this.file.read(o + 4, len, 'string')).toString('latin1');
        }
        (out as string[])[outStart + i] = s;
      }
    } else {
      const size = canonicalSize(t);
      const bytes = this.file.read(dataOffset + size * first, size * n, `${t} array`);
      decodeElements(t, bytes, 0, n, out, outStart, this.endian);
    }
  }

  readCell(t: DataTypeName, offset: number): Cell {
    const { shape, dataOffset } = this.shapeAt(offset);
    const n = product(shape);
    const data = allocData(t, n);
    this.readRange(t, dataOffset, 0, n, data, 0);
    return { shape, data };
  }

  /** Replace the values of the array at offset (same shape; not for String arrays, whose length varies). */
  overwrite(t: DataTypeName, offset: number, data: ColumnData): void {
    if (t === 'String') throw new CasacoreError(this.path, 'String arrays are rewritten by appending, not in place');
    const { shape, dataOffset } = this.shapeAt(offset);
    const n = elementCount(t, data, `${this.path}: array`);
    if (n !== product(shape))
      throw new RangeError(
        `${this.path}: ${n} values do not fill the shape [${shape.join(',')}] stored at offset ${offset}`,
      );
    this.file.write(dataOffset, this.encode(t, data, n, dataOffset));
  }

  private encode(t: DataTypeName, data: ColumnData, n: number, at: number): Uint8Array {
    if (t === 'Bool') {
      const body = new Uint8Array(bitBytes(n));
      packBits(data as Uint8Array, 0, n, body, 0);
      return body;
    }
    if (t === 'String') {
      const parts = (data as string[]).map((s) => Buffer.from(s, 'latin1'));
      const body = new Uint8Array(4 * n + parts.reduce((a, p) => a + 4 + p.length, 0));
      const bv = this.view(body);
      let pos = 4 * n;
      parts.forEach((p, i) => {
        bv.setUint32(4 * i, at + pos, this.le);
        bv.setUint32(pos, p.length, this.le);
        body.set(p, pos + 4);
        pos += 4 + p.length;
      });
      return body;
    }
    const body = new Uint8Array(n * canonicalSize(t));
    encodeElements(t, data, 0, n, body, 0, this.endian);
    return body;
  }

  /** Append an array; returns its offset (to be stored in the manager's row slot). */
  append(t: DataTypeName, shape: readonly number[], data: ColumnData): number {
    const n = elementCount(t, data, `${this.path}: array`);
    if (n !== product(shape)) throw new RangeError(`${this.path}: ${n} values do not fill shape [${shape.join(',')}]`);
    // casacore appends at the current length, without alignment.
    const offset = this.length;
    const head = new Uint8Array(4 + 4 * shape.length);
    const hv = this.view(head);
    hv.setUint32(0, shape.length, this.le);
    shape.forEach((x, i) => hv.setInt32(4 + 4 * i, x, this.le));
    const body = this.encode(t, data, n, offset + head.length);
    const rec = new Uint8Array(head.length + body.length);
    rec.set(head, 0);
    rec.set(body, head.length);
    this.file.write(offset, rec);
    this.length = offset + rec.length;
    return offset;
  }

  flush(): void {
    this.writeHeader();
  }
  close(): void {
    this.file.close();
  }
}
