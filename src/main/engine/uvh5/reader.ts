// UVH5 reader on h5wasm: complete header, block reads of visibilities through the low-level
// hyperslab read into a reused wasm-heap buffer, and a metadata-only scan for indexing.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Uvh5Error } from './errors';
import { HeapBuffer, Hdf5ObjectError, h5Module, hdf5Call } from './h5';
import type { H5Module } from './h5';
import { HeaderReader } from './header-read';
import type { Uvh5DataInfo } from './header-read';
import { MJD_OFFSET, allocateBlock, rowElements, validateHeader } from './model';
import type { Uvh5Header, Uvh5Layout, VisibilityBlock } from './model';

export type { Uvh5DataInfo } from './header-read';

/** Default cap of one low-level read (bytes of visdata); the wasm heap is capped at 2 GiB. */
export const DEFAULT_MAX_BLOCK_BYTES = 64 * 1024 * 1024;

export interface ReadVisibilitiesOptions {
  rowStart: number;
  rowCount: number;
  /** Preallocated destination (at least rowCount rows); allocated when absent. */
  out?: VisibilityBlock;
}

export interface Uvh5File {
  readonly path: string;
  readonly header: Uvh5Header;
  readonly data: Uvh5DataInfo;
  /** Read rows [rowStart, rowStart + rowCount) of visdata, flags and nsamples. */
  readVisibilities(options: ReadVisibilitiesOptions): VisibilityBlock;
  /**
   * Stream rows [rowStart, rowStart + rowCount) in blocks of at most `blockRows`, without the
   * copy out of the wasm heap when the file holds float32 {r,i}, boolean flags and float32
   * nsamples: `visit` then gets views on the heap, valid only until it returns (copy what you
   * keep). Other storage types are converted into a reused block.
   */
  forEachBlock(
    options: { rowStart?: number; rowCount?: number; blockRows: number },
    visit: (block: VisibilityBlock) => void,
  ): void;
  /**
   * One block of forEachBlock on demand: rows [rowStart, rowStart + rowCount) as views on the
   * heap (or a reused block for other storage types), valid until the next read or close().
   */
  readBlock(rowStart: number, rowCount: number): VisibilityBlock;
  close(): void;
}

export interface OpenOptions {
  /** Largest single read from the file, in bytes of visdata (default 64 MiB). */
  maxBlockBytes?: number;
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Existence, size and the HDF5 signature (at 0, 512, 1024, ... as the format allows). */
function checkFile(path: string): number {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new Uvh5Error(path, 'file', 'not a regular file');
    size = st.size;
  } catch (e) {
    if (e instanceof Uvh5Error) throw e;
    throw new Uvh5Error(path, 'file', `cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (size < HDF5_SIGNATURE.length) throw new Uvh5Error(path, 'file', `not an HDF5 file: only ${size} bytes`);
  const fd = openSync(path, 'r');
  try {
    const sig = Buffer.alloc(8);
    for (let at = 0; at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      readSync(fd, sig, 0, 8, at);
      if (sig.equals(HDF5_SIGNATURE)) return size;
      if (at > 64 * 1024 * 1024) break;
    }
  } finally {
    closeSync(fd);
  }
  throw new Uvh5Error(path, 'file', 'not an HDF5 file (no HDF5 signature); expected a UVH5 file');
}

function openHdf5(M: H5Module, path: string): bigint {
  checkFile(path);
  const fid = hdf5Call(M, path, 'file', 'HDF5 cannot open it (truncated or corrupt?)', () =>
    M.open(path, M.H5F_ACC_RDONLY, false, -1, -1),
  );
  if (fid < 0n) throw new Uvh5Error(path, 'file', 'HDF5 cannot open it (truncated or corrupt?)');
  return fid;
}

function closeQuietly(M: H5Module, fid: bigint): void {
  try {
    M.close_file(fid);
  } catch {
    // The file is being abandoned after an error; the first error is the one to report.
  }
}

/** Open a UVH5 file: reads and validates the complete header; visibilities on demand. */
export async function openUvh5(path: string, options: OpenOptions = {}): Promise<Uvh5File> {
  const M = await h5Module();
  const fid = openHdf5(M, path);
  try {
    const hr = new HeaderReader(M, fid, path);
    const data = hr.dataInfo();
    const header = hr.header(data.layout);
    validateHeader(header, path);
    return new Uvh5FileImpl(M, fid, path, header, data, options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES);
  } catch (e) {
    closeQuietly(M, fid);
    throw namedDamage(e, path);
  }
}

/** A damaged HDF5 object found while probing becomes a Uvh5Error naming the file and the object. */
function namedDamage(e: unknown, path: string): unknown {
  if (e instanceof Hdf5ObjectError)
    return new Uvh5Error(path, e.objectPath.replace(/^\//, '') || 'file', e.message, { cause: e });
  return e;
}

class Uvh5FileImpl implements Uvh5File {
  private readonly heap: HeapBuffer;
  private open = true;

  constructor(
    private readonly M: H5Module,
    private readonly fid: bigint,
    readonly path: string,
    readonly header: Uvh5Header,
    readonly data: Uvh5DataInfo,
    private readonly maxBlockBytes: number,
  ) {
    this.heap = new HeapBuffer(M);
  }

  readVisibilities({ rowStart, rowCount, out }: ReadVisibilitiesOptions): VisibilityBlock {
    this.checkRows(rowStart, rowCount);
    const E = rowElements(this.header);
    const block = out ?? allocateBlock(this.header, rowCount, rowStart);
    if (
      block.vis.length < 2 * rowCount * E ||
      block.flags.length < rowCount * E ||
      block.nsamples.length < rowCount * E
    ) {
      throw new RangeError(`readVisibilities: the output block holds fewer than ${rowCount} rows of ${E} values`);
    }
    block.rowStart = rowStart;
    block.rows = rowCount;
    const rowBytes = E * Math.max(this.data.visElementBytes, 8);
    const step = Math.max(1, Math.floor(this.maxBlockBytes / rowBytes));
    for (let r = 0; r < rowCount; r += step) {
      this.readRows(rowStart + r, Math.min(step, rowCount - r), block, r * E);
    }
    return block;
  }

  private checkRows(rowStart: number, rowCount: number): void {
    if (!this.open) throw new Uvh5Error(this.path, 'Data/visdata', 'read after close()');
    const { Nblts } = this.header;
    if (
      !Number.isSafeInteger(rowStart) ||
      !Number.isSafeInteger(rowCount) ||
      rowStart < 0 ||
      rowCount < 0 ||
      rowStart + rowCount > Nblts
    ) {
      throw new Uvh5Error(
        this.path,
        'Data/visdata',
        `rows [${rowStart}, ${rowStart + rowCount}) are outside [0, Nblts=${Nblts})`,
      );
    }
  }

  forEachBlock(
    { rowStart = 0, rowCount, blockRows }: { rowStart?: number; rowCount?: number; blockRows: number },
    visit: (block: VisibilityBlock) => void,
  ): void {
    const count = rowCount ?? this.header.Nblts - rowStart;
    if (!Number.isSafeInteger(blockRows) || blockRows < 1)
      throw new RangeError(`forEachBlock: blockRows must be a positive integer, got ${blockRows}`);
    this.checkRows(rowStart, count);
    for (let r = 0; r < count; r += blockRows) visit(this.readBlock(rowStart + r, Math.min(blockRows, count - r)));
  }

  private converted: VisibilityBlock | null = null;

  readBlock(rowStart: number, n: number): VisibilityBlock {
    this.checkRows(rowStart, n);
    const d = this.data;
    const direct =
      d.visType === 'float32' &&
      d.visElementBytes === 8 &&
      d.visOffsets.r === 0 &&
      d.visOffsets.i === 4 &&
      d.flagType === 'bool' &&
      d.nsamplesType === 'float32';
    if (!direct) {
      // Other storage types are converted into a block kept for the next call (grown as needed).
      const E = rowElements(this.header);
      if (!this.converted || this.converted.nsamples.length < n * E) this.converted = allocateBlock(this.header, n);
      return this.readVisibilities({ rowStart, rowCount: n, out: this.converted });
    }
    const elems = n * rowElements(this.header);
    // One heap region: visdata (8 B), nsamples (4 B), flags (1 B) per value, 8-byte aligned.
    const base = this.heap.reserve(13 * elems + 8);
    const nsAt = base + 8 * elems;
    const flAt = nsAt + 4 * elems;
    this.readRaw('visdata', rowStart, n, base);
    this.readRaw('flags', rowStart, n, flAt);
    this.readRaw('nsamples', rowStart, n, nsAt);
    const buf = this.M.HEAPU8.buffer as ArrayBuffer; // after the reads: the heap may have grown
    return {
      rowStart,
      rows: n,
      vis: new Float32Array(buf, base, 2 * elems),
      flags: new Uint8Array(buf, flAt, elems),
      nsamples: new Float32Array(buf, nsAt, elems),
    };
  }

  private readRaw(name: string, row: number, n: number, ptr: number): void {
    const M = this.M;
    const { Nfreqs, Npols } = this.header;
    const spw = this.data.layout === 'spw-axis';
    const count = spw ? [BigInt(n), 1n, BigInt(Nfreqs), BigInt(Npols)] : [BigInt(n), BigInt(Nfreqs), BigInt(Npols)];
    const offset = count.map((_, i) => (i === 0 ? BigInt(row) : 0n));
    const strides = count.map(() => 1n);
    const status = hdf5Call(M, this.path, `Data/${name}`, `reading rows ${row}..${row + n - 1}`, () =>
      M.get_dataset_data(this.fid, `/Data/${name}`, count, offset, strides, BigInt(ptr)),
    );
    if (status < 0)
      throw new Uvh5Error(this.path, `Data/${name}`, `reading rows ${row}..${row + n - 1} failed (status ${status})`);
  }

  /** One hyperslab of `n` rows of each Data dataset, converted into `block` at element `at`. */
  private readRows(row: number, n: number, block: VisibilityBlock, at: number): void {
    const M = this.M;
    const elems = n * rowElements(this.header);
    const ptr = this.heap.reserve(elems * Math.max(this.data.visElementBytes, 8));
    const read = (name: string): void => this.readRaw(name, row, n, ptr);

    read('visdata');
    convertVis(M.HEAPU8.buffer as ArrayBuffer, ptr, elems, this.data, block.vis, 2 * at);

    read('flags');
    const fsrc = new Uint8Array(M.HEAPU8.buffer, ptr, elems);
    if (this.data.flagType === 'bool') block.flags.set(fsrc, at);
    else for (let k = 0; k < elems; k++) block.flags[at + k] = fsrc[k] !== 0 ? 1 : 0;

    read('nsamples');
    if (this.data.nsamplesType === 'float32') block.nsamples.set(new Float32Array(M.HEAPU8.buffer, ptr, elems), at);
    else block.nsamples.set(new Float64Array(M.HEAPU8.buffer, ptr, elems), at);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.heap.free();
    const status = this.M.close_file(this.fid);
    if (status < 0) throw new Uvh5Error(this.path, 'file', `HDF5 close failed (status ${status})`);
  }
}

/** Copy `elems` compound {r,i} values from the heap into interleaved float32. */
function convertVis(
  heap: ArrayBuffer,
  ptr: number,
  elems: number,
  d: Uvh5DataInfo,
  dst: Float32Array,
  at: number,
): void {
  const { visType, visElementBytes: size, visOffsets } = d;
  if (visType === 'float32' && size === 8 && visOffsets.r === 0 && visOffsets.i === 4) {
    dst.set(new Float32Array(heap, ptr, 2 * elems), at);
    return;
  }
  const Ctor =
    visType === 'float32'
      ? Float32Array
      : visType === 'float64'
        ? Float64Array
        : visType === 'int32'
          ? Int32Array
          : Int16Array;
  const w = Ctor.BYTES_PER_ELEMENT;
  const src = new Ctor(heap, ptr, (elems * size) / w);
  const stride = size / w;
  const ro = visOffsets.r / w;
  const io = visOffsets.i / w;
  for (let k = 0, s = 0, o = at; k < elems; k++, s += stride, o += 2) {
    dst[o] = src[s + ro] as number;
    dst[o + 1] = src[s + io] as number;
  }
}

/** What indexing thousands of files needs, read without touching visibilities. */
export interface Uvh5Metadata {
  path: string;
  sizeBytes: number;
  layout: Uvh5Layout;
  telescopeName: string;
  objectName: string | null;
  phaseType: string | null;
  Nblts: number;
  Nbls: number;
  Ntimes: number;
  Nfreqs: number;
  Npols: number;
  Nspws: number;
  NantsData: number;
  NantsTelescope: number;
  /** Mid-integration times of the first and last integrations, MJD (UTC). */
  firstTimeMjd: number;
  lastTimeMjd: number;
  /** Start of the first and end of the last integration, MJD; and their midpoint. */
  startMjd: number;
  endMjd: number;
  midMjd: number;
  integrationTimeS: number;
  /** Channel centres in file order, Hz. */
  frequenciesHz: Float64Array;
  channelWidthHz: Float64Array;
  /** True when the channels descend (DSA-110 files do). */
  descending: boolean;
  polarizations: number[];
  /** Pointing declination and where it came from. */
  declinationRad: number | null;
  declinationDeg: number | null;
  declinationSource:
    | 'extra_keywords/phase_center_dec'
    | 'phase_center_catalog'
    | 'phase_center_app_dec'
    | 'phase_center_dec'
    | null;
  haPhaseCenterRad: number | null;
  antennaNames: string[];
  antennaNumbers: number[];
  /** Antenna numbers appearing in ant_1_array or ant_2_array, ascending. */
  antennasWithData: number[];
  visType: Uvh5DataInfo['visType'];
}

/** Metadata-only scan of a UVH5 file (safe in worker threads: one h5wasm instance per thread). */
export async function readUvh5Metadata(path: string): Promise<Uvh5Metadata> {
  const M = await h5Module();
  const sizeBytes = checkFile(path);
  const fid = openHdf5(M, path);
  try {
    const hr = new HeaderReader(M, fid, path);
    const c = hr.getCounts();
    const data = hr.dataInfo();
    const times = hr.required('time_array', hr.numbers('time_array'));
    const ints = hr.required('integration_time', hr.numbers('integration_time'));
    let first = Infinity;
    let last = -Infinity;
    let iFirst = 0;
    let iLast = 0;
    for (let i = 0; i < times.length; i++) {
      const t = times[i] as number;
      if (t < first) [first, iFirst] = [t, i];
      if (t > last) [last, iLast] = [t, i];
    }
    const freqs = hr.required('freq_array', hr.numbers('freq_array'));
    const widths = hr.required('channel_width', hr.broadcast('channel_width', c.Nfreqs));
    const extra = hr.extraKeywords();
    const a1 = hr.required('ant_1_array', hr.ints('ant_1_array'));
    const a2 = hr.required('ant_2_array', hr.ints('ant_2_array'));
    const used = new Set<number>([...a1, ...a2]);
    const dec = pointingDeclination(hr, extra);
    const startJd = first - (ints[iFirst] as number) / 2 / 86400;
    const endJd = last + (ints[iLast] as number) / 2 / 86400;
    return {
      path,
      sizeBytes,
      layout: data.layout,
      telescopeName: hr.required('telescope_name', hr.string('telescope_name')),
      objectName: hr.string('object_name'),
      phaseType: hr.string('phase_type'),
      Nblts: c.Nblts,
      Nbls: c.Nbls,
      Ntimes: c.Ntimes,
      Nfreqs: c.Nfreqs,
      Npols: c.Npols,
      Nspws: c.Nspws,
      NantsData: c.Nants_data,
      NantsTelescope: c.Nants_telescope,
      firstTimeMjd: first - MJD_OFFSET,
      lastTimeMjd: last - MJD_OFFSET,
      startMjd: startJd - MJD_OFFSET,
      endMjd: endJd - MJD_OFFSET,
      midMjd: (startJd + endJd) / 2 - MJD_OFFSET,
      integrationTimeS: ints[iFirst] as number,
      frequenciesHz: freqs,
      channelWidthHz: widths,
      descending: freqs.length > 1 && (freqs[1] as number) < (freqs[0] as number),
      polarizations: Array.from(hr.required('polarization_array', hr.ints('polarization_array'))),
      declinationRad: dec.rad,
      declinationDeg: dec.rad === null ? null : (dec.rad * 180) / Math.PI,
      declinationSource: dec.source,
      haPhaseCenterRad: typeof extra.ha_phase_center === 'number' ? extra.ha_phase_center : null,
      antennaNames: hr.required('antenna_names', hr.raw('antenna_names')?.strings ?? null),
      antennaNumbers: Array.from(hr.required('antenna_numbers', hr.ints('antenna_numbers'))),
      antennasWithData: [...used].sort((x, y) => x - y),
      visType: data.visType,
    };
  } catch (e) {
    throw namedDamage(e, path);
  } finally {
    closeQuietly(M, fid);
  }
}

function pointingDeclination(
  hr: HeaderReader,
  extra: Record<string, unknown>,
): { rad: number | null; source: Uvh5Metadata['declinationSource'] } {
  if (typeof extra.phase_center_dec === 'number')
    return { rad: extra.phase_center_dec, source: 'extra_keywords/phase_center_dec' };
  const catalog = hr.phaseCenterCatalog();
  if (catalog && catalog.length > 0) {
    const ids = hr.ints('phase_center_id_array');
    const id = ids?.[0] ?? catalog[0]?.id;
    const entry = catalog.find((p) => p.id === id) ?? catalog[0];
    if (entry && entry.cat_lat !== null) return { rad: entry.cat_lat, source: 'phase_center_catalog' };
  }
  const app = hr.numbers('phase_center_app_dec');
  if (app && app.length > 0) return { rad: app[0] as number, source: 'phase_center_app_dec' };
  const pc = hr.scalar('phase_center_dec');
  if (pc !== null) return { rad: pc, source: 'phase_center_dec' };
  return { rad: null, source: null };
}
