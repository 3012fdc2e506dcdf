// UVH5 writer on h5wasm: pyuvdata-compatible files in the DSA-110 correlator's layout (spw axis,
// drift) or the flat layout, rows streamed in blocks, written to `<name>_incomplete<ext>` and
// renamed when complete so a reader never sees a half-written file.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { BOOL_PLACEHOLDER, patchBoolPlaceholder } from './bool-patch';
import { Uvh5Error } from './errors';
import {
  H5S_UNLIMITED,
  HeapBuffer,
  compoundMeta,
  createDataset,
  encodeFixedStrings,
  floatMeta,
  h5Module,
  hdf5Call,
  intMeta,
  stringMeta,
} from './h5';
import type { CreateMetadata, H5Module } from './h5';
import { HEADER_FIELDS, rowElements, validateHeader } from './model';
import type { ExtraValue, FieldSpec, Uvh5Header, Uvh5Layout, VisibilityBlock } from './model';

export interface WriterOptions {
  /** Default: the header's own layout ('spw-axis' for DSA-110 correlator files). */
  layout?: Uvh5Layout;
  /** Replace an existing file at the final path (default false). */
  overwrite?: boolean;
  /** Largest single write into the file, bytes of visdata (default 64 MiB). */
  maxBlockBytes?: number;
  /** Target bytes of one visdata chunk (default 1 MiB). */
  chunkBytes?: number;
}

export interface Uvh5Writer {
  readonly path: string;
  readonly tempPath: string;
  readonly rowsWritten: number;
  /** Append the next `rows` rows (visdata, flags, nsamples), in row order. */
  writeRows(block: Pick<VisibilityBlock, 'rows' | 'vis' | 'flags' | 'nsamples'>): void;
  /** Close, finalise the flags type and rename to the final path. All Nblts rows must be written. */
  finish(): void;
  /** Close and delete the temporary file. */
  abort(): void;
}

/** `<dir>/<stem>_incomplete<ext>`, the correlator's temporary name. */
export function incompletePath(path: string): string {
  const ext = extname(path);
  return join(dirname(path), `${basename(path, ext)}_incomplete${ext}`);
}

export async function createUvh5Writer(
  path: string,
  header: Uvh5Header,
  options: WriterOptions = {},
): Promise<Uvh5Writer> {
  const M = await h5Module();
  const layout = options.layout ?? header.layout;
  validateHeader({ ...header, layout }, path);
  if (!options.overwrite && existsSync(path))
    throw new Uvh5Error(path, 'file', 'already exists (pass overwrite: true to replace it)');
  const temp = incompletePath(path);
  // 'earliest' format bounds: version-1 object headers, readable by every HDF5 since 1.8 and
  // the form the boolean-enum patch expects.
  const fid = hdf5Call(M, temp, 'file', 'cannot create', () =>
    M.open(temp, M.H5F_ACC_TRUNC, false, M.H5F_LIBVER_EARLIEST, M.H5F_LIBVER_V110),
  );
  if (fid < 0n) throw new Uvh5Error(temp, 'file', 'cannot create');
  const heap = new HeapBuffer(M);
  try {
    writeHeader(M, heap, fid, temp, header, layout);
    createDataDatasets(M, heap, fid, temp, header, layout, options.chunkBytes ?? 1 << 20);
  } catch (e) {
    heap.free();
    M.close_file(fid);
    rmSync(temp, { force: true });
    throw e;
  }
  return new WriterImpl(M, heap, fid, path, temp, header, layout, options.maxBlockBytes ?? 64 * 1024 * 1024);
}

/** Write a whole file from one block or a sequence of blocks (in row order). */
export async function writeUvh5(
  path: string,
  header: Uvh5Header,
  blocks: VisibilityBlock | Iterable<VisibilityBlock>,
  options: WriterOptions = {},
): Promise<void> {
  const w = await createUvh5Writer(path, header, options);
  try {
    for (const b of Symbol.iterator in blocks ? blocks : [blocks]) w.writeRows(b);
    w.finish();
  } catch (e) {
    w.abort();
    throw e;
  }
}

function headerValue(h: Uvh5Header, name: string): unknown {
  return (h as unknown as Record<string, unknown>)[name];
}

function shapeOf(h: Uvh5Header, spec: FieldSpec, layout: Uvh5Layout): number[] {
  const dims = layout === 'flat' && spec.flatShape ? spec.flatShape : spec.shape;
  return dims.map((d) => (typeof d === 'number' ? d : h[d]));
}

function writeHeader(
  M: H5Module,
  heap: HeapBuffer,
  fid: bigint,
  file: string,
  h: Uvh5Header,
  layout: Uvh5Layout,
): void {
  hdf5Call(M, file, 'Header', 'cannot create group', () => M.create_group(fid, '/Header', false));
  for (const spec of HEADER_FIELDS) {
    let v = headerValue(h, spec.name);
    if (v === null || v === undefined) continue;
    const field = `Header/${spec.name}`;
    const shape = shapeOf(h, spec, layout);
    if (spec.name === 'channel_width' && layout === 'spw-axis') {
      // The older layout stores one width; the correlator writes it positive.
      const w = v as Float64Array;
      const w0 = w[0] as number;
      if (w.some((x) => Math.abs(x - w0) > 1e-9 * Math.abs(w0)))
        throw new Uvh5Error(
          file,
          field,
          'the spw-axis layout stores a single channel width, but the widths vary; use the flat layout',
        );
      v = w0;
    }
    writeValue(M, heap, fid, file, field, spec.kind, shape, v);
  }
  if (h.phase_center_catalog) {
    hdf5Call(M, file, 'Header/phase_center_catalog', 'cannot create group', () =>
      M.create_group(fid, '/Header/phase_center_catalog', false),
    );
    for (const p of h.phase_center_catalog) {
      const g = `Header/phase_center_catalog/${p.id}`;
      hdf5Call(M, file, g, 'cannot create group', () => M.create_group(fid, `/${g}`, false));
      const entries: [string, ExtraValue][] = [
        ['cat_name', p.cat_name],
        ['cat_type', p.cat_type],
        ['cat_lon', p.cat_lon],
        ['cat_lat', p.cat_lat],
        ['cat_frame', p.cat_frame],
        ['cat_epoch', p.cat_epoch],
        ...Object.entries(p.extra),
      ];
      for (const [k, x] of entries) writeExtra(M, heap, fid, file, `${g}/${k}`, x);
    }
  }
  hdf5Call(M, file, 'Header/extra_keywords', 'cannot create group', () =>
    M.create_group(fid, '/Header/extra_keywords', false),
  );
  for (const [k, x] of Object.entries(h.extra_keywords))
    writeExtra(M, heap, fid, file, `Header/extra_keywords/${k}`, x);
}

function writeValue(
  M: H5Module,
  heap: HeapBuffer,
  fid: bigint,
  file: string,
  field: string,
  kind: FieldSpec['kind'],
  shape: number[],
  v: unknown,
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  let meta: CreateMetadata;
  let bytes: Uint8Array;
  if (kind === 'string') {
    const values = typeof v === 'string' ? [v] : (v as string[]);
    const enc = encodeFixedStrings(values);
    meta = stringMeta(M, enc.size, shape);
    bytes = enc.bytes;
  } else if (kind === 'int') {
    // int64, as h5py writes numpy's default integers (the correlator's files too).
    const a = BigInt64Array.from(typeof v === 'number' ? [v] : (v as ArrayLike<number>), (x) => BigInt(x));
    meta = intMeta(M, 8, true, shape);
    bytes = new Uint8Array(a.buffer);
  } else {
    const a = typeof v === 'number' ? Float64Array.of(v) : Float64Array.from(v as ArrayLike<number>);
    meta = floatMeta(M, 8, shape);
    bytes = new Uint8Array(a.buffer);
  }
  const count = kind === 'string' ? (typeof v === 'string' ? 1 : (v as string[]).length) : bytes.byteLength / 8;
  if (count !== n)
    throw new Uvh5Error(file, field, `expected ${n} values for shape (${shape.join(', ')}), got ${count}`);
  hdf5Call(M, file, field, 'cannot write', () => createDataset(M, heap, fid, `/${field}`, meta, bytes));
}

/** extra_keywords and catalog entries: scalars as h5py would write them; null is omitted. */
function writeExtra(M: H5Module, heap: HeapBuffer, fid: bigint, file: string, field: string, x: ExtraValue): void {
  if (x === null) return;
  if (typeof x === 'string') return writeValue(M, heap, fid, file, field, 'string', [], x);
  if (typeof x === 'number') return writeValue(M, heap, fid, file, field, 'float', [], x);
  // h5wasm cannot create the boolean enum outside Data/flags; 0/1 integers read back as numbers.
  if (typeof x === 'boolean') return writeValue(M, heap, fid, file, field, 'int', [], x ? 1 : 0);
  if (x.length === 0) return;
  if (typeof x[0] === 'string') return writeValue(M, heap, fid, file, field, 'string', [x.length], x);
  return writeValue(M, heap, fid, file, field, 'float', [x.length], x);
}

function dataShape(h: Uvh5Header, layout: Uvh5Layout, rows: number): number[] {
  return layout === 'spw-axis' ? [rows, 1, h.Nfreqs, h.Npols] : [rows, h.Nfreqs, h.Npols];
}

function createDataDatasets(
  M: H5Module,
  heap: HeapBuffer,
  fid: bigint,
  file: string,
  h: Uvh5Header,
  layout: Uvh5Layout,
  chunkBytes: number,
): void {
  hdf5Call(M, file, 'Data', 'cannot create group', () => M.create_group(fid, '/Data', false));
  // About chunkBytes per chunk, and a whole number of chunks per integration (Nbls rows) where
  // possible: a read of whole integrations then covers whole chunks, which HDF5 reads straight
  // into the destination instead of through its chunk cache.
  const resizable = (meta: CreateMetadata): CreateMetadata => {
    const target = Math.max(1, Math.floor(chunkBytes / (meta.size * rowElements(h))));
    const chunkRows = Math.min(h.Nblts, Math.ceil(h.Nbls / Math.ceil(h.Nbls / target)));
    return {
      ...meta,
      maxshape: [H5S_UNLIMITED, ...(meta.shape ?? []).slice(1)],
      chunks: dataShape(h, layout, chunkRows).map(BigInt),
    };
  };
  const empty = dataShape(h, layout, 0);
  const f4 = floatMeta(M, 4, []);
  const sets: [string, CreateMetadata][] = [
    ['visdata', compoundMeta(M, ['r', 'i'], f4, empty)],
    ['flags', compoundMeta(M, [BOOL_PLACEHOLDER], intMeta(M, 1, true, []), empty)],
    ['nsamples', floatMeta(M, 4, empty)],
  ];
  for (const [name, meta] of sets) {
    hdf5Call(M, file, `Data/${name}`, 'cannot create', () =>
      createDataset(M, heap, fid, `/Data/${name}`, resizable(meta), new Uint8Array(0)),
    );
  }
}

class WriterImpl implements Uvh5Writer {
  rowsWritten = 0;
  private state: 'open' | 'finished' | 'aborted' = 'open';

  constructor(
    private readonly M: H5Module,
    private readonly heap: HeapBuffer,
    private readonly fid: bigint,
    readonly path: string,
    readonly tempPath: string,
    private readonly header: Uvh5Header,
    private readonly layout: Uvh5Layout,
    private readonly maxBlockBytes: number,
  ) {}

  writeRows(block: Pick<VisibilityBlock, 'rows' | 'vis' | 'flags' | 'nsamples'>): void {
    if (this.state !== 'open')
      throw new Uvh5Error(this.tempPath, 'Data', `write after ${this.state === 'finished' ? 'finish()' : 'abort()'}`);
    const { rows } = block;
    const E = rowElements(this.header);
    const { Nblts } = this.header;
    if (!Number.isSafeInteger(rows) || rows < 0)
      throw new RangeError(`writeRows: rows must be a non-negative integer, got ${rows}`);
    if (this.rowsWritten + rows > Nblts)
      throw new Uvh5Error(
        this.tempPath,
        'Data/visdata',
        `${this.rowsWritten + rows} rows would exceed Nblts = ${Nblts}`,
      );
    if (block.vis.length < 2 * rows * E || block.flags.length < rows * E || block.nsamples.length < rows * E) {
      throw new RangeError(
        `writeRows: the block holds fewer than ${rows} rows of ${E} values (vis ${block.vis.length}, flags ${block.flags.length}, nsamples ${block.nsamples.length})`,
      );
    }
    if (rows === 0) return;
    const M = this.M;
    const total = this.rowsWritten + rows;
    for (const name of ['visdata', 'flags', 'nsamples']) {
      const status = hdf5Call(M, this.tempPath, `Data/${name}`, 'cannot extend', () =>
        M.resize_dataset(this.fid, `/Data/${name}`, dataShape(this.header, this.layout, total).map(BigInt)),
      );
      if (status < 0)
        throw new Uvh5Error(this.tempPath, `Data/${name}`, `cannot extend to ${total} rows (status ${status})`);
    }
    const step = Math.max(1, Math.floor(this.maxBlockBytes / (8 * E)));
    for (let r = 0; r < rows; r += step) {
      const n = Math.min(step, rows - r);
      const row = this.rowsWritten + r;
      const e0 = r * E;
      const elems = n * E;
      this.put('visdata', row, n, new Uint8Array(block.vis.buffer, block.vis.byteOffset + 8 * e0, 8 * elems), false);
      this.put('flags', row, n, new Uint8Array(block.flags.buffer, block.flags.byteOffset + e0, elems), true);
      this.put(
        'nsamples',
        row,
        n,
        new Uint8Array(block.nsamples.buffer, block.nsamples.byteOffset + 4 * e0, 4 * elems),
        false,
      );
    }
    this.rowsWritten = total;
  }

  private put(name: string, row: number, n: number, bytes: Uint8Array, booleans: boolean): void {
    const M = this.M;
    const ptr = this.heap.reserve(bytes.byteLength);
    M.HEAPU8.set(bytes, ptr);
    if (booleans) {
      // Any non-zero flag is TRUE; the boolean enum admits only 0 and 1.
      const v = new Uint8Array(M.HEAPU8.buffer, ptr, bytes.byteLength);
      for (let k = 0; k < v.length; k++) if (v[k] !== 0) v[k] = 1;
    }
    const count = dataShape(this.header, this.layout, n).map(BigInt);
    const offset = count.map((_, i) => (i === 0 ? BigInt(row) : 0n));
    const strides = count.map(() => 1n);
    const status = hdf5Call(M, this.tempPath, `Data/${name}`, `writing rows ${row}..${row + n - 1}`, () =>
      M.set_dataset_data(this.fid, `/Data/${name}`, count, offset, strides, BigInt(ptr)),
    );
    if (status < 0)
      throw new Uvh5Error(
        this.tempPath,
        `Data/${name}`,
        `writing rows ${row}..${row + n - 1} failed (status ${status})`,
      );
  }

  finish(): void {
    if (this.state !== 'open')
      throw new Uvh5Error(
        this.tempPath,
        'file',
        `finish() after ${this.state === 'finished' ? 'finish()' : 'abort()'}`,
      );
    if (this.rowsWritten !== this.header.Nblts) {
      this.abort();
      throw new Uvh5Error(
        this.path,
        'Data/visdata',
        `only ${this.rowsWritten} of Nblts = ${this.header.Nblts} rows were written; the file was discarded`,
      );
    }
    this.state = 'finished';
    this.heap.free();
    const status = hdf5Call(this.M, this.tempPath, 'file', 'cannot close', () => this.M.close_file(this.fid));
    if (status < 0) throw new Uvh5Error(this.tempPath, 'file', `HDF5 close failed (status ${status})`);
    patchBoolPlaceholder(this.tempPath, 'Data/flags');
    renameSync(this.tempPath, this.path);
  }

  abort(): void {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    this.heap.free();
    try {
      this.M.close_file(this.fid);
    } finally {
      rmSync(this.tempPath, { force: true });
    }
  }
}
