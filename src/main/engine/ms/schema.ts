// Measurement Set v2 column descriptions (Kemball & Wieringa, CASA memo 229) with the measure
// keywords (MEASINFO, QuantumUnits) casacore's TableMeasures read, as CASA and python-casacore's
// default_ms write them. Array columns get fixed shapes: this casacore layer cannot write
// variable-shape cells, and one MS here has one channel count and one polarisation setup.
import { COLUMN_FIXED_SHAPE, arrayColumn, kw, scalarColumn } from '../casacore';
import type { ColumnDesc, DataTypeName, KeywordInput, KeywordValue } from '../casacore';

type Kws = { [name: string]: KeywordInput };

const units = (...u: string[]): KeywordValue => kw.strings(u);

/** TIME-like columns: MEpoch, UTC, seconds (MJD seconds). */
export const EPOCH_KW: Kws = { QuantumUnits: units('s'), MEASINFO: { type: 'epoch', Ref: 'UTC' } };
/** UVW of a J2000 phase centre (what CASA writes; casacore's default is ITRF). */
export const UVW_KW: Kws = { QuantumUnits: units('m', 'm', 'm'), MEASINFO: { type: 'uvw', Ref: 'J2000' } };
export const POSITION_KW: Kws = { QuantumUnits: units('m', 'm', 'm'), MEASINFO: { type: 'position', Ref: 'ITRF' } };
export const DIRECTION_KW: Kws = { QuantumUnits: units('rad', 'rad'), MEASINFO: { type: 'direction', Ref: 'J2000' } };
/** Frequencies whose reference frame is given per row by MEAS_FREQ_REF (5 = TOPO). */
export const FREQUENCY_KW: Kws = {
  QuantumUnits: units('Hz'),
  MEASINFO: {
    type: 'frequency',
    VarRefCol: 'MEAS_FREQ_REF',
    TabRefTypes: kw.strings(['REST', 'LSRK', 'LSRD', 'BARY', 'GEO', 'TOPO', 'GALACTO', 'LGROUP', 'CMB', 'Undefined']),
    TabRefCodes: kw.array('UInt', [10], Uint32Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 64)),
  },
};
export const quantum = (unit: string, n = 1): Kws => ({ QuantumUnits: units(...new Array<string>(n).fill(unit)) });

/** casacore MFrequency::Types code of TOPO. */
export const FREQ_REF_TOPO = 5;

const sc = (name: string, type: DataTypeName, keywords?: Kws): ColumnDesc =>
  scalarColumn(name, type, keywords ? { keywords } : {});
const ar = (name: string, type: DataTypeName, shape: number[], keywords?: Kws): ColumnDesc => {
  const c = arrayColumn(name, type, { shape }, keywords ? { keywords } : {});
  // casacore keeps String arrays in string buckets (never Direct); the shape stays fixed.
  return type === 'String' ? { ...c, options: COLUMN_FIXED_SHAPE } : c;
};
/** An array column whose cells are never written (undefined cells), e.g. FLAG_CATEGORY. */
const varAr = (name: string, type: DataTypeName, ndim: number, keywords?: Kws): ColumnDesc =>
  arrayColumn(name, type, { ndim }, keywords ? { keywords } : {});

/** The shape of the visibility cells of one MS: casacore order [npol, nchan]. */
export interface MsShape {
  npol: number;
  nchan: number;
}

/** Names of the MAIN columns written in tiled storage managers, like CASA's filler. */
export const TILED_COLUMNS = {
  DATA: 'TiledData',
  FLAG: 'TiledFlag',
  WEIGHT_SPECTRUM: 'TiledWgtSpectrum',
  MODEL_DATA: 'TiledModelData',
  CORRECTED_DATA: 'TiledCorrectedData',
} as const;

/** The MAIN table's required columns (MS v2 section 2) plus DATA and WEIGHT_SPECTRUM. */
export function mainColumns({ npol, nchan }: MsShape): ColumnDesc[] {
  return [
    ar('UVW', 'Double', [3], UVW_KW),
    ar('FLAG', 'Bool', [npol, nchan]),
    varAr('FLAG_CATEGORY', 'Bool', 3, { CATEGORY: kw.strings([]) }),
    ar('WEIGHT', 'Float', [npol]),
    ar('SIGMA', 'Float', [npol]),
    sc('ANTENNA1', 'Int'),
    sc('ANTENNA2', 'Int'),
    sc('ARRAY_ID', 'Int'),
    sc('DATA_DESC_ID', 'Int'),
    sc('EXPOSURE', 'Double', quantum('s')),
    sc('FEED1', 'Int'),
    sc('FEED2', 'Int'),
    sc('FIELD_ID', 'Int'),
    sc('FLAG_ROW', 'Bool'),
    sc('INTERVAL', 'Double', quantum('s')),
    sc('OBSERVATION_ID', 'Int'),
    sc('PROCESSOR_ID', 'Int'),
    sc('SCAN_NUMBER', 'Int'),
    sc('STATE_ID', 'Int'),
    sc('TIME', 'Double', EPOCH_KW),
    sc('TIME_CENTROID', 'Double', EPOCH_KW),
    ar('DATA', 'Complex', [npol, nchan]),
    ar('WEIGHT_SPECTRUM', 'Float', [npol, nchan]),
  ];
}

/** A complex visibility column added later (MODEL_DATA, CORRECTED_DATA). */
export function visibilityColumn(name: 'MODEL_DATA' | 'CORRECTED_DATA' | 'DATA', shape: MsShape): ColumnDesc {
  return ar(name, 'Complex', [shape.npol, shape.nchan]);
}

/** Per-subtable shapes that fix the subtables' array columns. */
export interface SubtableShapes extends MsShape {
  /** Receptors per feed (2 for X, Y). */
  nreceptors: number;
}

/** Column descriptions of every subtable this layer writes, MS v2 sections 3.x. */
export function subtableColumns(s: SubtableShapes): Record<SubtableName, ColumnDesc[]> {
  const nr = s.nreceptors;
  return {
    ANTENNA: [
      ar('OFFSET', 'Double', [3], POSITION_KW),
      ar('POSITION', 'Double', [3], POSITION_KW),
      sc('TYPE', 'String'),
      sc('DISH_DIAMETER', 'Double', quantum('m')),
      sc('FLAG_ROW', 'Bool'),
      sc('MOUNT', 'String'),
      sc('NAME', 'String'),
      sc('STATION', 'String'),
    ],
    DATA_DESCRIPTION: [sc('FLAG_ROW', 'Bool'), sc('POLARIZATION_ID', 'Int'), sc('SPECTRAL_WINDOW_ID', 'Int')],
    FEED: [
      ar('POSITION', 'Double', [3], POSITION_KW),
      ar('BEAM_OFFSET', 'Double', [2, nr], DIRECTION_KW),
      ar('POLARIZATION_TYPE', 'String', [nr]),
      ar('POL_RESPONSE', 'Complex', [nr, nr]),
      ar('RECEPTOR_ANGLE', 'Double', [nr], quantum('rad')),
      sc('ANTENNA_ID', 'Int'),
      sc('BEAM_ID', 'Int'),
      sc('FEED_ID', 'Int'),
      sc('INTERVAL', 'Double', quantum('s')),
      sc('NUM_RECEPTORS', 'Int'),
      sc('SPECTRAL_WINDOW_ID', 'Int'),
      sc('TIME', 'Double', EPOCH_KW),
    ],
    FIELD: [
      ar('DELAY_DIR', 'Double', [2, 1], DIRECTION_KW),
      ar('PHASE_DIR', 'Double', [2, 1], DIRECTION_KW),
      ar('REFERENCE_DIR', 'Double', [2, 1], DIRECTION_KW),
      sc('CODE', 'String'),
      sc('FLAG_ROW', 'Bool'),
      sc('NAME', 'String'),
      sc('NUM_POLY', 'Int'),
      sc('SOURCE_ID', 'Int'),
      sc('TIME', 'Double', EPOCH_KW),
    ],
    FLAG_CMD: [
      sc('APPLIED', 'Bool'),
      sc('COMMAND', 'String'),
      sc('INTERVAL', 'Double', quantum('s')),
      sc('LEVEL', 'Int'),
      sc('REASON', 'String'),
      sc('SEVERITY', 'Int'),
      sc('TIME', 'Double', EPOCH_KW),
      sc('TYPE', 'String'),
    ],
    HISTORY: [
      ar('APP_PARAMS', 'String', [1]),
      ar('CLI_COMMAND', 'String', [1]),
      sc('APPLICATION', 'String'),
      sc('MESSAGE', 'String'),
      sc('OBJECT_ID', 'Int'),
      sc('OBSERVATION_ID', 'Int'),
      sc('ORIGIN', 'String'),
      sc('PRIORITY', 'String'),
      sc('TIME', 'Double', EPOCH_KW),
    ],
    OBSERVATION: [
      ar('TIME_RANGE', 'Double', [2], EPOCH_KW),
      ar('LOG', 'String', [1]),
      ar('SCHEDULE', 'String', [1]),
      sc('FLAG_ROW', 'Bool'),
      sc('OBSERVER', 'String'),
      sc('PROJECT', 'String'),
      sc('RELEASE_DATE', 'Double', EPOCH_KW),
      sc('SCHEDULE_TYPE', 'String'),
      sc('TELESCOPE_NAME', 'String'),
    ],
    POINTING: [
      varAr('DIRECTION', 'Double', 2, DIRECTION_KW),
      sc('ANTENNA_ID', 'Int'),
      sc('INTERVAL', 'Double', quantum('s')),
      sc('NAME', 'String'),
      sc('NUM_POLY', 'Int'),
      varAr('TARGET', 'Double', 2, DIRECTION_KW),
      sc('TIME', 'Double', EPOCH_KW),
      sc('TIME_ORIGIN', 'Double', EPOCH_KW),
      sc('TRACKING', 'Bool'),
    ],
    POLARIZATION: [
      ar('CORR_TYPE', 'Int', [s.npol]),
      ar('CORR_PRODUCT', 'Int', [2, s.npol]),
      sc('FLAG_ROW', 'Bool'),
      sc('NUM_CORR', 'Int'),
    ],
    PROCESSOR: [
      sc('FLAG_ROW', 'Bool'),
      sc('MODE_ID', 'Int'),
      sc('TYPE', 'String'),
      sc('TYPE_ID', 'Int'),
      sc('SUB_TYPE', 'String'),
    ],
    SPECTRAL_WINDOW: [
      sc('MEAS_FREQ_REF', 'Int'),
      ar('CHAN_FREQ', 'Double', [s.nchan], FREQUENCY_KW),
      sc('REF_FREQUENCY', 'Double', FREQUENCY_KW),
      ar('CHAN_WIDTH', 'Double', [s.nchan], quantum('Hz')),
      ar('EFFECTIVE_BW', 'Double', [s.nchan], quantum('Hz')),
      ar('RESOLUTION', 'Double', [s.nchan], quantum('Hz')),
      sc('FLAG_ROW', 'Bool'),
      sc('FREQ_GROUP', 'Int'),
      sc('FREQ_GROUP_NAME', 'String'),
      sc('IF_CONV_CHAIN', 'Int'),
      sc('NAME', 'String'),
      sc('NET_SIDEBAND', 'Int'),
      sc('NUM_CHAN', 'Int'),
      sc('TOTAL_BANDWIDTH', 'Double', quantum('Hz')),
    ],
    STATE: [
      sc('CAL', 'Double', quantum('K')),
      sc('FLAG_ROW', 'Bool'),
      sc('LOAD', 'Double', quantum('K')),
      sc('OBS_MODE', 'String'),
      sc('REF', 'Bool'),
      sc('SIG', 'Bool'),
      sc('SUB_SCAN', 'Int'),
    ],
    SOURCE: [
      ar('DIRECTION', 'Double', [2], DIRECTION_KW),
      ar('PROPER_MOTION', 'Double', [2], quantum('rad/s')),
      sc('CALIBRATION_GROUP', 'Int'),
      sc('CODE', 'String'),
      sc('INTERVAL', 'Double', quantum('s')),
      sc('NAME', 'String'),
      sc('NUM_LINES', 'Int'),
      sc('SOURCE_ID', 'Int'),
      sc('SPECTRAL_WINDOW_ID', 'Int'),
      sc('TIME', 'Double', EPOCH_KW),
    ],
  };
}

/** Subtables written into every MS (the required ones of MS v2, and SOURCE). */
export const SUBTABLES = [
  'ANTENNA',
  'DATA_DESCRIPTION',
  'FEED',
  'FIELD',
  'FLAG_CMD',
  'HISTORY',
  'OBSERVATION',
  'POINTING',
  'POLARIZATION',
  'PROCESSOR',
  'SPECTRAL_WINDOW',
  'STATE',
  'SOURCE',
] as const;
export type SubtableName = (typeof SUBTABLES)[number];

/** AIPS memo 117 polarisation codes (UVH5) -> casacore Stokes::StokesTypes (MS CORR_TYPE). */
const STOKES: ReadonlyMap<number, { type: number; product: [number, number]; name: string }> = new Map([
  [1, { type: 1, product: [0, 0], name: 'I' }],
  [2, { type: 2, product: [0, 0], name: 'Q' }],
  [3, { type: 3, product: [0, 0], name: 'U' }],
  [4, { type: 4, product: [0, 0], name: 'V' }],
  [-1, { type: 5, product: [0, 0], name: 'RR' }],
  [-3, { type: 6, product: [0, 1], name: 'RL' }],
  [-4, { type: 7, product: [1, 0], name: 'LR' }],
  [-2, { type: 8, product: [1, 1], name: 'LL' }],
  [-5, { type: 9, product: [0, 0], name: 'XX' }],
  [-7, { type: 10, product: [0, 1], name: 'XY' }],
  [-8, { type: 11, product: [1, 0], name: 'YX' }],
  [-6, { type: 12, product: [1, 1], name: 'YY' }],
]);

/** CORR_TYPE and CORR_PRODUCT for UVH5 polarisation codes; throws on an unknown code. */
export function correlationsFromAips(
  codes: ArrayLike<number>,
  where: string,
): { corrType: number[]; corrProduct: number[]; names: string[] } {
  const corrType: number[] = [];
  const corrProduct: number[] = [];
  const names: string[] = [];
  for (const c of Array.from(codes)) {
    const s = STOKES.get(c);
    if (!s) throw new Error(`${where}: polarization code ${c} is not an AIPS memo 117 code (expected -8..-1 or 1..4)`);
    corrType.push(s.type);
    corrProduct.push(...s.product);
    names.push(s.name);
  }
  return { corrType, corrProduct, names };
}

/** Name of a casacore Stokes type code (CORR_TYPE), e.g. 9 -> XX. */
export function stokesName(type: number): string {
  for (const s of STOKES.values()) if (s.type === type) return s.name;
  return `type${type}`;
}
