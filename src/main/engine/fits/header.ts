// FITS header cards (FITS Standard 4.0, section 4): 80-character records of keyword, value and
// comment, in 2880-byte blocks. Values are typed: logical, integer, real, string.
export type FitsValue = string | number | boolean;

export interface FitsCard {
  keyword: string;
  /** Absent for COMMENT / HISTORY / blank cards. */
  value?: FitsValue;
  comment?: string;
  /** For COMMENT / HISTORY: the text (up to 72 characters). */
  text?: string;
}

export const BLOCK = 2880;
const CARD = 80;

function pad(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length);
}

/** A real in a form FITS readers accept: 'E' exponent, always a decimal point or exponent. */
export function formatReal(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`FITS: a header value must be finite, got ${v}`);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return `${v}.0`;
  let s = v.toPrecision(17);
  // Shortest representation that round-trips.
  for (let p = 1; p <= 17; p++) {
    const t = v.toPrecision(p);
    if (Number(t) === v) {
      s = t;
      break;
    }
  }
  s = s.replace('e', 'E');
  if (!/[.E]/.test(s)) s += '.0';
  return s;
}

function formatValue(v: FitsValue, integer: boolean): string {
  if (typeof v === 'boolean') return pad('', 19) + (v ? 'T' : 'F');
  if (typeof v === 'number') {
    const s = integer ? String(v) : formatReal(v);
    return s.length >= 20 ? s : ' '.repeat(20 - s.length) + s;
  }
  const body = v.replace(/'/g, "''");
  const quoted = `'${body.length < 8 ? pad(body, 8) : body}'`;
  return quoted.length < 20 ? pad(quoted, 20) : quoted;
}

/** Keywords whose numeric values are written as integers. */
const INTEGER_KEYWORDS = /^(BITPIX|NAXIS\d*|PCOUNT|GCOUNT|EQUINOX_INT|WSC.*)$/;

/** One 80-character card image. */
export function formatCard(card: FitsCard): string {
  const kw = card.keyword.toUpperCase();
  if (!/^[A-Z0-9_-]{0,8}$/.test(kw))
    throw new RangeError(`FITS: keyword '${card.keyword}' must be 1-8 characters of A-Z, 0-9, '_' or '-'`);
  if (card.value === undefined) {
    const text = card.text ?? '';
    if (/[^\x20-\x7e]/.test(text)) throw new RangeError(`FITS: ${kw} text must be printable ASCII`);
    return pad(pad(kw, 8) + text, CARD);
  }
  const integer = typeof card.value === 'number' && Number.isInteger(card.value) && INTEGER_KEYWORDS.test(kw);
  if (typeof card.value === 'string' && /[^\x20-\x7e]/.test(card.value))
    throw new RangeError(`FITS: ${kw} value must be printable ASCII`);
  let s = `${pad(kw, 8)}= ${formatValue(card.value, integer)}`;
  if (card.comment) s += ` / ${card.comment}`;
  if (s.length > CARD) {
    if (typeof card.value === 'string' && s.indexOf(' / ') > CARD - 3) s = s.slice(0, s.indexOf(' / '));
    if (s.length > CARD) {
      if (typeof card.value === 'string')
        throw new RangeError(`FITS: value of ${kw} is too long for one card (${card.value.length} characters)`);
      s = s.slice(0, CARD);
    }
  }
  return pad(s, CARD);
}

/** HISTORY cards for a long text, wrapped at 72 characters. */
export function historyCards(text: string): FitsCard[] {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  const out: FitsCard[] = [];
  for (let i = 0; i < clean.length || i === 0; i += 72) out.push({ keyword: 'HISTORY', text: clean.slice(i, i + 72) });
  return out;
}

/** The header block(s): cards, END, padded with spaces to a multiple of 2880 bytes. */
export function encodeHeader(cards: readonly FitsCard[]): Buffer {
  const text = cards.map(formatCard).join('') + pad('END', CARD);
  const size = Math.ceil(text.length / BLOCK) * BLOCK;
  return Buffer.from(pad(text, size), 'ascii');
}

/** Parse one card image. */
export function parseCard(image: string): FitsCard {
  const keyword = image.slice(0, 8).trim();
  if (image.slice(8, 10) !== '= ' || keyword === 'COMMENT' || keyword === 'HISTORY' || keyword === '') {
    return { keyword, text: image.slice(8).trimEnd() };
  }
  const rest = image.slice(10);
  const t = rest.trimStart();
  if (t.startsWith("'")) {
    // String: '' is an escaped quote; the value ends at the first lone quote.
    let i = 1;
    let v = '';
    while (i < t.length) {
      if (t[i] === "'") {
        if (t[i + 1] === "'") {
          v += "'";
          i += 2;
          continue;
        }
        break;
      }
      v += t[i];
      i++;
    }
    const after = t.slice(i + 1);
    const slash = after.indexOf('/');
    return { keyword, value: v.trimEnd(), ...(slash >= 0 ? { comment: after.slice(slash + 1).trim() } : {}) };
  }
  const slash = t.indexOf('/');
  const raw = (slash >= 0 ? t.slice(0, slash) : t).trim();
  const comment = slash >= 0 ? t.slice(slash + 1).trim() : undefined;
  let value: FitsValue;
  if (raw === 'T' || raw === 'F') value = raw === 'T';
  else {
    const n = Number(raw.replace(/D/i, 'E'));
    if (raw === '' || !Number.isFinite(n)) throw new Error(`FITS: card ${keyword}: cannot parse the value '${raw}'`);
    value = n;
  }
  return { keyword, value, ...(comment !== undefined ? { comment } : {}) };
}
