// FITS images: a 4-axis (RA---SIN, DEC--SIN, FREQ, STOKES) primary HDU like WSClean's, written
// atomically (temporary name, then rename), and a reader returning the header and the data.
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync, fstatSync } from 'node:fs';
import { BLOCK, encodeHeader, historyCards, parseCard } from './header';
import type { FitsCard, FitsValue } from './header';
import { ImageDescription, isDiagonal } from '../../../shared/model/sky-image';

/**
 * An image plane as written: the declared image description (grid and WCS, frequency, Stokes,
 * units, restoring beam; src/shared/model/sky-image.ts) and what only the FITS file carries.
 */
export type FitsImageDescription = ImageDescription & {
  /** ISO 8601 UTC start of the observation. */
  dateObs?: string;
  telescope?: string;
  object?: string;
  origin?: string;
  /** Extra keyword cards (e.g. WSClean-like provenance keywords). */
  extra?: FitsCard[];
  /** HISTORY text lines (wrapped at 72 characters). */
  history?: string[];
};

export interface FitsImage {
  header: FitsCard[];
  /** Keyword -> value of the valued cards (the first of each keyword). */
  keywords: Map<string, FitsValue>;
  /** NAXISn, fastest first. */
  shape: number[];
  bitpix: -32 | -64;
  /** The data in FITS order (NAXIS1 fastest), BSCALE/BZERO not supported (floats only). */
  data: Float32Array | Float64Array;
}

/** The cards of an image HDU from a description. */
export function imageCards(d: FitsImageDescription, bitpix: -32 | -64): FitsCard[] {
  const g = d.grid;
  // A diagonal CD matrix is written as CDELT1/CDELT2 (what WSClean writes), any other as CDi_j.
  const step = (axis: 1 | 2): FitsCard[] =>
    isDiagonal(g)
      ? [{ keyword: `CDELT${axis}`, value: axis === 1 ? g.cd[0] : g.cd[3] }]
      : [
          { keyword: `CD${axis}_1`, value: axis === 1 ? g.cd[0] : g.cd[2] },
          { keyword: `CD${axis}_2`, value: axis === 1 ? g.cd[1] : g.cd[3] },
        ];
  const cards: FitsCard[] = [
    { keyword: 'SIMPLE', value: true, comment: 'conforms to FITS standard' },
    { keyword: 'BITPIX', value: bitpix, comment: bitpix === -32 ? 'IEEE single precision' : 'IEEE double precision' },
    { keyword: 'NAXIS', value: 4 },
    { keyword: 'NAXIS1', value: g.nx },
    { keyword: 'NAXIS2', value: g.ny },
    { keyword: 'NAXIS3', value: 1 },
    { keyword: 'NAXIS4', value: 1 },
    { keyword: 'EXTEND', value: true },
    { keyword: 'BSCALE', value: 1.0 },
    { keyword: 'BZERO', value: 0.0 },
    { keyword: 'BUNIT', value: d.bunit, comment: 'units of flux' },
  ];
  if (d.beam) {
    cards.push(
      { keyword: 'BMAJ', value: d.beam.majorArcsec / 3600, comment: 'restoring beam major axis FWHM (deg)' },
      { keyword: 'BMIN', value: d.beam.minorArcsec / 3600, comment: 'restoring beam minor axis FWHM (deg)' },
      { keyword: 'BPA', value: d.beam.paDeg, comment: 'restoring beam position angle (deg E of N)' },
    );
  }
  cards.push(
    { keyword: 'EQUINOX', value: 2000.0, comment: 'J2000' },
    { keyword: 'RADESYS', value: 'FK5' },
    { keyword: 'LONPOLE', value: g.lonpole },
    { keyword: 'LATPOLE', value: g.crval2 },
    { keyword: 'CTYPE1', value: 'RA---SIN' },
    { keyword: 'CRPIX1', value: g.crpix1 },
    { keyword: 'CRVAL1', value: g.crval1 },
    ...step(1),
    { keyword: 'CUNIT1', value: 'deg' },
    { keyword: 'CTYPE2', value: 'DEC--SIN' },
    { keyword: 'CRPIX2', value: g.crpix2 },
    { keyword: 'CRVAL2', value: g.crval2 },
    ...step(2),
    { keyword: 'CUNIT2', value: 'deg' },
    { keyword: 'CTYPE3', value: 'FREQ' },
    { keyword: 'CRPIX3', value: 1.0 },
    { keyword: 'CRVAL3', value: d.freqHz },
    { keyword: 'CDELT3', value: d.bandwidthHz > 0 ? d.bandwidthHz : 1.0 },
    { keyword: 'CUNIT3', value: 'Hz' },
    { keyword: 'CTYPE4', value: 'STOKES' },
    { keyword: 'CRPIX4', value: 1.0 },
    { keyword: 'CRVAL4', value: d.stokes ?? 1.0 },
    { keyword: 'CDELT4', value: 1.0 },
    { keyword: 'CUNIT4', value: '' },
    { keyword: 'SPECSYS', value: 'TOPOCENT' },
    { keyword: 'RESTFRQ', value: d.freqHz, comment: 'restoring (reference) frequency (Hz)' },
  );
  if (d.dateObs) cards.push({ keyword: 'DATE-OBS', value: d.dateObs });
  cards.push({ keyword: 'DATE', value: new Date().toISOString().slice(0, 19), comment: 'file written (UTC)' });
  if (d.telescope) cards.push({ keyword: 'TELESCOP', value: d.telescope });
  cards.push({ keyword: 'INSTRUME', value: d.telescope ?? 'DSA-110' });
  if (d.object) cards.push({ keyword: 'OBJECT', value: d.object });
  cards.push({ keyword: 'ORIGIN', value: d.origin ?? 'dsa110-contimg' });
  for (const c of d.extra ?? []) cards.push(c);
  for (const h of d.history ?? []) cards.push(...historyCards(h));
  return cards;
}

function check(d: FitsImageDescription, n: number): void {
  const r = ImageDescription.safeParse(d);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new RangeError(`writeFitsImage: ${issue.path.join('.') || 'description'}: ${issue.message}`);
  }
  if (n !== d.grid.nx * d.grid.ny)
    throw new RangeError(`writeFitsImage: data has ${n} values but nx x ny = ${d.grid.nx * d.grid.ny} were expected`);
}

/** The data as big-endian IEEE floats, padded with zeros to a multiple of 2880 bytes. */
function encodeData(data: ArrayLike<number>, bitpix: -32 | -64): Buffer {
  const bytes = Math.abs(bitpix) / 8;
  const size = Math.ceil((data.length * bytes) / BLOCK) * BLOCK;
  const buf = Buffer.alloc(size);
  if (bitpix === -32) for (let i = 0; i < data.length; i++) buf.writeFloatBE(data[i] as number, 4 * i);
  else for (let i = 0; i < data.length; i++) buf.writeDoubleBE(data[i] as number, 8 * i);
  return buf;
}

/**
 * Write a ny x nx image (x fastest, row 0 = FITS row 1 = the bottom, south) as a primary HDU.
 * Float32Array data is written with BITPIX -32, Float64Array with -64 unless `bitpix` says.
 */
export function writeFitsImage(
  path: string,
  d: FitsImageDescription,
  data: Float32Array | Float64Array,
  opts: { bitpix?: -32 | -64 } = {},
): void {
  check(d, data.length);
  const bitpix = opts.bitpix ?? (data instanceof Float64Array ? -64 : -32);
  const header = encodeHeader(imageCards(d, bitpix));
  const body = encodeData(data, bitpix);
  const tmp = `${path}.partial-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, header);
    writeSync(fd, body);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Read the primary HDU of a FITS file with floating-point data (BITPIX -32 or -64). */
export function readFitsImage(path: string): FitsImage {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const header: FitsCard[] = [];
    let offset = 0;
    let ended = false;
    const block = Buffer.alloc(BLOCK);
    while (!ended) {
      if (offset + BLOCK > size) throw new Error(`${path}: not a FITS file (no END card in the first ${offset} bytes)`);
      readSync(fd, block, 0, BLOCK, offset);
      offset += BLOCK;
      const text = block.toString('latin1');
      for (let i = 0; i < BLOCK; i += 80) {
        const image = text.slice(i, i + 80);
        if (image.slice(0, 8).trim() === 'END') {
          ended = true;
          break;
        }
        if (offset === BLOCK && i === 0 && !image.startsWith('SIMPLE  ='))
          throw new Error(`${path}: not a FITS file (the first card is not SIMPLE)`);
        header.push(parseCard(image));
      }
    }
    const keywords = new Map<string, FitsValue>();
    for (const c of header) if (c.value !== undefined && !keywords.has(c.keyword)) keywords.set(c.keyword, c.value);
    const num = (k: string): number => {
      const v = keywords.get(k);
      if (typeof v !== 'number') throw new Error(`${path}: header keyword ${k} is missing or not a number`);
      return v;
    };
    const bitpix = num('BITPIX');
    if (bitpix !== -32 && bitpix !== -64)
      throw new Error(`${path}: BITPIX ${bitpix} is not supported (expected -32 or -64)`);
    const naxis = num('NAXIS');
    const shape = Array.from({ length: naxis }, (_, i) => num(`NAXIS${i + 1}`));
    const n = shape.reduce((a, b) => a * b, naxis > 0 ? 1 : 0);
    const bytes = Math.abs(bitpix) / 8;
    if (offset + n * bytes > size)
      throw new Error(`${path}: the data are truncated (${size - offset} bytes, ${n * bytes} expected)`);
    const raw = Buffer.alloc(n * bytes);
    readSync(fd, raw, 0, raw.length, offset);
    const scale = keywords.get('BSCALE');
    const zero = keywords.get('BZERO');
    if ((scale !== undefined && scale !== 1) || (zero !== undefined && zero !== 0))
      throw new Error(`${path}: BSCALE/BZERO other than 1/0 are not supported for float data`);
    const data = bitpix === -32 ? new Float32Array(n) : new Float64Array(n);
    if (bitpix === -32) for (let i = 0; i < n; i++) data[i] = raw.readFloatBE(4 * i);
    else for (let i = 0; i < n; i++) data[i] = raw.readDoubleBE(8 * i);
    return { header, keywords, shape, bitpix, data };
  } finally {
    closeSync(fd);
  }
}
