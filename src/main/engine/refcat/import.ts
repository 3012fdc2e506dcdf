// Import a reference catalog (CSV, VOTable, or the simulator's truth.json) into the sources
// table under a catalog name: every row checked first, then one transaction (idempotent upsert).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { NewSource } from '../../../shared/model/sources';
import type { Database } from '../db';
import { CatalogError, errorScale, fluxScale, isSexagesimal, mapColumns, parseAngle, type RawTable } from './columns';
import { readCsv } from './csv';
import { readVotable } from './votable';

export const CATALOG_FORMATS = ['csv', 'votable', 'sim-truth'] as const;
export type CatalogFormat = (typeof CATALOG_FORMATS)[number];

export interface ImportOptions {
  /** Catalog name the sources are stored under (e.g. NVSS). */
  name: string;
  /** Default: from the extension (.csv/.tsv/.txt, .vot/.xml/.votable, .json), else sniffed. */
  format?: CatalogFormat;
  /** Unit of a flux column whose header does not say (Jy or mJy). */
  fluxUnit?: string;
  /** Skip bad rows (reported) instead of refusing the whole file. */
  skipInvalid?: boolean;
}

export interface RowProblem {
  where: string;
  column: string | null;
  message: string;
}

export interface ImportResult {
  catalog: string;
  file: string;
  format: CatalogFormat;
  imported: number;
  updated: number;
  skipped: RowProblem[];
}

/** A catalog path must be a readable regular file: a directory (or nothing) is named as such. */
export function checkCatalogFile(file: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(file);
  } catch (err) {
    throw new Error(
      `${file}: cannot read the catalog file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      { cause: err },
    );
  }
  if (st.isDirectory())
    throw new Error(`${file}: is a directory; expected a catalog file (CSV, VOTable or a simulator truth JSON)`);
  if (!st.isFile())
    throw new Error(`${file}: is not a regular file; expected a catalog file (CSV, VOTable or a simulator truth JSON)`);
}

export function detectFormat(file: string): CatalogFormat {
  checkCatalogFile(file);
  const ext = path.extname(file).toLowerCase();
  if (['.csv', '.tsv', '.txt'].includes(ext)) return 'csv';
  if (['.vot', '.xml', '.votable'].includes(ext)) return 'votable';
  if (ext === '.json') return 'sim-truth';
  const head = readFileSync(file, 'utf8').slice(0, 2000).trimStart();
  if (head.startsWith('<')) return 'votable';
  if (head.startsWith('{')) return 'sim-truth';
  return 'csv';
}

/** The J2000 name of a position, e.g. J083454.90+553421.1 (used when a catalog has no name column). */
export function jname(raDeg: number, decDeg: number): string {
  const h = raDeg / 15;
  const hh = Math.floor(h);
  const mm = Math.floor((h - hh) * 60);
  const ss = ((h - hh) * 60 - mm) * 60;
  const a = Math.abs(decDeg);
  const dd = Math.floor(a);
  const dm = Math.floor((a - dd) * 60);
  const ds = ((a - dd) * 60 - dm) * 60;
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `J${p2(hh)}${p2(mm)}${ss.toFixed(2).padStart(5, '0')}${decDeg < 0 ? '-' : '+'}${p2(dd)}${p2(dm)}${ds.toFixed(1).padStart(4, '0')}`;
}

/** Interpret a raw table's rows as sources; bad rows are returned as problems (file, row, column, why). */
export function tableToSources(
  table: RawTable,
  catalog: string,
  opts: { fluxUnit?: string } = {},
): { sources: NewSource[]; problems: RowProblem[] } {
  const map = mapColumns(table);
  const col = (role: keyof typeof map.index): string | null =>
    map.index[role] === undefined ? null : table.columns[map.index[role]]!.name;
  const unitOf = (role: 'ra' | 'dec'): 'deg' | 'hours' | 'auto' => {
    const u = (map.unit[role] ?? '').replace(/"/g, '').trim().toLowerCase();
    if (u === '') return 'auto';
    if (['deg', 'degree', 'degrees'].includes(u)) return 'deg';
    if (['h', 'hour', 'hours', 'hourangle', 'h:m:s', 'hms'].includes(u)) return role === 'ra' ? 'hours' : 'deg';
    if (['d:m:s', 'dms'].includes(u)) return 'deg';
    throw new CatalogError(
      `${table.file}: column "${col(role)}" has unit "${map.unit[role]}"; expected deg, h:m:s (RA) or d:m:s (Dec)`,
    );
  };
  const raUnit = unitOf('ra');
  unitOf('dec'); // validates the unit: Dec is degrees either way
  let fluxJyPer: number | null = null;
  if (map.index.flux !== undefined) {
    const name = col('flux')!;
    const u = map.unit.flux ?? opts.fluxUnit ?? (name.toLowerCase() === 's1.4' ? 'mJy' : null);
    if (u === null)
      throw new CatalogError(
        `${table.file}: flux column "${name}" has no unit; write it in the header ("${name} [mJy]") or pass the unit (--flux-unit mJy)`,
      );
    fluxJyPer = fluxScale(u);
    if (fluxJyPer === null)
      throw new CatalogError(
        `${table.file}: flux column "${name}" has unit "${u}"; expected Jy, mJy or uJy (per beam allowed)`,
      );
  }
  const errScale = (role: 'raErr' | 'decErr'): number | 's' => {
    const u = map.unit[role];
    if (!u) return 1; // position errors without a unit are arcsec, as in NVSS-like tables
    const s = errorScale(u);
    if (s === null || (s === 's' && role === 'decErr'))
      throw new CatalogError(
        `${table.file}: column "${col(role)}" has unit "${u}"; expected arcsec, mas, arcmin, deg${role === 'raErr' ? ' or s (seconds of time)' : ''}`,
      );
    return s;
  };
  const raErrScale = map.index.raErr !== undefined ? errScale('raErr') : 1;
  const decErrScale = map.index.decErr !== undefined ? errScale('decErr') : 1;

  const sources: NewSource[] = [];
  const problems: RowProblem[] = [];
  const names = new Map<string, string>();
  for (const row of table.rows) {
    const cell = (role: keyof typeof map.index) =>
      map.index[role] === undefined ? null : (row.cells[map.index[role]!] ?? null);
    const bad = (role: keyof typeof map.index | null, message: string): void => {
      problems.push({ where: row.where, column: role ? col(role) : null, message });
    };
    const num = (role: 'raErr' | 'decErr' | 'flux' | 'fluxErr'): number | null | undefined => {
      const c = cell(role);
      if (c === null) return null;
      const v = typeof c === 'number' ? c : Number(c);
      if (typeof c === 'string' && c.trim() === '') return null;
      if (!Number.isFinite(v)) {
        bad(role, `expected a number, got ${JSON.stringify(c)}`);
        return undefined;
      }
      return v;
    };
    const raCell = cell('ra');
    const decCell = cell('dec');
    if (raCell === null) {
      bad('ra', 'RA is empty');
      continue;
    }
    if (decCell === null) {
      bad('dec', 'Dec is empty');
      continue;
    }
    const ra = parseAngle(raCell, raUnit === 'hours' || (raUnit === 'auto' && isSexagesimal(raCell)));
    const dec = parseAngle(decCell, false);
    if (!Number.isFinite(ra) || ra < 0 || ra >= 360) {
      bad('ra', `expected RA in degrees [0, 360) or as h:m:s, got ${JSON.stringify(raCell)}`);
      continue;
    }
    if (!Number.isFinite(dec) || dec < -90 || dec > 90) {
      bad('dec', `expected Dec in degrees [-90, 90] or as d:m:s, got ${JSON.stringify(decCell)}`);
      continue;
    }
    const raErr = num('raErr');
    const decErr = num('decErr');
    const flux = num('flux');
    const fluxErr = num('fluxErr');
    if (raErr === undefined || decErr === undefined || flux === undefined || fluxErr === undefined) continue;
    if ((raErr ?? 0) < 0 || (decErr ?? 0) < 0 || (fluxErr ?? 0) < 0) {
      bad(
        raErr !== null && raErr < 0 ? 'raErr' : decErr !== null && decErr < 0 ? 'decErr' : 'fluxErr',
        'an error must not be negative',
      );
      continue;
    }
    const nameCell = cell('name');
    const name = nameCell === null ? jname(ra, dec) : String(nameCell).trim();
    const dup = names.get(name);
    if (dup) {
      bad('name', `name ${JSON.stringify(name)} is also used at ${dup}: names must be unique within a catalog`);
      continue;
    }
    names.set(name, row.where);
    const cosd = Math.cos((dec * Math.PI) / 180);
    sources.push({
      name,
      catalog,
      raDeg: ra,
      decDeg: dec,
      raErrArcsec: raErr === null ? null : raErrScale === 's' ? raErr * 15 * cosd : raErr * raErrScale,
      decErrArcsec: decErr === null ? null : decErr * (decErrScale as number),
      fluxJy: flux === null || fluxJyPer === null ? null : flux * fluxJyPer,
      fluxErrJy: fluxErr === null || fluxJyPer === null ? null : fluxErr * fluxJyPer,
    });
  }
  return { sources, problems };
}

/** The simulator's truth.json as a catalog (fluxes at 1.4 GHz, exact positions). */
export function simTruthSources(file: string, catalog: string): NewSource[] {
  let truth: unknown;
  try {
    truth = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CatalogError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const t = truth as { format?: unknown; sources?: unknown };
  if (typeof t.format !== 'string' || !t.format.startsWith('dsa110-contimg simulation truth')) {
    throw new CatalogError(
      `${file}: field "format" is ${JSON.stringify(t.format)}; expected "dsa110-contimg simulation truth v1"`,
    );
  }
  if (!Array.isArray(t.sources)) throw new CatalogError(`${file}: field "sources" must be an array`);
  return t.sources.map((s: unknown, k: number) => {
    const o = s as Record<string, unknown>;
    for (const f of ['raDeg', 'decDeg', 'fluxJy']) {
      if (typeof o[f] !== 'number' || !Number.isFinite(o[f]))
        throw new CatalogError(`${file}: sources[${k}].${f} must be a finite number, got ${JSON.stringify(o[f])}`);
    }
    if (typeof o.name !== 'string' || !o.name)
      throw new CatalogError(`${file}: sources[${k}].name must be a non-empty string`);
    return {
      name: o.name,
      catalog,
      raDeg: o.raDeg as number,
      decDeg: o.decDeg as number,
      raErrArcsec: 0,
      decErrArcsec: 0,
      fluxJy: o.fluxJy as number,
      fluxErrJy: 0,
    };
  });
}

/**
 * Import a catalog file into `db.sources` under `opts.name`, in one transaction. Re-importing
 * updates sources by (catalog, name). A bad row refuses the file (naming file, row and column)
 * unless `skipInvalid`.
 */
export function importCatalog(db: Database, file: string, opts: ImportOptions): ImportResult {
  const name = opts.name.trim();
  if (!name) throw new CatalogError(`${file}: the catalog name must not be empty`);
  try {
    checkCatalogFile(file);
  } catch (err) {
    throw new CatalogError((err as Error).message);
  }
  const format = opts.format ?? detectFormat(file);
  let sources: NewSource[];
  let problems: RowProblem[] = [];
  if (format === 'sim-truth') sources = simTruthSources(file, name);
  else {
    const table = format === 'csv' ? readCsv(file) : readVotable(file);
    ({ sources, problems } = tableToSources(table, name, opts.fluxUnit ? { fluxUnit: opts.fluxUnit } : {}));
  }
  if (problems.length > 0 && !opts.skipInvalid) {
    const shown = problems
      .slice(0, 10)
      .map((p) => `  ${file}: ${p.where}${p.column ? `, column "${p.column}"` : ''}: ${p.message}`);
    const more = problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : '';
    throw new CatalogError(`${file}: ${problems.length} bad row(s); nothing imported:\n${shown.join('\n')}${more}`);
  }
  const { inserted, updated } = db.sources.upsertMany(sources);
  return { catalog: name, file, format, imported: inserted, updated, skipped: problems };
}
