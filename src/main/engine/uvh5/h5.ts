// Thin helpers over h5wasm's low-level module (Node build, real file system through NODERAWFS):
// error capture, heap buffers, reading small datasets whole, creating typed datasets.
import h5wasm, { Dataset } from 'h5wasm/node';
import type { Metadata } from 'h5wasm/node';
import { Uvh5Error } from './errors';

export type H5Module = Awaited<typeof h5wasm.ready>;
type WriteMetadataBase = Parameters<H5Module['create_dataset']>[3];
/** h5wasm's C side also reads `chunks`, which its declared WriteMetadata type omits. */
export interface CreateMetadata extends WriteMetadataBase {
  chunks: bigint[] | null;
}

/** HDF5's H5S_UNLIMITED (outside the range emscripten can export as a constant). */
export const H5S_UNLIMITED = 18446744073709551615n;

/** The h5wasm module of this thread (each worker thread initialises its own instance). */
export function h5Module(): Promise<H5Module> {
  return h5wasm.ready;
}

let throwingDepth = 0;

/**
 * Run `fn` with HDF5's error stack turned into a JS exception (instead of being printed),
 * and wrap any failure as a Uvh5Error naming `file` and `field`.
 */
export function hdf5Call<T>(M: H5Module, file: string, field: string, what: string, fn: () => T): T {
  if (throwingDepth++ === 0) M.activate_throwing_error_handler();
  try {
    return fn();
  } catch (e) {
    if (e instanceof Uvh5Error) throw e;
    // No raw cause: HDF5's error stack is dozens of lines; its summary is the message (a logger
    // printing causes would otherwise dump it on stderr).
    throw new Uvh5Error(file, field, `${what}: ${summariseHdf5Error(e)}`);
  } finally {
    if (--throwingDepth === 0) M.deactivate_throwing_error_handler();
  }
}

/** HDF5 error stacks are long; keep the innermost messages, which say what failed. */
export function summariseHdf5Error(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const majors = [...text.matchAll(/#\d+: [^\n]*? in (\w+)\(\): ([^\n]+)/g)].map((m) => `${m[1]}: ${m[2]}`);
  if (majors.length === 0) return text.trim().split('\n').slice(0, 3).join(' ');
  return majors.slice(-2).join('; ');
}

/** A reusable buffer in the wasm heap. Views must be re-taken after any HDF5 call (heap growth). */
export class HeapBuffer {
  private ptr = 0;
  private cap = 0;
  constructor(private readonly M: H5Module) {}

  /** Pointer to at least `bytes` bytes (8-byte aligned). */
  reserve(bytes: number): number {
    if (bytes <= this.cap && this.ptr !== 0) return this.ptr;
    this.free();
    if (bytes > this.M.MAXIMUM_MEMORY / 2)
      throw new RangeError(`heap block of ${bytes} bytes exceeds half the wasm heap`);
    const p = this.M._malloc(Math.max(bytes, 8));
    if (p === 0) throw new RangeError(`wasm heap allocation of ${bytes} bytes failed`);
    this.ptr = p;
    this.cap = bytes;
    return p;
  }

  bytes(length: number): Uint8Array {
    return new Uint8Array(this.M.HEAPU8.buffer, this.ptr, length);
  }

  free(): void {
    if (this.ptr !== 0) this.M._free(this.ptr);
    this.ptr = 0;
    this.cap = 0;
  }
}

export type ValueKind = 'float' | 'int' | 'string' | 'bool' | 'other';

export interface DatasetValue {
  kind: ValueKind;
  /** null for an empty (null-dataspace) dataset; [] for a scalar. */
  shape: number[] | null;
  numbers: Float64Array | null;
  strings: string[] | null;
  meta: Metadata;
}

export function classOf(M: H5Module, meta: Metadata): ValueKind {
  const T = M.H5T_class_t;
  if (meta.type === T.H5T_FLOAT.value) return 'float';
  if (meta.type === T.H5T_INTEGER.value) return 'int';
  if (meta.type === T.H5T_STRING.value) return 'string';
  if (meta.type === T.H5T_ENUM.value) return isBoolEnum(meta) ? 'bool' : 'int';
  return 'other';
}

export function isBoolEnum(meta: Metadata): boolean {
  const m = meta.enum_type?.members;
  return !!m && Object.keys(m).length === 2 && m.FALSE === 0 && m.TRUE === 1;
}

/**
 * Read a dataset whole (header fields): numbers as float64, strings decoded. Numbers go through
 * the low-level read and typed-array conversion (int64 without BigInt: per-row arrays of a
 * full-size file hold ~10^5 values and indexing scans thousands of files).
 */
export function readDataset(M: H5Module, fid: bigint, path: string): DatasetValue {
  const meta = M.get_dataset_metadata(fid, path);
  const kind = classOf(M, meta);
  const shape = meta.shape ? meta.shape.map(Number) : null;
  if (shape === null || kind === 'other') return { kind, shape, numbers: null, strings: null, meta };
  if (kind === 'string') {
    const v = new Dataset(fid, path).value;
    const strings = typeof v === 'string' ? [v] : Array.isArray(v) ? v.map((x) => String(x)) : [];
    return { kind, shape, numbers: null, strings, meta };
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const size = meta.size;
  const signed = meta.type === M.H5T_class_t.H5T_ENUM.value ? true : meta.signed;
  const p = M._malloc(Math.max(8, n * size));
  if (p === 0) throw new RangeError(`${path}: wasm heap allocation of ${n * size} bytes failed`);
  try {
    const status = M.get_dataset_data(fid, path, null, null, null, BigInt(p));
    if (status < 0) throw new Error(`${path}: read failed (status ${status})`);
    return {
      kind,
      shape,
      numbers: toFloat64(M.HEAPU8.buffer as ArrayBuffer, p, n, kind === 'float', size, signed, path),
      strings: null,
      meta,
    };
  } finally {
    M._free(p);
  }
}

function toFloat64(
  buf: ArrayBuffer,
  p: number,
  n: number,
  isFloat: boolean,
  size: number,
  signed: boolean,
  path: string,
): Float64Array {
  const out = new Float64Array(n);
  if (isFloat) {
    if (size === 8) out.set(new Float64Array(buf, p, n));
    else if (size === 4) out.set(new Float32Array(buf, p, n));
    else throw new Error(`${path}: ${size}-byte floats are not supported`);
    return out;
  }
  if (size === 8) {
    // Little-endian int64 as two int32 words; exact while |value| < 2^53.
    const w = new Int32Array(buf, p, 2 * n);
    for (let i = 0; i < n; i++) {
      const lo = (w[2 * i] as number) >>> 0;
      const hi = w[2 * i + 1] as number;
      const hiU = signed ? hi : hi >>> 0;
      if (hiU > 0x1fffff || hiU < -0x200000) throw new Error(`${path}: integer at ${i} is beyond 2^53`);
      out[i] = hiU * 4294967296 + lo;
    }
    return out;
  }
  const Ctor =
    size === 4
      ? signed
        ? Int32Array
        : Uint32Array
      : size === 2
        ? signed
          ? Int16Array
          : Uint16Array
        : size === 1
          ? signed
            ? Int8Array
            : Uint8Array
          : null;
  if (!Ctor) throw new Error(`${path}: ${size}-byte integers are not supported`);
  out.set(new Ctor(buf, p, n));
  return out;
}

/** An HDF5 object whose link exists but which cannot be read: a damaged file. */
export class Hdf5ObjectError extends Error {
  constructor(
    readonly objectPath: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`damaged HDF5 object ${objectPath} (${detail}); the file is corrupt`, options);
    this.name = 'Hdf5ObjectError';
  }
}

/**
 * The type of the object at `path` (H5G_GROUP, H5G_DATASET, ...), or -1 when there is no such
 * link. HDF5's diagnostics are captured (never printed); a link whose object cannot be read
 * throws Hdf5ObjectError rather than passing for an absent field.
 */
function objectType(M: H5Module, path: string, fid: bigint): number {
  if (throwingDepth++ === 0) M.activate_throwing_error_handler();
  try {
    try {
      return M.get_type(fid, path);
    } catch (e) {
      const cut = path.lastIndexOf('/');
      const parent = cut <= 0 ? '/' : path.slice(0, cut);
      let names: string[];
      try {
        names = parent === path ? [] : M.get_names(fid, parent, false);
      } catch (e2) {
        throw new Hdf5ObjectError(parent, summariseHdf5Error(e2));
      }
      if (names.includes(path.slice(cut + 1))) throw new Hdf5ObjectError(path, summariseHdf5Error(e));
      return -1;
    }
  } finally {
    if (--throwingDepth === 0) M.deactivate_throwing_error_handler();
  }
}

/** Names of the children of a group ([] when the group does not exist). */
export function childNames(M: H5Module, fid: bigint, group: string): string[] {
  if (objectType(M, group, fid) !== M.H5G_GROUP) return [];
  return hdf5Quiet(M, group, () => M.get_names(fid, group, false));
}

export function isDataset(M: H5Module, fid: bigint, path: string): boolean {
  return objectType(M, path, fid) === M.H5G_DATASET;
}

export function isGroup(M: H5Module, fid: bigint, path: string): boolean {
  return objectType(M, path, fid) === M.H5G_GROUP;
}

/** Run an HDF5 call with its diagnostics captured; a failure is a damaged object at `objectPath`. */
function hdf5Quiet<T>(M: H5Module, objectPath: string, fn: () => T): T {
  if (throwingDepth++ === 0) M.activate_throwing_error_handler();
  try {
    return fn();
  } catch (e) {
    throw new Hdf5ObjectError(objectPath, summariseHdf5Error(e));
  } finally {
    if (--throwingDepth === 0) M.deactivate_throwing_error_handler();
  }
}

// ---- creation -----------------------------------------------------------------------------

function baseMeta(type: number, size: number, signed: boolean, shape: readonly number[]): CreateMetadata {
  return {
    type,
    size,
    signed,
    littleEndian: true,
    vlen: false,
    total_size: shape.reduce((a, b) => a * b, 1),
    shape: shape.map(BigInt),
    maxshape: shape.map(BigInt),
    chunks: null,
  };
}

export function floatMeta(M: H5Module, size: 4 | 8, shape: readonly number[]): CreateMetadata {
  return baseMeta(M.H5T_class_t.H5T_FLOAT.value, size, true, shape);
}

export function intMeta(M: H5Module, size: 1 | 4 | 8, signed: boolean, shape: readonly number[]): CreateMetadata {
  return baseMeta(M.H5T_class_t.H5T_INTEGER.value, size, signed, shape);
}

/** Fixed-length ASCII strings (numpy 'S'), the string type the UVH5 memo asks for. */
export function stringMeta(M: H5Module, size: number, shape: readonly number[]): CreateMetadata {
  return { ...baseMeta(M.H5T_class_t.H5T_STRING.value, size, false, shape), cset: 0 };
}

/** A compound of named members, all of one base type, packed in order. */
export function compoundMeta(
  M: H5Module,
  members: readonly string[],
  member: CreateMetadata,
  shape: readonly number[],
): CreateMetadata {
  return {
    ...baseMeta(M.H5T_class_t.H5T_COMPOUND.value, member.size * members.length, false, shape),
    compound_type: {
      nmembers: members.length,
      members: members.map((name, i) => ({
        ...member,
        shape: [],
        maxshape: [],
        chunks: null,
        name,
        offset: i * member.size,
      })),
    },
  } as CreateMetadata;
}

/** Create a dataset and write `bytes` (its full contents, little-endian) into it. */
export function createDataset(
  M: H5Module,
  heap: HeapBuffer,
  fid: bigint,
  path: string,
  meta: CreateMetadata,
  bytes: Uint8Array,
): void {
  const p = heap.reserve(bytes.byteLength);
  M.HEAPU8.set(bytes, p);
  const status = M.create_dataset(fid, path, BigInt(p), meta);
  if (status < 0) throw new Error(`creating ${path} failed (status ${status})`);
}

/** Encode strings as fixed-length, null-terminated ASCII cells; returns the cell size. */
export function encodeFixedStrings(values: readonly string[]): { size: number; bytes: Uint8Array } {
  const enc = values.map((s) => Buffer.from(s, 'utf8'));
  const size = Math.max(1, ...enc.map((b) => b.length + 1));
  const bytes = new Uint8Array(size * values.length);
  enc.forEach((b, i) => bytes.set(b, i * size));
  return { size, bytes };
}
