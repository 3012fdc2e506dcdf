// casacore's AipsIO object stream: objects framed by (magic at top level,) length, type name
// and version; scalars in canonical big- or little-endian form; Bool as one byte.
import { CasacoreError } from './errors';
import type { Endian } from './codec';

const MAGIC = 0xbebebebe;

/** Reads an AipsIO stream held in memory. */
export class AipsReader {
  pos: number;
  private readonly view: DataView;
  private readonly le: boolean;
  private readonly ends: number[] = [];

  constructor(
    readonly buf: Uint8Array,
    /** Shown in error messages: the file (and part of it) being read. */
    readonly file: string,
    readonly endianName: Endian = 'big',
    start = 0,
  ) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.le = endianName === 'little';
    this.pos = start;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) {
      throw new CasacoreError(
        this.file,
        `truncated: expected ${n} byte(s) for ${what} at offset ${this.pos}, file has ${this.buf.length}`,
      );
    }
  }
  u8(what = 'uChar'): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }
  bool(what = 'Bool'): boolean {
    return this.u8(what) !== 0;
  }
  i16(what = 'Short'): number {
    this.need(2, what);
    const v = this.view.getInt16(this.pos, this.le);
    this.pos += 2;
    return v;
  }
  u16(what = 'uShort'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, this.le);
    this.pos += 2;
    return v;
  }
  i32(what = 'Int'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, this.le);
    this.pos += 4;
    return v;
  }
  u32(what = 'uInt'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, this.le);
    this.pos += 4;
    return v;
  }
  i64(what = 'Int64'): number {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, this.le);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new CasacoreError(this.file, `${what} ${v} at offset ${this.pos - 8} exceeds 2^53`);
    }
    return Number(v);
  }
  bigint64(what = 'Int64'): bigint {
    this.need(8, what);
    const v = this.view.getBigInt64(this.pos, this.le);
    this.pos += 8;
    return v;
  }
  f32(what = 'float'): number {
    this.need(4, what);
    const v = this.view.getFloat32(this.pos, this.le);
    this.pos += 4;
    return v;
  }
  f64(what = 'double'): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, this.le);
    this.pos += 8;
    return v;
  }
  string(what = 'String'): string {
    const n = this.u32(`length of ${what}`);
    this.need(n, what);
    const s = Buffer.from(this.buf.buffer, this.buf.byteOffset + this.pos, n).toString('latin1');
    this.pos += n;
    return s;
  }
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** The type name of the next object, without consuming it. */
  peekType(): string {
    const save = this.pos;
    try {
      if (this.ends.length === 0) this.u32('magic');
      this.u32('object length');
      return this.string('object type');
    } finally {
      this.pos = save;
    }
  }

  /** Start an object of the given type (or any of several); returns its version. */
  getStart(expected: string | string[]): number {
    const names = Array.isArray(expected) ? expected : [expected];
    if (this.ends.length === 0) {
      const at = this.pos;
      const m = this.u32('AipsIO magic');
      if (m !== MAGIC) {
        throw new CasacoreError(
          this.file,
          `expected the AipsIO magic value 0xbebebebe at offset ${at} (start of ${names.join('/')}), found 0x${m.toString(16)}`,
        );
      }
    }
    const start = this.pos;
    const len = this.u32('object length');
    const type = this.string('object type');
    if (!names.includes(type)) {
      throw new CasacoreError(
        this.file,
        `expected an AipsIO object of type ${names.join(' or ')} at offset ${start}, found "${type}"`,
      );
    }
    if (start + len > this.buf.length) {
      throw new CasacoreError(
        this.file,
        `truncated: object ${type} at offset ${start} has length ${len} but the file ends at ${this.buf.length}`,
      );
    }
    this.ends.push(start + len);
    return this.u32(`version of ${type}`);
  }

  /** Leave the current object, skipping whatever of it was not read. */
  getEnd(): void {
    const end = this.ends.pop();
    if (end === undefined) throw new CasacoreError(this.file, 'AipsIO getEnd without getStart');
    if (this.pos > end)
      throw new CasacoreError(this.file, `AipsIO object ending at ${end} was read past its end (offset ${this.pos})`);
    this.pos = end;
  }
}

/** Builds an AipsIO stream in memory. */
export class AipsWriter {
  private buf: Uint8Array = new Uint8Array(1024);
  private view: DataView = new DataView(this.buf.buffer);
  private readonly le: boolean;
  private readonly starts: number[] = [];
  len = 0;

  constructor(readonly endianName: Endian = 'big') {
    this.le = endianName === 'little';
  }

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.room(1);
    this.view.setUint8(this.len, v);
    this.len += 1;
  }
  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }
  i16(v: number): void {
    this.room(2);
    this.view.setInt16(this.len, v, this.le);
    this.len += 2;
  }
  u16(v: number): void {
    this.room(2);
    this.view.setUint16(this.len, v, this.le);
    this.len += 2;
  }
  i32(v: number): void {
    this.room(4);
    this.view.setInt32(this.len, v, this.le);
    this.len += 4;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.len, v >>> 0, this.le);
    this.len += 4;
  }
  i64(v: number | bigint): void {
    this.room(8);
    this.view.setBigInt64(this.len, BigInt(v), this.le);
    this.len += 8;
  }
  f32(v: number): void {
    this.room(4);
    this.view.setFloat32(this.len, v, this.le);
    this.len += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.len, v, this.le);
    this.len += 8;
  }
  string(s: string): void {
    const b = Buffer.from(s, 'latin1');
    this.u32(b.length);
    this.raw(b);
  }
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  putStart(type: string, version: number): void {
    if (this.starts.length === 0) this.u32(MAGIC);
    this.starts.push(this.len);
    this.u32(0); // length, patched by putEnd
    this.string(type);
    this.u32(version);
  }
  putEnd(): void {
    const start = this.starts.pop();
    if (start === undefined) throw new Error('AipsWriter.putEnd without putStart');
    this.view.setUint32(start, this.len - start, this.le);
  }

  bytes(): Uint8Array {
    if (this.starts.length !== 0) throw new Error('AipsWriter: unterminated object');
    return this.buf.slice(0, this.len);
  }
}
