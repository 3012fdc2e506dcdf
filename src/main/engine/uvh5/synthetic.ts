// A DSA-110-shaped UVH5 header for tests, benchmarks and the simulator: the correlator's
// channelisation (descending), antenna naming, baseline order and meridian (HA = 0) uvw.
import type { Uvh5Header, Uvh5Layout } from './model';

export const DSA_INTEGRATION_S = 12.884901888;
export const DSA_CHANNEL_HZ = 30517.578125;
export const DSA_NANTS_TELESCOPE = 117;
/** Array centre used by the instrument's tools (DSA110.md). */
export const DSA_SITE = { latitudeDeg: 37.2334051, longitudeDeg: -118.283, altitudeM: 1188.05 };

/** Output channel k of subband sb: mean of 8 correlator channels, descending. */
export function dsaChannelHz(subband: number, k: number): number {
  return 1530e6 - (1024 + 384 * subband + 8 * k + 3.5) * DSA_CHANNEL_HZ;
}

export interface SyntheticOptions {
  /** Active antennas (the first `nants` of the 117 stations). */
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

/** Station position in local east-north-up metres: E-W arm, N-S arm, then outriggers. */
function stationEnu(i: number): [number, number, number] {
  if (i < 51) return [(i - 25) * 5.75, 0, 0];
  if (i < 102) return [0, (i - 50) * 5.75, 0];
  const k = i - 102;
  return [(k % 2 ? 1 : -1) * (400 + 150 * k), (k % 3) * 300 - 300, 0];
}

export function dsaLikeHeader(o: SyntheticOptions): Uvh5Header {
  const nfreqs = o.nfreqs ?? 48;
  const npols = o.npols ?? 2;
  const sb = o.subband ?? 0;
  const dec = o.decRad ?? (54.57 * Math.PI) / 180;
  const startJd = o.startJd ?? 2460950.5;
  const layout = o.layout ?? 'spw-axis';
  const lat = (DSA_SITE.latitudeDeg * Math.PI) / 180;
  const lon = (DSA_SITE.longitudeDeg * Math.PI) / 180;
  const N = DSA_NANTS_TELESCOPE;
  if (!(o.nants >= 1 && o.nants <= N)) throw new RangeError(`nants must be in 1..${N}`);

  const enu = Array.from({ length: N }, (_, i) => stationEnu(i));
  // ENU -> ECEF offset (rotation only: positions are relative to the array centre).
  const positions = new Float64Array(3 * N);
  enu.forEach(([e, n, u], i) => {
    positions[3 * i] = -Math.sin(lon) * e - Math.sin(lat) * Math.cos(lon) * n + Math.cos(lat) * Math.cos(lon) * u;
    positions[3 * i + 1] = Math.cos(lon) * e - Math.sin(lat) * Math.sin(lon) * n + Math.cos(lat) * Math.sin(lon) * u;
    positions[3 * i + 2] = Math.cos(lat) * n + Math.sin(lat) * u;
  });

  const pairs: [number, number][] = [];
  for (let a = 0; a < o.nants; a++) for (let b = a; b < o.nants; b++) pairs.push([a, b]);
  const Nbls = pairs.length;
  const Nblts = Nbls * o.ntimes;
  const ant1 = new Int32Array(Nblts);
  const ant2 = new Int32Array(Nblts);
  const uvw = new Float64Array(3 * Nblts);
  const time = new Float64Array(Nblts);
  const blUvw = pairs.map(([a, b]) => {
    const [e1, n1, u1] = enu[a] as [number, number, number];
    const [e2, n2, u2] = enu[b] as [number, number, number];
    const [e, n, u] = [e2 - e1, n2 - n1, u2 - u1];
    // Equatorial components at HA = 0, then project on (HA = 0, dec): the fringe-stopped uvw.
    const X = -Math.sin(lat) * n + Math.cos(lat) * u;
    const Z = Math.cos(lat) * n + Math.sin(lat) * u;
    return [e, -Math.sin(dec) * X + Math.cos(dec) * Z, Math.cos(dec) * X + Math.sin(dec) * Z];
  });
  for (let t = 0, r = 0; t < o.ntimes; t++) {
    const jd = startJd + ((t + 0.5) * DSA_INTEGRATION_S) / 86400;
    for (let b = 0; b < Nbls; b++, r++) {
      const [a1, a2] = pairs[b] as [number, number];
      ant1[r] = a1;
      ant2[r] = a2;
      uvw.set(blUvw[b] as number[], 3 * r);
      time[r] = jd;
    }
  }
  const freqs = Float64Array.from({ length: nfreqs }, (_, k) => dsaChannelHz(sb, k));
  const catalog =
    layout === 'flat'
      ? [{ id: 0, cat_name: 'search', cat_type: 'unprojected', cat_lon: 0, cat_lat: Math.PI / 2, cat_frame: 'altaz', cat_epoch: null, extra: { info_source: 'user' } }]
      : null;
  return {
    layout,
    latitude: DSA_SITE.latitudeDeg,
    longitude: DSA_SITE.longitudeDeg,
    altitude: DSA_SITE.altitudeM,
    telescope_name: 'OVRO_MMA',
    instrument: 'DSA',
    object_name: 'search',
    history: 'synthetic DSA-110-shaped file written by dsa110-contimg',
    phase_type: layout === 'flat' ? null : 'drift',
    Nants_data: o.nants,
    Nants_telescope: N,
    Nbls,
    Nblts,
    Nfreqs: nfreqs,
    Npols: npols,
    Ntimes: o.ntimes,
    Nspws: 1,
    antenna_names: Array.from({ length: N }, (_, i) => String(i + 1)),
    antenna_numbers: Int32Array.from({ length: N }, (_, i) => i),
    antenna_positions: positions,
    antenna_diameters: new Float64Array(N).fill(4.65),
    ant_1_array: ant1,
    ant_2_array: ant2,
    uvw_array: uvw,
    time_array: time,
    integration_time: new Float64Array(Nblts).fill(DSA_INTEGRATION_S),
    lst_array: null,
    freq_array: freqs,
    channel_width: new Float64Array(nfreqs).fill(8 * DSA_CHANNEL_HZ),
    spw_array: Int32Array.of(1),
    flex_spw_id_array: layout === 'flat' ? new Int32Array(nfreqs).fill(1) : null,
    polarization_array: npols === 2 ? Int32Array.of(-5, -6) : Int32Array.of(-5, -7, -8, -6),
    vis_units: layout === 'flat' ? 'uncalib' : null,
    x_orientation: null,
    phase_center_ra: null,
    phase_center_dec: null,
    phase_center_epoch: null,
    phase_center_frame: null,
    phase_center_app_ra: null,
    phase_center_app_dec: new Float64Array(Nblts).fill(dec),
    phase_center_frame_pa: null,
    phase_center_id_array: catalog ? new Int32Array(Nblts) : null,
    Nphase: catalog ? 1 : null,
    phase_center_catalog: catalog,
    dut1: null,
    earth_omega: null,
    gst0: null,
    rdate: null,
    timesys: null,
    blt_order: 'time, baseline',
    extra_keywords: {
      phase_center_dec: dec,
      ha_phase_center: 0,
      phase_center_epoch: 'HADEC',
      fs_table: 'fringestopping_table.npz',
      applied_delays_ns: Array.from({ length: 2 * o.nants }, (_, i) => String((i * 7) % 31)).join(' '),
    },
  };
}
