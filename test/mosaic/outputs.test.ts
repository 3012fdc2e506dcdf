// The output helpers: FITS row reading/streaming against the whole-file reader (both BITPIX),
// the PNG preview decoded independently (zlib + the PNG filters in Python), the stretch's limits.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFitsImage, writeFitsImage, type FitsImageDescription } from '../../src/main/engine/fits';
import { FitsRowReader, FitsRowWriter, renderPreview } from '../../src/main/engine/mosaic';
import { autoStretch, colour, stretch, unstretch } from '../../src/main/engine/mosaic/preview';
import { crc32 } from '../../src/main/engine/mosaic/png';
import { celestialWcs } from '../../src/shared/model/sky-image';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-mosaic-out-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const desc: FitsImageDescription = {
  grid: {
    ...celestialWcs({ crval1: 10, crval2: 20, crpix1: 19, crpix2: 12, cdelt1: -1e-3, cdelt2: 1e-3 }),
    nx: 37,
    ny: 23,
  },
  freqHz: 1.4e9,
  bandwidthHz: 1e8,
  bunit: 'JY/BEAM',
};

describe('FITS rows', () => {
  for (const bitpix of [-32, -64] as const) {
    it(`reads any row range of a BITPIX ${bitpix} image exactly as the whole-file reader does`, () => {
      const data = bitpix === -32 ? new Float32Array(37 * 23) : new Float64Array(37 * 23);
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 1e3 + (i % 7 === 0 ? Number.NaN : 0);
      const file = path.join(tmp, `rows${bitpix}.fits`);
      writeFitsImage(file, desc, data);
      const whole = readFitsImage(file).data;
      const r = new FitsRowReader(file);
      expect([r.nx, r.ny, r.bitpix]).toEqual([37, 23, bitpix]);
      for (const [row0, n] of [
        [0, 23],
        [5, 1],
        [22, 1],
        [3, 11],
      ] as const) {
        const out = new Float32Array(37 * n);
        r.readRows(row0, n, out);
        expect(Array.from(out)).toEqual(Array.from(Float32Array.from(whole.subarray(row0 * 37, (row0 + n) * 37))));
      }
      expect(() => r.readRows(20, 4, new Float32Array(37 * 4))).toThrow(/outside the image's 23 rows/);
      r.close();
    });
  }

  it('streams rows into a file the whole-file reader reads back, and refuses an incomplete one', () => {
    const file = path.join(tmp, 'stream.fits');
    const w = new FitsRowWriter(file, desc);
    const all = Float32Array.from({ length: 37 * 23 }, (_, i) => i * 0.25 - 7);
    w.writeRows(all.subarray(0, 37 * 10));
    w.writeRows(all.subarray(37 * 10));
    w.finish();
    const back = readFitsImage(file);
    expect(back.shape).toEqual([37, 23, 1, 1]);
    expect(Array.from(back.data)).toEqual(Array.from(all));
    const bad = new FitsRowWriter(path.join(tmp, 'short.fits'), desc);
    bad.writeRows(all.subarray(0, 37));
    expect(() => bad.finish()).toThrow(/1 of 23 rows/);
    expect(() => new FitsRowWriter(file, desc)).toThrow(/EEXIST/);
  });
});

describe('preview', () => {
  it('asinh stretch: limits from the data, monotonic, inverted exactly', () => {
    const v = Float32Array.from({ length: 10000 }, (_, i) => Math.sin(i * 12.9898) * 1e-3);
    v[0] = 1; // a bright source must not set the lower limit
    const s = autoStretch(v);
    expect(s.vmin).toBeLessThan(0);
    expect(s.vmax).toBeLessThan(0.01);
    expect(stretch(s, s.vmin)).toBe(0);
    expect(stretch(s, s.vmax)).toBeCloseTo(1, 12);
    for (const u of [0.1, 0.5, 0.9]) expect(stretch(s, unstretch(s, u))).toBeCloseTo(u, 12);
    expect(crc32(Buffer.from('IEND'))).toBe(0xae426082);
  });

  it.skipIf(skipInterop(pythonModules('zlib')))(
    'is a valid PNG: Python decodes it; the image, empty pixels and the colour bar are where they should be',
    () => {
      const nx = 120;
      const ny = 80;
      const data = new Float32Array(nx * ny);
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) data[y * nx + x] = x < 10 ? Number.NaN : (x / nx) * 1e-2;
      const { png, width, height } = renderPreview(data, nx, ny, { Title: 'test' });
      const file = path.join(tmp, 'p.png');
      writeFileSync(file, png);
      expect(existsSync(file)).toBe(true);
      const code = `
import sys, zlib, struct, json
b = open(sys.argv[1], 'rb').read()
assert b[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
pos, idat, text = 8, b'', {}
while pos < len(b):
    n, = struct.unpack('>I', b[pos:pos+4]); t = b[pos+4:pos+8]; d = b[pos+8:pos+8+n]
    assert zlib.crc32(t + d) & 0xffffffff == struct.unpack('>I', b[pos+8+n:pos+12+n])[0], t
    if t == b'IHDR': w, h, depth, ctype = struct.unpack('>IIBB', d[:10])
    if t == b'IDAT': idat += d
    if t == b'tEXt': k, v = d.split(b'\\0'); text[k.decode()] = v.decode()
    pos += 12 + n
raw = zlib.decompress(idat); stride = 3 * w; rows = []; prev = bytearray(stride)
for y in range(h):
    f = raw[y * (stride + 1)]; line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - 3] if i >= 3 else 0; up = prev[i]; c = prev[i - 3] if i >= 3 else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + up) & 255
        elif f != 0: raise Exception('filter %d' % f)
    rows.append(line); prev = line
px = lambda p: list(rows[p[1]][3 * p[0]:3 * p[0] + 3])
at = json.loads(sys.argv[2])
print(json.dumps({'w': w, 'h': h, 'depth': depth, 'ctype': ctype, 'text': text, **{k: px(v) for k, v in at.items()}}))`;
      // Pixels of the raster: the image starts at (8, 8) (padding), north up.
      const at = { empty: [8 + 2, 8 + 40], bright: [8 + nx - 1, 8 + 40], dim: [8 + 12, 8 + 40] };
      const o = JSON.parse(runPython(code, [file, JSON.stringify(at)])) as {
        w: number;
        h: number;
        depth: number;
        ctype: number;
        text: Record<string, string>;
        empty: number[];
        bright: number[];
        dim: number[];
      };
      expect([o.w, o.h, o.depth, o.ctype]).toEqual([width, height, 8, 2]);
      expect(o.text.Title).toBe('test');
      expect(o.text.Stretch).toMatch(/^asinh/);
      expect(o.empty).toEqual([64, 64, 64]);
      // The brightest column maps to the top of the colour map, the faintest near its bottom.
      expect(o.bright).toEqual(colour(1));
      expect(o.dim[0]! + o.dim[1]! + o.dim[2]!).toBeLessThan(o.bright[0]! + o.bright[1]! + o.bright[2]!);
    },
  );
});
