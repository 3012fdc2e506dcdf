// Bad input: each defect yields a Uvh5Error naming the file and the field, with what was expected.
import { copyFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pythonModules, skipInterop } from '../helpers/interop';
import { Uvh5Error } from '../../src/main/engine/uvh5/errors';
import { correlatorFileName, parseCorrelatorFileName } from '../../src/main/engine/uvh5/filename';
import { openUvh5, readUvh5Metadata } from '../../src/main/engine/uvh5/reader';
import { dsaLikeHeader } from './synthetic';
import { writeUvh5 } from '../../src/main/engine/uvh5/writer';
import { patternBlock, tempDir } from './helpers';
import { writeWithH5py } from './pyfixtures';

const tmp = tempDir();
afterAll(tmp.cleanup);

/** Run `fn`, expect a Uvh5Error for `file` and `field` whose message matches `detail`. */
async function expectUvh5Error(
  fn: () => Promise<unknown>,
  file: string,
  field: string,
  detail: RegExp,
): Promise<Uvh5Error> {
  let caught: unknown = null;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(Uvh5Error);
  const err = caught as Uvh5Error;
  expect(err.file).toBe(file);
  expect(err.field).toBe(field);
  expect(err.message).toContain(file);
  expect(err.message).toContain(field);
  expect(err.detail).toMatch(detail);
  return err;
}

describe('files that are not UVH5', () => {
  it('a missing file', async () => {
    const p = join(tmp.dir, 'nope.hdf5');
    await expectUvh5Error(() => openUvh5(p), p, 'file', /cannot be read: ENOENT/);
  });

  it('a text file', async () => {
    const p = join(tmp.dir, 'notes.hdf5');
    writeFileSync(p, 'this is not HDF5\n'.repeat(100));
    await expectUvh5Error(() => openUvh5(p), p, 'file', /not an HDF5 file \(no HDF5 signature\)/);
    await expectUvh5Error(() => readUvh5Metadata(p), p, 'file', /not an HDF5 file/);
  });

  it('a truncated file', async () => {
    const header = dsaLikeHeader({ nants: 8, ntimes: 2, nfreqs: 16 });
    const good = join(tmp.dir, 'good.hdf5');
    await writeUvh5(good, header, patternBlock(header, 0, header.Nblts));
    const cut = join(tmp.dir, 'cut.hdf5');
    copyFileSync(good, cut);
    truncateSync(cut, Math.floor(statSync(good).size / 2));
    const err = await expectUvh5Error(
      () => openUvh5(cut),
      cut,
      'file',
      /HDF5 cannot open it \(truncated or corrupt\?\).*truncated file/,
    );
    expect(err.detail.length).toBeLessThan(500);
  });
});

describe.skipIf(skipInterop(pythonModules('h5py', 'numpy')))('HDF5 files with UVH5 defects (written by h5py)', () => {
  it('no Header group', async () => {
    const p = join(tmp.dir, 'noheader.hdf5');
    writeWithH5py({ path: p, noHeader: true });
    await expectUvh5Error(() => openUvh5(p), p, 'Header', /group missing: not a UVH5 file/);
  });

  it('a required header field missing', async () => {
    const p = join(tmp.dir, 'notime.hdf5');
    writeWithH5py({ path: p, drop: ['time_array'] });
    await expectUvh5Error(() => openUvh5(p), p, 'Header/time_array', /required field missing/);
    await expectUvh5Error(() => readUvh5Metadata(p), p, 'Header/time_array', /required field missing/);
  });

  it('the older-style field phase_type missing without a catalog', async () => {
    const p = join(tmp.dir, 'nophase.hdf5');
    writeWithH5py({ path: p, drop: ['phase_type'] });
    await expectUvh5Error(() => openUvh5(p), p, 'Header/phase_type', /required field missing/);
  });

  it('a header dataset of the wrong shape', async () => {
    const p = join(tmp.dir, 'uvwshape.hdf5');
    writeWithH5py({ path: p, misshape: ['uvw_array'] });
    // 5 antennas -> 15 baselines x 3 times = 45 rows; the fixture wrote 46.
    await expectUvh5Error(() => openUvh5(p), p, 'Header/uvw_array', /expected shape \(Nblts=45, 3\), found \(46, 3\)/);
  });

  it('a count that is not a scalar', async () => {
    const p = join(tmp.dir, 'nbls.hdf5');
    writeWithH5py({ path: p, misshape: ['Nbls'] });
    await expectUvh5Error(() => openUvh5(p), p, 'Header/Nbls', /expected a scalar, found \(2\)/);
  });

  it('visibilities that are not a complex compound', async () => {
    const p = join(tmp.dir, 'plainvis.hdf5');
    writeWithH5py({ path: p, plainVis: true });
    await expectUvh5Error(() => openUvh5(p), p, 'Data/visdata', /expected a compound \{r, i\}/);
  });

  it('counts that disagree with the data shape', async () => {
    const p = join(tmp.dir, 'nfreqs.hdf5');
    writeWithH5py({ path: p, misshape: ['freq_array'] });
    await expectUvh5Error(
      () => openUvh5(p),
      p,
      'Header/freq_array',
      /expected shape \(1, Nfreqs=6\) or \(Nfreqs=6\), found \(2, 6\)/,
    );
  });

  it('reads outside the rows', async () => {
    const p = join(tmp.dir, 'ok.hdf5');
    writeWithH5py({ path: p });
    const f = await openUvh5(p);
    try {
      await expectUvh5Error(
        async () => f.readVisibilities({ rowStart: 40, rowCount: 6 }),
        p,
        'Data/visdata',
        /rows \[40, 46\) are outside \[0, Nblts=45\)/,
      );
    } finally {
      f.close();
    }
  });
});

describe('correlator file names', () => {
  it('parses the timestamp and subband', () => {
    const n = parseCorrelatorFileName('/data/incoming/2025-10-02T14:03:07_sb15.hdf5');
    expect(n.timestamp).toBe('2025-10-02T14:03:07');
    expect(n.subband).toBe(15);
    expect(n.date.toISOString()).toBe('2025-10-02T14:03:07.000Z');
    // MJD 60950 is 2025-10-02; 14:03:07 is 50587 s into the day.
    expect(n.mjd).toBeCloseTo(60950 + 50587 / 86400, 9);
    expect(correlatorFileName('2025-10-02T14:03:07', 3)).toBe('2025-10-02T14:03:07_sb03.hdf5');
  });

  it.each([
    ['2025-10-02T14:03:07_sb16.hdf5', /subband 16 is out of range/],
    ['2025-02-30T14:03:07_sb01.hdf5', /not a valid UTC date/],
    ['2025-10-02 14:03:07_sb01.hdf5', /does not match/],
    ['2025-10-02T14:03:07_sb1.hdf5', /does not match/],
    ['2025-10-02T14:03:07_sb01.h5', /does not match/],
    ['2025-10-02T14:03:07_sb01_incomplete.hdf5', /still being written/],
  ])('rejects %s', async (name, why) => {
    const err = await expectUvh5Error(async () => parseCorrelatorFileName(name), name, 'file name', why);
    expect(err.detail).toContain('expected YYYY-MM-DDTHH:MM:SS_sbNN.hdf5');
  });
});
