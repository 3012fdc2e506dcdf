// Public surface of the UVH5 reader and writer (h5wasm, real file system, worker-thread safe).
export { Uvh5Error } from './errors';
export { correlatorFileName, parseCorrelatorFileName, SUBBAND_COUNT } from './filename';
export type { CorrelatorFileName } from './filename';
export {
  allocateBlock,
  DATA_FIELDS,
  FIELD_BY_NAME,
  HEADER_FIELDS,
  MJD_OFFSET,
  rowElements,
  validateHeader,
} from './model';
export type {
  Dim,
  ExtraValue,
  FieldSpec,
  PhaseCenter,
  Requirement,
  Uvh5Header,
  Uvh5Layout,
  VisibilityBlock,
} from './model';
export { DEFAULT_MAX_BLOCK_BYTES, openUvh5, readUvh5Metadata } from './reader';
export type { OpenOptions, ReadVisibilitiesOptions, Uvh5DataInfo, Uvh5File, Uvh5Metadata } from './reader';
export { createUvh5Writer, incompletePath, writeUvh5 } from './writer';
export type { Uvh5Writer, WriterOptions } from './writer';
