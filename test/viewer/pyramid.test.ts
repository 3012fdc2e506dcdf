// The viewer's tile pyramid against a brute-force reference: every level-0 tile equals the image
// (NaN padding outside), every level the NaN-aware 2x2 mean of the one below, min/max exact,
// quantiles of a fully sampled small image equal a sort's, and zscale brackets the noise.
import { mkdtempSync, openSync, readSync, closeSync, rmSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFitsImage } from '../../src/main/engine/fits';
import { buildPyramid, levelFile, levelsFor, TILE, TILE_BYTES, zscale } from '../../src/main/engine/tiles/pyramid';
import { celestialWcs } from '../../src/shared/model/sky-image';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-pyramid-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function readTile(dir: string, level: number, cols: number, tx: number, ty: number): Float32Array {
  const fd = openSync(levelFile(dir, level), 'r');
  const buf = Buffer.alloc(TILE_BYTES);
  readSync(fd, buf, 0, TILE_BYTES, (ty * cols + tx) * TILE_BYTES);
  closeSync(fd);
  return new Float32Array(buf.buffer, buf.byteOffset, TILE * TILE);
}

/** Reference 2x2 NaN-aware mean. */
function halve(src: Float32Array, nx: number, ny: number): { data: Float32Array; nx: number; ny: number } {
  const hx = Math.ceil(nx / 2);
  const hy = Math.ceil(ny / 2);
  const out = new Float32Array(hx * hy);
  for (let y = 0; y < hy; y++)
    for (let x = 0; x < hx; x++) {
      const vals: number[] = [];
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const xx = 2 * x + dx;
        const yy = 2 * y + dy;
        if (xx < nx && yy < ny) {
          const v = src[yy * nx + xx]!;
          if (!Number.isNaN(v)) vals.push(v);
        }
      }
      out[y * hx + x] = vals.length ? Math.fround(vals.reduce((a, b) => a + b, 0) / vals.length) : Number.NaN;
    }
  return { data: out, nx: hx, ny: hy };
}

describe('tile pyramid', () => {
  it('holds the image at level 0 and NaN-aware 2x2 means above, with exact statistics', () => {
    const nx = 600;
    const ny = 333;
    const data = new Float32Array(nx * ny);
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
    for (let i = 0; i < data.length; i++) data[i] = rnd();
    // Blank corner and a blank stripe, a bright source.
    for (let y = 0; y < 40; y++) for (let x = 0; x < 70; x++) data[y * nx + x] = Number.NaN;
    for (let y = 0; y < ny; y++) data[y * nx + 301] = Number.NaN;
    data[200 * nx + 450] = 25;
    const grid = {
      ...celestialWcs({ crval1: 128, crval2: 55, crpix1: 300, crpix2: 167, cdelt1: -0.001, cdelt2: 0.001 }),
      nx,
      ny,
    };
    const file = path.join(tmp, 'img.fits');
    writeFitsImage(file, { grid, freqHz: 1.4e9, bandwidthHz: 1e6, bunit: 'JY/BEAM' }, data);
    const dir = path.join(tmp, 'img.tiles', 'k', 'image');
    const info = buildPyramid(file, dir);
    expect(info.levels).toEqual(levelsFor(nx, ny));
    expect(info.levels.map((l) => [l.nx, l.ny])).toEqual([
      [600, 333],
      [300, 167],
      [150, 84],
    ]);
    expect(JSON.parse(readFileSync(path.join(dir, 'pyramid.json'), 'utf8')).nx).toBe(nx);

    let ref: { data: Float32Array; nx: number; ny: number } = { data, nx, ny };
    const bad: string[] = [];
    for (const l of info.levels) {
      if (l.level > 0) ref = halve(ref.data, ref.nx, ref.ny);
      for (let ty = 0; ty < l.rows; ty++)
        for (let tx = 0; tx < l.cols; tx++) {
          const t = readTile(dir, l.level, l.cols, tx, ty);
          for (let y = 0; y < TILE; y++)
            for (let x = 0; x < TILE; x++) {
              const gx = tx * TILE + x;
              const gy = ty * TILE + y;
              const got = t[y * TILE + x]!;
              const want = gx >= l.nx || gy >= l.ny ? Number.NaN : ref.data[gy * ref.nx + gx]!;
              const ok = Number.isNaN(want)
                ? Number.isNaN(got)
                : Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want));
              if (!ok && bad.length < 10) bad.push(`L${l.level} (${gx}, ${gy}): ${got} != ${want}`);
            }
        }
    }
    expect(bad).toEqual([]);
    const finite = Array.from(data).filter((v) => !Number.isNaN(v));
    expect(info.stats.finite).toBe(finite.length);
    expect(info.stats.min).toBe(finite.reduce((a, b) => Math.min(a, b), Infinity));
    expect(info.stats.max).toBe(25);
    // Small image: every pixel is sampled, so the quantiles are a sort's.
    const sorted = Float64Array.from(finite).sort();
    expect(info.stats.sampled).toBe(finite.length);
    const q = (p: number) => {
      const pos = p * (sorted.length - 1);
      const i = Math.floor(pos);
      return sorted[i]! + (pos - i) * (sorted[i + 1]! - sorted[i]!);
    };
    expect(info.stats.quantiles['99.5']).toBeCloseTo(q(0.995), 12);
    expect(info.stats.quantiles['0.5']).toBeCloseTo(q(0.005), 12);
    // zscale of uniform noise in [-0.5, 0.5] (slope 1/n of the sorted sample) with one outlier: median -/+
    // (slope / 0.25) n / 2 = -/+ 2, clipped to the sample's range below; the outlier (25) does not pull it.
    const [z1, z2] = info.stats.zscale!;
    expect(z1).toBe(info.stats.min);
    expect(z2).toBeGreaterThan(1.9);
    expect(z2).toBeLessThan(2.1);
  });

  it('zscale of a constant sample is that constant; of nothing, null', () => {
    expect(zscale(new Float64Array(100).fill(3))).toEqual([3, 3]);
    expect(zscale(new Float64Array(0))).toBeNull();
  });

  it('an all-NaN image has no limits', () => {
    const grid = {
      ...celestialWcs({ crval1: 10, crval2: 20, crpix1: 5, crpix2: 5, cdelt1: -0.01, cdelt2: 0.01 }),
      nx: 10,
      ny: 10,
    };
    const file = path.join(tmp, 'nan.fits');
    writeFitsImage(
      file,
      { grid, freqHz: 1.4e9, bandwidthHz: 0, bunit: 'JY/BEAM' },
      new Float32Array(100).fill(Number.NaN),
    );
    const info = buildPyramid(file, path.join(tmp, 'nan.tiles', 'image'));
    expect(info.stats).toMatchObject({ finite: 0, total: 100, min: null, max: null, zscale: null });
  });
});
