// Tiled storage managers (TiledColumnStMan, TiledShapeStMan): array cells stacked into
// hypercubes along a last (row) axis, cut into tiles stored in table.f<N>_TSM<k>; the header
// (table.f<N>, big-endian AipsIO) lists files, cubes and, for TiledShapeStMan, the row map.
import { AipsReader, AipsWriter } from './aipsio';
import { bitBytes, decodeElements, encodeElements, packBits, unpackBits } from './codec';
import type { Endian } from './codec';
import type { DataManager, DataManagerContext } from './dataman';
import { PFile, product } from './dataman';
import { DirectFile } from './direct-io';
import type { ColumnData } from './datatypes';
import { allocData, canonicalSize, scalarTypeCode, slotsPerElement } from './datatypes';
import { CasacoreError } from './errors';
import { readIPosition, readRecord, writeIPosition, writeRecord } from './record';
import { readUIntBlock, writeUIntBlock } from './ssm';
import type { ColumnDesc } from './tabledesc';

export type TiledType = 'TiledColumnStMan' | 'TiledShapeStMan';

interface Cube {
  extensible: boolean;
  cubeShape: number[];
  tileShape: number[];
  fileSeq: number;
  fileOffset: number;
}

interface ColLayout {
  desc: ColumnDesc;
  /** byte offset of the column inside a tile */ offset: number;
}

/** One contiguous row range of a column in one cube. */
interface Segment {
  cube: number;
  pos: number;
  count: number;
  done: number;
}

/** The bytes of `count` elements of a typed column array from element `start`. */
function elementBytes(
  data: Exclude<ColumnData, string[]>,
  type: ColumnDesc['type'],
  start: number,
  count: number,
): Uint8Array {
  const spe = slotsPerElement(type);
  const w = data.BYTES_PER_ELEMENT;
  return new Uint8Array(data.buffer, data.byteOffset + start * spe * w, count * spe * w);
}

/** Default tile: whole cells, rows up to about 1 MiB per tile. */
export function defaultTileShape(cellShape: number[], type: ColumnDesc['type'], nrows: number): number[] {
  const cellBytes = Math.max(1, product(cellShape) * (type === 'Bool' ? 1 / 8 : canonicalSize(type)));
  const rows = Math.max(1, Math.min(Math.max(1, nrows), Math.floor((1024 * 1024) / cellBytes)));
  return [...cellShape, rows];
}

export class TiledStMan implements DataManager {
  readonly seqnr: number;
  readonly columns: string[];
  private cubes: Cube[] = [];
  private files = new Map<number, PFile>();
  /** O_DIRECT descriptors of the tile files (aligned whole-section transfers), where possible. */
  private direct = new Map<number, DirectFile | null>();
  private fileLengths = new Map<number, number>();
  private layout = new Map<string, ColLayout>();
  private tileBytes = 0;
  private rowMap: number[] = [];
  private cubeMap: number[] = [];
  private posMap: number[] = [];
  private defaultTile: number[] = [];
  private dirty = false;
  private readonly endian: Endian;

  private constructor(
    readonly type: TiledType,
    readonly name: string,
    private readonly ctx: DataManagerContext,
  ) {
    this.seqnr = ctx.seqnr;
    this.columns = ctx.columns.map((c) => c.name);
    this.endian = ctx.endian;
    // Columns sharing a cube: data ordered by descending external pixel size (stable), as casacore.
    const sized = ctx.columns.map((c, i) => ({ c, i, px: c.type === 'Bool' ? 0 : canonicalSize(c.type) }));
    sized.sort((a, b) => b.px - a.px || a.i - b.i);
    this.sizedColumns = sized.map((s) => s.c);
  }
  private readonly sizedColumns: ColumnDesc[];

  private setupLayout(tileShape: number[]): void {
    const n = product(tileShape);
    let off = 0;
    this.layout.clear();
    for (const c of this.sizedColumns) {
      this.layout.set(c.name, { desc: c, offset: off });
      off += c.type === 'Bool' ? bitBytes(n) : n * canonicalSize(c.type);
    }
    this.tileBytes = off;
  }

  static open(ctx: DataManagerContext, type: string): TiledStMan {
    if (type !== 'TiledColumnStMan' && type !== 'TiledShapeStMan') {
      throw new CasacoreError(
        ctx.file,
        `tiled manager ${type} is not supported (expected TiledColumnStMan or TiledShapeStMan)`,
      );
    }
    const raw = new PFile(ctx.file, 'r');
    const bytes = raw.read(0, raw.size(), `${type} header`);
    raw.close();
    const r = new AipsReader(bytes, ctx.file, 'big');
    r.getStart(type);
    let tileShape: number[] = [];
    if (type === 'TiledColumnStMan') tileShape = readIPosition(r);
    const version = r.getStart('TiledStMan');
    if (version >= 2) {
      const big = r.bool('endian flag');
      if (big !== (ctx.endian === 'big'))
        throw new CasacoreError(
          ctx.file,
          `endian flag (${big ? 'big' : 'little'}) does not match the table (${ctx.endian})`,
        );
    }
    r.u32('seqnr');
    const nrows = version >= 3 ? r.i64('rows') : r.u32('rows');
    if (nrows !== ctx.nrows) throw new CasacoreError(ctx.file, `header has ${nrows} rows, the table ${ctx.nrows}`);
    const ncol = r.u32('columns');
    if (ncol !== ctx.columns.length)
      throw new CasacoreError(ctx.file, `header lists ${ncol} columns, table.dat binds ${ctx.columns.length}`);
    for (const c of ctx.columns) {
      const dt = r.i32('column data type');
      if (dt !== scalarTypeCode(c.type))
        throw new CasacoreError(
          ctx.file,
          `column ${c.name} has data type ${dt} in the header, expected ${scalarTypeCode(c.type)} (${c.type})`,
        );
    }
    const name = r.string('hypercolumn name');
    if (version >= 3) r.i64('cache size');
    else r.u32('cache size');
    r.u32('ndim');
    const m = new TiledStMan(type, name, ctx);
    const nfile = version >= 3 ? r.i64('files') : r.u32('files');
    for (let i = 0; i < nfile; i++) {
      if (!r.bool('file flag')) continue;
      const fv = r.u32('file version');
      const seq = r.u32('file seqnr');
      const len = fv === 1 ? r.u32('file length') : r.i64('file length');
      m.fileLengths.set(seq, len);
    }
    const ncube = version >= 3 ? r.i64('cubes') : r.u32('cubes');
    for (let i = 0; i < ncube; i++) {
      const cv = r.i32('cube version');
      readRecord(r);
      const extensible = r.bool('extensible');
      r.u32('cube ndim');
      const cubeShape = readIPosition(r);
      const cubeTile = readIPosition(r);
      const fileSeq = r.i32('cube file');
      const fileOffset = cv === 1 ? r.u32('cube offset') : r.i64('cube offset');
      m.cubes.push({ extensible, cubeShape, tileShape: cubeTile, fileSeq, fileOffset });
    }
    r.getEnd();
    if (type === 'TiledShapeStMan') {
      m.defaultTile = readIPosition(r);
      const used = r.u32('row map length');
      m.rowMap = readUIntBlock(r).slice(0, used);
      m.cubeMap = readUIntBlock(r).slice(0, used);
      m.posMap = readUIntBlock(r).slice(0, used);
    } else {
      m.defaultTile = tileShape;
    }
    r.getEnd();
    for (const seq of m.fileLengths.keys()) {
      m.files.set(seq, new PFile(`${ctx.file}_TSM${seq}`, ctx.writable ? 'r+' : 'r'));
      m.direct.set(seq, DirectFile.open(`${ctx.file}_TSM${seq}`, ctx.writable));
    }
    return m;
  }

  /** A new manager with one hypercube of [cellShape..., nrows] for fixed-shape columns. */
  static create(ctx: DataManagerContext, type: TiledType, name: string, tileShape?: number[]): TiledStMan {
    const m = new TiledStMan(type, name, ctx);
    const first = ctx.columns[0];
    if (!first) throw new CasacoreError(ctx.file, `${type} ${name} has no columns`);
    const cell = ctx.shapes.get(first.name);
    if (!cell) throw new CasacoreError(ctx.file, `${type} ${name}: column ${first.name} needs a fixed cell shape`);
    for (const c of ctx.columns) {
      const s = ctx.shapes.get(c.name);
      if (!s || s.join(',') !== cell.join(','))
        throw new CasacoreError(
          ctx.file,
          `${type} ${name}: column ${c.name} must have the cell shape [${cell.join(',')}] of ${first.name}`,
        );
    }
    const tile = tileShape ?? defaultTileShape(cell, first.type, ctx.nrows);
    if (tile.length !== cell.length + 1 || tile.some((x) => !Number.isInteger(x) || x < 1)) {
      throw new CasacoreError(
        ctx.file,
        `${type} ${name}: tile shape [${tile.join(',')}] must have ${cell.length + 1} positive axes (cell axes, then rows)`,
      );
    }
    const cubeShape = [...cell, ctx.nrows];
    const fileSeq = type === 'TiledShapeStMan' ? 1 : 0;
    if (type === 'TiledShapeStMan') {
      m.cubes.push({ extensible: false, cubeShape: [], tileShape: [], fileSeq: -1, fileOffset: 0 });
      if (ctx.nrows > 0) {
        m.rowMap = [ctx.nrows - 1];
        m.cubeMap = [1];
        m.posMap = [ctx.nrows - 1];
      }
    }
    m.cubes.push({ extensible: true, cubeShape, tileShape: tile, fileSeq, fileOffset: 0 });
    m.defaultTile = tile;
    m.setupLayout(tile);
    const ntiles = cubeShape.reduce((a, c, k) => a * Math.ceil(c / (tile[k] ?? 1)), 1);
    const f = new PFile(`${ctx.file}_TSM${fileSeq}`, 'w+');
    f.truncate(ntiles * m.tileBytes);
    m.files.set(fileSeq, f);
    m.direct.set(fileSeq, DirectFile.open(`${ctx.file}_TSM${fileSeq}`, true));
    m.fileLengths.set(fileSeq, ntiles * m.tileBytes);
    m.dirty = true;
    return m;
  }

  /** Row ranges of [rowStart, rowStart+nrows) as (cube, position on the last axis). */
  private segments(col: ColumnDesc, rowStart: number, nrows: number): Segment[] {
    if (this.type === 'TiledColumnStMan') return [{ cube: 0, pos: rowStart, count: nrows, done: 0 }];
    const out: Segment[] = [];
    let row = rowStart;
    let i = 0;
    while (i < this.rowMap.length && (this.rowMap[i] ?? 0) < row) i++;
    while (row < rowStart + nrows) {
      const last = this.rowMap[i];
      const cube = this.cubeMap[i];
      const posLast = this.posMap[i];
      if (last === undefined || cube === undefined || posLast === undefined || cube === 0) {
        throw new CasacoreError(this.ctx.file, `row ${row} of column ${col.name} holds no array`);
      }
      const count = Math.min(last + 1, rowStart + nrows) - row;
      out.push({ cube, pos: posLast - (last - row), count, done: row - rowStart });
      row += count;
      i++;
    }
    return out;
  }

  private cube(i: number): Cube {
    const c = this.cubes[i];
    if (!c) throw new CasacoreError(this.ctx.file, `hypercube ${i} does not exist`);
    if (this.layout.size === 0 || this.currentTile !== c.tileShape.join(',')) {
      this.setupLayout(c.tileShape);
      this.currentTile = c.tileShape.join(',');
    }
    return c;
  }
  private currentTile = '';

  cellShape(col: ColumnDesc, row: number): number[] | null {
    try {
      const [seg] = this.segments(col, row, 1);
      if (!seg) return null;
      return this.cube(seg.cube).cubeShape.slice(0, -1);
    } catch (e) {
      if (e instanceof CasacoreError && e.message.includes('holds no array')) return null;
      throw e;
    }
  }

  read(col: ColumnDesc, rowStart: number, nrows: number, cellShape: number[]): ColumnData {
    return this.readSlice(
      col,
      rowStart,
      nrows,
      cellShape.map(() => 0),
      cellShape,
    );
  }

  readInto(
    col: ColumnDesc,
    rowStart: number,
    nrows: number,
    cellShape: number[],
    out: Exclude<ColumnData, string[]>,
  ): void {
    const proto = allocData(col.type, 0);
    const n = product(cellShape) * nrows * (col.type === 'Complex' || col.type === 'DComplex' ? 2 : 1);
    if (proto.constructor !== out.constructor || out.length !== n) {
      throw new CasacoreError(
        this.ctx.file,
        `column ${col.name}: readInto needs a ${proto.constructor.name} of length ${n} for rows ${rowStart}..${rowStart + nrows - 1}, got a ${out.constructor.name} of length ${out.length}`,
      );
    }
    const zero = cellShape.map(() => 0);
    for (const seg of this.segments(col, rowStart, nrows)) this.access(col, seg, zero, cellShape, out, 'read');
  }

  readSlice(col: ColumnDesc, rowStart: number, nrows: number, start: number[], end: number[]): ColumnData {
    const per = product(end.map((e, k) => e - (start[k] ?? 0)));
    const out = allocData(col.type, per * nrows);
    for (const seg of this.segments(col, rowStart, nrows)) {
      this.access(col, seg, start, end, out, 'read');
    }
    return out;
  }

  write(col: ColumnDesc, rowStart: number, nrows: number, data: ColumnData): void {
    this.dirty = true;
    for (const seg of this.segments(col, rowStart, nrows)) {
      const cell = this.cube(seg.cube).cubeShape.slice(0, -1);
      this.access(
        col,
        seg,
        cell.map(() => 0),
        cell,
        data,
        'write',
      );
    }
  }

  /** Move the box [start, end) x rows of one segment between tiles and buf (box-shaped, rows slowest). */
  private access(
    col: ColumnDesc,
    seg: Segment,
    start: number[],
    end: number[],
    buf: ColumnData,
    mode: 'read' | 'write',
  ): void {
    const c = this.cube(seg.cube);
    const lay = this.layout.get(col.name);
    const file = this.files.get(c.fileSeq);
    if (!lay || !file)
      throw new CasacoreError(this.ctx.file, `column ${col.name} has no tile file for cube ${seg.cube}`);
    const cell = c.cubeShape.slice(0, -1);
    start.forEach((s, k) => {
      const e = end[k] ?? 0;
      if (s < 0 || e > (cell[k] ?? 0) || e <= s)
        throw new RangeError(
          `${col.name}: slice [${start.join(',')}]..[${end.join(',')}] is outside the cell shape [${cell.join(',')}]`,
        );
    });
    const D = c.cubeShape.length;
    const ts = c.tileShape;
    const lo = [...start, seg.pos];
    const hi = [...end, seg.pos + seg.count];
    const boxExt = lo.map((l, k) => (hi[k] ?? 0) - l);
    const outStride: number[] = [];
    let acc = 1;
    for (let k = 0; k < D; k++) {
      outStride.push(acc);
      acc *= boxExt[k] ?? 1;
    }
    const rowBase = seg.done * (outStride[D - 1] ?? 1);
    const tilesPerDim = c.cubeShape.map((s, k) => Math.ceil(s / (ts[k] ?? 1)));
    const tileStride: number[] = [];
    acc = 1;
    for (let k = 0; k < D; k++) {
      tileStride.push(acc);
      acc *= ts[k] ?? 1;
    }
    const tileElems = acc;
    const isBool = col.type === 'Bool';
    const size = isBool ? 0 : canonicalSize(col.type);
    const sectionBytes = isBool ? bitBytes(tileElems) : tileElems * size;
    const tlo = lo.map((l, k) => Math.floor(l / (ts[k] ?? 1)));
    const thi = hi.map((h, k) => Math.floor((h - 1) / (ts[k] ?? 1)));
    const t = [...tlo];
    // One tile buffer, kept by the manager across transfers: a fresh ~1 MB buffer per call cost a
    // page fault per 4 KiB (most of a conversion's system time).
    const scratch = this.tileBuffer(sectionBytes);
    // Byte-for-byte moves (no swap) can skip the tile buffer for tiles the box covers whole.
    const direct = !isBool && (this.endian === 'little' || canonicalSize(col.type) === slotsPerElement(col.type));
    for (;;) {
      let tileNr = 0;
      let mul = 1;
      for (let k = 0; k < D; k++) {
        tileNr += (t[k] ?? 0) * mul;
        mul *= tilesPerDim[k] ?? 1;
      }
      const sectionAt = c.fileOffset + tileNr * this.tileBytes + lay.offset;
      const olo = lo.map((l, k) => Math.max(l, (t[k] ?? 0) * (ts[k] ?? 1)));
      const ohi = hi.map((h, k) => Math.min(h, ((t[k] ?? 0) + 1) * (ts[k] ?? 1)));
      // Merge leading axes that are whole in both the tile and the box into one run.
      let m = 0;
      let run = 1;
      while (m < D) {
        const ext = (ohi[m] ?? 0) - (olo[m] ?? 0);
        run *= ext;
        if (ext !== ts[m] || ext !== boxExt[m]) {
          m++;
          break;
        }
        m++;
      }
      const full = olo.every((l, k) => l === (t[k] ?? 0) * (ts[k] ?? 1) && ohi[k] === ((t[k] ?? 0) + 1) * (ts[k] ?? 1));
      if (direct && full && m === D) {
        // The whole tile is one contiguous run of buf: move it between the file and buf itself.
        let dst = rowBase;
        for (let k = 0; k < D; k++) dst += ((olo[k] ?? 0) - (lo[k] ?? 0)) * (outStride[k] ?? 0);
        const bytes = elementBytes(buf as Exclude<ColumnData, string[]>, col.type, dst, run);
        if (mode === 'read')
          this.readSection(c.fileSeq, file, sectionAt, bytes, `tile ${tileNr} of ${col.name}`, false);
        else this.writeSection(c.fileSeq, file, sectionAt, bytes);
        if (!this.nextTile(t, tlo, thi)) break;
        continue;
      }
      let section: Uint8Array;
      if (mode === 'read' || !full)
        section = this.readSection(
          c.fileSeq,
          file,
          sectionAt,
          scratch,
          `tile ${tileNr} of ${col.name}`,
          mode === 'write',
        );
      else section = scratch.fill(0);
      const p = olo.slice(m);
      for (;;) {
        let src = 0;
        let dst = rowBase;
        for (let k = 0; k < D; k++) {
          const pk = k < m ? (olo[k] ?? 0) : (p[k - m] ?? 0);
          src += (pk - (t[k] ?? 0) * (ts[k] ?? 1)) * (tileStride[k] ?? 0);
          dst += (pk - (lo[k] ?? 0)) * (outStride[k] ?? 0);
        }
        if (mode === 'read') {
          if (isBool) unpackBits(section, 0, src, run, buf as Uint8Array, dst);
          else decodeElements(col.type, section, src * size, run, buf, dst, this.endian);
        } else if (isBool) {
          packBits(buf as Uint8Array, dst, run, section, 0, src);
        } else {
          encodeElements(col.type, buf, dst, run, section, src * size, this.endian);
        }
        let k = 0;
        while (k < p.length) {
          p[k] = (p[k] ?? 0) + 1;
          if ((p[k] ?? 0) < (ohi[k + m] ?? 0)) break;
          p[k] = olo[k + m] ?? 0;
          k++;
        }
        if (k === p.length) break;
      }
      if (mode === 'write') this.writeSection(c.fileSeq, file, sectionAt, section);
      if (!this.nextTile(t, tlo, thi)) break;
    }
  }

  /** Read a tile section: directly when aligned (see direct-io.ts), the rest buffered. */
  private readSection(
    seq: number,
    file: PFile,
    at: number,
    b: Uint8Array,
    what: string,
    allowShort: boolean,
  ): Uint8Array {
    const n = this.direct.get(seq)?.read(at, b) ?? 0;
    if (n < b.length) file.readInto(at + n, b.subarray(n), what, allowShort);
    return b;
  }

  private writeSection(seq: number, file: PFile, at: number, b: Uint8Array): void {
    const n = this.direct.get(seq)?.write(at, b) ?? 0;
    if (n < b.length) file.write(at + n, b.subarray(n));
  }

  /** Advance the tile position t over [tlo, thi] (first axis fastest); false after the last. */
  private nextTile(t: number[], tlo: number[], thi: number[]): boolean {
    for (let k = 0; k < t.length; k++) {
      t[k] = (t[k] ?? 0) + 1;
      if ((t[k] ?? 0) <= (thi[k] ?? 0)) return true;
      t[k] = tlo[k] ?? 0;
    }
    return false;
  }

  private scratch = new Uint8Array(0);
  /** The manager's tile buffer, at least n bytes (grown, never shrunk). */
  private tileBuffer(n: number): Uint8Array {
    if (this.scratch.length < n) this.scratch = new Uint8Array(n);
    return this.scratch.subarray(0, n);
  }

  flush(): Uint8Array {
    if (this.ctx.writable && this.dirty) {
      this.writeHeader();
      this.dirty = false;
    }
    return new Uint8Array(0);
  }

  private writeHeader(): void {
    const w = new AipsWriter('big');
    w.putStart(this.type, 1);
    if (this.type === 'TiledColumnStMan') writeIPosition(w, this.defaultTile);
    if (this.endian === 'big') w.putStart('TiledStMan', 1);
    else {
      w.putStart('TiledStMan', 2);
      w.bool(false);
    }
    w.u32(this.seqnr);
    w.u32(this.ctx.nrows);
    w.u32(this.ctx.columns.length);
    for (const c of this.ctx.columns) w.i32(scalarTypeCode(c.type));
    w.string(this.name);
    w.u32(0);
    const ndim = this.cubes.find((c) => c.cubeShape.length > 0)?.cubeShape.length ?? 0;
    w.u32(ndim);
    const nfile = Math.max(-1, ...this.fileLengths.keys()) + 1;
    w.u32(nfile);
    for (let i = 0; i < nfile; i++) {
      const len = this.fileLengths.get(i);
      w.bool(len !== undefined);
      if (len === undefined) continue;
      // Version 2 of the file entry holds a 64-bit length (files of 2 GiB and more).
      if (len < 2 ** 31) {
        w.u32(1);
        w.u32(i);
        w.u32(len);
      } else {
        w.u32(2);
        w.u32(i);
        w.i64(len);
      }
    }
    w.u32(this.cubes.length);
    for (const c of this.cubes) {
      w.i32(1);
      writeRecord(w, new Map(), 'Record');
      w.bool(c.extensible);
      w.u32(c.cubeShape.length);
      writeIPosition(w, c.cubeShape);
      writeIPosition(w, c.tileShape);
      w.i32(c.fileSeq);
      w.u32(c.fileOffset);
    }
    w.putEnd();
    if (this.type === 'TiledShapeStMan') {
      writeIPosition(w, this.defaultTile);
      w.u32(this.rowMap.length);
      writeUIntBlock(w, this.rowMap);
      writeUIntBlock(w, this.cubeMap);
      writeUIntBlock(w, this.posMap);
    }
    w.putEnd();
    const f = new PFile(this.ctx.file, 'w+');
    f.write(0, w.bytes());
    f.close();
  }

  close(): void {
    for (const f of this.files.values()) f.close();
    for (const d of this.direct.values()) d?.close();
    this.files.clear();
    this.direct.clear();
  }
}
