// StandardStMan: rows in fixed-size buckets (table.f<N>), each column a run of values per
// bucket; long strings in string buckets; the bucket index at the end; indirect arrays in .f<N>i.
import { AipsReader, AipsWriter } from './aipsio';
import { ArrayFile } from './arrayfile';
import { BucketCache } from './bucket-cache';
import { decodeElements, encodeElements, packBits, unpackBits } from './codec';
import type { Endian } from './codec';
import type { Cell, DataManager, DataManagerContext } from './dataman';
import { PFile, product } from './dataman';
import type { ColumnData } from './datatypes';
import { allocData, canonicalSize } from './datatypes';
import { CasacoreError } from './errors';
import type { ColumnDesc } from './tabledesc';
import { COLUMN_DIRECT } from './tabledesc';
import { SsmStrings } from './ssm-strings';

const HEADER_BYTES = 512;

type SlotKind = 'scalar' | 'string' | 'fixedString' | 'direct' | 'indirect' | 'indirectString';

interface Slot {
  desc: ColumnDesc;
  kind: SlotKind;
  /** Byte offset of the column's run inside a bucket. */
  offset: number;
  /** The bucket index (of this manager's indices) that holds the column's rows. */
  index: number;
  /** Bits per row on disk. */
  bits: number;
  /** Elements per row (direct arrays). */
  nelem: number;
  shape: number[];
}

/**
 * One bucket index: which buckets hold which rows for the columns mapped to it. casacore adds a
 * second index when a column is added to an existing manager (WSClean's MODEL_DATA, for one).
 */
interface SsmIndex {
  rowsPerBucket: number;
  lastRow: number[];
  bucket: number[];
  /** Columns of this index, as stored (casacore writes it; kept for the round trip). */
  nColumns: number;
  /** Free-space map (offset -> length in a bucket), kept as read for the round trip. */
  free: [number, number][];
}

function slotFor(desc: ColumnDesc, shapes: Map<string, number[]>, file: string): Omit<Slot, 'offset' | 'index'> {
  if (desc.kind === 'scalar') {
    if (desc.type === 'String') {
      return desc.maxLength > 0
        ? { desc, kind: 'fixedString', bits: 8 * desc.maxLength, nelem: 1, shape: [] }
        : { desc, kind: 'string', bits: 96, nelem: 1, shape: [] };
    }
    return { desc, kind: 'scalar', bits: desc.type === 'Bool' ? 1 : 8 * canonicalSize(desc.type), nelem: 1, shape: [] };
  }
  if ((desc.options & COLUMN_DIRECT) !== 0) {
    const shape = shapes.get(desc.name) ?? desc.shape;
    if (!shape) throw new CasacoreError(file, `direct array column ${desc.name} has no fixed shape`);
    if (desc.type === 'String')
      throw new CasacoreError(file, `direct String array column ${desc.name} is not supported`);
    const n = product(shape);
    return { desc, kind: 'direct', bits: desc.type === 'Bool' ? n : 8 * n * canonicalSize(desc.type), nelem: n, shape };
  }
  return desc.type === 'String'
    ? { desc, kind: 'indirectString', bits: 96, nelem: 1, shape: [] }
    : { desc, kind: 'indirect', bits: 64, nelem: 1, shape: [] };
}

export class StandardStMan implements DataManager {
  readonly type = 'StandardStMan';
  readonly seqnr: number;
  readonly columns: string[];
  name: string;
  private readonly file: PFile;
  private readonly endian: Endian;
  private readonly le: boolean;
  private readonly slots = new Map<string, Slot>();
  private bucketSize = 0;
  private nBuckets = 0;
  private indices: SsmIndex[] = [];
  private indexBuckets: number[] = [];
  private readonly strings: SsmStrings;
  private arrays: ArrayFile | undefined;
  private dirty = false;
  /** Data buckets: every slot read and write goes through it (index and string buckets do not). */
  private readonly cache: BucketCache;

  private constructor(
    private readonly ctx: DataManagerContext,
    name: string,
    mode: 'r' | 'r+' | 'w+',
  ) {
    this.seqnr = ctx.seqnr;
    this.name = name;
    this.columns = ctx.columns.map((c) => c.name);
    this.endian = ctx.endian;
    this.le = ctx.endian === 'little';
    this.file = new PFile(ctx.file, mode);
    this.cache = new BucketCache(
      this.file,
      () => this.bucketSize,
      (b) => this.bucketOffset(b),
    );
    this.strings = new SsmStrings(
      this.file,
      () => this.bucketSize,
      (b) => this.bucketOffset(b),
      () => this.nBuckets++,
    );
  }

  private bucketOffset(b: number): number {
    return HEADER_BYTES + b * this.bucketSize;
  }

  /** Open an existing manager from its table.dat blob and its file header and index. */
  static open(ctx: DataManagerContext, blob: Uint8Array): StandardStMan {
    const r = new AipsReader(blob, `${ctx.dir}/table.dat (StandardStMan header)`);
    r.getStart('SSM');
    const name = r.string('data manager name');
    const offsets = readUIntBlock(r);
    const indexOf = readUIntBlock(r); // column -> bucket index
    r.getEnd();
    const m = new StandardStMan(ctx, name, ctx.writable ? 'r+' : 'r');
    m.readHeader();
    ctx.columns.forEach((c, i) => {
      const off = offsets[i];
      if (off === undefined) throw new CasacoreError(ctx.file, `no bucket offset for column ${c.name}`);
      const index = indexOf[i] ?? 0;
      if (index >= m.indices.length)
        throw new CasacoreError(
          ctx.file,
          `column ${c.name} refers to bucket index ${index}, but the file has ${m.indices.length}`,
        );
      m.slots.set(c.name, { ...slotFor(c, ctx.shapes, ctx.file), offset: off, index });
    });
    return m;
  }

  private readHeader(): void {
    const f = this.ctx.file;
    const head = this.file.read(0, Math.min(HEADER_BYTES, this.file.size()), 'StandardStMan header');
    const r = new AipsReader(head, f, this.endian);
    const version = r.getStart('StandardStMan');
    if (version >= 3) {
      const big = r.bool('endian flag');
      if (big !== (this.endian === 'big'))
        throw new CasacoreError(f, `endian flag (${big ? 'big' : 'little'}) does not match the table (${this.endian})`);
    }
    this.bucketSize = r.u32('bucket size');
    this.nBuckets = r.u32('number of buckets');
    r.u32('cache size');
    r.u32('free buckets');
    r.i32('first free bucket');
    const nIdxBuckets = r.u32('index buckets');
    const firstIdx = r.i32('first index bucket');
    const idxOffset = version >= 2 ? r.u32('index offset') : 0;
    const lastString = r.i32('last string bucket');
    const idxLength = r.u32('index length');
    const nIndex = r.u32('number of indices');
    r.getEnd();
    if (nIndex < 1) throw new CasacoreError(f, 'no bucket index found (expected at least one)');
    // Gather the index bytes from its bucket chain (next-bucket numbers are big-endian).
    const idx = new Uint8Array(idxLength);
    let got = 0;
    let b = firstIdx;
    for (let j = 0; j < nIdxBuckets && b >= 0; j++) {
      const bucket = this.file.read(this.bucketOffset(b), this.bucketSize, `index bucket ${b}`);
      this.indexBuckets.push(b);
      const next = new DataView(bucket.buffer).getInt32(4, false);
      const start = idxOffset > 0 ? idxOffset : 8;
      const n = Math.min(idxLength - got, this.bucketSize - start);
      idx.set(bucket.subarray(start, start + n), got);
      got += n;
      b = next;
    }
    if (got < idxLength) throw new CasacoreError(f, `bucket index is ${idxLength} bytes but its buckets hold ${got}`);
    const ir = new AipsReader(idx, `${f} (bucket index)`, this.endian);
    for (let k = 0; k < nIndex; k++) {
      const iv = ir.getStart('SSMIndex');
      const nUsed = ir.u32('index entries');
      const rowsPerBucket = ir.u32('rows per bucket');
      const nColumns = ir.i32('number of columns');
      ir.getStart('SimpleOrderedMap');
      ir.i32('map default');
      const nfree = ir.u32('map size');
      ir.u32('map increment');
      const free: [number, number][] = [];
      for (let i = 0; i < nfree; i++) free.push([ir.i32('free offset'), ir.i32('free length')]);
      ir.getEnd();
      const lastRow = iv >= 2 ? readUInt64Block(ir) : readUIntBlock(ir);
      const bucket = readUIntBlock(ir);
      ir.getEnd();
      this.indices.push({
        rowsPerBucket,
        lastRow: lastRow.slice(0, nUsed),
        bucket: bucket.slice(0, nUsed),
        nColumns,
        free,
      });
    }
    this.strings.lastBucket = lastString;
  }

  /** Create a new, empty manager for ctx.nrows rows; data buckets are allocated at once. */
  static create(ctx: DataManagerContext, name: string, bucketSize?: number): StandardStMan {
    const m = new StandardStMan(ctx, name, 'w+');
    const partial = ctx.columns.map((c) => slotFor(c, ctx.shapes, ctx.file));
    const rowBits = partial.reduce((a, s) => a + s.bits, 0);
    const rowBytes = Math.max(1, Math.ceil(rowBits / 8));
    const size = bucketSize ?? Math.max(512, Math.min(32768, rowBytes * Math.max(1, Math.min(ctx.nrows, 1024))));
    let rpb = Math.max(1, Math.floor(size / rowBytes));
    const used = (n: number): number => partial.reduce((a, s) => a + Math.ceil((n * s.bits) / 8), 0);
    while (used(rpb + 1) <= size) rpb++;
    m.bucketSize = Math.max(size, used(rpb), 128);
    let off = 0;
    for (const s of partial) {
      m.slots.set(s.desc.name, { ...s, offset: off, index: 0 });
      off += Math.ceil((rpb * s.bits) / 8);
    }
    const nData = Math.ceil(ctx.nrows / rpb);
    m.indices = [
      {
        rowsPerBucket: rpb,
        lastRow: Array.from({ length: nData }, (_, i) => Math.min((i + 1) * rpb, ctx.nrows) - 1),
        bucket: Array.from({ length: nData }, (_, i) => i),
        nColumns: partial.length,
        free: m.bucketSize - off > 0 ? [[off, m.bucketSize - off]] : [],
      },
    ];
    m.nBuckets = nData;
    m.file.truncate(HEADER_BYTES + nData * m.bucketSize);
    m.cache.markZero(nData);
    // casacore opens table.f<N>i whenever an indirect column exists, even with no cell written.
    if (partial.some((s) => s.kind === 'indirect')) m.arrays = new ArrayFile(`${ctx.file}i`, m.endian, 'w+');
    m.dirty = true;
    return m;
  }

  private arrayFile(): ArrayFile {
    if (!this.arrays) this.arrays = new ArrayFile(`${this.ctx.file}i`, this.endian, this.ctx.writable ? 'r+' : 'r');
    return this.arrays;
  }

  private slot(col: ColumnDesc): Slot {
    const s = this.slots.get(col.name);
    if (!s) throw new CasacoreError(this.ctx.file, `column ${col.name} is not stored in StandardStMan ${this.name}`);
    return s;
  }

  /** Bucket runs covering rows [rowStart, rowStart+nrows): (bucket, first row in bucket, count). */
  private *runs(
    s: Slot,
    rowStart: number,
    nrows: number,
  ): Generator<{ bucket: number; inBucket: number; count: number; done: number }> {
    const index = this.indices[s.index];
    if (!index) throw new CasacoreError(this.ctx.file, `column ${s.desc.name}: no bucket index ${s.index}`);
    const { lastRow, bucket } = index;
    let row = rowStart;
    let i = lowerBound(lastRow, row);
    while (row < rowStart + nrows) {
      const b = bucket[i];
      const last = lastRow[i];
      if (b === undefined || last === undefined)
        throw new CasacoreError(this.ctx.file, `row ${row} is beyond the bucket index (${lastRow.length} buckets)`);
      const first = i > 0 ? (lastRow[i - 1] ?? -1) + 1 : 0;
      const count = Math.min(last + 1, rowStart + nrows) - row;
      yield { bucket: b, inBucket: row - first, count, done: row - rowStart };
      row += count;
      i++;
    }
  }

  /** Raw bytes of the slots of rows in one run: returns bytes and the bit offset of the first row. */
  private readRun(s: Slot, bucket: number, inBucket: number, count: number): { bytes: Uint8Array; bit: number } {
    const bit0 = inBucket * s.bits;
    const byte0 = Math.floor(bit0 / 8);
    const len = Math.ceil((bit0 + count * s.bits) / 8) - byte0;
    return { bytes: this.cache.read(bucket, s.offset + byte0, len, `column ${s.desc.name}`), bit: bit0 - 8 * byte0 };
  }

  cellShape(col: ColumnDesc, row: number): number[] | null {
    const s = this.slot(col);
    if (s.kind === 'direct') return [...s.shape];
    if (s.kind === 'indirect') {
      const off = this.indirectOffsets(s, row, 1)[0] ?? 0;
      return off === 0 ? null : this.arrayFile().shapeAt(off).shape;
    }
    if (s.kind === 'indirectString') {
      const fixed = this.ctx.shapes.get(col.name);
      if (fixed) return [...fixed];
      const [ref] = this.stringRefs(s, row, 1);
      return !ref || ref.length === 0 ? null : this.strings.arrayShape(ref);
    }
    return [];
  }

  private indirectOffsets(s: Slot, rowStart: number, nrows: number): number[] {
    const out: number[] = [];
    for (const run of this.runs(s, rowStart, nrows)) {
      const { bytes } = this.readRun(s, run.bucket, run.inBucket, run.count);
      const v = new DataView(bytes.buffer);
      for (let i = 0; i < run.count; i++) out.push(Number(v.getBigInt64(8 * i, this.le)));
    }
    return out;
  }

  private stringRefs(
    s: Slot,
    rowStart: number,
    nrows: number,
  ): { bucket: number; offset: number; length: number; raw: Uint8Array }[] {
    const out: { bucket: number; offset: number; length: number; raw: Uint8Array }[] = [];
    for (const run of this.runs(s, rowStart, nrows)) {
      const { bytes } = this.readRun(s, run.bucket, run.inBucket, run.count);
      const v = new DataView(bytes.buffer);
      for (let i = 0; i < run.count; i++) {
        out.push({
          bucket: v.getInt32(12 * i, this.le),
          offset: v.getInt32(12 * i + 4, this.le),
          length: v.getInt32(12 * i + 8, this.le),
          raw: bytes.subarray(12 * i, 12 * i + 8),
        });
      }
    }
    return out;
  }

  read(col: ColumnDesc, rowStart: number, nrows: number, cellShape: number[]): ColumnData {
    const s = this.slot(col);
    const per = product(cellShape);
    const out = allocData(col.type, nrows * per);
    if (s.kind === 'string') {
      this.stringRefs(s, rowStart, nrows).forEach((ref, i) => {
        (out as string[])[i] =
          ref.length <= 8
            ? Buffer.from(ref.raw.subarray(0, Math.max(0, ref.length))).toString('latin1')
            : this.strings.readString(ref.bucket, ref.offset, ref.length);
      });
      return out;
    }
    if (s.kind === 'indirect') {
      this.indirectOffsets(s, rowStart, nrows).forEach((off, i) => {
        if (off === 0)
          throw new CasacoreError(this.ctx.file, `row ${rowStart + i} of column ${col.name} holds no array`);
        const { shape, dataOffset } = this.arrayFile().shapeAt(off);
        if (product(shape) !== per)
          throw new CasacoreError(
            this.ctx.file,
            `row ${rowStart + i} of column ${col.name} has shape [${shape.join(',')}], expected [${cellShape.join(',')}]`,
          );
        this.arrayFile().readRange(col.type, dataOffset, 0, per, out, i * per);
      });
      return out;
    }
    if (s.kind === 'indirectString') {
      const fixed = this.ctx.shapes.has(col.name);
      this.stringRefs(s, rowStart, nrows).forEach((ref, i) => {
        const a = fixed ? this.strings.readFixedStringArray(ref, per) : this.strings.readStringArray(ref);
        if (a.length !== per)
          throw new CasacoreError(
            this.ctx.file,
            `row ${rowStart + i} of column ${col.name} holds ${a.length} strings, expected ${per}`,
          );
        a.forEach((x, k) => {
          (out as string[])[i * per + k] = x;
        });
      });
      return out;
    }
    for (const run of this.runs(s, rowStart, nrows)) {
      const { bytes, bit } = this.readRun(s, run.bucket, run.inBucket, run.count);
      if (s.kind === 'fixedString') {
        for (let i = 0; i < run.count; i++) {
          const b = bytes.subarray(i * col.maxLength, (i + 1) * col.maxLength);
          const z = b.indexOf(0);
          (out as string[])[run.done + i] = Buffer.from(z < 0 ? b : b.subarray(0, z)).toString('latin1');
        }
      } else if (col.type === 'Bool') {
        unpackBits(bytes, 0, bit, run.count * s.nelem, out as Uint8Array, run.done * s.nelem);
      } else {
        decodeElements(col.type, bytes, 0, run.count * s.nelem, out, run.done * s.nelem, this.endian);
      }
    }
    return out;
  }

  write(col: ColumnDesc, rowStart: number, nrows: number, data: ColumnData): void {
    const s = this.slot(col);
    if (s.kind === 'indirect') {
      // A block of same-shape cells (the table checked the shape): one array per row.
      const shape = this.ctx.shapes.get(col.name) ?? col.shape;
      if (!shape)
        throw new CasacoreError(
          this.ctx.file,
          `variable-shape column ${col.name}: write cells with their shapes (writeCell)`,
        );
      const per = product(shape);
      const spe = col.type === 'Complex' || col.type === 'DComplex' ? 2 : 1;
      for (let i = 0; i < nrows; i++) {
        const cell = Array.isArray(data)
          ? data.slice(i * per, (i + 1) * per)
          : data.subarray(i * per * spe, (i + 1) * per * spe);
        this.writeCell(col, rowStart + i, { shape, data: cell });
      }
      return;
    }
    this.dirty = true;
    if (s.kind === 'indirectString') {
      this.writeStringArrays(col, rowStart, nrows, data as string[]);
      return;
    }
    for (const run of this.runs(s, rowStart, nrows)) {
      const img = this.cache.image(run.bucket);
      if (s.kind === 'string' || s.kind === 'fixedString') {
        const size = s.bits / 8;
        const at = s.offset + run.inBucket * size;
        img.fill(0, at, at + run.count * size);
        const v = new DataView(img.buffer, img.byteOffset + at, run.count * size);
        for (let i = 0; i < run.count; i++) {
          const str = Buffer.from((data as string[])[run.done + i] ?? '', 'latin1');
          if (s.kind === 'fixedString') {
            img.set(str.subarray(0, size), at + i * size);
          } else if (str.length <= 8) {
            img.set(str, at + 12 * i);
            v.setInt32(12 * i + 8, str.length, this.le);
          } else {
            const ref = this.strings.append(str);
            v.setInt32(12 * i, ref.bucket, this.le);
            v.setInt32(12 * i + 4, ref.offset, this.le);
            v.setInt32(12 * i + 8, str.length, this.le);
          }
        }
      } else if (col.type === 'Bool') {
        packBits(data as Uint8Array, run.done * s.nelem, run.count * s.nelem, img, s.offset, run.inBucket * s.bits);
      } else {
        encodeElements(
          col.type,
          data,
          run.done * s.nelem,
          run.count * s.nelem,
          img,
          s.offset + run.inBucket * (s.bits / 8),
          this.endian,
        );
      }
    }
    this.cache.maybeWriteBack();
  }

  /**
   * One variable-shape (indirect) array cell, as casacore's SSMIndColumn stores it: the array
   * (ndim, shape, values) goes to table.f<N>i and the row's 8-byte slot holds its offset. A
   * cell rewritten with the same shape is overwritten in place; a new shape is appended (the
   * old array's bytes are left unused, as casacore does).
   */
  writeCell(col: ColumnDesc, row: number, cell: Cell): void {
    const s = this.slot(col);
    if (s.kind !== 'indirect')
      throw new CasacoreError(
        this.ctx.file,
        `column ${col.name} is not a variable-shape array column of StandardStMan ${this.name}`,
      );
    if (col.ndim > 0 && cell.shape.length !== col.ndim) {
      throw new CasacoreError(
        this.ctx.file,
        `row ${row} of column ${col.name}: cell shape [${cell.shape.join(',')}] has ${cell.shape.length} axes, the column ${col.ndim}`,
      );
    }
    this.dirty = true;
    const files = this.arrayFile();
    const [old] = this.indirectOffsets(s, row, 1);
    let offset: number;
    if (old !== undefined && old !== 0 && files.shapeAt(old).shape.join(',') === cell.shape.join(',')) {
      files.overwrite(col.type, old, cell.data);
      offset = old;
    } else {
      offset = files.append(col.type, cell.shape, cell.data);
    }
    const slotBytes = new Uint8Array(8);
    new DataView(slotBytes.buffer).setBigInt64(0, BigInt(offset), this.le);
    for (const run of this.runs(s, row, 1)) this.cache.image(run.bucket).set(slotBytes, s.offset + run.inBucket * 8);
  }

  /**
   * Fixed-shape String array cells (declared without the Direct option, as casacore stores
   * String arrays): each cell goes to the string buckets as casacore writes a cell of known
   * shape (per string a big-endian length and its bytes, no shape header); the row keeps the ref.
   */
  private writeStringArrays(col: ColumnDesc, rowStart: number, nrows: number, data: string[]): void {
    const shape = this.ctx.shapes.get(col.name) ?? col.shape;
    if (!shape)
      throw new CasacoreError(this.ctx.file, `String array column ${col.name} needs a fixed cell shape to be written`);
    const per = product(shape);
    const s = this.slot(col);
    for (const run of this.runs(s, rowStart, nrows)) {
      const refs = new Uint8Array(12 * run.count);
      const v = new DataView(refs.buffer);
      for (let i = 0; i < run.count; i++) {
        const strs = Array.from({ length: per }, (_, k) => Buffer.from(data[(run.done + i) * per + k] ?? '', 'latin1'));
        const cell = Buffer.alloc(strs.reduce((a, b) => a + 4 + b.length, 0));
        let p = 0;
        for (const b of strs) {
          p = cell.writeInt32BE(b.length, p);
          p += b.copy(cell, p);
        }
        const ref = this.strings.append(cell);
        v.setInt32(12 * i, ref.bucket, this.le);
        v.setInt32(12 * i + 4, ref.offset, this.le);
        v.setInt32(12 * i + 8, cell.length, this.le);
      }
      this.cache.image(run.bucket).set(refs, s.offset + run.inBucket * 12);
    }
  }

  flush(): Uint8Array {
    if (this.ctx.writable) this.cache.writeBack();
    if (this.ctx.writable && this.dirty) {
      this.strings.flush();
      this.writeIndexAndHeader();
      this.arrays?.flush();
      this.dirty = false;
    }
    const w = new AipsWriter('big');
    w.putStart('SSM', 2);
    w.string(this.name);
    writeUIntBlock(
      w,
      this.ctx.columns.map((c) => this.slots.get(c.name)?.offset ?? 0),
    );
    writeUIntBlock(
      w,
      this.ctx.columns.map((c) => this.slots.get(c.name)?.index ?? 0),
    );
    w.putEnd();
    return w.bytes();
  }

  private writeIndexAndHeader(): void {
    const iw = new AipsWriter(this.endian);
    for (const index of this.indices) {
      iw.putStart('SSMIndex', 1);
      iw.u32(index.lastRow.length);
      iw.u32(index.rowsPerBucket);
      iw.i32(index.nColumns);
      iw.putStart('SimpleOrderedMap', 1);
      iw.i32(0);
      iw.u32(index.free.length);
      iw.u32(1);
      for (const [o, l] of index.free) {
        iw.i32(o);
        iw.i32(l);
      }
      iw.putEnd();
      writeUIntBlock(iw, index.lastRow);
      writeUIntBlock(iw, index.bucket);
      iw.putEnd();
    }
    const idx = iw.bytes();
    const per = this.bucketSize - 8;
    const need = Math.max(1, Math.ceil(idx.length / per));
    if (this.indexBuckets.length !== need) {
      this.indexBuckets = Array.from({ length: need }, () => this.nBuckets++);
    }
    this.indexBuckets.forEach((b, j) => {
      const bucket = new Uint8Array(this.bucketSize);
      const next = this.indexBuckets[j + 1] ?? -1;
      new DataView(bucket.buffer).setInt32(0, next, false);
      new DataView(bucket.buffer).setInt32(4, next, false);
      bucket.set(idx.subarray(j * per, (j + 1) * per), 8);
      this.file.write(this.bucketOffset(b), bucket);
    });
    const hw = new AipsWriter(this.endian);
    if (this.endian === 'big') hw.putStart('StandardStMan', 2);
    else {
      hw.putStart('StandardStMan', 3);
      hw.bool(false);
    }
    hw.u32(this.bucketSize);
    hw.u32(this.nBuckets);
    hw.u32(2); // persistent cache size
    hw.u32(0); // free buckets
    hw.i32(-1); // first free bucket
    hw.u32(need);
    hw.i32(this.indexBuckets[0] ?? -1);
    hw.u32(0); // index starts after the next-bucket numbers in every index bucket
    hw.i32(this.strings.lastBucket);
    hw.u32(idx.length);
    hw.u32(this.indices.length);
    hw.putEnd();
    const head = new Uint8Array(HEADER_BYTES);
    head.set(hw.bytes());
    this.file.write(0, head);
    if (this.file.size() < HEADER_BYTES + this.nBuckets * this.bucketSize)
      this.file.truncate(HEADER_BYTES + this.nBuckets * this.bucketSize);
  }

  close(): void {
    if (this.ctx.writable) this.cache.writeBack();
    this.file.close();
    this.arrays?.close();
  }
}

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((a[mid] ?? 0) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function readUIntBlock(r: AipsReader): number[] {
  r.getStart('Block');
  const n = r.u32('block length');
  const v: number[] = [];
  for (let i = 0; i < n; i++) v.push(r.u32('block value'));
  r.getEnd();
  return v;
}
function readUInt64Block(r: AipsReader): number[] {
  r.getStart('Block');
  const n = r.u32('block length');
  const v: number[] = [];
  for (let i = 0; i < n; i++) v.push(r.i64('block value'));
  r.getEnd();
  return v;
}
export function writeUIntBlock(w: AipsWriter, v: readonly number[]): void {
  w.putStart('Block', 1);
  w.u32(v.length);
  for (const x of v) w.u32(x);
  w.putEnd();
}
