// StandardStMan string buckets: strings longer than 8 bytes (and indirect String arrays) live
// in chained buckets with a 16-byte big-endian header (-, used length, deleted bytes, next bucket).
import type { PFile } from './dataman';
import { CasacoreError } from './errors';

const HEAD = 16;

interface Current {
  bucket: number;
  data: Uint8Array;
  used: number;
  next: number;
}

export class SsmStrings {
  /** Last string bucket in use (-1: none). */
  lastBucket = -1;
  private current: Current | undefined;
  private changed = false;

  constructor(
    private readonly file: PFile,
    private readonly bucketSize: () => number,
    private readonly bucketOffset: (b: number) => number,
    private readonly newBucket: () => number,
  ) {}

  private load(b: number): Current {
    if (this.current?.bucket === b) return this.current;
    const raw = this.file.read(this.bucketOffset(b), this.bucketSize(), `string bucket ${b}`);
    const v = new DataView(raw.buffer);
    return { bucket: b, data: raw.slice(HEAD), used: v.getInt32(4, false), next: v.getInt32(12, false) };
  }

  /** Bytes [offset, offset+length) of the string data starting in bucket b, following the chain. */
  private readBytes(b: number, offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let got = 0;
    let cur = this.load(b);
    let off = offset;
    while (got < length) {
      const n = Math.min(length - got, cur.used - off);
      if (n <= 0) {
        if (cur.next < 0)
          throw new CasacoreError(
            this.file.path,
            `string of ${length} bytes runs past the end of string bucket ${cur.bucket}`,
          );
        cur = this.load(cur.next);
        off = 0;
        continue;
      }
      out.set(cur.data.subarray(off, off + n), got);
      got += n;
      off += n;
    }
    return out;
  }

  readString(bucket: number, offset: number, length: number): string {
    return Buffer.from(this.readBytes(bucket, offset, length)).toString('latin1');
  }

  /** Shape of an indirect String array: ndim, axes, (filled flag), lengths and chars follow. */
  arrayShape(ref: { bucket: number; offset: number; length: number }): number[] {
    return this.parseArray(ref).shape;
  }

  readStringArray(ref: { bucket: number; offset: number; length: number }): string[] {
    return this.parseArray(ref).values;
  }

  /** A String array cell of a fixed-shape column: n (big-endian length, bytes) records, no shape header. */
  readFixedStringArray(ref: { bucket: number; offset: number; length: number }, n: number): string[] {
    if (ref.length === 0) return new Array<string>(n).fill('');
    const b = this.readBytes(ref.bucket, ref.offset, ref.length);
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const values: string[] = [];
    let p = 0;
    for (let i = 0; i < n; i++) {
      if (p + 4 > b.length)
        throw new CasacoreError(this.file.path, `String array cell of ${b.length} bytes holds fewer than ${n} strings`);
      const len = v.getInt32(p, false);
      values.push(Buffer.from(b.subarray(p + 4, p + 4 + len)).toString('latin1'));
      p += 4 + len;
    }
    return values;
  }

  private parseArray(ref: { bucket: number; offset: number; length: number }): { shape: number[]; values: string[] } {
    const b = this.readBytes(ref.bucket, ref.offset, ref.length);
    const v = new DataView(b.buffer);
    let p = 0;
    const int = (): number => {
      if (p + 4 > b.length)
        throw new CasacoreError(this.file.path, `String array record of ${b.length} bytes is truncated`);
      const x = v.getInt32(p, false);
      p += 4;
      return x;
    };
    const ndim = int();
    const shape: number[] = [];
    for (let i = 0; i < ndim; i++) shape.push(int());
    const filled = int();
    const n = shape.reduce((a, c) => a * c, 1);
    const values: string[] = [];
    for (let i = 0; i < n; i++) {
      if (!filled) {
        values.push('');
        continue;
      }
      const len = int();
      values.push(Buffer.from(b.subarray(p, p + len)).toString('latin1'));
      p += len;
    }
    return { shape, values };
  }

  private startBucket(link: boolean): void {
    const b = this.newBucket();
    if (link && this.current) {
      this.current.next = b;
      this.writeCurrent();
    } else if (this.current && this.changed) {
      this.writeCurrent();
    }
    this.current = { bucket: b, data: new Uint8Array(this.bucketSize() - HEAD), used: 0, next: -1 };
    this.lastBucket = b;
    this.changed = true;
  }

  /** Store bytes; returns where they start. */
  append(bytes: Uint8Array): { bucket: number; offset: number } {
    if (!this.current && this.lastBucket >= 0) this.current = this.load(this.lastBucket);
    const cap = this.bucketSize() - HEAD;
    if (!this.current) this.startBucket(false);
    let cur = this.current as Current;
    if (bytes.length > cap - cur.used && cap - cur.used < 50) {
      this.startBucket(false);
      cur = this.current as Current;
    }
    const start = { bucket: cur.bucket, offset: cur.used };
    let done = 0;
    while (done < bytes.length) {
      const n = Math.min(bytes.length - done, cap - cur.used);
      cur.data.set(bytes.subarray(done, done + n), cur.used);
      cur.used += n;
      done += n;
      this.changed = true;
      if (done < bytes.length) {
        this.startBucket(true);
        cur = this.current as Current;
      }
    }
    return start;
  }

  private writeCurrent(): void {
    const c = this.current;
    if (!c) return;
    const raw = new Uint8Array(this.bucketSize());
    const v = new DataView(raw.buffer);
    v.setInt32(4, c.used, false);
    v.setInt32(8, c.data.length - c.used, false);
    v.setInt32(12, c.next, false);
    raw.set(c.data, HEAD);
    this.file.write(this.bucketOffset(c.bucket), raw);
    this.changed = false;
  }

  flush(): void {
    if (this.changed) this.writeCurrent();
  }
}
