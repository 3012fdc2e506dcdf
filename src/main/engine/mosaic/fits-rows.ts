// Row-range access to FITS images: a reader that parses the header and reads only the rows a
// mosaic band needs, and a writer that streams rows into a primary HDU (bounded memory).
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import {
  BLOCK,
  encodeHeader,
  imageCards,
  parseCard,
  type FitsCard,
  type FitsImageDescription,
  type FitsValue,
} from '../fits';

export class FitsRowReader {
  readonly keywords = new Map<string, FitsValue>();
  readonly header: FitsCard[] = [];
  readonly nx: number;
  readonly ny: number;
  readonly bitpix: -32 | -64;
  private readonly fd: number;
  private readonly dataOffset: number;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'r');
    try {
      const size = fstatSync(this.fd).size;
      const block = Buffer.alloc(BLOCK);
      let offset = 0;
      let ended = false;
      while (!ended) {
        if (offset + BLOCK > size)
          throw new Error(`${file}: not a FITS file (no END card in the first ${offset} bytes)`);
        readSync(this.fd, block, 0, BLOCK, offset);
        const text = block.toString('latin1');
        if (offset === 0 && !text.startsWith('SIMPLE  ='))
          throw new Error(`${file}: not a FITS file (the first card is not SIMPLE)`);
        offset += BLOCK;
        for (let i = 0; i < BLOCK; i += 80) {
          const card = text.slice(i, i + 80);
          if (card.slice(0, 8).trim() === 'END') {
            ended = true;
            break;
          }
          const c = parseCard(card);
          this.header.push(c);
          if (c.value !== undefined && !this.keywords.has(c.keyword)) this.keywords.set(c.keyword, c.value);
        }
      }
      const num = (k: string): number => {
        const v = this.keywords.get(k);
        if (typeof v !== 'number' || !Number.isInteger(v))
          throw new Error(`${file}: header keyword ${k} is missing or not an integer`);
        return v;
      };
      const bitpix = num('BITPIX');
      if (bitpix !== -32 && bitpix !== -64)
        throw new Error(`${file}: BITPIX ${bitpix} is not supported (expected -32 or -64)`);
      this.bitpix = bitpix;
      const naxis = num('NAXIS');
      if (naxis < 2) throw new Error(`${file}: NAXIS = ${naxis}, expected an image (>= 2 axes)`);
      this.nx = num('NAXIS1');
      this.ny = num('NAXIS2');
      for (let k = 3; k <= naxis; k++)
        if (num(`NAXIS${k}`) !== 1)
          throw new Error(
            `${file}: NAXIS${k} = ${num(`NAXIS${k}`)}, expected 1 (one plane: a Stokes I continuum image)`,
          );
      const scale = this.keywords.get('BSCALE');
      const zero = this.keywords.get('BZERO');
      if ((scale !== undefined && scale !== 1) || (zero !== undefined && zero !== 0))
        throw new Error(`${file}: BSCALE/BZERO other than 1/0 are not supported for float data`);
      this.dataOffset = offset;
      const need = offset + this.nx * this.ny * (Math.abs(bitpix) / 8);
      if (need > size) throw new Error(`${file}: the data are truncated (${size} bytes, ${need} expected)`);
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  /** Rows [row0, row0 + nrows) (0-based, row 0 = FITS row 1) as float32 into `out` (nx * nrows). */
  readRows(row0: number, nrows: number, out: Float32Array): void {
    if (!Number.isInteger(row0) || !Number.isInteger(nrows) || row0 < 0 || nrows < 0 || row0 + nrows > this.ny) {
      throw new RangeError(`${this.file}: rows [${row0}, ${row0 + nrows}) are outside the image's ${this.ny} rows`);
    }
    if (out.length < this.nx * nrows)
      throw new RangeError(`${this.file}: readRows: out holds ${out.length} values, ${this.nx * nrows} needed`);
    const bytes = Math.abs(this.bitpix) / 8;
    // 1 MiB per read: a mosaic keeps two readers open per input, each with this scratch buffer.
    const chunkRows = Math.max(1, Math.floor((1 << 20) / (this.nx * bytes)));
    // Buffer.alloc is never pooled: offset 0, so typed views over it are aligned.
    const buf = (this.scratch ??= Buffer.alloc(Math.min(this.ny, chunkRows) * this.nx * bytes));
    for (let r = 0; r < nrows; r += chunkRows) {
      const n = Math.min(chunkRows, nrows - r);
      const len = n * this.nx * bytes;
      const got = readSync(this.fd, buf, 0, len, this.dataOffset + (row0 + r) * this.nx * bytes);
      if (got !== len) throw new Error(`${this.file}: short read at row ${row0 + r} (${got} of ${len} bytes)`);
      // FITS is big-endian: swap in place, then view the bytes as floats.
      const view = buf.subarray(0, len);
      if (this.bitpix === -32) {
        view.swap32();
        out.set(new Float32Array(buf.buffer, buf.byteOffset, n * this.nx), r * this.nx);
      } else {
        view.swap64();
        out.set(new Float64Array(buf.buffer, buf.byteOffset, n * this.nx), r * this.nx);
      }
    }
  }

  private scratch: Buffer | undefined;

  close(): void {
    closeSync(this.fd);
  }
}

/** Streams a float32 ny x nx image into `file`: the header first, then rows bottom to top. */
export class FitsRowWriter {
  private readonly fd: number;
  private rows = 0;
  private closed = false;
  private scratch: Buffer | undefined;

  constructor(
    readonly file: string,
    readonly desc: FitsImageDescription,
  ) {
    this.fd = openSync(file, 'wx');
    try {
      writeSync(this.fd, encodeHeader(imageCards(desc, -32)));
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  /** Appends whole rows (values.length a multiple of nx). */
  writeRows(values: Float32Array): void {
    const nx = this.desc.grid.nx;
    if (values.length % nx !== 0)
      throw new RangeError(
        `${this.file}: writeRows got ${values.length} values, not a multiple of the ${nx} pixels of a row`,
      );
    const n = values.length / nx;
    if (this.rows + n > this.desc.grid.ny)
      throw new RangeError(`${this.file}: writing rows beyond the image's ${this.desc.grid.ny} rows`);
    if (!this.scratch || this.scratch.length < values.length * 4) this.scratch = Buffer.alloc(values.length * 4);
    const buf = this.scratch.subarray(0, values.length * 4);
    new Float32Array(buf.buffer, buf.byteOffset, values.length).set(values);
    buf.swap32();
    writeSync(this.fd, buf);
    this.rows += n;
  }

  /** Pads the data to a whole number of 2880-byte blocks and closes; every row must be written. */
  finish(): void {
    if (this.rows !== this.desc.grid.ny)
      throw new Error(`${this.file}: ${this.rows} of ${this.desc.grid.ny} rows were written`);
    const bytes = this.desc.grid.nx * this.desc.grid.ny * 4;
    const pad = (BLOCK - (bytes % BLOCK)) % BLOCK;
    if (pad > 0) writeSync(this.fd, Buffer.alloc(pad));
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
