// Reference catalogs (NVSS-like CSV / VOTable, the simulator's truth) imported into the sources table.
export { CatalogError, parseAngle, splitHeader, mapColumns, type RawTable } from './columns';
export { readCsv } from './csv';
export { readVotable } from './votable';
export {
  CATALOG_FORMATS,
  detectFormat,
  importCatalog,
  jname,
  simTruthSources,
  tableToSources,
  type CatalogFormat,
  type ImportOptions,
  type ImportResult,
  type RowProblem,
} from './import';
