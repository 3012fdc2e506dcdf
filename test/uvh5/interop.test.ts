// Interop with h5py (Debian python3): our files satisfy the UVH5 memo as h5py sees them, and
// files h5py writes (correlator-style, int32 compound, newer layout with a catalog) read correctly.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';
import { MJD_OFFSET } from '../../src/main/engine/uvh5/model';
import { openUvh5, readUvh5Metadata } from '../../src/main/engine/uvh5/reader';
import { dsaLikeHeader } from './synthetic';
import { writeUvh5 } from '../../src/main/engine/uvh5/writer';
import { expectPattern, patternBlock, tempDir } from './helpers';
import { H5PY_CHECKER, writeWithH5py } from './pyfixtures';

const tmp = tempDir();
afterAll(tmp.cleanup);

describe.skipIf(skipInterop(pythonModules('h5py', 'numpy')))('UVH5 interop with h5py', () => {
  describe.each(['spw-axis', 'flat'] as const)('files written by this project (%s layout)', (layout) => {
    it('open with h5py and follow the UVH5 layout', async () => {
      const header = dsaLikeHeader({ nants: 7, ntimes: 2, nfreqs: 12, subband: 3, layout });
      const path = join(tmp.dir, `ours-${layout}.hdf5`);
      await writeUvh5(path, header, [patternBlock(header, 0, 20), patternBlock(header, 20, header.Nblts - 20)]);
      const out = JSON.parse(runPython(H5PY_CHECKER, [path, layout])) as {
        ok: boolean;
        nflagged: number;
        freq0: number;
        n: Record<string, number>;
      };
      expect(out.ok).toBe(true);
      expect(out.n).toMatchObject({
        Nbls: 28,
        Nblts: 56,
        Nfreqs: 12,
        Npols: 2,
        Ntimes: 2,
        Nspws: 1,
        Nants_data: 7,
        Nants_telescope: 117,
      });
      expect(out.freq0).toBe(header.freq_array[0]);
      let flagged = 0;
      for (let r = 0; r < 56; r++)
        for (let f = 0; f < 12; f++) for (let p = 0; p < 2; p++) flagged += (r + f + p) % 3 === 0 ? 1 : 0;
      expect(out.nflagged).toBe(flagged);
    });
  });

  it('reads a correlator-style file written by h5py (complex64, bool flags, vlen string keyword)', async () => {
    const path = join(tmp.dir, 'h5py-correlator.hdf5');
    const w = writeWithH5py({ path });
    const f = await openUvh5(path);
    try {
      const h = f.header;
      expect(f.data).toMatchObject({
        layout: 'spw-axis',
        visType: 'float32',
        flagType: 'bool',
        nsamplesType: 'float32',
      });
      expect([h.Nblts, h.Nbls, h.Nfreqs, h.Npols, h.Ntimes]).toEqual([w.nblts, w.nbls, 6, 2, 3]);
      expect(Array.from(h.freq_array)).toEqual(w.freqs);
      expect(h.channel_width[5]).toBe(244140.625);
      expect(h.phase_type).toBe('drift');
      expect(h.extra_keywords).toMatchObject({
        phase_center_dec: w.dec,
        ha_phase_center: 0,
        phase_center_epoch: 'HADEC',
        fs_table: 'fs.npz',
      });
      expect(h.antenna_names.slice(0, 3)).toEqual(['1', '2', '3']);
      // uvw stored as float32 by the correlator: 1.5 is exact.
      expect(h.uvw_array[4]).toBe(1.5);
      expect(Math.min(...h.time_array)).toBe(w.times[0]);
      expect(expectPattern(h, f.readVisibilities({ rowStart: 0, rowCount: h.Nblts }))).toBe(w.nblts * 12);
      expect(expectPattern(h, f.readVisibilities({ rowStart: 7, rowCount: 9 }))).toBe(9 * 12);
    } finally {
      f.close();
    }
    const m = await readUvh5Metadata(path);
    expect(m.declinationSource).toBe('extra_keywords/phase_center_dec');
    expect(m.declinationDeg).toBeCloseTo(54.57, 12);
    expect(m.firstTimeMjd).toBeCloseTo(w.times[0] - MJD_OFFSET, 10);
    expect(m.lastTimeMjd).toBeCloseTo(w.times[1] - MJD_OFFSET, 10);
  });

  it('reads the int32 compound variant, converting to float32', async () => {
    const path = join(tmp.dir, 'h5py-int32.hdf5');
    const w = writeWithH5py({ path, vis: 'i4', flags: 'u1', nsamples: 'f8' });
    const f = await openUvh5(path, { maxBlockBytes: 1024 });
    try {
      expect(f.data).toMatchObject({ visType: 'int32', flagType: 'uint8', nsamplesType: 'float64' });
      const b = f.readVisibilities({ rowStart: 3, rowCount: w.nblts - 3 });
      let bad = 0;
      for (let r = 0, e = 0; r < b.rows; r++) {
        for (let c = 0; c < 6; c++) {
          for (let p = 0; p < 2; p++, e++) {
            const row = r + 3;
            if (b.vis[2 * e] !== row * 2 + c || b.vis[2 * e + 1] !== p - c * 3) bad++;
            if (b.flags[e] !== ((row + c + p) % 3 === 0 ? 1 : 0) || b.nsamples[e] !== 1 + (row % 5) * 0.5) bad++;
          }
        }
      }
      expect(bad).toBe(0);
      // The converting path of forEachBlock (int32 visdata, uint8 flags, float64 nsamples).
      const rows: number[] = [];
      f.forEachBlock({ blockRows: 20 }, (blk) => {
        rows.push(blk.rows);
        expect(blk.vis[2 * 12 * 3]).toBe((blk.rowStart + 3) * 2);
        expect(blk.nsamples[12 * 4]).toBe(1 + ((blk.rowStart + 4) % 5) * 0.5);
      });
      expect(rows).toEqual([20, 20, 5]);
    } finally {
      f.close();
    }
  });

  it('reads the newer flat layout with a phase-centre catalog', async () => {
    const path = join(tmp.dir, 'h5py-flat.hdf5');
    const w = writeWithH5py({ path, layout: 'flat', npols: 4, decDeg: 16.3 });
    const f = await openUvh5(path);
    try {
      const h = f.header;
      expect(f.data.layout).toBe('flat');
      expect(f.data.shape).toEqual([w.nblts, 6, 4]);
      expect(h.phase_type).toBeNull();
      expect(h.phase_center_catalog).toEqual([
        {
          id: 0,
          cat_name: 'J0834+555',
          cat_type: 'sidereal',
          cat_lon: 2.2568,
          cat_lat: w.dec,
          cat_frame: 'icrs',
          cat_epoch: 2000,
          extra: { info_source: 'user' },
        },
      ]);
      expect(h.object_name).toBe('J0834+555');
      expect(Array.from(h.channel_width)).toEqual(new Array(6).fill(-244140.625));
      expect(Array.from(h.polarization_array)).toEqual([-5, -6, -7, -8]);
      expect(h.vis_units).toBe('uncalib');
      expect(expectPattern(h, f.readVisibilities({ rowStart: 0, rowCount: h.Nblts }))).toBe(w.nblts * 24);
    } finally {
      f.close();
    }
    const m = await readUvh5Metadata(path);
    expect(m.declinationSource).toBe('phase_center_catalog');
    expect(m.declinationDeg).toBeCloseTo(16.3, 12);
  });
});
