// CSV (and TSV) reference catalogs: RFC 4180 quoting, '#' comment lines, units in the header
// ("S1.4 [mJy]") or in a VizieR-style units row under it, and a dashes row skipped.
import { readFileSync } from 'node:fs';
import { CatalogError, splitHeader, type RawTable } from './columns';

/** Split one record; quotes may hold delimiters and doubled quotes. Returns null on an unterminated quote. */
function splitRecord(line: string, delim: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (q) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else q = false;
      } else cur += ch;
    } else if (ch === '"' && cur.trim() === '') {
      q = true;
      cur = '';
    } else if (ch === delim) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (q) return null;
  out.push(cur.trim());
  return out;
}

const UNIT_CELL =
  /^(|deg|degree|degrees|h:m:s|d:m:s|"h:m:s"|"d:m:s"|hms|dms|h|hourangle|arcsec|mas|arcmin|s|jy|mjy|ujy|µjy|jy\/beam|mjy\/beam|ujy\/beam)$/i;

export function readCsv(file: string): RawTable {
  const text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  let headerAt = -1;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (l === '' || l.startsWith('#')) continue;
    headerAt = i;
    break;
  }
  if (headerAt < 0) throw new CatalogError(`${file}: no header line (the file is empty or only comments)`);
  const headerLine = lines[headerAt]!;
  const delim = headerLine.includes(',')
    ? ','
    : headerLine.includes('\t')
      ? '\t'
      : headerLine.includes(';')
        ? ';'
        : ',';
  const header = splitRecord(headerLine, delim);
  if (!header) throw new CatalogError(`${file}: line ${headerAt + 1}: unterminated quote in the header`);
  const columns = header.map(splitHeader);
  const seen = new Map<string, number>();
  for (const [k, c] of columns.entries()) {
    const low = c.name.toLowerCase();
    if (!c.name) throw new CatalogError(`${file}: line ${headerAt + 1}: column ${k + 1} has an empty name`);
    if (seen.has(low))
      throw new CatalogError(
        `${file}: line ${headerAt + 1}: column name "${c.name}" appears twice (columns ${seen.get(low)! + 1} and ${k + 1})`,
      );
    seen.set(low, k);
  }
  const rows: RawTable['rows'] = [];
  let first = true;
  for (let i = headerAt + 1; i < lines.length; i++) {
    const raw = lines[i]!;
    const l = raw.trim();
    if (l === '' || l.startsWith('#')) continue;
    const cells = splitRecord(raw, delim);
    if (!cells) throw new CatalogError(`${file}: line ${i + 1}: unterminated quote`);
    if (first) {
      first = false;
      // A VizieR units row ("deg,deg,mJy") or a dashes row under the header.
      if (cells.every((c) => /^-*$/.test(c))) continue;
      if (cells.length === columns.length && cells.every((c) => UNIT_CELL.test(c)) && cells.some((c) => c !== '')) {
        cells.forEach((u, k) => {
          if (u && !columns[k]!.unit) columns[k]!.unit = u.replace(/"/g, '');
        });
        continue;
      }
    }
    if (cells.length !== columns.length) {
      throw new CatalogError(
        `${file}: line ${i + 1}: ${cells.length} fields, but the header (line ${headerAt + 1}) has ${columns.length} columns`,
      );
    }
    rows.push({ where: `line ${i + 1}`, cells: cells.map((c) => (c === '' ? null : c)) });
  }
  return { file, columns, rows };
}
