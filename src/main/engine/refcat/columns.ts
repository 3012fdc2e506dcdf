// Reference-catalog columns: which column is the name, RA, Dec, their errors, the flux and its
// error (NVSS-like names and common aliases, case-insensitive), units, and sexagesimal values.

/** A table as read from a file, before its columns are interpreted. */
export interface RawTable {
  file: string;
  columns: { name: string; unit: string | null }[];
  /** `where` says how to find the row in the file: "line 12" (CSV) or "row 5" (VOTable). */
  rows: { where: string; cells: (string | number | null)[] }[];
}

export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

/** A header such as "S1.4 [mJy]" or "flux (Jy)" -> name and unit; "flux_mjy" -> unit mJy. */
export function splitHeader(header: string): { name: string; unit: string | null } {
  const h = header.trim();
  const m = /^(.*?)\s*[[(]([^\])]*)[\])]\s*$/.exec(h);
  if (m && m[1]) return { name: m[1].trim(), unit: m[2]!.trim() || null };
  return { name: h, unit: null };
}

const SUFFIX_UNITS: [RegExp, string][] = [
  [/_mjy$/i, 'mJy'],
  [/_ujy$/i, 'uJy'],
  [/_jy$/i, 'Jy'],
  [/_arcsec$/i, 'arcsec'],
  [/_mas$/i, 'mas'],
  [/_deg$/i, 'deg'],
];

/** Normalised column key and any unit its name implies ("peak_flux_mjy" -> "peak_flux", mJy). */
function keyOf(name: string): { key: string; unit: string | null } {
  const low = name.trim().toLowerCase();
  for (const [re, unit] of SUFFIX_UNITS) if (re.test(low)) return { key: low.replace(re, ''), unit };
  return { key: low, unit: null };
}

const ALIASES = {
  name: ['name', 'source_name', 'source', 'nvss', 'id', 'source_id', 'component_name', 'component_id', 'srcname'],
  ra: ['raj2000', '_raj2000', 'ra', 'ra_j2000', 'radeg', 'ra_d', 'ra_icrs', 'ra_j2000'],
  dec: ['dej2000', '_dej2000', 'decj2000', 'dec', 'de', 'dec_j2000', 'dedeg', 'dec_d', 'de_icrs', 'dec_icrs'],
  raErr: ['e_raj2000', 'e_ra', 'ra_err', 'err_ra', 'era', 'e_ra_icrs', 'ra_error'],
  decErr: ['e_dej2000', 'e_dec', 'e_de', 'dec_err', 'err_dec', 'ede', 'e_de_icrs', 'dec_error'],
  // Integrated fluxes first: a reference catalog's flux scale is its total flux density.
  flux: [
    's1.4',
    's1400',
    'si',
    'int_flux',
    'total_flux',
    'flux_int',
    'fint',
    's_int',
    'total_flux_source',
    'flux',
    'peak_flux',
    'flux_peak',
    'fpeak',
    's_peak',
    'sp',
  ],
} as const;

export type Role = keyof typeof ALIASES | 'fluxErr';

export interface ColumnMap {
  index: Partial<Record<Role, number>>;
  unit: Partial<Record<Role, string | null>>;
}

function find(table: RawTable, candidates: readonly string[], taken: Set<number>): number | undefined {
  const keys = table.columns.map((c) => keyOf(c.name).key);
  for (const cand of candidates) {
    const i = keys.findIndex((k, j) => k === cand && !taken.has(j));
    if (i >= 0) return i;
  }
  return undefined;
}

/** Resolve the roles of a table's columns; RA and Dec are required. */
export function mapColumns(table: RawTable): ColumnMap {
  const index: Partial<Record<Role, number>> = {};
  const unit: Partial<Record<Role, string | null>> = {};
  const taken = new Set<number>();
  for (const role of ['ra', 'dec', 'raErr', 'decErr', 'flux', 'name'] as const) {
    const i = find(table, ALIASES[role], taken);
    if (i === undefined) continue;
    index[role] = i;
    taken.add(i);
  }
  if (index.flux !== undefined) {
    const f = keyOf(table.columns[index.flux]!.name).key;
    const i = find(
      table,
      [`e_${f}`, `${f}_err`, `err_${f}`, `e${f}`, `${f}_error`, 'e_flux', 'flux_err', 'e_s1.4'],
      taken,
    );
    if (i !== undefined) {
      index.fluxErr = i;
      taken.add(i);
    }
  }
  for (const [role, i] of Object.entries(index) as [Role, number][]) {
    const c = table.columns[i]!;
    unit[role] = c.unit ?? keyOf(c.name).unit;
  }
  const names = table.columns.map((c) => c.name).join(', ');
  if (index.ra === undefined)
    throw new CatalogError(
      `${table.file}: no RA column (expected one of ${ALIASES.ra.join(', ')}; the columns are: ${names})`,
    );
  if (index.dec === undefined)
    throw new CatalogError(
      `${table.file}: no Dec column (expected one of ${ALIASES.dec.join(', ')}; the columns are: ${names})`,
    );
  return { index, unit };
}

/** Jy per unit of a flux column; null when the unit is not a flux density. */
export function fluxScale(unit: string): number | null {
  // Per-beam units as written by hand (Jy/beam) or in VOUnit syntax (Jy.beam-1).
  const u = unit
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/µ/g, 'u')
    .replace(/(\/beam|\.beam-1|\.beam\*\*-1)$/, '');
  return ({ jy: 1, mjy: 1e-3, ujy: 1e-6 } as Record<string, number>)[u] ?? null;
}

/** Arcsec per unit of a position-error column (`s` is seconds of time: RA only, times 15 cos dec). */
export function errorScale(unit: string): number | 's' | null {
  const u = unit.trim().toLowerCase();
  if (u === 's' || u === 'second' || u === 'seconds') return 's';
  return (
    (
      { arcsec: 1, asec: 1, '"': 1, mas: 1e-3, arcmin: 60, "'": 60, deg: 3600, degree: 3600, degrees: 3600 } as Record<
        string,
        number
      >
    )[u] ?? null
  );
}

/**
 * An angle from a cell: a number (degrees, or hours when `hours`), or a sexagesimal string
 * "08 34 54.9", "08:34:54.9", "08h34m54.9s" (RA in hours) / "+55 34 21", "+55d34m21s" (Dec).
 */
export function parseAngle(cell: string | number, hours: boolean): number {
  if (typeof cell === 'number') return hours ? cell * 15 : cell;
  const t = cell.trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return hours ? Number(t) * 15 : Number(t);
  const m = /^([+-])?\s*(\d{1,3})[\s:hd°]+\s*(\d{1,2})[\s:m']+\s*(\d{1,2}(?:\.\d*)?)\s*[s"]?$/i.exec(t);
  if (!m) return Number.NaN;
  const [, sign, a, b, c] = m;
  const mm = Number(b);
  const ss = Number(c);
  if (mm >= 60 || ss >= 60) return Number.NaN;
  const v = Number(a) + mm / 60 + ss / 3600;
  return (sign === '-' ? -1 : 1) * v * (hours ? 15 : 1);
}

export function isSexagesimal(cell: string | number | null): boolean {
  return typeof cell === 'string' && /\d[\s:hd°]+\d/.test(cell.trim());
}
