// casacore table I/O without casacore: the public surface used by the Measurement Set layer.
export { createTable, openTable, Table } from './table';
export type { CreateTableOptions, DataManagerSpec, OpenTableOptions, TableDescInput } from './table';
export { arrayColumn, scalarColumn, COLUMN_DIRECT, COLUMN_FIXED_SHAPE, COLUMN_UNDEFINED } from './tabledesc';
export type { ColumnDesc, ColumnOptions, TableDesc } from './tabledesc';
export { kw, makeKeywords, keywordsToPlain, toKeywordValue } from './record';
export type { ComplexValue, KeywordInput, KeywordValue, Keywords, ScalarValue } from './record';
export type { ColumnData, DataTypeName } from './datatypes';
export type { Cell } from './dataman';
export type { Endian } from './codec';
export type { TableInfo } from './tabledat';
export { CasacoreError } from './errors';
export { defaultTileShape } from './tsm';
