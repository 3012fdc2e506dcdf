// A casacore table on disk: create or open, read and write columns in row blocks straight to
// the storage managers' files, add columns in place, keywords and subtables; flush leaves a
// table casacore (python-casacore, CASA) opens.
import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Endian } from './codec';
import type { Cell, DataManager, DataManagerContext } from './dataman';
import { product } from './dataman';
import type { ColumnData } from './datatypes';
import { allocData, elementCount, slotsPerElement } from './datatypes';
import { CasacoreError } from './errors';
import { IncrementalStMan } from './ism';
import type { KeywordInput, Keywords, ScalarValue } from './record';
import { makeKeywords, toKeywordValue } from './record';
import { StandardStMan } from './ssm';
import type { ColumnDesc, TableDesc } from './tabledesc';
import type { ColumnBinding, DataManagerEntry, TableInfo } from './tabledat';
import { readTableDat, readTableInfo, readTableLock, writeTableDat, writeTableInfo, writeTableLock } from './tabledat';
import { TiledStMan } from './tsm';
import type { TiledType } from './tsm';

/** How columns are stored; columns not named in any spec go to a StandardStMan. */
export type DataManagerSpec =
  | { type: 'StandardStMan'; name: string; columns: string[]; bucketSize?: number }
  /** tileShape: cell axes then rows (casacore order), e.g. [npol, nchan, 128]. */
  | { type: TiledType; name: string; columns: string[]; tileShape?: number[] };

export interface CreateTableOptions {
  nrows: number;
  dataManagers?: DataManagerSpec[];
  /** Byte order of the data files (default little, like casacore on x86). */
  endian?: Endian;
  info?: Partial<TableInfo>;
}

export interface TableDescInput {
  columns: ColumnDesc[];
  keywords?: Keywords | { [name: string]: KeywordInput };
  comment?: string;
}

export interface OpenTableOptions {
  writable?: boolean;
}

interface Bound {
  desc: ColumnDesc;
  dm: DataManager;
  binding: ColumnBinding;
}

export class Table {
  private readonly bound = new Map<string, Bound>();
  private readonly managers: DataManager[] = [];
  private changeCounter: number;
  private closed = false;

  private constructor(
    readonly dir: string,
    private nrowsValue: number,
    readonly desc: TableDesc,
    readonly endian: Endian,
    readonly writable: boolean,
    public info: TableInfo,
    private seqCount: number,
    counter: number,
  ) {
    this.changeCounter = counter;
  }

  get nrows(): number {
    return this.nrowsValue;
  }
  /** The table keywords (edit through setKeyword so the change is written). */
  get keywords(): Keywords {
    return this.desc.keywords;
  }
  columnNames(): string[] {
    return this.desc.columns.map((c) => c.name);
  }

  columnDesc(name: string): ColumnDesc {
    return this.col(name).desc;
  }

  /** Data manager type and name holding a column. */
  dataManagerOf(name: string): { type: string; name: string; seqnr: number } {
    const b = this.col(name);
    return { type: b.dm.type, name: b.dm.name, seqnr: b.dm.seqnr };
  }

  private col(name: string): Bound {
    if (this.closed) throw new CasacoreError(this.dir, 'table is closed');
    const b = this.bound.get(name);
    if (!b) throw new CasacoreError(this.dir, `no column "${name}" (columns: ${this.columnNames().join(', ')})`);
    return b;
  }

  private rows(name: string, rowStart: number, nrows: number): void {
    if (
      !Number.isInteger(rowStart) ||
      !Number.isInteger(nrows) ||
      rowStart < 0 ||
      nrows < 0 ||
      rowStart + nrows > this.nrowsValue
    ) {
      throw new RangeError(
        `${this.dir}: rows [${rowStart}, ${rowStart + nrows}) of column ${name} are outside the table's ${this.nrowsValue} rows`,
      );
    }
  }

  /** Shape of one cell: [] for scalars, null for an empty array cell. */
  getCellShape(name: string, row: number): number[] | null {
    const b = this.col(name);
    this.rows(name, row, 1);
    if (b.desc.kind === 'scalar') return [];
    return b.binding.shape ? [...b.binding.shape] : b.dm.cellShape(b.desc, row);
  }

  /** The common cell shape of rows [rowStart, +nrows) (throws when cells differ or are empty). */
  private blockShape(b: Bound, rowStart: number, nrows: number): number[] {
    if (b.desc.kind === 'scalar') return [];
    if (b.binding.shape) return b.binding.shape;
    let shape: number[] | undefined;
    for (let r = rowStart; r < rowStart + nrows; r++) {
      const s = b.dm.cellShape(b.desc, r);
      if (!s) throw new CasacoreError(this.dir, `row ${r} of column ${b.desc.name} holds no array`);
      if (!shape) shape = s;
      else if (s.join(',') !== shape.join(',')) {
        throw new CasacoreError(
          this.dir,
          `column ${b.desc.name} changes cell shape between rows ${rowStart} and ${r} ([${shape.join(',')}] vs [${s.join(',')}]); read it with getColumnCells`,
        );
      }
    }
    return shape ?? [];
  }

  /**
   * Values of rows [rowStart, rowStart+nrows): scalars one per row; array cells flattened in
   * casacore order (first axis fastest), rows slowest. Complex values are interleaved re/im.
   */
  getColumn(name: string, rowStart = 0, nrows = this.nrowsValue - rowStart): ColumnData {
    const b = this.col(name);
    this.rows(name, rowStart, nrows);
    if (nrows === 0) return allocData(b.desc.type, 0);
    return b.dm.read(b.desc, rowStart, nrows, this.blockShape(b, rowStart, nrows));
  }

  /**
   * As getColumn, into `out` (a typed array, or a view on a larger one, of exactly the values
   * getColumn would return): tiled columns decode straight into it, others are copied.
   */
  getColumnInto(name: string, rowStart: number, nrows: number, out: Exclude<ColumnData, string[]>): void {
    const b = this.col(name);
    this.rows(name, rowStart, nrows);
    if (nrows === 0) return;
    const shape = this.blockShape(b, rowStart, nrows);
    if (b.dm.readInto) {
      b.dm.readInto(b.desc, rowStart, nrows, shape, out);
      return;
    }
    const data = b.dm.read(b.desc, rowStart, nrows, shape);
    if (Array.isArray(data) || data.length !== out.length || data.constructor !== out.constructor) {
      throw new CasacoreError(
        this.dir,
        `column ${name}: getColumnInto needs ${data.length} values of the column's type for rows ${rowStart}..${rowStart + nrows - 1}, got a ${out.constructor.name} of length ${out.length}`,
      );
    }
    (out as Float64Array).set(data as Float64Array);
  }

  /** Cells of an array column one by one (for variable shapes); null for empty cells. */
  getColumnCells(name: string, rowStart = 0, nrows = this.nrowsValue - rowStart): (Cell | null)[] {
    const out: (Cell | null)[] = [];
    for (let r = rowStart; r < rowStart + nrows; r++) {
      const shape = this.getCellShape(name, r);
      out.push(shape === null ? null : { shape, data: this.getColumn(name, r, 1) });
    }
    return out;
  }

  /** One cell: a scalar value (complex as [re, im]), or an array cell with its shape. */
  getCell(name: string, row: number): ScalarValue | Cell | null {
    const b = this.col(name);
    const shape = this.getCellShape(name, row);
    if (shape === null) return null;
    const data = this.getColumn(name, row, 1);
    if (b.desc.kind === 'array') return { shape, data };
    if (b.desc.type === 'Complex' || b.desc.type === 'DComplex') return [Number(data[0]), Number(data[1])];
    if (b.desc.type === 'Bool') return data[0] === 1;
    const v = data[0];
    if (v === undefined) throw new CasacoreError(this.dir, `row ${row} of column ${name} could not be read`);
    return v;
  }

  /** The box [start, end) (end exclusive, casacore axis order) of each cell of the rows. */
  getColumnSlice(name: string, rowStart: number, nrows: number, box: { start: number[]; end: number[] }): ColumnData {
    const b = this.col(name);
    this.rows(name, rowStart, nrows);
    if (b.desc.kind !== 'array')
      throw new CasacoreError(this.dir, `column ${name} is a scalar column; slices need array cells`);
    const shape = this.blockShape(b, rowStart, nrows);
    if (box.start.length !== shape.length || box.end.length !== shape.length) {
      throw new RangeError(`${name}: slice needs ${shape.length} axes for cells of shape [${shape.join(',')}]`);
    }
    shape.forEach((s, k) => {
      const lo = box.start[k] ?? 0;
      const hi = box.end[k] ?? 0;
      if (lo < 0 || hi > s || hi <= lo)
        throw new RangeError(`${name}: slice axis ${k} [${lo}, ${hi}) is outside [0, ${s})`);
    });
    if (b.dm.readSlice) return b.dm.readSlice(b.desc, rowStart, nrows, box.start, box.end);
    const full = b.dm.read(b.desc, rowStart, nrows, shape);
    return sliceCells(full, b.desc.type, shape, nrows, box.start, box.end);
  }

  /** Write rows [rowStart, rowStart+nrows) of a scalar or fixed-shape column (layout as getColumn). */
  putColumnRange(name: string, rowStart: number, nrows: number, data: ColumnData): void {
    const b = this.col(name);
    if (!this.writable) throw new CasacoreError(this.dir, `table is open read-only; cannot write column ${name}`);
    this.rows(name, rowStart, nrows);
    const per = b.desc.kind === 'scalar' ? 1 : product(b.binding.shape ?? []);
    if (b.desc.kind === 'array' && !b.binding.shape)
      throw new CasacoreError(this.dir, `column ${name} has no fixed cell shape; write its cells with putCells`);
    const n = elementCount(b.desc.type, data, `${this.dir}: column ${name}`);
    if (n !== nrows * per)
      throw new RangeError(`${this.dir}: column ${name} needs ${nrows * per} values for ${nrows} rows, got ${n}`);
    if (!b.dm.write)
      throw new CasacoreError(
        this.dir,
        `column ${name} is stored in ${b.dm.type}, which this implementation cannot write`,
      );
    if (nrows > 0) b.dm.write(b.desc, rowStart, nrows, data);
  }

  /**
   * Write array cells of rows [rowStart, rowStart+cells.length) one by one, each with its own
   * shape (variable-shape columns, e.g. CPARAM of a calibration table); values flattened in
   * casacore order, complex interleaved. Fixed-shape columns accept cells of their shape.
   */
  putCells(name: string, rowStart: number, cells: readonly Cell[]): void {
    const b = this.col(name);
    if (!this.writable) throw new CasacoreError(this.dir, `table is open read-only; cannot write column ${name}`);
    if (b.desc.kind !== 'array')
      throw new CasacoreError(this.dir, `column ${name} is a scalar column; write it with putColumnRange`);
    this.rows(name, rowStart, cells.length);
    cells.forEach((cell, i) => {
      if (cell.shape.some((x) => !Number.isInteger(x) || x < 0))
        throw new RangeError(
          `${this.dir}: row ${rowStart + i} of column ${name}: shape [${cell.shape.join(',')}] must be non-negative integers`,
        );
      const n = elementCount(b.desc.type, cell.data, `${this.dir}: column ${name} row ${rowStart + i}`);
      if (n !== product(cell.shape))
        throw new RangeError(
          `${this.dir}: row ${rowStart + i} of column ${name}: ${n} values do not fill shape [${cell.shape.join(',')}]`,
        );
      if (b.binding.shape) {
        if (cell.shape.join(',') !== b.binding.shape.join(','))
          throw new RangeError(
            `${this.dir}: row ${rowStart + i} of column ${name}: shape [${cell.shape.join(',')}], the column's fixed shape is [${b.binding.shape.join(',')}]`,
          );
        this.putColumnRange(name, rowStart + i, 1, cell.data);
        return;
      }
      if (!b.dm.writeCell)
        throw new CasacoreError(
          this.dir,
          `column ${name} is stored in ${b.dm.type}, which this implementation cannot write variable-shape cells to`,
        );
      b.dm.writeCell(b.desc, rowStart + i, cell);
    });
  }

  /** Write a whole column. */
  putColumn(name: string, data: ColumnData): void {
    this.putColumnRange(name, 0, this.nrowsValue, data);
  }

  /** Set (or replace) a table keyword, e.g. setKeyword('ANTENNA', kw.table('ANTENNA')). */
  setKeyword(name: string, value: KeywordInput): void {
    this.desc.keywords.set(name, toKeywordValue(value));
  }
  setColumnKeyword(column: string, name: string, value: KeywordInput): void {
    this.col(column).desc.keywords.set(name, toKeywordValue(value));
  }

  /** Absolute path of a subtable referenced by a table keyword. */
  subtablePath(keyword: string): string {
    const v = this.desc.keywords.get(keyword);
    if (!v || v.kind !== 'table') throw new CasacoreError(this.dir, `keyword ${keyword} is not a subtable reference`);
    return isAbsolute(v.path) ? v.path : join(this.dir, v.path);
  }
  openSubtable(keyword: string, opts: OpenTableOptions = {}): Table {
    return openTable(this.subtablePath(keyword), opts);
  }

  /** Add a fixed-shape or scalar column (for example CORRECTED_DATA) with its own new manager. */
  addColumn(desc: ColumnDesc, spec?: DataManagerSpec): void {
    if (!this.writable) throw new CasacoreError(this.dir, `table is open read-only; cannot add column ${desc.name}`);
    if (this.bound.has(desc.name)) throw new CasacoreError(this.dir, `column ${desc.name} already exists`);
    const s: DataManagerSpec = spec ?? { type: 'StandardStMan', name: `SSM_${desc.name}`, columns: [desc.name] };
    if (s.columns.length !== 1 || s.columns[0] !== desc.name)
      throw new CasacoreError(this.dir, `addColumn: the manager spec must list exactly column ${desc.name}`);
    if (this.managers.some((m) => m.name === s.name))
      throw new CasacoreError(
        this.dir,
        `data manager ${s.name} already exists; give the new column's manager another name`,
      );
    const d: ColumnDesc = { ...desc, dataManagerType: s.type, dataManagerGroup: s.name };
    this.desc.columns.push(d);
    this.attach(s, [d], this.seqCount++);
    this.flush();
  }

  private attach(spec: DataManagerSpec, cols: ColumnDesc[], seqnr: number): void {
    const shapes = new Map<string, number[]>();
    for (const c of cols) if (c.kind === 'array' && c.shape) shapes.set(c.name, c.shape);
    const ctx: DataManagerContext = {
      dir: this.dir,
      file: join(this.dir, `table.f${seqnr}`),
      seqnr,
      nrows: this.nrowsValue,
      endian: this.endian,
      writable: true,
      columns: cols,
      shapes,
    };
    const dm =
      spec.type === 'StandardStMan'
        ? StandardStMan.create(ctx, spec.name, spec.bucketSize)
        : TiledStMan.create(ctx, spec.type, spec.name, spec.tileShape);
    this.managers.push(dm);
    for (const c of cols)
      this.bound.set(c.name, {
        desc: c,
        dm,
        binding: { name: c.name, seqnr, ...(shapes.has(c.name) ? { shape: shapes.get(c.name) } : {}) },
      });
  }

  /** Write every manager's pending data, table.dat, table.info and table.lock. */
  flush(): void {
    if (!this.writable || this.closed) return;
    const entries: DataManagerEntry[] = this.managers.map((m) => ({ type: m.type, seqnr: m.seqnr, blob: m.flush() }));
    const bindings = this.desc.columns.map((c) => this.col(c.name).binding);
    writeTableDat(this.dir, {
      nrows: this.nrowsValue,
      endian: this.endian,
      desc: this.desc,
      dataManagers: entries,
      bindings,
      seqCount: this.seqCount,
    });
    writeTableInfo(this.dir, this.info);
    this.changeCounter++;
    writeTableLock(this.dir, this.nrowsValue, this.desc.columns.length, this.managers.length, this.changeCounter);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    for (const m of this.managers) m.close();
    this.closed = true;
  }

  /** @internal */
  static create(dir: string, input: TableDescInput, opts: CreateTableOptions): Table {
    if (existsSync(join(dir, 'table.dat')))
      throw new CasacoreError(dir, 'a table already exists here (table.dat present)');
    if (!Number.isInteger(opts.nrows) || opts.nrows < 0)
      throw new RangeError(`${dir}: nrows must be a non-negative integer, got ${opts.nrows}`);
    mkdirSync(dir, { recursive: true });
    const names = new Set<string>();
    for (const c of input.columns) {
      if (names.has(c.name)) throw new CasacoreError(dir, `column ${c.name} is described twice`);
      names.add(c.name);
    }
    const specs = [...(opts.dataManagers ?? [])];
    const assigned = new Map<string, DataManagerSpec>();
    for (const s of specs)
      for (const c of s.columns) {
        if (!names.has(c)) throw new CasacoreError(dir, `data manager ${s.name} lists unknown column ${c}`);
        if (assigned.has(c)) throw new CasacoreError(dir, `column ${c} is given to two data managers`);
        assigned.set(c, s);
      }
    const rest = input.columns.filter((c) => !assigned.has(c.name)).map((c) => c.name);
    if (rest.length > 0) {
      const name = specs.some((s) => s.name === 'StandardStMan') ? 'StandardStMan_default' : 'StandardStMan';
      specs.unshift({ type: 'StandardStMan', name, columns: rest });
      for (const c of rest) assigned.set(c, specs[0] as DataManagerSpec);
    }
    const columns = input.columns.map((c) => {
      const s = assigned.get(c.name) as DataManagerSpec;
      return { ...c, keywords: new Map(c.keywords), dataManagerType: s.type, dataManagerGroup: s.name };
    });
    const kws = input.keywords instanceof Map ? new Map(input.keywords) : makeKeywords(input.keywords ?? {});
    const desc: TableDesc = {
      name: '',
      version: '',
      comment: input.comment ?? '',
      keywords: kws,
      privateKeywords: new Map(),
      columns,
    };
    const info: TableInfo = {
      type: opts.info?.type ?? '',
      subType: opts.info?.subType ?? '',
      readme: opts.info?.readme ?? '',
    };
    const t = new Table(dir, opts.nrows, desc, opts.endian ?? 'little', true, info, 0, 0);
    specs.forEach((s) =>
      t.attach(
        s,
        columns.filter((c) => s.columns.includes(c.name)),
        t.seqCount++,
      ),
    );
    t.flush();
    return t;
  }

  /** @internal */
  static open(dir: string, opts: OpenTableOptions): Table {
    const dat = readTableDat(dir);
    const lock = readTableLock(dir);
    // casacore trusts the row count in table.lock when it has one.
    const nrows = lock && lock.nrows > 0 ? lock.nrows : dat.nrows;
    const writable = opts.writable ?? false;
    const t = new Table(
      dir,
      nrows,
      dat.desc,
      dat.endian,
      writable,
      readTableInfo(dir),
      dat.seqCount,
      lock?.counter ?? 0,
    );
    dat.dataManagers.forEach((e) => {
      const idx = dat.bindings.map((b, i) => (b.seqnr === e.seqnr ? i : -1)).filter((i) => i >= 0);
      const cols = idx.map((i) => dat.desc.columns[i] as ColumnDesc);
      const shapes = new Map<string, number[]>();
      for (const i of idx) {
        const b = dat.bindings[i];
        if (b?.shape) shapes.set(b.name, b.shape);
      }
      const ctx: DataManagerContext = {
        dir,
        file: join(dir, `table.f${e.seqnr}`),
        seqnr: e.seqnr,
        nrows,
        endian: dat.endian,
        writable,
        columns: cols,
        shapes,
      };
      let dm: DataManager;
      if (e.type === 'StandardStMan') dm = StandardStMan.open(ctx, e.blob);
      else if (e.type === 'IncrementalStMan') {
        if (writable)
          throw new CasacoreError(
            dir,
            `columns ${ctx.columns.map((c) => c.name).join(', ')} are in IncrementalStMan, which this implementation reads only; open the table read-only`,
          );
        dm = IncrementalStMan.open(ctx, e.blob);
      } else if (e.type === 'TiledColumnStMan' || e.type === 'TiledShapeStMan') dm = TiledStMan.open(ctx, e.type);
      else
        throw new CasacoreError(
          join(dir, 'table.dat'),
          `data manager type "${e.type}" (seqnr ${e.seqnr}, columns ${cols.map((c) => c.name).join(', ')}) is not supported; expected StandardStMan, IncrementalStMan, TiledColumnStMan or TiledShapeStMan`,
        );
      t.managers.push(dm);
      for (const i of idx) {
        const c = dat.desc.columns[i] as ColumnDesc;
        t.bound.set(c.name, { desc: c, dm, binding: dat.bindings[i] as ColumnBinding });
      }
    });
    for (const c of dat.desc.columns) {
      if (!t.bound.has(c.name))
        throw new CasacoreError(join(dir, 'table.dat'), `column ${c.name} is bound to no data manager`);
    }
    return t;
  }
}

/** Create a new table with nrows rows; write columns with putColumnRange, then close(). */
export function createTable(dir: string, desc: TableDescInput, opts: CreateTableOptions): Table {
  return Table.create(dir, desc, opts);
}

/** Open an existing table (read-only unless writable is set). */
export function openTable(dir: string, opts: OpenTableOptions = {}): Table {
  return Table.open(dir, opts);
}

/** Cut the box [start, end) out of each of nrows cells of shape `shape`. */
function sliceCells(
  full: ColumnData,
  type: ColumnDesc['type'],
  shape: number[],
  nrows: number,
  start: number[],
  end: number[],
): ColumnData {
  const ext = end.map((e, k) => e - (start[k] ?? 0));
  const per = product(ext);
  const cell = product(shape);
  const out = allocData(type, per * nrows);
  const spe = slotsPerElement(type);
  const strides: number[] = [];
  let acc = 1;
  for (const s of shape) {
    strides.push(acc);
    acc *= s;
  }
  const pos = new Array<number>(ext.length).fill(0);
  for (let r = 0; r < nrows; r++) {
    pos.fill(0);
    for (let i = 0; i < per; i++) {
      let src = r * cell;
      pos.forEach((p, k) => {
        src += ((start[k] ?? 0) + p) * (strides[k] ?? 0);
      });
      const dst = r * per + i;
      if (Array.isArray(out)) out[dst] = (full as string[])[src] ?? '';
      else
        for (let q = 0; q < spe; q++) (out as Float64Array)[dst * spe + q] = (full as Float64Array)[src * spe + q] ?? 0;
      for (let k = 0; k < pos.length; k++) {
        pos[k] = (pos[k] ?? 0) + 1;
        if ((pos[k] ?? 0) < (ext[k] ?? 0)) break;
        pos[k] = 0;
      }
    }
  }
  return out;
}
