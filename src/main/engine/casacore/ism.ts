// IncrementalStMan (read only): a value is stored once per run of equal rows; buckets hold the
// values and, per column, the first row of each run with its offset; an index maps rows to buckets.
import { AipsReader } from './aipsio';
import { ArrayFile } from './arrayfile';
import { bitBytes, decodeElements, unpackBits } from './codec';
import type { Endian } from './codec';
import type { DataManager, DataManagerContext } from './dataman';
import { PFile, product } from './dataman';
import type { ColumnData } from './datatypes';
import { allocData, slotsPerElement } from './datatypes';
import { CasacoreError } from './errors';
import { readUIntBlock } from './ssm';
import type { ColumnDesc } from './tabledesc';
import { COLUMN_DIRECT } from './tabledesc';

interface Bucket {
  data: Uint8Array;
  rows: number[][];
  offsets: number[][];
}

export class IncrementalStMan implements DataManager {
  readonly type = 'IncrementalStMan';
  readonly seqnr: number;
  readonly columns: string[];
  readonly name: string;
  private readonly file: PFile;
  private readonly endian: Endian;
  private readonly le: boolean;
  private bucketSize = 0;
  /** First row of each bucket; one more entry holding the row count. */
  private bucketRows: number[] = [];
  private bucketNrs: number[] = [];
  private readonly cache = new Map<number, Bucket>();
  private arrays: ArrayFile | undefined;

  private constructor(
    private readonly ctx: DataManagerContext,
    name: string,
  ) {
    this.seqnr = ctx.seqnr;
    this.name = name;
    this.columns = ctx.columns.map((c) => c.name);
    this.endian = ctx.endian;
    this.le = ctx.endian === 'little';
    this.file = new PFile(ctx.file, 'r');
  }

  static open(ctx: DataManagerContext, blob: Uint8Array): IncrementalStMan {
    const r = new AipsReader(blob, `${ctx.dir}/table.dat (IncrementalStMan header)`);
    r.getStart('ISM');
    const name = r.string('data manager name');
    r.getEnd();
    const m = new IncrementalStMan(ctx, name);
    m.readIndex();
    return m;
  }

  private readIndex(): void {
    const f = this.ctx.file;
    const head = this.file.read(0, Math.min(512, this.file.size()), 'IncrementalStMan header');
    const r = new AipsReader(head, f, this.endian);
    const version = r.getStart('IncrementalStMan');
    if (version >= 5) {
      const big = r.bool('endian flag');
      if (big !== (this.endian === 'big'))
        throw new CasacoreError(f, `endian flag (${big ? 'big' : 'little'}) does not match the table (${this.endian})`);
    }
    this.bucketSize = r.u32('bucket size');
    const nbuckets = r.u32('number of buckets');
    r.getEnd();
    const at = 512 + nbuckets * this.bucketSize;
    const rest = this.file.read(at, this.file.size() - at, 'bucket index');
    const ir = new AipsReader(rest, `${f} (bucket index at ${at})`, this.endian);
    const iv = ir.getStart('ISMIndex');
    const nused = ir.u32('index entries');
    const rows = iv > 1 ? readU64Block(ir) : readUIntBlock(ir);
    this.bucketRows = rows.slice(0, nused + 1);
    this.bucketNrs = readUIntBlock(ir).slice(0, nused);
    ir.getEnd();
  }

  private bucket(nr: number): Bucket {
    const hit = this.cache.get(nr);
    if (hit) return hit;
    const raw = this.file.read(512 + nr * this.bucketSize, this.bucketSize, `bucket ${nr}`);
    const v = new DataView(raw.buffer);
    const word = v.getUint32(0, this.le);
    const wide = (word & 0xf0000000) !== 0;
    let off = word & 0x0fffffff;
    const data = raw.subarray(4, off);
    const rows: number[][] = [];
    const offsets: number[][] = [];
    for (let c = 0; c < this.ctx.columns.length; c++) {
      const n = v.getUint32(off, this.le);
      off += 4;
      const r: number[] = [];
      for (let i = 0; i < n; i++) {
        if (wide) {
          r.push(Number(v.getBigUint64(off, this.le)));
          off += 8;
        } else {
          r.push(v.getUint32(off, this.le));
          off += 4;
        }
      }
      const o: number[] = [];
      for (let i = 0; i < n; i++) {
        o.push(v.getUint32(off, this.le));
        off += 4;
      }
      rows.push(r);
      offsets.push(o);
    }
    const b = { data, rows, offsets };
    if (this.cache.size > 64) this.cache.clear();
    this.cache.set(nr, b);
    return b;
  }

  /** Runs of equal values covering [rowStart, rowStart+nrows): (value bytes, first row done, count). */
  private *runs(
    colIndex: number,
    rowStart: number,
    nrows: number,
  ): Generator<{ bytes: Uint8Array; done: number; count: number }> {
    let row = rowStart;
    const endRow = rowStart + nrows;
    while (row < endRow) {
      let i = upperBound(this.bucketRows, row) - 1;
      if (i < 0) i = 0;
      const bStart = this.bucketRows[i] ?? 0;
      const bEnd = this.bucketRows[i + 1] ?? 0;
      const nr = this.bucketNrs[i];
      if (nr === undefined || row >= bEnd)
        throw new CasacoreError(this.ctx.file, `row ${row} is beyond the bucket index`);
      const b = this.bucket(nr);
      const rws = b.rows[colIndex] ?? [];
      const offs = b.offsets[colIndex] ?? [];
      let j = Math.max(0, upperBound(rws, row - bStart) - 1);
      while (row < Math.min(endRow, bEnd)) {
        const next = j + 1 < rws.length ? bStart + (rws[j + 1] ?? 0) : bEnd;
        const count = Math.min(next, endRow) - row;
        yield { bytes: b.data.subarray(offs[j] ?? 0), done: row - rowStart, count };
        row += count;
        j++;
      }
    }
  }

  private colIndex(col: ColumnDesc): number {
    const i = this.columns.indexOf(col.name);
    if (i < 0)
      throw new CasacoreError(this.ctx.file, `column ${col.name} is not stored in IncrementalStMan ${this.name}`);
    return i;
  }

  private indirect(col: ColumnDesc): boolean {
    return col.kind === 'array' && (col.options & COLUMN_DIRECT) === 0;
  }

  private arrayOffset(bytes: Uint8Array): number {
    return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigInt64(0, this.le));
  }

  private arrayFile(): ArrayFile {
    if (!this.arrays) this.arrays = new ArrayFile(`${this.ctx.file}i`, this.endian, 'r');
    return this.arrays;
  }

  cellShape(col: ColumnDesc, row: number): number[] | null {
    if (col.kind === 'scalar') return [];
    if (!this.indirect(col)) return this.ctx.shapes.get(col.name) ?? col.shape ?? null;
    for (const run of this.runs(this.colIndex(col), row, 1)) {
      const off = this.arrayOffset(run.bytes);
      return off === 0 ? null : this.arrayFile().shapeAt(off).shape;
    }
    return null;
  }

  read(col: ColumnDesc, rowStart: number, nrows: number, cellShape: number[]): ColumnData {
    const per = product(cellShape);
    const out = allocData(col.type, per * nrows);
    const ci = this.colIndex(col);
    const one = allocData(col.type, per);
    for (const run of this.runs(ci, rowStart, nrows)) {
      if (this.indirect(col)) {
        const off = this.arrayOffset(run.bytes);
        if (off === 0)
          throw new CasacoreError(this.ctx.file, `row ${rowStart + run.done} of column ${col.name} holds no array`);
        const { shape, dataOffset } = this.arrayFile().shapeAt(off);
        if (product(shape) !== per)
          throw new CasacoreError(
            this.ctx.file,
            `row ${rowStart + run.done} of column ${col.name} has shape [${shape.join(',')}], expected [${cellShape.join(',')}]`,
          );
        this.arrayFile().readRange(col.type, dataOffset, 0, per, one, 0);
      } else if (col.type === 'String') {
        this.decodeStrings(run.bytes, per, one as string[]);
      } else if (col.type === 'Bool') {
        unpackBits(run.bytes.subarray(0, bitBytes(per)), 0, 0, per, one as Uint8Array, 0);
      } else {
        decodeElements(col.type, run.bytes, 0, per, one, 0, this.endian);
      }
      for (let i = 0; i < run.count; i++) {
        const at = (run.done + i) * per;
        if (Array.isArray(out)) for (let k = 0; k < per; k++) out[at + k] = (one as string[])[k] ?? '';
        else (out as Exclude<ColumnData, string[]>).set(one as never, at * slotsPerElement(col.type));
      }
    }
    return out;
  }

  private decodeStrings(b: Uint8Array, n: number, out: string[]): void {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let p = 4; // total length (including itself)
    if (n === 1) {
      const len = v.getUint32(0, this.le) - 4;
      out[0] = Buffer.from(b.subarray(4, 4 + len)).toString('latin1');
      return;
    }
    for (let i = 0; i < n; i++) {
      const len = v.getUint32(p, this.le);
      out[i] = Buffer.from(b.subarray(p + 4, p + 4 + len)).toString('latin1');
      p += 4 + len;
    }
  }

  flush(): Uint8Array {
    throw new CasacoreError(this.ctx.file, 'IncrementalStMan is read-only in this implementation');
  }

  close(): void {
    this.file.close();
    this.arrays?.close();
  }
}

function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] ?? 0) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function readU64Block(r: AipsReader): number[] {
  r.getStart('Block');
  const n = r.u32('block length');
  const v: number[] = [];
  for (let i = 0; i < n; i++) v.push(r.i64('block value'));
  r.getEnd();
  return v;
}
