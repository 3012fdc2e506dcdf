// The Measurement Set v2 layer over the casacore table I/O: schema, writer, reader.
export {
  DIRECTION_KW,
  EPOCH_KW,
  FREQUENCY_KW,
  FREQ_REF_TOPO,
  POSITION_KW,
  SUBTABLES,
  TILED_COLUMNS,
  UVW_KW,
  correlationsFromAips,
  mainColumns,
  stokesName,
  subtableColumns,
  visibilityColumn,
} from './schema';
export type { MsShape, SubtableName, SubtableShapes } from './schema';
export { MsWriter, addVisibilityColumn, createMeasurementSet } from './writer';
export type { MainRows, MsAntenna, MsDescription, MsField, MsSpectralWindow } from './writer';
export { MeasurementSet, readMsSummary } from './reader';
export type { MsAntennaSummary, MsFieldSummary, MsSpwSummary, MsSummary, RowRun } from './reader';
