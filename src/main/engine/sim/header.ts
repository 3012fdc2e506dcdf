// The UVH5 header of one simulated subband file, laid out as the DSA-110 correlator writes it
// (older spw-axis layout, drift phase type, meridian uvw, the extra_keywords it records).
import {
  ARRAY_CENTRE,
  DISH_DIAMETER_M,
  POLARIZATIONS,
  STATION_COUNT,
  antennaPositionsEcef,
} from '../../../shared/instrument';
import { mjdToJd } from '../../../shared/astro';
import type { Uvh5Header } from '../uvh5/model';
import type { SimArray } from './array';

export interface SubbandHeaderInput {
  arr: SimArray;
  /** Meridian uvw (m), nbl x 3. */
  uvw: Float64Array;
  timesMjd: Float64Array;
  integrationS: number;
  freqsHz: Float64Array;
  channelWidthHz: number;
  /** Pointing declination of date (rad). */
  decOfDateRad: number;
  history: string;
}

export function subbandHeader(h: SubbandHeaderInput): Uvh5Header {
  const nbl = h.arr.ant1.length;
  const ntimes = h.timesMjd.length;
  const nblts = nbl * ntimes;
  const ant1 = new Int32Array(nblts);
  const ant2 = new Int32Array(nblts);
  const uvw = new Float64Array(nblts * 3);
  const time = new Float64Array(nblts);
  for (let t = 0; t < ntimes; t++) {
    const jd = mjdToJd(h.timesMjd[t] as number);
    ant1.set(h.arr.ant1, t * nbl);
    ant2.set(h.arr.ant2, t * nbl);
    uvw.set(h.uvw, t * nbl * 3);
    time.fill(jd, t * nbl, (t + 1) * nbl);
  }
  return {
    layout: 'spw-axis',
    latitude: ARRAY_CENTRE.latitudeDeg,
    longitude: ARRAY_CENTRE.longitudeDeg,
    altitude: ARRAY_CENTRE.heightM,
    telescope_name: 'OVRO_MMA',
    instrument: 'DSA',
    object_name: 'search',
    history: h.history,
    phase_type: 'drift',
    Nants_data: h.arr.stations.length,
    Nants_telescope: STATION_COUNT,
    Nbls: nbl,
    Nblts: nblts,
    Nfreqs: h.freqsHz.length,
    Npols: POLARIZATIONS.length,
    Ntimes: ntimes,
    Nspws: 1,
    antenna_names: Array.from({ length: STATION_COUNT }, (_, i) => String(i + 1)),
    antenna_numbers: Int32Array.from({ length: STATION_COUNT }, (_, i) => i),
    antenna_positions: antennaPositionsEcef(),
    antenna_diameters: new Float64Array(STATION_COUNT).fill(DISH_DIAMETER_M),
    ant_1_array: ant1,
    ant_2_array: ant2,
    uvw_array: uvw,
    time_array: time,
    integration_time: new Float64Array(nblts).fill(h.integrationS),
    lst_array: null,
    freq_array: Float64Array.from(h.freqsHz),
    channel_width: new Float64Array(h.freqsHz.length).fill(Math.abs(h.channelWidthHz)),
    spw_array: Int32Array.of(1),
    flex_spw_id_array: null,
    polarization_array: Int32Array.from(POLARIZATIONS),
    vis_units: null,
    x_orientation: null,
    phase_center_ra: null,
    phase_center_dec: null,
    phase_center_epoch: null,
    phase_center_frame: null,
    phase_center_app_ra: null,
    phase_center_app_dec: new Float64Array(nblts).fill(h.decOfDateRad),
    phase_center_frame_pa: null,
    phase_center_id_array: null,
    Nphase: null,
    phase_center_catalog: null,
    dut1: null,
    earth_omega: null,
    gst0: null,
    rdate: null,
    timesys: null,
    blt_order: null,
    extra_keywords: {
      phase_center_dec: h.decOfDateRad,
      ha_phase_center: 0,
      phase_center_epoch: 'HADEC',
      fs_table: 'simulated',
      applied_delays_ns: 'simulated: none',
    },
  };
}
