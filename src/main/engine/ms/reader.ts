// Reading a Measurement Set: its summary (rows, times, spectral windows, fields, antennas,
// columns, flagged fraction) and MAIN column blocks per spectral window for later stages.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openTable } from '../casacore';
import type { ColumnData, Table } from '../casacore';
import { stokesName } from './schema';

export interface MsSpwSummary {
  id: number;
  name: string;
  nchan: number;
  /** Lowest and highest channel centre, Hz. */
  freqMinHz: number;
  freqMaxHz: number;
  refFreqHz: number;
  /** Width of the first channel, Hz (negative for descending channels). */
  chanWidthHz: number;
  totalBandwidthHz: number;
  ascending: boolean;
}

export interface MsFieldSummary {
  id: number;
  name: string;
  raDeg: number;
  decDeg: number;
}

export interface MsAntennaSummary {
  id: number;
  name: string;
  station: string;
  positionM: [number, number, number];
}

export interface MsSummary {
  path: string;
  rows: number;
  /** First and last row time (mid-integration), MJD seconds; start/end include half an interval. */
  firstTimeS: number;
  lastTimeS: number;
  startS: number;
  endS: number;
  ntimes: number;
  intervalS: number;
  spws: MsSpwSummary[];
  /** Correlation names in cell order, e.g. ["XX", "YY"]. */
  correlations: string[];
  fields: MsFieldSummary[];
  antennas: MsAntennaSummary[];
  /** Antennas appearing in ANTENNA1 or ANTENNA2. */
  antennasWithData: number;
  baselines: number;
  columns: string[];
  telescope: string;
  /** Flagged visibilities / all visibilities (FLAG, every row, channel and correlation). */
  flaggedFraction: number;
}

/** A run of consecutive MAIN rows. */
export interface RowRun {
  start: number;
  count: number;
}

const DEG = 180 / Math.PI;

/** An open MS (read-only); close() when done. */
export class MeasurementSet {
  /** Row runs per DATA_DESC_ID: finding them scans the whole column, so once per open MS. */
  private readonly runsOfDdid = new Map<number, RowRun[]>();
  private ddCache: { spw: number; polarization: number }[] | null = null;

  private constructor(
    readonly path: string,
    readonly main: Table,
  ) {}

  static open(path: string): MeasurementSet {
    if (!existsSync(join(path, 'table.dat'))) throw new Error(`${path}: not a Measurement Set (no table.dat)`);
    const main = openTable(path);
    for (const s of ['ANTENNA', 'SPECTRAL_WINDOW', 'DATA_DESCRIPTION', 'POLARIZATION', 'FIELD']) {
      if (!main.keywords.has(s)) {
        main.close();
        throw new Error(`${path}: not a Measurement Set: the ${s} subtable keyword is missing`);
      }
    }
    return new MeasurementSet(path, main);
  }

  get nrows(): number {
    return this.main.nrows;
  }

  private sub<T>(name: string, f: (t: Table) => T): T {
    const t = this.main.openSubtable(name);
    try {
      return f(t);
    } finally {
      t.close();
    }
  }

  /** Spectral windows with their channel frequencies (Hz, MS order) and widths. */
  spectralWindows(): { id: number; name: string; freqsHz: Float64Array; widthsHz: Float64Array; refFreqHz: number }[] {
    return this.sub('SPECTRAL_WINDOW', (t) =>
      Array.from({ length: t.nrows }, (_, i) => ({
        id: i,
        name: String(t.getCell('NAME', i)),
        freqsHz: t.getColumn('CHAN_FREQ', i, 1) as Float64Array,
        widthsHz: t.getColumn('CHAN_WIDTH', i, 1) as Float64Array,
        refFreqHz: Number(t.getCell('REF_FREQUENCY', i)),
      })),
    );
  }

  /** SPECTRAL_WINDOW_ID of each DATA_DESCRIPTION row. */
  dataDescriptions(): { spw: number; polarization: number }[] {
    this.ddCache ??= this.sub('DATA_DESCRIPTION', (t) => {
      const spw = t.getColumn('SPECTRAL_WINDOW_ID') as Int32Array;
      const pol = t.getColumn('POLARIZATION_ID') as Int32Array;
      return Array.from(spw, (s, i) => ({ spw: s, polarization: pol[i] ?? 0 }));
    });
    return this.ddCache;
  }

  /** The DATA_DESC_ID of a spectral window (the first description naming it). */
  dataDescIdOfSpw(spw: number): number {
    const id = this.dataDescriptions().findIndex((d) => d.spw === spw);
    if (id < 0) throw new Error(`${this.path}: no DATA_DESCRIPTION row refers to spectral window ${spw}`);
    return id;
  }

  /**
   * Runs of consecutive MAIN rows whose DATA_DESC_ID is `ddid`. One pass over the column (read
   * in blocks) finds the runs of every DATA_DESC_ID at once, cached per open MS: a window-by-window
   * reader asks for all of them, and one pass per window read the column 16 times.
   */
  rowRunsOfDataDesc(ddid: number, blockRows = 1 << 18): RowRun[] {
    if (this.runsOfDdid.size === 0) {
      const open = new Map<number, RowRun>();
      for (let r0 = 0; r0 < this.nrows; r0 += blockRows) {
        const n = Math.min(blockRows, this.nrows - r0);
        const dd = this.main.getColumn('DATA_DESC_ID', r0, n) as Int32Array;
        for (let i = 0; i < n; ) {
          const id = dd[i] as number;
          let j = i + 1;
          while (j < n && dd[j] === id) j++;
          const cur = open.get(id);
          if (cur && cur.start + cur.count === r0 + i) cur.count += j - i;
          else {
            const run = { start: r0 + i, count: j - i };
            open.set(id, run);
            const list = this.runsOfDdid.get(id);
            if (list) list.push(run);
            else this.runsOfDdid.set(id, [run]);
          }
          i = j;
        }
      }
    }
    return this.runsOfDdid.get(ddid) ?? [];
  }

  /** Runs of consecutive MAIN rows of one spectral window (cached per open MS). */
  spwRowRuns(spw: number): RowRun[] {
    return this.rowRunsOfDataDesc(this.dataDescIdOfSpw(spw));
  }

  /**
   * A MAIN column for the rows of one spectral window, in MS row order: rows x cell (casacore
   * order, e.g. DATA as rows x nchan x npol complex); `channels` [start, end) cuts the channel
   * axis of [npol, nchan] cells; `shared` reads into a SharedArrayBuffer (for the native
   * workers) without an intermediate copy. Returns the row numbers read, too.
   */
  readSpw(
    column: string,
    spw: number,
    opts: { channels?: [number, number]; shared?: boolean } = {},
  ): { rows: Int32Array; data: ColumnData } {
    const runs = this.spwRowRuns(spw);
    const total = runs.reduce((a, r) => a + r.count, 0);
    const rows = new Int32Array(total);
    let k = 0;
    for (const run of runs) for (let i = 0; i < run.count; i++) rows[k++] = run.start + i;
    if (!opts.shared) {
      const parts = runs.map((run) => this.readRows(column, run.start, run.count, opts.channels));
      return { rows, data: concat(parts) };
    }
    // Straight into one SharedArrayBuffer sized from the first run: no concatenation, no copy.
    let out: Exclude<ColumnData, string[]> | null = null;
    let at = 0;
    for (const run of runs) {
      const part = this.readRows(column, run.start, run.count, opts.channels);
      if (Array.isArray(part))
        throw new Error(`${this.path}: column ${column} holds strings; it cannot be read into shared memory`);
      if (!out) {
        const Ctor = part.constructor as {
          new (b: SharedArrayBuffer): Exclude<ColumnData, string[]>;
          BYTES_PER_ELEMENT: number;
        };
        out = new Ctor(new SharedArrayBuffer((part.length / run.count) * total * Ctor.BYTES_PER_ELEMENT));
      }
      (out as Float64Array).set(part as unknown as Float64Array, at);
      at += part.length;
    }
    return { rows, data: out ?? new Float32Array(new SharedArrayBuffer(0)) };
  }

  /** Rows [start, start+count) of a column; `channels` slices [npol, nchan] cells. */
  readRows(column: string, start: number, count: number, channels?: [number, number]): ColumnData {
    if (!channels) return this.main.getColumn(column, start, count);
    const shape = this.main.getCellShape(column, start);
    if (!shape || shape.length !== 2)
      throw new Error(`${this.path}: column ${column} has no [npol, nchan] cells to cut channels from`);
    return this.main.getColumnSlice(column, start, count, {
      start: [0, channels[0]],
      end: [shape[0] ?? 0, channels[1]],
    });
  }

  /** Fraction of FLAG values set, read in blocks of rows. */
  flaggedFraction(blockRows = 65536): number {
    if (this.nrows === 0) return 0;
    let set = 0;
    let all = 0;
    for (let r0 = 0; r0 < this.nrows; r0 += blockRows) {
      const f = this.main.getColumn('FLAG', r0, Math.min(blockRows, this.nrows - r0)) as Uint8Array;
      for (let i = 0; i < f.length; i++) set += f[i] as number;
      all += f.length;
    }
    return all > 0 ? set / all : 0;
  }

  /**
   * `flags: false` skips the flagged fraction (NaN); `counts: false` skips the counts of times,
   * antennas with data and baselines (NaN), leaving a pass over TIME alone.
   */
  summary(opts: { flags?: boolean; counts?: boolean } = {}): MsSummary {
    const n = this.nrows;
    let first = Infinity;
    let last = -Infinity;
    const times = new Set<number>();
    const ants = new Set<number>();
    const bls = new Set<number>();
    let interval = 0;
    if (opts.counts === false) {
      let firstRow = 0;
      for (let r0 = 0; r0 < n; r0 += 1 << 18) {
        const t = this.main.getColumn('TIME', r0, Math.min(1 << 18, n - r0)) as Float64Array;
        for (let i = 0; i < t.length; i++) {
          const x = t[i] as number;
          if (x < first) {
            first = x;
            firstRow = r0 + i;
          }
          if (x > last) last = x;
        }
      }
      if (n > 0) interval = (this.main.getColumn('INTERVAL', firstRow, 1) as Float64Array)[0] ?? 0;
    }
    for (let r0 = 0; opts.counts !== false && r0 < n; r0 += 1 << 18) {
      const k = Math.min(1 << 18, n - r0);
      const t = this.main.getColumn('TIME', r0, k) as Float64Array;
      const iv = this.main.getColumn('INTERVAL', r0, k) as Float64Array;
      const a1 = this.main.getColumn('ANTENNA1', r0, k) as Int32Array;
      const a2 = this.main.getColumn('ANTENNA2', r0, k) as Int32Array;
      for (let i = 0; i < k; i++) {
        const x = t[i] as number;
        if (x < first) {
          first = x;
          interval = iv[i] ?? 0;
        }
        if (x > last) last = x;
        times.add(x);
        ants.add(a1[i] as number).add(a2[i] as number);
        bls.add((a1[i] as number) * 65536 + (a2[i] as number));
      }
    }
    const spws = this.spectralWindows().map((s): MsSpwSummary => {
      const f = Array.from(s.freqsHz);
      const w = Array.from(s.widthsHz);
      return {
        id: s.id,
        name: s.name,
        nchan: f.length,
        freqMinHz: Math.min(...f),
        freqMaxHz: Math.max(...f),
        refFreqHz: s.refFreqHz,
        chanWidthHz: w[0] ?? 0,
        totalBandwidthHz: w.reduce((a, b) => a + Math.abs(b), 0),
        ascending: f.length < 2 || (f[1] as number) > (f[0] as number),
      };
    });
    const correlations = this.sub('POLARIZATION', (t) =>
      t.nrows > 0 ? Array.from(t.getColumn('CORR_TYPE', 0, 1) as Int32Array, stokesName) : [],
    );
    const fields = this.sub('FIELD', (t) =>
      Array.from({ length: t.nrows }, (_, i): MsFieldSummary => {
        const d = t.getColumn('PHASE_DIR', i, 1) as Float64Array;
        const ra = ((d[0] ?? 0) * DEG + 360) % 360;
        return { id: i, name: String(t.getCell('NAME', i)), raDeg: ra, decDeg: (d[1] ?? 0) * DEG };
      }),
    );
    const antennas = this.sub('ANTENNA', (t) => {
      const pos = t.getColumn('POSITION') as Float64Array;
      const names = t.getColumn('NAME') as string[];
      const stations = t.getColumn('STATION') as string[];
      return names.map(
        (name, i): MsAntennaSummary => ({
          id: i,
          name,
          station: stations[i] ?? '',
          positionM: [pos[3 * i] ?? 0, pos[3 * i + 1] ?? 0, pos[3 * i + 2] ?? 0],
        }),
      );
    });
    const telescope = this.main.keywords.has('OBSERVATION')
      ? this.sub('OBSERVATION', (t) => (t.nrows > 0 ? String(t.getCell('TELESCOPE_NAME', 0)) : ''))
      : '';
    return {
      path: this.path,
      rows: n,
      firstTimeS: n > 0 ? first : 0,
      lastTimeS: n > 0 ? last : 0,
      startS: n > 0 ? first - interval / 2 : 0,
      endS: n > 0 ? last + interval / 2 : 0,
      ntimes: opts.counts === false ? Number.NaN : times.size,
      intervalS: interval,
      spws,
      correlations,
      fields,
      antennas,
      antennasWithData: opts.counts === false ? Number.NaN : ants.size,
      baselines: opts.counts === false ? Number.NaN : bls.size,
      columns: this.main.columnNames(),
      telescope,
      flaggedFraction: opts.flags === false ? Number.NaN : this.flaggedFraction(),
    };
  }

  close(): void {
    this.main.close();
  }
}

function concat(parts: ColumnData[]): ColumnData {
  const first = parts[0];
  if (!first) return new Float32Array(0);
  if (parts.length === 1) return first;
  if (Array.isArray(first)) return (parts as string[][]).flat();
  const len = parts.reduce((a, p) => a + p.length, 0);
  const Ctor = first.constructor as new (n: number) => Exclude<ColumnData, string[]>;
  const out = new Ctor(len);
  let at = 0;
  for (const p of parts as Exclude<ColumnData, string[]>[]) {
    (out as Float64Array).set(p as unknown as Float64Array, at);
    at += p.length;
  }
  return out;
}

/** Open, summarise and close. */
export function readMsSummary(path: string, opts: { flags?: boolean } = {}): MsSummary {
  const ms = MeasurementSet.open(path);
  try {
    return ms.summary(opts);
  } finally {
    ms.close();
  }
}
