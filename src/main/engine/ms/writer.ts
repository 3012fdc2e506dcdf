// Creating a Measurement Set: MAIN with the standard columns (DATA, FLAG, WEIGHT_SPECTRUM in
// tiled managers as CASA lays them out), every subtable filled from a plain description, and
// block writes of MAIN rows in any order the caller chooses.
import { join } from 'node:path';
import { createTable, kw, openTable } from '../casacore';
import type { ColumnData, ColumnDesc, DataManagerSpec, Table } from '../casacore';
import {
  FREQ_REF_TOPO,
  SUBTABLES,
  TILED_COLUMNS,
  correlationsFromAips,
  mainColumns,
  subtableColumns,
  visibilityColumn,
} from './schema';
import type { MsShape, SubtableName } from './schema';

export interface MsAntenna {
  /** e.g. DSA-001 */
  name: string;
  station: string;
  /** ITRF (ECEF) position, m. */
  positionM: readonly [number, number, number];
  diameterM: number;
}

export interface MsSpectralWindow {
  name: string;
  /** Channel centres, Hz, in MS channel order. */
  freqsHz: Float64Array;
  /** Channel widths, Hz (positive for ascending channels). */
  widthsHz: Float64Array;
}

export interface MsField {
  name: string;
  /** J2000 phase centre, rad. */
  raRad: number;
  decRad: number;
  /** Epoch the direction refers to (MJD seconds). */
  timeS: number;
}

export interface MsDescription {
  /** Rows of MAIN (the caller writes every one). */
  nrows: number;
  /** AIPS memo 117 codes of the correlations in cell order, e.g. [-5, -6] for XX, YY. */
  polarizations: number[];
  /** Channels per spectral window (all windows of one MS have the same count). */
  nchan: number;
  /** Rows per tile of the tiled columns; a divisor of the caller's write blocks avoids re-reads. */
  tileRows: number;
  antennas: MsAntenna[];
  spws: MsSpectralWindow[];
  field: MsField;
  observation: { telescope: string; observer: string; project: string; startS: number; endS: number };
  /** One HISTORY row. */
  history: {
    timeS: number;
    message: string;
    application: string;
    origin: string;
    cliCommand: string;
    appParams: string;
  };
  /** Receptor names of each feed (DSA-110: X, Y) and their angles (rad). */
  receptors: { types: string[]; anglesRad: number[] };
}

/** Values of MAIN for `n` consecutive rows; cells flattened in casacore order (pol fastest). */
export interface MainRows {
  n: number;
  time: Float64Array;
  interval: Float64Array;
  antenna1: Int32Array;
  antenna2: Int32Array;
  dataDescId: Int32Array;
  /** n x 3, m. */
  uvw: Float64Array;
  /** n x nchan x npol complex, interleaved. */
  data: Float32Array;
  /** n x nchan x npol, 0/1. */
  flag: Uint8Array;
  weightSpectrum: Float32Array;
  /** n x npol. */
  weight: Float32Array;
  sigma: Float32Array;
  flagRow: Uint8Array;
}

function tiled(name: string, column: string, shape: MsShape, tileRows: number): DataManagerSpec {
  return { type: 'TiledShapeStMan', name, columns: [column], tileShape: [shape.npol, shape.nchan, tileRows] };
}

/** Fill a subtable: every column gets `nrows` values (columns absent from `values` are left empty). */
function writeSubtable(dir: string, columns: ColumnDesc[], nrows: number, values: Record<string, ColumnData>): void {
  const t = createTable(dir, { columns }, { nrows });
  try {
    for (const c of columns) {
      const v = values[c.name];
      if (v === undefined) {
        if (nrows > 0 && c.shape) throw new Error(`${dir}: column ${c.name} was given no values for ${nrows} rows`);
        continue;
      }
      t.putColumn(c.name, v);
    }
  } finally {
    t.close();
  }
}

const ints = (n: number, f: (i: number) => number): Int32Array => Int32Array.from({ length: n }, (_, i) => f(i));
const dbls = (n: number, f: (i: number) => number): Float64Array => Float64Array.from({ length: n }, (_, i) => f(i));
const bools = (n: number, v = false): Uint8Array => new Uint8Array(n).fill(v ? 1 : 0);
const strs = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

function subtableValues(d: MsDescription): Record<SubtableName, { nrows: number; values: Record<string, ColumnData> }> {
  const na = d.antennas.length;
  const ns = d.spws.length;
  const nr = d.receptors.types.length;
  const corr = correlationsFromAips(d.polarizations, 'MS description');
  const mid = (d.observation.startS + d.observation.endS) / 2;
  const span = d.observation.endS - d.observation.startS;
  const dir = Float64Array.of(d.field.raRad, d.field.decRad);
  const polResponse = new Float32Array(2 * nr * nr);
  for (let i = 0; i < nr; i++) polResponse[2 * (i * nr + i)] = 1;
  const feedN = na;
  return {
    ANTENNA: {
      nrows: na,
      values: {
        OFFSET: new Float64Array(3 * na),
        POSITION: Float64Array.from(d.antennas.flatMap((a) => [...a.positionM])),
        TYPE: strs(na, () => 'GROUND-BASED'),
        DISH_DIAMETER: dbls(na, (i) => d.antennas[i]?.diameterM ?? 0),
        FLAG_ROW: bools(na),
        MOUNT: strs(na, () => 'ALT-AZ'),
        NAME: d.antennas.map((a) => a.name),
        STATION: d.antennas.map((a) => a.station),
      },
    },
    DATA_DESCRIPTION: {
      nrows: ns,
      values: { FLAG_ROW: bools(ns), POLARIZATION_ID: new Int32Array(ns), SPECTRAL_WINDOW_ID: ints(ns, (i) => i) },
    },
    FEED: {
      nrows: feedN,
      values: {
        POSITION: new Float64Array(3 * feedN),
        BEAM_OFFSET: new Float64Array(2 * nr * feedN),
        POLARIZATION_TYPE: Array.from({ length: feedN }, () => d.receptors.types).flat(),
        POL_RESPONSE: Float32Array.from(
          { length: feedN * polResponse.length },
          (_, i) => polResponse[i % polResponse.length] ?? 0,
        ),
        RECEPTOR_ANGLE: Float64Array.from(Array.from({ length: feedN }, () => d.receptors.anglesRad).flat()),
        ANTENNA_ID: ints(feedN, (i) => i),
        BEAM_ID: ints(feedN, () => -1),
        FEED_ID: new Int32Array(feedN),
        INTERVAL: dbls(feedN, () => span),
        NUM_RECEPTORS: ints(feedN, () => nr),
        SPECTRAL_WINDOW_ID: ints(feedN, () => -1),
        TIME: dbls(feedN, () => mid),
      },
    },
    FIELD: {
      nrows: 1,
      values: {
        DELAY_DIR: dir,
        PHASE_DIR: dir,
        REFERENCE_DIR: dir,
        CODE: [''],
        FLAG_ROW: bools(1),
        NAME: [d.field.name],
        NUM_POLY: new Int32Array(1),
        SOURCE_ID: new Int32Array(1),
        TIME: Float64Array.of(d.field.timeS),
      },
    },
    FLAG_CMD: { nrows: 0, values: {} },
    HISTORY: {
      nrows: 1,
      values: {
        APP_PARAMS: [d.history.appParams],
        CLI_COMMAND: [d.history.cliCommand],
        APPLICATION: [d.history.application],
        MESSAGE: [d.history.message],
        OBJECT_ID: new Int32Array(1),
        OBSERVATION_ID: new Int32Array(1),
        ORIGIN: [d.history.origin],
        PRIORITY: ['NORMAL'],
        TIME: Float64Array.of(d.history.timeS),
      },
    },
    OBSERVATION: {
      nrows: 1,
      values: {
        TIME_RANGE: Float64Array.of(d.observation.startS, d.observation.endS),
        LOG: [''],
        SCHEDULE: [''],
        FLAG_ROW: bools(1),
        OBSERVER: [d.observation.observer],
        PROJECT: [d.observation.project],
        RELEASE_DATE: new Float64Array(1),
        SCHEDULE_TYPE: [''],
        TELESCOPE_NAME: [d.observation.telescope],
      },
    },
    POINTING: { nrows: 0, values: {} },
    POLARIZATION: {
      nrows: 1,
      values: {
        CORR_TYPE: Int32Array.from(corr.corrType),
        CORR_PRODUCT: Int32Array.from(corr.corrProduct),
        FLAG_ROW: bools(1),
        NUM_CORR: Int32Array.of(d.polarizations.length),
      },
    },
    PROCESSOR: {
      nrows: 1,
      values: {
        FLAG_ROW: bools(1),
        MODE_ID: Int32Array.of(-1),
        TYPE: ['CORRELATOR'],
        TYPE_ID: Int32Array.of(-1),
        SUB_TYPE: [d.observation.telescope],
      },
    },
    SPECTRAL_WINDOW: {
      nrows: ns,
      values: {
        MEAS_FREQ_REF: ints(ns, () => FREQ_REF_TOPO),
        CHAN_FREQ: Float64Array.from(d.spws.flatMap((s) => Array.from(s.freqsHz))),
        REF_FREQUENCY: dbls(ns, (i) => d.spws[i]?.freqsHz[0] ?? 0),
        CHAN_WIDTH: Float64Array.from(d.spws.flatMap((s) => Array.from(s.widthsHz))),
        EFFECTIVE_BW: Float64Array.from(d.spws.flatMap((s) => Array.from(s.widthsHz, Math.abs))),
        RESOLUTION: Float64Array.from(d.spws.flatMap((s) => Array.from(s.widthsHz, Math.abs))),
        FLAG_ROW: bools(ns),
        FREQ_GROUP: new Int32Array(ns),
        FREQ_GROUP_NAME: strs(ns, () => ''),
        IF_CONV_CHAIN: new Int32Array(ns),
        NAME: d.spws.map((s) => s.name),
        NET_SIDEBAND: ints(ns, () => 1),
        NUM_CHAN: ints(ns, () => d.nchan),
        TOTAL_BANDWIDTH: dbls(ns, (i) => Array.from(d.spws[i]?.widthsHz ?? [], Math.abs).reduce((a, b) => a + b, 0)),
      },
    },
    STATE: { nrows: 0, values: {} },
    SOURCE: {
      nrows: 1,
      values: {
        DIRECTION: dir,
        PROPER_MOTION: new Float64Array(2),
        CALIBRATION_GROUP: new Int32Array(1),
        CODE: [''],
        INTERVAL: Float64Array.of(span),
        NAME: [d.field.name],
        NUM_LINES: new Int32Array(1),
        SOURCE_ID: new Int32Array(1),
        SPECTRAL_WINDOW_ID: Int32Array.of(-1),
        TIME: Float64Array.of(mid),
      },
    },
  };
}

function checkDescription(dir: string, d: MsDescription): void {
  const bad = (what: string): never => {
    throw new Error(`${dir}: MS description: ${what}`);
  };
  if (!Number.isInteger(d.nrows) || d.nrows < 0) bad(`nrows must be a non-negative integer, got ${d.nrows}`);
  if (!Number.isInteger(d.tileRows) || d.tileRows < 1) bad(`tileRows must be a positive integer, got ${d.tileRows}`);
  if (d.spws.length === 0) bad('at least one spectral window is needed');
  if (d.antennas.length === 0) bad('at least one antenna is needed');
  if (d.polarizations.length === 0) bad('at least one polarization is needed');
  d.spws.forEach((s, i) => {
    if (s.freqsHz.length !== d.nchan || s.widthsHz.length !== d.nchan)
      bad(
        `spws[${i}] (${s.name}) has ${s.freqsHz.length} frequencies and ${s.widthsHz.length} widths, expected ${d.nchan}`,
      );
  });
  if (d.receptors.types.length !== d.receptors.anglesRad.length)
    bad('receptors: one angle per receptor type is needed');
}

/** An MS being written: MAIN is open; subtables are already complete. */
export class MsWriter {
  readonly shape: MsShape;
  private readonly consts = new Map<string, ColumnData>();

  constructor(
    readonly dir: string,
    readonly main: Table,
    shape: MsShape,
  ) {
    this.shape = shape;
  }

  /** A constant column block of n rows (cached by the largest n seen). */
  private constant(name: string, n: number, make: (n: number) => ColumnData): ColumnData {
    const have = this.consts.get(name);
    if (have && have.length >= n) return have instanceof Array ? have.slice(0, n) : (have.subarray(0, n) as ColumnData);
    const v = make(n);
    this.consts.set(name, v);
    return v;
  }

  /** Write MAIN rows [rowStart, rowStart + rows.n). */
  putRows(rowStart: number, rows: MainRows): void {
    const { n } = rows;
    const { npol, nchan } = this.shape;
    const check = (name: string, len: number, per: number): void => {
      if (len !== n * per)
        throw new RangeError(
          `${this.dir}: MAIN rows ${rowStart}..${rowStart + n - 1}: ${name} holds ${len} values, expected ${n * per}`,
        );
    };
    check('time', rows.time.length, 1);
    check('interval', rows.interval.length, 1);
    check('antenna1', rows.antenna1.length, 1);
    check('antenna2', rows.antenna2.length, 1);
    check('dataDescId', rows.dataDescId.length, 1);
    check('uvw', rows.uvw.length, 3);
    check('data', rows.data.length, 2 * npol * nchan);
    check('flag', rows.flag.length, npol * nchan);
    check('weightSpectrum', rows.weightSpectrum.length, npol * nchan);
    check('weight', rows.weight.length, npol);
    check('sigma', rows.sigma.length, npol);
    check('flagRow', rows.flagRow.length, 1);
    const t = this.main;
    const zeros = this.constant('zeros', n, (k) => new Int32Array(k));
    t.putColumnRange('TIME', rowStart, n, rows.time);
    t.putColumnRange('TIME_CENTROID', rowStart, n, rows.time);
    t.putColumnRange('INTERVAL', rowStart, n, rows.interval);
    t.putColumnRange('EXPOSURE', rowStart, n, rows.interval);
    t.putColumnRange('ANTENNA1', rowStart, n, rows.antenna1);
    t.putColumnRange('ANTENNA2', rowStart, n, rows.antenna2);
    t.putColumnRange('DATA_DESC_ID', rowStart, n, rows.dataDescId);
    for (const c of ['ARRAY_ID', 'FEED1', 'FEED2', 'FIELD_ID', 'OBSERVATION_ID', 'PROCESSOR_ID'])
      t.putColumnRange(c, rowStart, n, zeros);
    t.putColumnRange(
      'SCAN_NUMBER',
      rowStart,
      n,
      this.constant('ones', n, (k) => new Int32Array(k).fill(1)),
    );
    // No STATE rows: STATE_ID -1, as CASA writes when a telescope has no observing states.
    t.putColumnRange(
      'STATE_ID',
      rowStart,
      n,
      this.constant('minus1', n, (k) => new Int32Array(k).fill(-1)),
    );
    t.putColumnRange('UVW', rowStart, n, rows.uvw);
    t.putColumnRange('DATA', rowStart, n, rows.data);
    t.putColumnRange('FLAG', rowStart, n, rows.flag);
    t.putColumnRange('WEIGHT_SPECTRUM', rowStart, n, rows.weightSpectrum);
    t.putColumnRange('WEIGHT', rowStart, n, rows.weight);
    t.putColumnRange('SIGMA', rowStart, n, rows.sigma);
    t.putColumnRange('FLAG_ROW', rowStart, n, rows.flagRow);
  }

  close(): void {
    this.main.close();
  }
}

/**
 * Create a Measurement Set at `dir` (which must not hold a table): subtables are written
 * complete from the description; MAIN has `nrows` rows for the caller to fill with putRows.
 */
export function createMeasurementSet(dir: string, d: MsDescription): MsWriter {
  checkDescription(dir, d);
  const shape: MsShape = { npol: d.polarizations.length, nchan: d.nchan };
  const keywords: Record<string, ReturnType<typeof kw.table>> = {};
  for (const s of SUBTABLES) keywords[s] = kw.table(s);
  const main = createTable(
    dir,
    {
      columns: mainColumns(shape),
      keywords: { MS_VERSION: kw.float(2), ...keywords },
    },
    {
      nrows: d.nrows,
      info: { type: 'Measurement Set', subType: '', readme: 'written by dsa110-contimg' },
      dataManagers: [
        tiled(TILED_COLUMNS.DATA, 'DATA', shape, d.tileRows),
        tiled(TILED_COLUMNS.FLAG, 'FLAG', shape, d.tileRows),
        tiled(TILED_COLUMNS.WEIGHT_SPECTRUM, 'WEIGHT_SPECTRUM', shape, d.tileRows),
      ],
    },
  );
  try {
    const cols = subtableColumns({ ...shape, nreceptors: d.receptors.types.length });
    const vals = subtableValues(d);
    for (const s of SUBTABLES) writeSubtable(join(dir, s), cols[s], vals[s].nrows, vals[s].values);
  } catch (e) {
    main.close();
    throw e;
  }
  return new MsWriter(dir, main, shape);
}

/**
 * Add MODEL_DATA or CORRECTED_DATA to an existing MS in place (its own tiled manager), filled
 * with `init` for every row: 'zero', or 'data' to copy DATA (what CASA's clearcal does for
 * CORRECTED_DATA). Rows are copied in blocks so memory stays bounded.
 */
export function addVisibilityColumn(
  msPath: string,
  name: 'MODEL_DATA' | 'CORRECTED_DATA',
  init: 'zero' | 'data' = 'zero',
  blockRows = 16384,
): void {
  const t = openTable(msPath, { writable: true });
  try {
    const shape = t.getCellShape('DATA', 0);
    if (!shape || shape.length !== 2)
      throw new Error(`${msPath}: DATA has no fixed [npol, nchan] cell shape; cannot size ${name}`);
    const [npol, nchan] = shape as [number, number];
    const tile = t.nrows > 0 ? Math.min(t.nrows, Math.max(1, Math.floor((1024 * 1024) / (8 * npol * nchan)))) : 1;
    t.addColumn(visibilityColumn(name, { npol, nchan }), tiled(TILED_COLUMNS[name], name, { npol, nchan }, tile));
    for (let r = 0; r < t.nrows; r += blockRows) {
      const n = Math.min(blockRows, t.nrows - r);
      t.putColumnRange(
        name,
        r,
        n,
        init === 'data' ? t.getColumn('DATA', r, n) : new Float32Array(2 * n * npol * nchan),
      );
    }
  } finally {
    t.close();
  }
}
