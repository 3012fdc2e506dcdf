// The UVH5 data model: every Header field declared once (name, kind, shape in named dimensions,
// unit, when required), the in-memory header and visibility-block types, and their validation.
import { Uvh5Error } from './errors';

/**
 * `spw-axis`: the older layout the DSA-110 correlator writes, Data/* of shape
 * (Nblts, 1, Nfreqs, Npols), freq_array (1, Nfreqs), scalar channel_width, `phase_type`.
 * `flat`: newer pyuvdata, Data/* of shape (Nblts, Nfreqs, Npols), 1-D freq_array and
 * channel_width, and a phase-centre catalog instead of `phase_type`.
 */
export type Uvh5Layout = 'spw-axis' | 'flat';

export type Dim = 'Nblts' | 'Nbls' | 'Nfreqs' | 'Npols' | 'Nspws' | 'Ntimes' | 'Nants_telescope' | 3 | 1;

export type FieldKind = 'float' | 'int' | 'string';

/**
 * When a field must be present: in every file; only in files without a phase-centre catalog
 * (the older style, `phase_type`); only in files with one (the newer style); or never.
 */
export type Requirement = 'always' | 'without-catalog' | 'with-catalog' | 'optional';

export interface FieldSpec {
  readonly name: string;
  readonly kind: FieldKind;
  /** Shape written in the older (spw-axis) layout; [] is a scalar. */
  readonly shape: readonly Dim[];
  /** Shape written in the flat layout where it differs (a reader accepts both). */
  readonly flatShape?: readonly Dim[];
  /** Dimensions a reader also accepts (e.g. a scalar where an array is declared). */
  readonly altShapes?: readonly (readonly Dim[])[];
  readonly unit: string;
  readonly required: Requirement;
  readonly description: string;
}

const f = (s: FieldSpec): FieldSpec => s;

/** Header datasets, after the pyuvdata UVH5 memo and what the DSA-110 correlator writes. */
export const HEADER_FIELDS: readonly FieldSpec[] = [
  f({
    name: 'latitude',
    kind: 'float',
    shape: [],
    unit: 'deg',
    required: 'always',
    description: 'telescope geodetic latitude',
  }),
  f({
    name: 'longitude',
    kind: 'float',
    shape: [],
    unit: 'deg',
    required: 'always',
    description: 'telescope longitude, east positive',
  }),
  f({
    name: 'altitude',
    kind: 'float',
    shape: [],
    unit: 'm',
    required: 'always',
    description: 'telescope height above the ellipsoid',
  }),
  f({
    name: 'telescope_name',
    kind: 'string',
    shape: [],
    unit: '',
    required: 'always',
    description: 'telescope (DSA-110 writes OVRO_MMA)',
  }),
  f({ name: 'instrument', kind: 'string', shape: [], unit: '', required: 'always', description: 'instrument (DSA)' }),
  f({
    name: 'object_name',
    kind: 'string',
    shape: [],
    unit: '',
    required: 'without-catalog',
    description: 'observed object or field',
  }),
  f({ name: 'history', kind: 'string', shape: [], unit: '', required: 'always', description: 'processing history' }),
  f({
    name: 'phase_type',
    kind: 'string',
    shape: [],
    unit: '',
    required: 'without-catalog',
    description: "'drift' or 'phased'",
  }),
  f({ name: 'Nants_data', kind: 'int', shape: [], unit: '', required: 'always', description: 'antennas with data' }),
  f({
    name: 'Nants_telescope',
    kind: 'int',
    shape: [],
    unit: '',
    required: 'always',
    description: 'antennas described by the file',
  }),
  f({
    name: 'Nbls',
    kind: 'int',
    shape: [],
    unit: '',
    required: 'always',
    description: 'baselines (autocorrelations included)',
  }),
  f({ name: 'Nblts', kind: 'int', shape: [], unit: '', required: 'always', description: 'baseline-time rows' }),
  f({ name: 'Nfreqs', kind: 'int', shape: [], unit: '', required: 'always', description: 'frequency channels' }),
  f({ name: 'Npols', kind: 'int', shape: [], unit: '', required: 'always', description: 'polarisation products' }),
  f({
    name: 'Ntimes',
    kind: 'int',
    shape: [],
    unit: '',
    required: 'always',
    description: 'distinct integration times',
  }),
  f({ name: 'Nspws', kind: 'int', shape: [], unit: '', required: 'always', description: 'spectral windows' }),
  f({
    name: 'antenna_names',
    kind: 'string',
    shape: ['Nants_telescope'],
    unit: '',
    required: 'always',
    description: 'antenna names',
  }),
  f({
    name: 'antenna_numbers',
    kind: 'int',
    shape: ['Nants_telescope'],
    unit: '',
    required: 'always',
    description: 'antenna numbers used by ant_1/ant_2_array',
  }),
  f({
    name: 'antenna_positions',
    kind: 'float',
    shape: ['Nants_telescope', 3],
    unit: 'm',
    required: 'always',
    description: 'ECEF offsets from the telescope location',
  }),
  f({
    name: 'antenna_diameters',
    kind: 'float',
    shape: ['Nants_telescope'],
    unit: 'm',
    required: 'optional',
    description: 'dish diameters',
  }),
  f({
    name: 'ant_1_array',
    kind: 'int',
    shape: ['Nblts'],
    unit: '',
    required: 'always',
    description: 'first antenna number per row',
  }),
  f({
    name: 'ant_2_array',
    kind: 'int',
    shape: ['Nblts'],
    unit: '',
    required: 'always',
    description: 'second antenna number per row',
  }),
  f({
    name: 'uvw_array',
    kind: 'float',
    shape: ['Nblts', 3],
    unit: 'm',
    required: 'always',
    description: 'uvw per row, antenna 2 - antenna 1',
  }),
  f({
    name: 'time_array',
    kind: 'float',
    shape: ['Nblts'],
    unit: 'JD',
    required: 'always',
    description: 'mid-integration Julian date (UTC) per row',
  }),
  f({
    name: 'integration_time',
    kind: 'float',
    shape: ['Nblts'],
    unit: 's',
    required: 'always',
    description: 'integration length per row',
  }),
  f({
    name: 'lst_array',
    kind: 'float',
    shape: ['Nblts'],
    unit: 'rad',
    required: 'optional',
    description: 'local apparent sidereal time per row',
  }),
  f({
    name: 'freq_array',
    kind: 'float',
    shape: [1, 'Nfreqs'],
    flatShape: ['Nfreqs'],
    unit: 'Hz',
    required: 'always',
    description: 'channel centre frequencies, file order',
  }),
  f({
    name: 'channel_width',
    kind: 'float',
    shape: [],
    flatShape: ['Nfreqs'],
    altShapes: [['Nfreqs'], []],
    unit: 'Hz',
    required: 'always',
    description: 'channel width (DSA-110: positive although channels descend)',
  }),
  f({
    name: 'spw_array',
    kind: 'int',
    shape: ['Nspws'],
    unit: '',
    required: 'always',
    description: 'spectral window numbers',
  }),
  f({
    name: 'flex_spw_id_array',
    kind: 'int',
    shape: ['Nfreqs'],
    unit: '',
    required: 'optional',
    description: 'spectral window of each channel',
  }),
  f({
    name: 'polarization_array',
    kind: 'int',
    shape: ['Npols'],
    unit: '',
    required: 'always',
    description: 'AIPS memo 117 codes (-5 XX, -6 YY, -7 XY, -8 YX)',
  }),
  f({
    name: 'vis_units',
    kind: 'string',
    shape: [],
    unit: '',
    required: 'optional',
    description: "'uncalib', 'Jy' or 'K str'",
  }),
  f({
    name: 'x_orientation',
    kind: 'string',
    shape: [],
    unit: '',
    required: 'optional',
    description: 'orientation of the x feed',
  }),
  f({
    name: 'phase_center_ra',
    kind: 'float',
    shape: [],
    unit: 'rad',
    required: 'optional',
    description: "phase centre RA (older 'phased' files)",
  }),
  f({
    name: 'phase_center_dec',
    kind: 'float',
    shape: [],
    unit: 'rad',
    required: 'optional',
    description: "phase centre Dec (older 'phased' files)",
  }),
  f({
    name: 'phase_center_epoch',
    kind: 'float',
    shape: [],
    unit: 'yr',
    required: 'optional',
    description: "phase centre epoch (older 'phased' files)",
  }),
  f({
    name: 'phase_center_frame',
    kind: 'string',
    shape: [],
    unit: '',
    required: 'optional',
    description: "phase centre frame (older 'phased' files)",
  }),
  f({
    name: 'phase_center_app_ra',
    kind: 'float',
    shape: ['Nblts'],
    altShapes: [[]],
    unit: 'rad',
    required: 'optional',
    description: 'apparent RA of the phase centre per row',
  }),
  f({
    name: 'phase_center_app_dec',
    kind: 'float',
    shape: ['Nblts'],
    altShapes: [[]],
    unit: 'rad',
    required: 'optional',
    description: 'apparent Dec of the phase centre per row (DSA-110: a scalar)',
  }),
  f({
    name: 'phase_center_frame_pa',
    kind: 'float',
    shape: ['Nblts'],
    unit: 'rad',
    required: 'optional',
    description: 'position angle of the phase-centre frame per row',
  }),
  f({
    name: 'phase_center_id_array',
    kind: 'int',
    shape: ['Nblts'],
    unit: '',
    required: 'with-catalog',
    description: 'phase_center_catalog id per row',
  }),
  f({
    name: 'Nphase',
    kind: 'int',
    shape: [],
    unit: '',
    required: 'with-catalog',
    description: 'entries in phase_center_catalog',
  }),
  f({ name: 'dut1', kind: 'float', shape: [], unit: 's', required: 'optional', description: 'UT1 - UTC' }),
  f({
    name: 'earth_omega',
    kind: 'float',
    shape: [],
    unit: 'deg/day',
    required: 'optional',
    description: 'Earth rotation rate',
  }),
  f({ name: 'gst0', kind: 'float', shape: [], unit: 'deg', required: 'optional', description: 'GST at 0h on rdate' }),
  f({
    name: 'rdate',
    kind: 'string',
    shape: [],
    unit: '',
    required: 'optional',
    description: 'reference date of gst0',
  }),
  f({ name: 'timesys', kind: 'string', shape: [], unit: '', required: 'optional', description: 'time system (UTC)' }),
  f({
    name: 'blt_order',
    kind: 'string',
    shape: [],
    unit: '',
    required: 'optional',
    description: "order of the row axis, e.g. 'time, baseline'",
  }),
];

export const FIELD_BY_NAME: ReadonlyMap<string, FieldSpec> = new Map(HEADER_FIELDS.map((s) => [s.name, s]));

/** The Data group: three datasets of one shape. */
export const DATA_FIELDS = {
  visdata: {
    unit: 'uncalibrated correlator units (or vis_units)',
    description: 'complex visibilities, compound {r,i} of float32 (float64, int32 accepted)',
  },
  flags: { unit: '', description: 'true where flagged; h5py boolean enum (uint8 accepted)' },
  nsamples: { unit: '', description: 'samples integrated, float32 (float64 accepted)' },
} as const;

export type ExtraValue = number | string | boolean | null | readonly number[] | readonly string[];

/** One entry of the newer layout's phase-centre catalog (Header/phase_center_catalog/<id>). */
export interface PhaseCenter {
  id: number;
  cat_name: string;
  cat_type: string;
  /** RA or azimuth-like longitude, rad. */
  cat_lon: number | null;
  /** Dec or latitude, rad. */
  cat_lat: number | null;
  cat_frame: string | null;
  cat_epoch: number | null;
  /** Any further keys (cat_times, cat_pm_ra, info_source ...), as found. */
  extra: Record<string, ExtraValue>;
}

/** A file's complete metadata, normalised across the two layouts. Names are the dataset names. */
export interface Uvh5Header {
  layout: Uvh5Layout;
  latitude: number;
  longitude: number;
  altitude: number;
  telescope_name: string;
  instrument: string;
  object_name: string;
  history: string;
  /** 'drift' | 'phased' in older files; null in files with a phase-centre catalog. */
  phase_type: string | null;
  Nants_data: number;
  Nants_telescope: number;
  Nbls: number;
  Nblts: number;
  Nfreqs: number;
  Npols: number;
  Ntimes: number;
  Nspws: number;
  antenna_names: string[];
  antenna_numbers: Int32Array;
  /** [Nants_telescope][3], m, relative to the telescope location. */
  antenna_positions: Float64Array;
  antenna_diameters: Float64Array | null;
  ant_1_array: Int32Array;
  ant_2_array: Int32Array;
  /** [Nblts][3], m. */
  uvw_array: Float64Array;
  time_array: Float64Array;
  integration_time: Float64Array;
  lst_array: Float64Array | null;
  /** [Nfreqs], Hz, in file order (DSA-110: descending). */
  freq_array: Float64Array;
  /** [Nfreqs], Hz; a scalar in the file is broadcast. */
  channel_width: Float64Array;
  spw_array: Int32Array;
  flex_spw_id_array: Int32Array | null;
  polarization_array: Int32Array;
  vis_units: string | null;
  x_orientation: string | null;
  /** Older 'phased' files. */
  phase_center_ra: number | null;
  phase_center_dec: number | null;
  phase_center_epoch: number | null;
  phase_center_frame: string | null;
  /** [Nblts] rad; a scalar in the file is broadcast. */
  phase_center_app_ra: Float64Array | null;
  phase_center_app_dec: Float64Array | null;
  phase_center_frame_pa: Float64Array | null;
  phase_center_id_array: Int32Array | null;
  Nphase: number | null;
  phase_center_catalog: PhaseCenter[] | null;
  dut1: number | null;
  earth_omega: number | null;
  gst0: number | null;
  rdate: string | null;
  timesys: string | null;
  blt_order: string | null;
  extra_keywords: Record<string, ExtraValue>;
}

/** Visibilities for `rows` consecutive baseline-time rows, row-major [row][freq][pol]. */
export interface VisibilityBlock {
  rowStart: number;
  rows: number;
  /** Interleaved complex (re, im), length rows * Nfreqs * Npols * 2. */
  vis: Float32Array;
  /** 1 = flagged, length rows * Nfreqs * Npols. */
  flags: Uint8Array;
  nsamples: Float32Array;
}

/** Size of one visibility row in the block's typed arrays, in elements. */
export function rowElements(h: Pick<Uvh5Header, 'Nfreqs' | 'Npols'>): number {
  return h.Nfreqs * h.Npols;
}

/** Allocate a block for `rows` rows. */
export function allocateBlock(h: Pick<Uvh5Header, 'Nfreqs' | 'Npols'>, rows: number, rowStart = 0): VisibilityBlock {
  const n = rows * rowElements(h);
  return { rowStart, rows, vis: new Float32Array(2 * n), flags: new Uint8Array(n), nsamples: new Float32Array(n) };
}

/** The size a dimension names, for a header. */
export function dimSize(h: Uvh5Header, d: Dim): number {
  return typeof d === 'number' ? d : h[d];
}

/**
 * Check a header's internal consistency (array lengths against the N* counts, antennas used
 * by rows exist, Nbls against the rows). Throws Uvh5Error naming the field.
 */
export function validateHeader(h: Uvh5Header, file: string): void {
  const fail = (field: string, msg: string): never => {
    throw new Uvh5Error(file, field, msg);
  };
  for (const k of ['Nants_data', 'Nants_telescope', 'Nbls', 'Nblts', 'Nfreqs', 'Npols', 'Ntimes', 'Nspws'] as const) {
    if (!Number.isSafeInteger(h[k]) || h[k] < 1) fail(k, `expected a positive integer, got ${h[k]}`);
  }
  const len = (field: string, got: number, want: number, what: string): void => {
    if (got !== want) fail(field, `expected ${want} values (${what}), got ${got}`);
  };
  len('antenna_names', h.antenna_names.length, h.Nants_telescope, 'Nants_telescope');
  len('antenna_numbers', h.antenna_numbers.length, h.Nants_telescope, 'Nants_telescope');
  len('antenna_positions', h.antenna_positions.length, 3 * h.Nants_telescope, 'Nants_telescope x 3');
  if (h.antenna_diameters) len('antenna_diameters', h.antenna_diameters.length, h.Nants_telescope, 'Nants_telescope');
  for (const k of ['ant_1_array', 'ant_2_array', 'time_array', 'integration_time'] as const)
    len(k, h[k].length, h.Nblts, 'Nblts');
  len('uvw_array', h.uvw_array.length, 3 * h.Nblts, 'Nblts x 3');
  for (const k of [
    'lst_array',
    'phase_center_app_ra',
    'phase_center_app_dec',
    'phase_center_frame_pa',
    'phase_center_id_array',
  ] as const) {
    const a = h[k];
    if (a) len(k, a.length, h.Nblts, 'Nblts');
  }
  len('freq_array', h.freq_array.length, h.Nfreqs, 'Nfreqs');
  len('channel_width', h.channel_width.length, h.Nfreqs, 'Nfreqs');
  len('spw_array', h.spw_array.length, h.Nspws, 'Nspws');
  if (h.flex_spw_id_array) len('flex_spw_id_array', h.flex_spw_id_array.length, h.Nfreqs, 'Nfreqs');
  len('polarization_array', h.polarization_array.length, h.Npols, 'Npols');
  if (h.layout === 'spw-axis' && h.Nspws !== 1)
    fail('Nspws', `the spw-axis layout holds one spectral window, got Nspws = ${h.Nspws}`);
  if (!h.phase_center_catalog && h.phase_type === null)
    fail('phase_type', "required ('drift' or 'phased') when there is no phase_center_catalog");
  if (h.phase_center_catalog && !h.phase_center_id_array)
    fail('phase_center_id_array', 'required with a phase_center_catalog');
  const known = new Set(h.antenna_numbers);
  const used = new Set<number>();
  for (let i = 0; i < h.Nblts; i++) {
    const a1 = h.ant_1_array[i] as number;
    const a2 = h.ant_2_array[i] as number;
    if (!known.has(a1)) fail('ant_1_array', `row ${i}: antenna ${a1} is not in antenna_numbers`);
    if (!known.has(a2)) fail('ant_2_array', `row ${i}: antenna ${a2} is not in antenna_numbers`);
    used.add(a1).add(a2);
  }
  if (used.size > h.Nants_data)
    fail('Nants_data', `rows use ${used.size} antennas, more than Nants_data = ${h.Nants_data}`);
  if (h.Nblts > h.Nbls * h.Ntimes) fail('Nblts', `Nblts = ${h.Nblts} exceeds Nbls x Ntimes = ${h.Nbls * h.Ntimes}`);
  for (let i = 0; i < h.Nfreqs; i++) {
    const v = h.freq_array[i] as number;
    if (!(v > 0) || !Number.isFinite(v))
      fail('freq_array', `channel ${i}: expected a positive frequency in Hz, got ${v}`);
  }
  if (h.phase_center_catalog && h.phase_center_id_array) {
    const ids = new Set(h.phase_center_catalog.map((p) => p.id));
    for (let i = 0; i < h.Nblts; i++) {
      const id = h.phase_center_id_array[i] as number;
      if (!ids.has(id)) fail('phase_center_id_array', `row ${i}: id ${id} is not in phase_center_catalog`);
    }
  }
}

/** JD of MJD 0. */
export const MJD_OFFSET = 2400000.5;
