// The contract between the table and its storage managers, and positional file access.
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync, writevSync } from 'node:fs';
import type { Endian } from './codec';
import type { ColumnData } from './datatypes';
import { CasacoreError } from './errors';
import type { ColumnDesc } from './tabledesc';

/** One cell of an array column: shape in casacore order and its values. */
export interface Cell {
  shape: number[];
  data: ColumnData;
}

/** What a table needs from a storage manager. */
export interface DataManager {
  readonly type: string;
  readonly seqnr: number;
  /** Name of the manager (data manager group), e.g. "TiledData". */
  readonly name: string;
  /** Column names the manager holds, in binding order. */
  readonly columns: readonly string[];
  /** Shape of an array cell, or null when the cell holds no array. */
  cellShape(col: ColumnDesc, row: number): number[] | null;
  /** Scalars, or array cells of one shape, of rows [rowStart, rowStart+nrows) flattened (row slowest). */
  read(col: ColumnDesc, rowStart: number, nrows: number, cellShape: number[]): ColumnData;
  /** As read, into `out` (exactly the elements read would return); saves the allocation. */
  readInto?(
    col: ColumnDesc,
    rowStart: number,
    nrows: number,
    cellShape: number[],
    out: Exclude<ColumnData, string[]>,
  ): void;
  /** A box [start, end) (end exclusive, casacore axis order) of each cell of rows [rowStart, +nrows). */
  readSlice?(col: ColumnDesc, rowStart: number, nrows: number, start: number[], end: number[]): ColumnData;
  /** Write scalars or fixed-shape cells of rows [rowStart, rowStart+nrows). */
  write?(col: ColumnDesc, rowStart: number, nrows: number, data: ColumnData): void;
  /** Write one variable-shape array cell with its own shape. */
  writeCell?(col: ColumnDesc, row: number, cell: Cell): void;
  /** Write pending data and return the header blob kept in table.dat. */
  flush(): Uint8Array;
  close(): void;
}

export interface DataManagerContext {
  dir: string;
  /** Path of table.f<seqnr>. */
  file: string;
  seqnr: number;
  nrows: number;
  endian: Endian;
  writable: boolean;
  /** Descriptions of the columns bound to this manager, in binding order. */
  columns: ColumnDesc[];
  /** Cell shapes recorded in table.dat for fixed-shape columns. */
  shapes: Map<string, number[]>;
}

/** A file read and written at explicit offsets. */
export class PFile {
  private fd: number;
  constructor(
    readonly path: string,
    mode: 'r' | 'r+' | 'w+',
  ) {
    try {
      this.fd = openSync(path, mode);
    } catch (e) {
      throw new CasacoreError(path, `cannot open storage file: ${(e as Error).message}`);
    }
  }
  size(): number {
    return fstatSync(this.fd).size;
  }
  /** Read exactly n bytes at offset (zeros past the end of the file when allowShort). */
  read(offset: number, n: number, what: string, allowShort = false): Uint8Array {
    return this.readInto(offset, new Uint8Array(n), what, allowShort);
  }
  /**
   * Read exactly b.length bytes at offset into b (a reused buffer saves an allocation and its page
   * faults per tile); past the end of the file b is zero-filled when allowShort.
   */
  readInto(offset: number, b: Uint8Array, what: string, allowShort = false): Uint8Array {
    const n = b.length;
    let got = 0;
    while (got < n) {
      const k = readSync(this.fd, b, got, n - got, offset + got);
      if (k === 0) break;
      got += k;
    }
    if (got < n && !allowShort) {
      throw new CasacoreError(
        this.path,
        `truncated: expected ${n} bytes of ${what} at offset ${offset}, file has ${this.size()}`,
      );
    }
    if (got < n) b.fill(0, got);
    return b;
  }
  write(offset: number, b: Uint8Array): void {
    let done = 0;
    while (done < b.length) done += writeSync(this.fd, b, done, b.length - done, offset + done);
  }
  /** Write the buffers back to back at offset (one system call for many small buffers). */
  writev(offset: number, bufs: readonly Uint8Array[]): void {
    const total = bufs.reduce((a, b) => a + b.length, 0);
    let done = writevSync(this.fd, bufs as Uint8Array[], offset);
    if (done === total) return;
    // A short write (rare): finish buffer by buffer from where it stopped.
    let at = 0;
    for (const b of bufs) {
      if (at + b.length > done) {
        const from = Math.max(0, done - at);
        this.write(offset + at + from, b.subarray(from));
        done = at + b.length;
      }
      at += b.length;
    }
  }
  truncate(len: number): void {
    ftruncateSync(this.fd, len);
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
