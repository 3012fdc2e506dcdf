// VOTable reference catalogs (the IVOA format VizieR and astropy write): the first TABLE's
// FIELDs and its data as TABLEDATA, BINARY or BINARY2 (base64 streams).
import { readFileSync } from 'node:fs';
import { CatalogError, type RawTable } from './columns';

interface Field {
  name: string;
  unit: string | null;
  datatype: string;
  arraysize: string | null;
  nullValue: string | null;
}

function attrs(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
    out.set(m[1]!.toLowerCase(), decode(m[2] ?? m[3] ?? ''));
  return out;
}

function decode(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_m, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function cellText(inner: string): string {
  const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(inner);
  return cdata ? cdata[1]! : decode(inner).trim();
}

const SIZES: Record<string, number> = {
  boolean: 1,
  unsignedByte: 1,
  short: 2,
  int: 4,
  long: 8,
  char: 1,
  unicodeChar: 2,
  float: 4,
  double: 8,
  floatComplex: 8,
  doubleComplex: 16,
};

/** Number of elements (fixed) of an arraysize, or -1 when variable ("*", "10*", "3x*"). */
function fixedCount(arraysize: string | null): number {
  if (!arraysize) return 1;
  if (arraysize.includes('*')) return -1;
  return arraysize.split('x').reduce((a, d) => a * Number(d), 1);
}

class Reader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly file: string,
  ) {}
  need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new CatalogError(`${this.file}: the binary stream ends inside ${what}`);
  }
  read(f: Field, row: number): string | number | null {
    let count = fixedCount(f.arraysize);
    if (count < 0) {
      this.need(4, `the length of field "${f.name}" in row ${row}`);
      count = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
    }
    const size = SIZES[f.datatype];
    if (f.datatype === 'bit') {
      const n = Math.ceil(count / 8);
      this.need(n, `field "${f.name}" in row ${row}`);
      this.pos += n;
      return null;
    }
    if (size === undefined)
      throw new CatalogError(
        `${this.file}: field "${f.name}" has datatype "${f.datatype}", which VOTable does not define`,
      );
    this.need(size * count, `field "${f.name}" in row ${row}`);
    const at = this.pos;
    this.pos += size * count;
    if (f.datatype === 'char')
      return this.buf
        .toString('latin1', at, at + count)
        .replace(/\0[\s\S]*$/, '')
        .trim();
    if (f.datatype === 'unicodeChar') {
      let s = '';
      for (let k = 0; k < count; k++) s += String.fromCharCode(this.buf.readUInt16BE(at + 2 * k));
      return s.replace(/\0[\s\S]*$/, '').trim();
    }
    if (count === 0) return null;
    // Catalog columns are scalars: an array contributes its first element.
    switch (f.datatype) {
      case 'boolean': {
        const c = String.fromCharCode(this.buf[at]!);
        return 'Tt1'.includes(c) ? 1 : 'Ff0'.includes(c) ? 0 : null;
      }
      case 'unsignedByte':
        return this.buf.readUInt8(at);
      case 'short':
        return this.buf.readInt16BE(at);
      case 'int':
        return this.buf.readInt32BE(at);
      case 'long':
        return Number(this.buf.readBigInt64BE(at));
      case 'float':
      case 'floatComplex': {
        const v = this.buf.readFloatBE(at);
        return Number.isNaN(v) ? null : v;
      }
      default: {
        const v = this.buf.readDoubleBE(at);
        return Number.isNaN(v) ? null : v;
      }
    }
  }
}

export function readVotable(file: string): RawTable {
  const text = readFileSync(file, 'utf8');
  if (!/<VOTABLE[\s>]/i.test(text)) throw new CatalogError(`${file}: not a VOTable (no <VOTABLE> element)`);
  const table = /<TABLE[\s>][\s\S]*?<\/TABLE>/i.exec(text);
  if (!table) throw new CatalogError(`${file}: the VOTable has no <TABLE>`);
  const body = table[0];
  const fields: Field[] = [];
  for (const m of body.matchAll(/<FIELD\b([^>]*?)(\/>|>([\s\S]*?)<\/FIELD>)/gi)) {
    const a = attrs(m[1]!);
    const name = a.get('name') ?? a.get('id');
    if (!name) throw new CatalogError(`${file}: FIELD ${fields.length + 1} has neither name nor ID`);
    const datatype = a.get('datatype');
    if (!datatype) throw new CatalogError(`${file}: FIELD "${name}" has no datatype`);
    const nul = m[3] ? /<VALUES\b[^>]*\bnull\s*=\s*"([^"]*)"/i.exec(m[3]) : null;
    fields.push({
      name,
      unit: a.get('unit') || null,
      datatype,
      arraysize: a.get('arraysize') ?? null,
      nullValue: nul ? nul[1]! : null,
    });
  }
  if (fields.length === 0) throw new CatalogError(`${file}: the TABLE has no FIELD elements`);
  const columns = fields.map((f) => ({ name: f.name, unit: f.unit }));
  const rows: RawTable['rows'] = [];
  const isNull = (f: Field, v: string | number | null): boolean =>
    v === null || v === '' || (f.nullValue !== null && String(v) === f.nullValue);

  const tabledata = /<TABLEDATA\s*>([\s\S]*?)<\/TABLEDATA>/i.exec(body);
  const binary = /<(BINARY2?)\s*>\s*<STREAM\b([^>]*)>([\s\S]*?)<\/STREAM>/i.exec(body);
  if (tabledata) {
    let r = 0;
    for (const tr of tabledata[1]!.matchAll(/<TR\b[^>]*>([\s\S]*?)<\/TR>/gi)) {
      r++;
      const cells: (string | null)[] = [];
      for (const td of tr[1]!.matchAll(/<TD\b[^>]*?(?:\/>|>([\s\S]*?)<\/TD>)/gi))
        cells.push(td[1] === undefined ? null : cellText(td[1]));
      if (cells.length !== fields.length)
        throw new CatalogError(
          `${file}: row ${r}: ${cells.length} TD cells, but the table has ${fields.length} FIELDs`,
        );
      rows.push({ where: `row ${r}`, cells: cells.map((c, k) => (isNull(fields[k]!, c) ? null : c)) });
    }
  } else if (binary) {
    const kind = binary[1]!.toUpperCase();
    const enc = attrs(binary[2]!).get('encoding');
    if (enc !== 'base64')
      throw new CatalogError(
        `${file}: ${kind} STREAM encoding "${enc ?? '(none)'}" is not supported (expected base64)`,
      );
    const buf = Buffer.from(binary[3]!.replace(/\s+/g, ''), 'base64');
    const rd = new Reader(buf, file);
    const maskBytes = kind === 'BINARY2' ? Math.ceil(fields.length / 8) : 0;
    for (let r = 1; rd.pos < buf.length; r++) {
      rd.need(maskBytes, `the null mask of row ${r}`);
      const mask = buf.subarray(rd.pos, rd.pos + maskBytes);
      rd.pos += maskBytes;
      const cells = fields.map((f, k) => {
        const v = rd.read(f, r);
        const masked = maskBytes > 0 && (mask[k >> 3]! & (0x80 >> (k & 7))) !== 0;
        return masked || isNull(f, v) ? null : v;
      });
      rows.push({ where: `row ${r}`, cells });
    }
  } else {
    const other = /<(FITS|PARQUET)\b/i.exec(body);
    throw new CatalogError(
      `${file}: the TABLE's data are ${other ? other[1]!.toUpperCase() : 'missing'}; expected TABLEDATA, BINARY or BINARY2`,
    );
  }
  return { file, columns, rows };
}
