// A DSA-110-shaped UVH5 header for the UVH5 tests, built from the instrument model and the
// simulator's correlator layout (real station positions, meridian uvw, descending channels).
import { CHANNEL_WIDTH_HZ, INTEGRATION_S, channelFrequencyHz } from '../../src/shared/instrument';
import { jdToMjd } from '../../src/shared/astro';
import { meridianUvw, simArray } from '../../src/main/engine/sim/array';
import { subbandHeader } from '../../src/main/engine/sim/header';
import type { Uvh5Header, Uvh5Layout } from '../../src/main/engine/uvh5/model';

export interface SyntheticOptions {
  /** Active antennas: stations 1..nants. */
  nants: number;
  ntimes: number;
  nfreqs?: number;
  npols?: 2 | 4;
  subband?: number;
  /** JD of the start of the first integration. */
  startJd?: number;
  decRad?: number;
  layout?: Uvh5Layout;
}

export function dsaLikeHeader(o: SyntheticOptions): Uvh5Header {
  const nfreqs = o.nfreqs ?? 48;
  const sb = o.subband ?? 0;
  const dec = o.decRad ?? (54.57 * Math.PI) / 180;
  const startMjd = jdToMjd(o.startJd ?? 2460950.5);
  const layout = o.layout ?? 'spw-axis';
  const arr = simArray(Array.from({ length: o.nants }, (_, i) => i + 1));
  const h = subbandHeader({
    arr,
    uvw: meridianUvw(arr, dec),
    timesMjd: Float64Array.from({ length: o.ntimes }, (_, t) => startMjd + ((t + 0.5) * INTEGRATION_S) / 86400),
    integrationS: INTEGRATION_S,
    freqsHz: Float64Array.from({ length: nfreqs }, (_, k) => channelFrequencyHz(sb, k)),
    channelWidthHz: CHANNEL_WIDTH_HZ,
    decOfDateRad: dec,
    history: 'synthetic DSA-110-shaped file written by the dsa110-contimg tests',
  });
  h.extra_keywords = {
    ...h.extra_keywords,
    fs_table: 'fringestopping_table.npz',
    applied_delays_ns: Array.from({ length: 2 * o.nants }, (_, i) => String((i * 7) % 31)).join(' '),
  };
  h.blt_order = 'time, baseline';
  if (o.npols === 4) {
    h.Npols = 4;
    h.polarization_array = Int32Array.of(-5, -7, -8, -6);
  }
  if (layout === 'flat') {
    h.layout = 'flat';
    h.phase_type = null;
    h.vis_units = 'uncalib';
    h.flex_spw_id_array = new Int32Array(nfreqs).fill(1);
    h.phase_center_catalog = [
      {
        id: 0,
        cat_name: 'search',
        cat_type: 'unprojected',
        cat_lon: 0,
        cat_lat: Math.PI / 2,
        cat_frame: 'altaz',
        cat_epoch: null,
        extra: { info_source: 'user' },
      },
    ];
    h.phase_center_id_array = new Int32Array(h.Nblts);
    h.Nphase = 1;
  }
  return h;
}
