// CASA calibration tables (NewCalTable layout, as CASA 6 writes them): MAIN with one row per
// (time, spectral window, antenna), CPARAM (FPARAM for K Jones) / PARAMERR / FLAG / SNR /
// WEIGHT as variable-shape [npol, nchan] cells, every column in one StandardStMan "MSMTAB";
// table info "Calibration" / VisCal; keywords ParType, MSName, VisCal, PolBasis, CASA_Version
// and the ANTENNA, FIELD, SPECTRAL_WINDOW, OBSERVATION and HISTORY subtables. Checked against
// the CASA-written fixture (data/casa_gaincal_template) and python-casacore in test/caltable.
import { join } from 'node:path';
import { arrayColumn, createTable, kw, keywordsToPlain, openTable, scalarColumn } from '../casacore';
import type { Cell, ColumnDesc, DataTypeName, KeywordInput, Table } from '../casacore';
import type { JonesTable } from './solve';
import { DIRECTION_KW, EPOCH_KW, FREQUENCY_KW, FREQ_REF_TOPO, POSITION_KW, quantum } from '../ms/schema';

export type VisCal = 'B Jones' | 'G Jones' | 'K Jones';
export const VISCALS: readonly VisCal[] = ['B Jones', 'G Jones', 'K Jones'];

/** One MAIN row: the solutions of one antenna in one spectral window at one time. */
export interface CalTableRow {
  /** Mid-time of the solution interval, MJD seconds (MS TIME). */
  timeS: number;
  intervalS: number;
  fieldId: number;
  spw: number;
  antenna: number;
  /** The reference antenna (CASA stores it as ANTENNA2); -1 when none. */
  refant: number;
  scan: number;
  obsId: number;
  /** Channels of the cell: the window's channels (B), 1 (G, K). */
  nchan: number;
  /** [npol, nchan] casacore order (pol fastest); complex interleaved for CPARAM, real for FPARAM. */
  param: Float32Array;
  paramErr: Float32Array;
  /** 1 = flagged. */
  flag: Uint8Array;
  snr: Float32Array;
  /** Left undefined (as CASA does) when null. */
  weight: Float32Array | null;
}

export interface CalTableAntenna {
  name: string;
  station: string;
  positionM: readonly [number, number, number];
  diameterM: number;
}
export interface CalTableField {
  name: string;
  raRad: number;
  decRad: number;
  timeS: number;
}
/** The solutions' channelisation: the MS channels for B, one channel per window for G/K. */
export interface CalTableSpw {
  name: string;
  freqsHz: Float64Array;
  widthsHz: Float64Array;
  refFreqHz: number;
}

export interface CalTableContents {
  visCal: VisCal;
  /** The MS the solutions came from (file name, as CASA records it). */
  msName: string;
  npol: number;
  rows: CalTableRow[];
  antennas: CalTableAntenna[];
  fields: CalTableField[];
  spws: CalTableSpw[];
  observation: { telescope: string; observer: string; project: string; startS: number; endS: number };
  /** Written in the CASA_Version keyword; the writing software, not a CASA release. */
  writer: string;
}

/** CPARAM for the complex Jones terms, FPARAM (delays, ns) for K Jones. */
const PAR_TYPE: Record<VisCal, 'Complex' | 'Float'> = {
  'B Jones': 'Complex',
  'G Jones': 'Complex',
  'K Jones': 'Float',
};

const opt5 = (c: ColumnDesc): ColumnDesc => ({ ...c, options: 5 });
const sc = (name: string, type: DataTypeName, keywords?: { [k: string]: KeywordInput }): ColumnDesc =>
  opt5(scalarColumn(name, type, keywords ? { keywords } : {}));
const varAr = (name: string, type: DataTypeName, ndim: number, keywords?: { [k: string]: KeywordInput }): ColumnDesc =>
  arrayColumn(name, type, { ndim }, keywords ? { keywords } : {});
const plainSc = (name: string, type: DataTypeName, keywords?: { [k: string]: KeywordInput }): ColumnDesc =>
  scalarColumn(name, type, keywords ? { keywords } : {});

/** MAIN columns in CASA's order; scalars carry option 5 (Direct | FixedShape) as in CASA's tables. */
export function calMainColumns(visCal: VisCal): ColumnDesc[] {
  const param = PAR_TYPE[visCal] === 'Complex' ? varAr('CPARAM', 'Complex', -1) : varAr('FPARAM', 'Float', -1);
  return [
    sc('TIME', 'Double', EPOCH_KW),
    sc('FIELD_ID', 'Int'),
    sc('SPECTRAL_WINDOW_ID', 'Int'),
    sc('ANTENNA1', 'Int'),
    sc('ANTENNA2', 'Int'),
    sc('INTERVAL', 'Double', quantum('s')),
    sc('SCAN_NUMBER', 'Int'),
    sc('OBSERVATION_ID', 'Int'),
    param,
    varAr('PARAMERR', 'Float', -1),
    varAr('FLAG', 'Bool', -1),
    varAr('SNR', 'Float', -1),
    varAr('WEIGHT', 'Float', -1),
  ];
}

/** Subtable columns as the CASA fixture has them (variable-shape arrays where CASA has them). */
export function calSubtableColumns(): Record<
  'ANTENNA' | 'FIELD' | 'SPECTRAL_WINDOW' | 'OBSERVATION' | 'HISTORY',
  ColumnDesc[]
> {
  return {
    ANTENNA: [
      arrayColumn('OFFSET', 'Double', { shape: [3] }, { keywords: POSITION_KW }),
      arrayColumn('POSITION', 'Double', { shape: [3] }, { keywords: POSITION_KW }),
      plainSc('TYPE', 'String'),
      plainSc('DISH_DIAMETER', 'Double', quantum('m')),
      plainSc('FLAG_ROW', 'Bool'),
      plainSc('MOUNT', 'String'),
      plainSc('NAME', 'String'),
      plainSc('STATION', 'String'),
    ],
    FIELD: [
      varAr('DELAY_DIR', 'Double', 2, DIRECTION_KW),
      varAr('PHASE_DIR', 'Double', 2, DIRECTION_KW),
      varAr('REFERENCE_DIR', 'Double', 2, DIRECTION_KW),
      plainSc('CODE', 'String'),
      plainSc('FLAG_ROW', 'Bool'),
      plainSc('NAME', 'String'),
      plainSc('NUM_POLY', 'Int'),
      plainSc('SOURCE_ID', 'Int'),
      plainSc('TIME', 'Double', EPOCH_KW),
    ],
    SPECTRAL_WINDOW: [
      plainSc('MEAS_FREQ_REF', 'Int'),
      varAr('CHAN_FREQ', 'Double', 1, FREQUENCY_KW),
      plainSc('REF_FREQUENCY', 'Double', FREQUENCY_KW),
      varAr('CHAN_WIDTH', 'Double', 1, quantum('Hz')),
      varAr('EFFECTIVE_BW', 'Double', 1, quantum('Hz')),
      varAr('RESOLUTION', 'Double', 1, quantum('Hz')),
      plainSc('FLAG_ROW', 'Bool'),
      plainSc('FREQ_GROUP', 'Int'),
      plainSc('FREQ_GROUP_NAME', 'String'),
      plainSc('IF_CONV_CHAIN', 'Int'),
      plainSc('NAME', 'String'),
      plainSc('NET_SIDEBAND', 'Int'),
      plainSc('NUM_CHAN', 'Int'),
      plainSc('TOTAL_BANDWIDTH', 'Double', quantum('Hz')),
    ],
    OBSERVATION: [
      arrayColumn('TIME_RANGE', 'Double', { shape: [2] }, { keywords: EPOCH_KW }),
      varAr('LOG', 'String', 1),
      varAr('SCHEDULE', 'String', 1),
      plainSc('FLAG_ROW', 'Bool'),
      plainSc('OBSERVER', 'String'),
      plainSc('PROJECT', 'String'),
      plainSc('RELEASE_DATE', 'Double', EPOCH_KW),
      plainSc('SCHEDULE_TYPE', 'String'),
      plainSc('TELESCOPE_NAME', 'String'),
    ],
    HISTORY: [
      varAr('APP_PARAMS', 'String', 1),
      varAr('CLI_COMMAND', 'String', 1),
      plainSc('APPLICATION', 'String'),
      plainSc('MESSAGE', 'String'),
      plainSc('OBJECT_ID', 'Int'),
      plainSc('OBSERVATION_ID', 'Int'),
      plainSc('ORIGIN', 'String'),
      plainSc('PRIORITY', 'String'),
      plainSc('TIME', 'Double', EPOCH_KW),
    ],
  };
}

const SUBTABLES = ['ANTENNA', 'FIELD', 'SPECTRAL_WINDOW', 'OBSERVATION', 'HISTORY'] as const;

function check(dir: string, c: CalTableContents): void {
  if (!VISCALS.includes(c.visCal))
    throw new Error(`${dir}: visCal: expected one of ${VISCALS.join(', ')}, got "${String(c.visCal)}"`);
  if (!(c.npol >= 1)) throw new Error(`${dir}: npol: expected at least 1, got ${c.npol}`);
  const complex = PAR_TYPE[c.visCal] === 'Complex';
  c.rows.forEach((r, i) => {
    const n = c.npol * r.nchan;
    const where = `${dir}: row ${i} (spw ${r.spw}, antenna ${r.antenna})`;
    if (r.spw < 0 || r.spw >= c.spws.length)
      throw new Error(`${where}: SPECTRAL_WINDOW_ID ${r.spw} is not among the ${c.spws.length} windows`);
    if (r.antenna < 0 || r.antenna >= c.antennas.length)
      throw new Error(`${where}: ANTENNA1 ${r.antenna} is not among the ${c.antennas.length} antennas`);
    if (r.param.length !== (complex ? 2 * n : n))
      throw new Error(
        `${where}: ${complex ? 'CPARAM' : 'FPARAM'}: expected ${complex ? 2 * n : n} values for [${c.npol}, ${r.nchan}], got ${r.param.length}`,
      );
    for (const [name, a] of [
      ['PARAMERR', r.paramErr],
      ['FLAG', r.flag],
      ['SNR', r.snr],
    ] as const) {
      if (a.length !== n)
        throw new Error(`${where}: ${name}: expected ${n} values for [${c.npol}, ${r.nchan}], got ${a.length}`);
    }
    if (r.weight && r.weight.length !== n)
      throw new Error(`${where}: WEIGHT: expected ${n} values, got ${r.weight.length}`);
  });
}

function writeRows(t: Table, c: CalTableContents): void {
  const rows = c.rows;
  const n = rows.length;
  if (n === 0) return;
  t.putColumn(
    'TIME',
    Float64Array.from(rows, (r) => r.timeS),
  );
  t.putColumn(
    'FIELD_ID',
    Int32Array.from(rows, (r) => r.fieldId),
  );
  t.putColumn(
    'SPECTRAL_WINDOW_ID',
    Int32Array.from(rows, (r) => r.spw),
  );
  t.putColumn(
    'ANTENNA1',
    Int32Array.from(rows, (r) => r.antenna),
  );
  t.putColumn(
    'ANTENNA2',
    Int32Array.from(rows, (r) => r.refant),
  );
  t.putColumn(
    'INTERVAL',
    Float64Array.from(rows, (r) => r.intervalS),
  );
  t.putColumn(
    'SCAN_NUMBER',
    Int32Array.from(rows, (r) => r.scan),
  );
  t.putColumn(
    'OBSERVATION_ID',
    Int32Array.from(rows, (r) => r.obsId),
  );
  const shape = (r: CalTableRow): number[] => [c.npol, r.nchan];
  t.putCells(
    PAR_TYPE[c.visCal] === 'Complex' ? 'CPARAM' : 'FPARAM',
    0,
    rows.map((r): Cell => ({ shape: shape(r), data: r.param })),
  );
  t.putCells(
    'PARAMERR',
    0,
    rows.map((r): Cell => ({ shape: shape(r), data: r.paramErr })),
  );
  t.putCells(
    'FLAG',
    0,
    rows.map((r): Cell => ({ shape: shape(r), data: r.flag })),
  );
  t.putCells(
    'SNR',
    0,
    rows.map((r): Cell => ({ shape: shape(r), data: r.snr })),
  );
  rows.forEach((r, i) => {
    if (r.weight) t.putCells('WEIGHT', i, [{ shape: shape(r), data: r.weight }]);
  });
}

function subtable(dir: string, columns: ColumnDesc[], nrows: number, fill: (t: Table) => void): void {
  const t = createTable(
    dir,
    { columns },
    { nrows, dataManagers: [{ type: 'StandardStMan', name: 'MSMTAB', columns: columns.map((x) => x.name) }] },
  );
  try {
    if (nrows > 0) fill(t);
  } finally {
    t.close();
  }
}

/** Write a calibration table at `dir` (which must not hold a table). */
export function writeCalTable(dir: string, c: CalTableContents): void {
  check(dir, c);
  const columns = calMainColumns(c.visCal);
  const refs: Record<string, ReturnType<typeof kw.table>> = {};
  for (const s of SUBTABLES) refs[s] = kw.table(s);
  const main = createTable(
    dir,
    {
      columns,
      keywords: {
        ParType: PAR_TYPE[c.visCal],
        MSName: c.msName,
        VisCal: c.visCal,
        PolBasis: 'unknown',
        CASA_Version: c.writer,
        ...refs,
      },
    },
    {
      nrows: c.rows.length,
      info: { type: 'Calibration', subType: c.visCal, readme: '' },
      dataManagers: [{ type: 'StandardStMan', name: 'MSMTAB', columns: columns.map((x) => x.name) }],
    },
  );
  try {
    writeRows(main, c);
    const cols = calSubtableColumns();
    const na = c.antennas.length;
    subtable(join(dir, 'ANTENNA'), cols.ANTENNA, na, (t) => {
      t.putColumn('OFFSET', new Float64Array(3 * na));
      t.putColumn('POSITION', Float64Array.from(c.antennas.flatMap((a) => [...a.positionM])));
      t.putColumn(
        'TYPE',
        c.antennas.map(() => 'GROUND-BASED'),
      );
      t.putColumn(
        'DISH_DIAMETER',
        Float64Array.from(c.antennas, (a) => a.diameterM),
      );
      t.putColumn('FLAG_ROW', new Uint8Array(na));
      t.putColumn(
        'MOUNT',
        c.antennas.map(() => 'alt-az'),
      );
      t.putColumn(
        'NAME',
        c.antennas.map((a) => a.name),
      );
      t.putColumn(
        'STATION',
        c.antennas.map((a) => a.station),
      );
    });
    const nf = c.fields.length;
    subtable(join(dir, 'FIELD'), cols.FIELD, nf, (t) => {
      const dirs = c.fields.map((f): Cell => ({ shape: [2, 1], data: Float64Array.of(f.raRad, f.decRad) }));
      for (const name of ['DELAY_DIR', 'PHASE_DIR', 'REFERENCE_DIR']) t.putCells(name, 0, dirs);
      t.putColumn(
        'CODE',
        c.fields.map(() => ''),
      );
      t.putColumn('FLAG_ROW', new Uint8Array(nf));
      t.putColumn(
        'NAME',
        c.fields.map((f) => f.name),
      );
      t.putColumn('NUM_POLY', new Int32Array(nf));
      t.putColumn(
        'SOURCE_ID',
        Int32Array.from(c.fields, (_, i) => i),
      );
      t.putColumn(
        'TIME',
        Float64Array.from(c.fields, (f) => f.timeS),
      );
    });
    const ns = c.spws.length;
    subtable(join(dir, 'SPECTRAL_WINDOW'), cols.SPECTRAL_WINDOW, ns, (t) => {
      const cells = (f: (s: CalTableSpw) => Float64Array): Cell[] =>
        c.spws.map((s) => ({ shape: [s.freqsHz.length], data: f(s) }));
      t.putColumn('MEAS_FREQ_REF', new Int32Array(ns).fill(FREQ_REF_TOPO));
      t.putCells(
        'CHAN_FREQ',
        0,
        cells((s) => s.freqsHz),
      );
      t.putColumn(
        'REF_FREQUENCY',
        Float64Array.from(c.spws, (s) => s.refFreqHz),
      );
      t.putCells(
        'CHAN_WIDTH',
        0,
        cells((s) => s.widthsHz),
      );
      t.putCells(
        'EFFECTIVE_BW',
        0,
        cells((s) => s.widthsHz),
      );
      t.putCells(
        'RESOLUTION',
        0,
        cells((s) => s.widthsHz),
      );
      t.putColumn('FLAG_ROW', new Uint8Array(ns));
      t.putColumn('FREQ_GROUP', new Int32Array(ns));
      t.putColumn(
        'FREQ_GROUP_NAME',
        c.spws.map(() => 'Group 1'),
      );
      t.putColumn('IF_CONV_CHAIN', new Int32Array(ns));
      t.putColumn(
        'NAME',
        c.spws.map((s) => s.name),
      );
      t.putColumn('NET_SIDEBAND', new Int32Array(ns).fill(1));
      t.putColumn(
        'NUM_CHAN',
        Int32Array.from(c.spws, (s) => s.freqsHz.length),
      );
      t.putColumn(
        'TOTAL_BANDWIDTH',
        Float64Array.from(c.spws, (s) => s.widthsHz.reduce((a, w) => a + Math.abs(w), 0)),
      );
    });
    subtable(join(dir, 'OBSERVATION'), cols.OBSERVATION, 1, (t) => {
      const o = c.observation;
      t.putColumn('TIME_RANGE', Float64Array.of(o.startS, o.endS));
      t.putColumn('FLAG_ROW', new Uint8Array(1));
      t.putColumn('OBSERVER', [o.observer]);
      t.putColumn('PROJECT', [o.project]);
      t.putColumn('RELEASE_DATE', new Float64Array(1));
      t.putColumn('SCHEDULE_TYPE', ['']);
      t.putColumn('TELESCOPE_NAME', [o.telescope]);
    });
    subtable(join(dir, 'HISTORY'), cols.HISTORY, 0, () => undefined);
  } finally {
    main.close();
  }
}

function cellOf(t: Table, name: string, row: number, dir: string): Cell {
  const v = t.getCell(name, row);
  if (v === null || typeof v !== 'object' || !('shape' in v))
    throw new Error(`${dir}: row ${row} of ${name} holds no array`);
  return v;
}

function sub<T>(main: Table, name: string, f: (t: Table) => T): T {
  const t = main.openSubtable(name);
  try {
    return f(t);
  } finally {
    t.close();
  }
}

/** Read a calibration table (ours or CASA's B/G/K Jones tables). */
export function readCalTable(dir: string): CalTableContents {
  const t = openTable(dir);
  try {
    if (t.info.type !== 'Calibration')
      throw new Error(`${dir}: table.info type is "${t.info.type}", expected "Calibration"`);
    const kws = keywordsToPlain(t.keywords);
    const visCal = String(kws.VisCal ?? t.info.subType) as VisCal;
    if (!VISCALS.includes(visCal))
      throw new Error(`${dir}: keyword VisCal is "${visCal}", expected one of ${VISCALS.join(', ')}`);
    const paramCol = t.columnNames().includes('CPARAM') ? 'CPARAM' : 'FPARAM';
    const n = t.nrows;
    const time = n > 0 ? (t.getColumn('TIME') as Float64Array) : new Float64Array(0);
    const ints = (name: string): Int32Array => (n > 0 ? (t.getColumn(name) as Int32Array) : new Int32Array(0));
    const field = ints('FIELD_ID');
    const spw = ints('SPECTRAL_WINDOW_ID');
    const a1 = ints('ANTENNA1');
    const a2 = ints('ANTENNA2');
    const scan = ints('SCAN_NUMBER');
    const obs = ints('OBSERVATION_ID');
    const interval = n > 0 ? (t.getColumn('INTERVAL') as Float64Array) : new Float64Array(0);
    let npol = 0;
    const rows: CalTableRow[] = [];
    for (let r = 0; r < n; r++) {
      const p = cellOf(t, paramCol, r, dir);
      const [np, nchan] = [p.shape[0] ?? 0, p.shape[1] ?? 1];
      if (npol === 0) npol = np;
      else if (np !== npol) throw new Error(`${dir}: row ${r} of ${paramCol} has ${np} polarisations, row 0 ${npol}`);
      const w = t.getCellShape('WEIGHT', r) === null ? null : (cellOf(t, 'WEIGHT', r, dir).data as Float32Array);
      rows.push({
        timeS: time[r] as number,
        intervalS: interval[r] as number,
        fieldId: field[r] as number,
        spw: spw[r] as number,
        antenna: a1[r] as number,
        refant: a2[r] as number,
        scan: scan[r] as number,
        obsId: obs[r] as number,
        nchan,
        param: p.data as Float32Array,
        paramErr: cellOf(t, 'PARAMERR', r, dir).data as Float32Array,
        flag: cellOf(t, 'FLAG', r, dir).data as Uint8Array,
        snr: cellOf(t, 'SNR', r, dir).data as Float32Array,
        weight: w,
      });
    }
    const antennas = sub(t, 'ANTENNA', (a) => {
      const pos = a.nrows > 0 ? (a.getColumn('POSITION') as Float64Array) : new Float64Array(0);
      const names = a.nrows > 0 ? (a.getColumn('NAME') as string[]) : [];
      const st = a.nrows > 0 ? (a.getColumn('STATION') as string[]) : [];
      const dd = a.nrows > 0 ? (a.getColumn('DISH_DIAMETER') as Float64Array) : new Float64Array(0);
      return names.map(
        (name, i): CalTableAntenna => ({
          name,
          station: st[i] ?? '',
          positionM: [pos[3 * i] ?? 0, pos[3 * i + 1] ?? 0, pos[3 * i + 2] ?? 0],
          diameterM: dd[i] ?? 0,
        }),
      );
    });
    const fields = sub(t, 'FIELD', (f) =>
      Array.from({ length: f.nrows }, (_, i): CalTableField => {
        const d = cellOf(f, 'PHASE_DIR', i, `${dir}/FIELD`).data as Float64Array;
        return {
          name: String(f.getCell('NAME', i)),
          raRad: d[0] ?? 0,
          decRad: d[1] ?? 0,
          timeS: Number(f.getCell('TIME', i)),
        };
      }),
    );
    const spws = sub(t, 'SPECTRAL_WINDOW', (s) =>
      Array.from(
        { length: s.nrows },
        (_, i): CalTableSpw => ({
          name: String(s.getCell('NAME', i)),
          freqsHz: cellOf(s, 'CHAN_FREQ', i, `${dir}/SPECTRAL_WINDOW`).data as Float64Array,
          widthsHz: cellOf(s, 'CHAN_WIDTH', i, `${dir}/SPECTRAL_WINDOW`).data as Float64Array,
          refFreqHz: Number(s.getCell('REF_FREQUENCY', i)),
        }),
      ),
    );
    const observation = sub(t, 'OBSERVATION', (o) => {
      if (o.nrows === 0) return { telescope: '', observer: '', project: '', startS: 0, endS: 0 };
      const tr = o.getColumn('TIME_RANGE', 0, 1) as Float64Array;
      return {
        telescope: String(o.getCell('TELESCOPE_NAME', 0)),
        observer: String(o.getCell('OBSERVER', 0)),
        project: String(o.getCell('PROJECT', 0)),
        startS: tr[0] ?? 0,
        endS: tr[1] ?? 0,
      };
    });
    return {
      visCal,
      msName: String(kws.MSName ?? ''),
      npol,
      rows,
      antennas,
      fields,
      spws,
      observation,
      writer: String(kws.CASA_Version ?? ''),
    };
  } finally {
    t.close();
  }
}

// ------------------------------------------------------------ solver tables <-> rows

const sharedOf = <T extends Float64Array | Float32Array | Uint8Array | Int32Array>(
  ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
): T => new ctor(new SharedArrayBuffer(n * ctor.BYTES_PER_ELEMENT));

/**
 * Rows of one spectral window's solutions: per slot, every antenna of the table (flagged where
 * the antenna had no data), cells [npol, ngroup]; PARAMERR is |g| / SNR (the solver's formal
 * error estimate), 0 where the SNR is 0.
 */
export function jonesToRows(
  j: JonesTable,
  spw: number,
  o: { fieldId: number; scan: number; obsId?: number; intervalS: number },
): CalTableRow[] {
  const rows: CalTableRow[] = [];
  for (let s = 0; s < j.nslot; s++) {
    const refCell = j.refant[s * j.ngroup * j.npol];
    for (let a = 0; a < j.nant; a++) {
      const n = j.npol * j.ngroup;
      const param = new Float32Array(2 * n);
      const err = new Float32Array(n);
      const flag = new Uint8Array(n);
      const snr = new Float32Array(n);
      for (let g = 0; g < j.ngroup; g++) {
        for (let p = 0; p < j.npol; p++) {
          const k = ((s * j.ngroup + g) * j.nant + a) * j.npol + p;
          const o2 = g * j.npol + p;
          const re = j.gains[2 * k] as number;
          const im = j.gains[2 * k + 1] as number;
          param[2 * o2] = re;
          param[2 * o2 + 1] = im;
          flag[o2] = j.flags[k] ? 1 : 0;
          snr[o2] = j.snr[k] as number;
          err[o2] = (snr[o2] as number) > 0 ? Math.hypot(re, im) / (snr[o2] as number) : 0;
        }
      }
      rows.push({
        timeS: (j.slotTimesMjd[s] as number) * 86400,
        intervalS: o.intervalS,
        fieldId: o.fieldId,
        spw,
        antenna: a,
        refant: refCell ?? -1,
        scan: o.scan,
        obsId: o.obsId ?? 0,
        nchan: j.ngroup,
        param,
        paramErr: err,
        flag,
        snr,
        weight: null,
      });
    }
  }
  return rows;
}

/**
 * The solver's table for one spectral window from a calibration table's rows (for applying):
 * slots are the distinct row times; antennas without a row are flagged (no solution).
 * `nant` is the MS's antenna count; `nchanMs` the window's channels in the MS.
 */
export function rowsToJones(c: CalTableContents, spw: number, nant: number, nchanMs: number): JonesTable {
  if (PAR_TYPE[c.visCal] !== 'Complex')
    throw new Error(`${c.visCal} tables hold FPARAM (delays); applying them is not supported`);
  const rows = c.rows.filter((r) => r.spw === spw);
  if (rows.length === 0) throw new Error(`calibration table from ${c.msName}: no solutions for spectral window ${spw}`);
  const times = [...new Set(rows.map((r) => r.timeS))].sort((x, y) => x - y);
  const slotOf = new Map(times.map((t, i) => [t, i]));
  const ngroup = rows[0]?.nchan ?? 1;
  const bandpass = c.visCal === 'B Jones';
  if (bandpass && ngroup !== nchanMs)
    throw new Error(
      `bandpass table from ${c.msName}: spectral window ${spw} has ${ngroup} solution channels, the MS ${nchanMs}`,
    );
  const npol = c.npol;
  const nslot = times.length;
  const nsol = nslot * ngroup * nant * npol;
  const gains = sharedOf(Float64Array, 2 * nsol);
  const flags = sharedOf(Uint8Array, nsol).fill(2);
  const snr = sharedOf(Float32Array, nsol);
  const refant = sharedOf(Int32Array, nslot * ngroup * npol).fill(-1);
  for (let k = 0; k < nsol; k++) gains[2 * k] = 1;
  const seen = new Set<number>();
  for (const r of rows) {
    if (r.nchan !== ngroup)
      throw new Error(
        `calibration table from ${c.msName}: spectral window ${spw} mixes ${ngroup} and ${r.nchan} solution channels`,
      );
    if (r.antenna < 0 || r.antenna >= nant) continue;
    const s = slotOf.get(r.timeS) as number;
    for (let g = 0; g < ngroup; g++) {
      for (let p = 0; p < npol; p++) {
        const k = ((s * ngroup + g) * nant + r.antenna) * npol + p;
        const o = g * npol + p;
        gains[2 * k] = r.param[2 * o] as number;
        gains[2 * k + 1] = r.param[2 * o + 1] as number;
        flags[k] = r.flag[o] ? 1 : 0;
        snr[k] = r.snr[o] as number;
        refant[(s * ngroup + g) * npol + p] = r.refant;
      }
    }
    if (!r.flag.every((f) => f)) seen.add(r.antenna);
  }
  let flagged = 0;
  for (let k = 0; k < nsol; k++) if (flags[k]) flagged++;
  const slotTimesMjd = Float64Array.from(times, (t) => t / 86400);
  const spwFreqs = c.spws[spw]?.freqsHz ?? new Float64Array(ngroup);
  return {
    type: bandpass ? 'B' : 'G',
    phaseOnly: false,
    nslot,
    chanGroup: bandpass ? 1 : nchanMs,
    ngroup,
    nant,
    npol,
    slotTimesMjd,
    groupFreqsHz: Float64Array.from(spwFreqs),
    gains,
    flags,
    snr,
    iterations: sharedOf(Int32Array, nslot * ngroup * npol),
    refant,
    sigma: sharedOf(Float64Array, nslot * ngroup * npol),
    antennas: [...seen].sort((x, y) => x - y),
    flaggedFraction: nsol > 0 ? flagged / nsol : 1,
  };
}
