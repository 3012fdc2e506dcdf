// Writer -> reader round trip in both layouts: every header field and every visibility,
// streamed in uneven blocks and read back in small sub-blocks; the temp-name protocol.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Uvh5Error } from '../../src/main/engine/uvh5/errors';
import { allocateBlock, MJD_OFFSET } from '../../src/main/engine/uvh5/model';
import { openUvh5, readUvh5Metadata } from '../../src/main/engine/uvh5/reader';
import { dsaLikeHeader } from './synthetic';
import { INTEGRATION_S as DSA_INTEGRATION_S, channelFrequencyHz as dsaChannelHz } from '../../src/shared/instrument';
import { createUvh5Writer, incompletePath, writeUvh5 } from '../../src/main/engine/uvh5/writer';
import { expectPattern, expectSameHeader, patternBlock, tempDir } from './helpers';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe.each(['spw-axis', 'flat'] as const)('round trip, %s layout', (layout) => {
  // 6 antennas with autos = 21 baselines x 3 times = 63 rows; 8 channels x 2 pols.
  const header = dsaLikeHeader({ nants: 6, ntimes: 3, nfreqs: 8, subband: 2, layout });
  const path = join(tmp.dir, `2025-10-02T14:03:07_sb02-${layout}.hdf5`);

  it('writes in uneven blocks through a temporary name, then renames', async () => {
    const w = await createUvh5Writer(path, header);
    expect(w.tempPath).toBe(incompletePath(path));
    w.writeRows(patternBlock(header, 0, 40));
    expect(existsSync(w.tempPath)).toBe(true);
    expect(existsSync(path)).toBe(false);
    w.writeRows(patternBlock(header, 40, header.Nblts - 40));
    w.finish();
    expect(existsSync(path)).toBe(true);
    expect(existsSync(w.tempPath)).toBe(false);
  });

  it('reads back every header field unchanged', async () => {
    const f = await openUvh5(path);
    try {
      expect(f.data.layout).toBe(layout);
      expect(f.data.shape).toEqual(layout === 'spw-axis' ? [63, 1, 8, 2] : [63, 8, 2]);
      expect(f.data.visType).toBe('float32');
      expect(f.data.flagType).toBe('bool');
      expectSameHeader(f.header, header);
    } finally {
      f.close();
    }
  });

  it('reads back every visibility, flag and nsamples exactly, whole and in sub-blocks', async () => {
    // 200 bytes per block = one row of 16 values x 8 bytes per read: exercises the block loop.
    const f = await openUvh5(path, { maxBlockBytes: 200 });
    try {
      const all = f.readVisibilities({ rowStart: 0, rowCount: header.Nblts });
      expect(expectPattern(header, all)).toBe(63 * 16);
      const out = allocateBlock(header, 30);
      const part = f.readVisibilities({ rowStart: 17, rowCount: 29, out });
      expect(part).toBe(out);
      expect(part.rowStart).toBe(17);
      expect(expectPattern(header, part)).toBe(29 * 16);
    } finally {
      f.close();
    }
  });

  it('streams blocks as heap views with forEachBlock, the same values as readVisibilities', async () => {
    const f = await openUvh5(path);
    try {
      const seen: number[] = [];
      let values = 0;
      f.forEachBlock({ rowStart: 5, blockRows: 16 }, (b) => {
        seen.push(b.rowStart, b.rows);
        values += expectPattern(header, b);
      });
      expect(seen).toEqual([5, 16, 21, 16, 37, 16, 53, 10]);
      expect(values).toBe(58 * 16);
      expect(() => f.forEachBlock({ rowStart: 60, rowCount: 5, blockRows: 4 }, () => undefined)).toThrow(
        /rows \[60, 65\) are outside/,
      );
    } finally {
      f.close();
    }
  });

  it('reads one block on demand with readBlock, as forEachBlock streams it', async () => {
    const f = await openUvh5(path);
    try {
      const b = f.readBlock(21, 16);
      expect([b.rowStart, b.rows]).toEqual([21, 16]);
      expect(expectPattern(header, b)).toBe(16 * 16);
      const copy = Array.from(b.vis);
      f.forEachBlock({ rowStart: 21, rowCount: 16, blockRows: 16 }, (v) => expect(Array.from(v.vis)).toEqual(copy));
      expect(() => f.readBlock(60, 5)).toThrow(/rows \[60, 65\) are outside/);
    } finally {
      f.close();
    }
  });

  it('gives the indexing metadata without the visibilities', async () => {
    const m = await readUvh5Metadata(path);
    const t0 = 2460950.5 - MJD_OFFSET;
    const day = 86400;
    // Times are exact to float64 rounding of a JD (~1e-10 d = 10 us).
    expect(m.startMjd).toBeCloseTo(t0, 9);
    expect(m.endMjd).toBeCloseTo(t0 + (3 * DSA_INTEGRATION_S) / day, 9);
    expect(m.firstTimeMjd).toBeCloseTo(t0 + (0.5 * DSA_INTEGRATION_S) / day, 9);
    expect(m.midMjd).toBeCloseTo(t0 + (1.5 * DSA_INTEGRATION_S) / day, 9);
    expect(m.integrationTimeS).toBe(DSA_INTEGRATION_S);
    expect(m.descending).toBe(true);
    expect(m.frequenciesHz[0]).toBe(dsaChannelHz(2, 0));
    expect(m.declinationSource).toBe('extra_keywords/phase_center_dec');
    expect(m.declinationDeg).toBeCloseTo(54.57, 12);
    expect(m.haPhaseCenterRad).toBe(0);
    expect(m.antennasWithData).toEqual([0, 1, 2, 3, 4, 5]);
    expect(m.antennaNames).toHaveLength(117);
    expect(m.layout).toBe(layout);
    expect([m.Nblts, m.Nbls, m.Ntimes, m.Nfreqs, m.Npols]).toEqual([63, 21, 3, 8, 2]);
  });
});

describe('writer refusals', () => {
  const header = dsaLikeHeader({ nants: 3, ntimes: 2, nfreqs: 4 });

  it('discards a file with missing rows and says how many were written', async () => {
    const path = join(tmp.dir, 'short.hdf5');
    const w = await createUvh5Writer(path, header);
    w.writeRows(patternBlock(header, 0, 5));
    expect(() => w.finish()).toThrow(/only 5 of Nblts = 12 rows/);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(w.tempPath)).toBe(false);
  });

  it('refuses more rows than Nblts and an existing file', async () => {
    const path = join(tmp.dir, 'full.hdf5');
    await writeUvh5(path, header, patternBlock(header, 0, 12));
    await expect(writeUvh5(path, header, patternBlock(header, 0, 12))).rejects.toThrow(/already exists/);
    const w = await createUvh5Writer(join(tmp.dir, 'over.hdf5'), header);
    expect(() => w.writeRows(patternBlock(header, 0, 13))).toThrow(Uvh5Error);
    w.abort();
    expect(existsSync(w.tempPath)).toBe(false);
  });

  it('refuses an inconsistent header, naming the field', async () => {
    const bad = { ...header, time_array: header.time_array.subarray(1) };
    await expect(createUvh5Writer(join(tmp.dir, 'bad.hdf5'), bad)).rejects.toThrow(
      /time_array: expected 12 values \(Nblts\), got 11/,
    );
    const varying = { ...header, channel_width: Float64Array.of(1, 2, 3, 4) };
    await expect(createUvh5Writer(join(tmp.dir, 'bad2.hdf5'), varying)).rejects.toThrow(
      /channel_width: the spw-axis layout stores a single channel width/,
    );
  });
});
