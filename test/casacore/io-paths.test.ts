// The fast I/O paths of the storage layer: Bool packing a byte at a time (checked against the
// bit-by-bit definition at every alignment), the StandardStMan bucket write-back cache, and
// whole-tile reads and writes that bypass the tile buffer (checked against partial-tile access),
// and direct (O_DIRECT) transfers of aligned sections (the same bytes as buffered I/O).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BucketCache } from '../../src/main/engine/casacore/bucket-cache';
import { packBits, unpackBits } from '../../src/main/engine/casacore/codec';
import { PFile } from '../../src/main/engine/casacore/dataman';
import { DirectFile, directIoEnabled, setDirectIo } from '../../src/main/engine/casacore/direct-io';
import { arrayColumn, createTable, openTable, scalarColumn } from '../../src/main/engine/casacore';

const dir = mkdtempSync(path.join(tmpdir(), 'casacore-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic pseudo-random byte stream (LCG), so failures reproduce. */
function bytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  });
}

describe('packBits / unpackBits', () => {
  it('equal the bit-by-bit definition for every start bit 0..17 and length 0..41, leaving other bits alone', () => {
    for (let bitOff = 0; bitOff < 18; bitOff++) {
      for (let n = 0; n < 42; n++) {
        const values = bytes(n + 3, 31 * bitOff + n).map((b) => (b & 1) * (1 + (b >> 2))); // non-zero means true
        const dst = bytes(12, 7 + n);
        const want = dst.slice();
        for (let i = 0; i < n; i++) {
          const bit = bitOff + i;
          const mask = 1 << (bit & 7);
          want[1 + (bit >> 3)] = values[2 + i]
            ? (want[1 + (bit >> 3)] as number) | mask
            : (want[1 + (bit >> 3)] as number) & ~mask;
        }
        packBits(values, 2, n, dst, 1, bitOff);
        expect(Array.from(dst), `pack bitOff ${bitOff} n ${n}`).toEqual(Array.from(want));
        const out = new Uint8Array(n + 4).fill(9);
        unpackBits(dst, 1, bitOff, n, out, 2);
        expect(Array.from(out.subarray(2, 2 + n)), `unpack bitOff ${bitOff} n ${n}`).toEqual(
          Array.from(values.subarray(2, 2 + n), (v) => (v ? 1 : 0)),
        );
        expect([out[0], out[1], out[2 + n], out[3 + n]]).toEqual([9, 9, 9, 9]);
      }
    }
  });
});

describe('BucketCache', () => {
  it('serves reads from cached images, writes consecutive buckets together, and reuses images', () => {
    const file = path.join(dir, 'buckets.bin');
    const f = new PFile(file, 'w+');
    const size = 64;
    const head = 16;
    f.truncate(head + 10 * size);
    f.write(head + 7 * size, new Uint8Array(size).fill(0xaa)); // bucket 7 exists on disk before the cache
    const c = new BucketCache(
      f,
      () => size,
      (b) => head + b * size,
      3 * size,
    );
    c.markZero(7);
    for (const b of [2, 3, 4, 7]) c.image(b).fill(b, 8, 16);
    // Not yet on disk, but visible through the cache; bucket 7 was loaded from the file.
    expect(readFileSync(file)[head + 2 * size + 8]).toBe(0);
    expect(Array.from(c.read(3, 6, 4, 'test'))).toEqual([0, 0, 3, 3]);
    expect(c.read(7, 0, 1, 'test')[0]).toBe(0xaa);
    c.maybeWriteBack(); // 4 buckets > 3 buckets' limit
    const disk = readFileSync(file);
    for (const b of [2, 3, 4, 7]) {
      expect(Array.from(disk.subarray(head + b * size + 6, head + b * size + 18))).toEqual([
        ...Array(2).fill(b === 7 ? 0xaa : 0),
        ...Array(8).fill(b),
        ...Array(2).fill(b === 7 ? 0xaa : 0),
      ]);
    }
    expect(disk.subarray(head + 5 * size, head + 7 * size).every((x) => x === 0)).toBe(true);
    // A written-back bucket is no longer known to be zero: it is read again, not zero-filled.
    expect(c.image(3)[8]).toBe(3);
    c.image(3)[0] = 42;
    c.writeBack();
    expect(readFileSync(file)[head + 3 * size]).toBe(42);
    f.close();
  });

  it('keeps StandardStMan columns right across many write-backs and reads before the flush', () => {
    const file = path.join(dir, 'ssm.tab');
    const nrows = 20000;
    const t = createTable(
      file,
      {
        columns: [
          scalarColumn('TIME', 'Double'),
          scalarColumn('FLAG_ROW', 'Bool'),
          scalarColumn('NAME', 'String'),
          arrayColumn('UVW', 'Double', { shape: [3] }),
        ],
      },
      {
        nrows,
        dataManagers: [
          { type: 'StandardStMan', name: 'SSM', columns: ['TIME', 'FLAG_ROW', 'NAME', 'UVW'], bucketSize: 1024 },
        ],
      },
    );
    // Rows written out of order in blocks, as a time-major MS writes them.
    const order = Array.from({ length: 40 }, (_, k) => (k * 17) % 40);
    for (const k of order) {
      const r0 = k * 500;
      t.putColumnRange(
        'TIME',
        r0,
        500,
        Float64Array.from({ length: 500 }, (_, i) => r0 + i + 0.5),
      );
      t.putColumnRange(
        'FLAG_ROW',
        r0,
        500,
        Uint8Array.from({ length: 500 }, (_, i) => ((r0 + i) % 3 === 0 ? 1 : 0)),
      );
      t.putColumnRange(
        'NAME',
        r0,
        500,
        Array.from({ length: 500 }, (_, i) => ((r0 + i) % 5 === 0 ? `a long name for row ${r0 + i}` : `r${r0 + i}`)),
      );
      t.putColumnRange(
        'UVW',
        r0,
        500,
        Float64Array.from({ length: 1500 }, (_, i) => r0 * 3 + i),
      );
    }
    expect(t.getCell('TIME', 12345)).toBe(12345.5);
    t.close();
    const r = openTable(file);
    const time = r.getColumn('TIME') as Float64Array;
    const flag = r.getColumn('FLAG_ROW') as Uint8Array;
    const name = r.getColumn('NAME') as string[];
    const uvw = r.getColumn('UVW') as Float64Array;
    for (let i = 0; i < nrows; i++) {
      if (
        time[i] !== i + 0.5 ||
        flag[i] !== (i % 3 === 0 ? 1 : 0) ||
        name[i] !== (i % 5 === 0 ? `a long name for row ${i}` : `r${i}`)
      )
        throw new Error(`row ${i} differs`);
    }
    expect(Array.from(uvw.subarray(0, 6))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(uvw[3 * nrows - 1]).toBe(3 * nrows - 1);
    r.close();
  });
});

describe('tiled whole-tile transfers', () => {
  it('read and write whole tiles directly with the same bytes as partial-tile access', () => {
    const nrows = 48;
    const values = Float32Array.from({ length: nrows * 2 * 6 * 2 }, (_, i) => Math.cos(i) * 1e3);
    const make = (name: string, blocks: [number, number][]): string => {
      const file = path.join(dir, name);
      const t = createTable(
        file,
        { columns: [arrayColumn('DATA', 'Complex', { shape: [2, 6] })] },
        {
          nrows,
          dataManagers: [{ type: 'TiledShapeStMan', name: 'TiledData', columns: ['DATA'], tileShape: [2, 6, 8] }],
        },
      );
      for (const [r0, n] of blocks) t.putColumnRange('DATA', r0, n, values.subarray(r0 * 24, (r0 + n) * 24));
      t.close();
      return file;
    };
    // Whole tiles (8-row aligned blocks) against blocks that always cut tiles (5 rows).
    const whole = make('whole.tab', [
      [16, 16],
      [0, 16],
      [32, 16],
    ]);
    const cut = make(
      'cut.tab',
      Array.from({ length: 10 }, (_, k) => [k * 5, Math.min(5, nrows - k * 5)] as [number, number]).filter(
        ([, n]) => n > 0,
      ),
    );
    expect(
      Buffer.compare(readFileSync(path.join(whole, 'table.f0_TSM1')), readFileSync(path.join(cut, 'table.f0_TSM1'))),
    ).toBe(0);
    const r = openTable(whole);
    expect(Array.from(r.getColumn('DATA', 8, 24) as Float32Array)).toEqual(
      Array.from(values.subarray(8 * 24, 32 * 24)),
    );
    expect(Array.from(r.getColumn('DATA', 3, 7) as Float32Array)).toEqual(Array.from(values.subarray(3 * 24, 10 * 24)));
    r.close();
  });
});

describe('direct I/O', () => {
  // tmpfs and some other file systems refuse O_DIRECT: then there is nothing to check here, and
  // the tests say so instead of passing (the tiled comparison would compare buffered with buffered).
  const probe = path.join(dir, 'probe.bin');
  new PFile(probe, 'w+').close();
  const probed = DirectFile.open(probe, true);
  probed?.close();
  const noDirect = probed
    ? null
    : directIoEnabled()
      ? `the file system of ${dir} refuses O_DIRECT`
      : 'direct I/O is off (DSA_CASACORE_DIRECT_IO=0)';

  it('moves aligned ranges directly and declines unaligned ones (0 bytes: the caller goes buffered)', (ctx) => {
    if (noDirect) ctx.skip(noDirect);
    const file = path.join(dir, 'direct.bin');
    new PFile(file, 'w+').close();
    const d = DirectFile.open(file, true);
    if (!d) throw new Error(`O_DIRECT open of ${file} failed although the probe succeeded`);
    const src = bytes(3 * 512, 5);
    expect(d.write(1024, src)).toBe(src.length);
    expect(d.write(1000, src)).toBe(0);
    expect(d.write(1024, src.subarray(0, 700))).toBe(0);
    const back = new Uint8Array(3 * 512);
    expect(d.read(1024, back)).toBe(back.length);
    expect(Buffer.compare(back, src)).toBe(0);
    // Past the end of the file: fewer bytes, the rest is the caller's (buffered, zero-filled).
    const tail = new Uint8Array(1024);
    expect(d.read(2048, tail)).toBe(512);
    expect(Buffer.compare(readFileSync(file).subarray(1024), Buffer.from(src))).toBe(0);
    d.close();
  });

  it('writes tiled tables byte for byte as buffered I/O does, and reads them back', (ctx) => {
    if (noDirect) ctx.skip(noDirect);
    const write = (name: string, direct: boolean): string => {
      setDirectIo(direct);
      try {
        const file = path.join(dir, name);
        const nrows = 64;
        // 2 x 32 complex x 16 rows = 8192 bytes per tile: aligned, so whole tiles go direct.
        const t = createTable(
          file,
          {
            columns: [
              arrayColumn('DATA', 'Complex', { shape: [2, 32] }),
              arrayColumn('FLAG', 'Bool', { shape: [2, 32] }),
            ],
          },
          {
            nrows,
            dataManagers: [
              { type: 'TiledShapeStMan', name: 'TiledData', columns: ['DATA'], tileShape: [2, 32, 16] },
              { type: 'TiledShapeStMan', name: 'TiledFlag', columns: ['FLAG'], tileShape: [2, 32, 16] },
            ],
          },
        );
        t.putColumnRange(
          'DATA',
          16,
          48,
          Float32Array.from({ length: 48 * 128 }, (_, i) => Math.sin(i) * 10),
        );
        t.putColumnRange(
          'DATA',
          0,
          16,
          Float32Array.from({ length: 16 * 128 }, (_, i) => -i),
        );
        t.putColumnRange(
          'DATA',
          5,
          3,
          Float32Array.from({ length: 3 * 128 }, (_, i) => 1000 + i),
        ); // a partial tile
        t.putColumn(
          'FLAG',
          Uint8Array.from({ length: nrows * 64 }, (_, i) => (i % 5 === 0 ? 1 : 0)),
        );
        t.close();
        return file;
      } finally {
        setDirectIo(true);
      }
    };
    const a = write('direct.tab', true);
    const b = write('buffered.tab', false);
    for (const f of ['table.f0_TSM1', 'table.f1_TSM1'])
      expect(Buffer.compare(readFileSync(path.join(a, f)), readFileSync(path.join(b, f))), f).toBe(0);
    const r = openTable(a);
    const want = openTable(b);
    expect(Array.from(r.getColumn('DATA', 3, 20) as Float32Array)).toEqual(
      Array.from(want.getColumn('DATA', 3, 20) as Float32Array),
    );
    expect(r.getCell('DATA', 6)).toEqual(want.getCell('DATA', 6));
    r.close();
    want.close();
  });
});
