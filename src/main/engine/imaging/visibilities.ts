// Stokes I visibilities of a Measurement Set for imaging: every spectral window's channels side
// by side on one row per (time, baseline), I = (XX + YY) / 2 with weight 4 wXX wYY / (wXX + wYY)
// (the inverse of I's variance), flagged where either correlation is flagged, autocorrelations
// dropped. This is the layout the gridder takes (one frequency list for all rows).
import { MeasurementSet } from '../ms';

export type DataColumn = 'DATA' | 'CORRECTED_DATA';

export interface ImagingVisibilities {
  /** nrows x 3 (m), uvw(ant2) - uvw(ant1). */
  uvw: Float64Array;
  /** All channels of all spectral windows, in SPW then MS channel order (Hz). */
  freqs: Float64Array;
  /** nrows x nchan complex interleaved (Jy), in a SharedArrayBuffer. */
  vis: Float32Array;
  /** nrows x nchan natural (1/variance) weights of I; 0 = flagged or absent. */
  weights: Float32Array;
  nrows: number;
  nchan: number;
  /** Phase centre (FIELD 0 PHASE_DIR), J2000 degrees. */
  phaseCentre: { raDeg: number; decDeg: number };
  /** Distinct row times (MJD seconds, mid-integration), ascending. */
  timesS: number[];
  intervalS: number;
  telescope: string;
  /** Channel widths (Hz, absolute) in the order of `freqs`. */
  widthsHz: Float64Array;
  /** Visibilities (I) with nonzero weight / all (rows x channels). */
  usedFraction: number;
  column: DataColumn;
}

function shared<T extends Float32Array | Float64Array>(
  Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
): T {
  return new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT));
}

/** Which two correlations make Stokes I: XX and YY (linear), or RR and LL (circular). */
function stokesIPair(correlations: string[], path: string): [number, number] {
  for (const [a, b] of [
    ['XX', 'YY'],
    ['RR', 'LL'],
  ] as const) {
    const i = correlations.indexOf(a);
    const j = correlations.indexOf(b);
    if (i >= 0 && j >= 0) return [i, j];
  }
  throw new Error(
    `${path}: cannot form Stokes I from the correlations ${correlations.join(', ')} (need XX and YY, or RR and LL)`,
  );
}

interface Block {
  r0: number;
  k: number;
  d: number;
  ddid: Int32Array;
  rowOf: Int32Array;
  rowFlag: Uint8Array;
  data: Float32Array;
  flag: Uint8Array;
  wsp: Float32Array | null;
  wrow: Float32Array | null;
  nc: number;
  npol: number;
  ix: number;
  iy: number;
  nchan: number;
  off: number;
  vis: Float32Array;
  weights: Float32Array;
}

/**
 * Stokes I of one block of MS rows into the output rows; returns the visibilities written. A
 * function of its own so V8 optimises the hot loop with monomorphic array accesses.
 */
function combineBlock(b: Block): number {
  const { r0, k, d, ddid, rowOf, rowFlag, data, flag, wsp, wrow, nc, npol, ix, iy, nchan, off, vis, weights } = b;
  let used = 0;
  for (let i = 0; i < k; i++) {
    const r = r0 + i;
    if (ddid[r] !== d) continue;
    const out = rowOf[r]!;
    if (out < 0 || rowFlag[i]) continue;
    const o0 = out * nchan + off;
    // Row weights (WEIGHT) when there is no WEIGHT_SPECTRUM.
    const rwx = wrow ? wrow[i * npol + ix]! : 0;
    const rwy = wrow ? wrow[i * npol + iy]! : 0;
    for (let c = 0; c < nc; c++) {
      const cell = (i * nc + c) * npol;
      if (flag[cell + ix] || flag[cell + iy]) continue;
      const wx = wsp ? wsp[cell + ix]! : rwx;
      const wy = wsp ? wsp[cell + iy]! : rwy;
      if (!(wx > 0 && wy > 0)) continue;
      const xr = data[2 * (cell + ix)]!;
      const xi = data[2 * (cell + ix) + 1]!;
      const yr = data[2 * (cell + iy)]!;
      const yi = data[2 * (cell + iy) + 1]!;
      if (!Number.isFinite(xr + xi + yr + yi)) continue;
      const o = o0 + c;
      vis[2 * o] = 0.5 * (xr + yr);
      vis[2 * o + 1] = 0.5 * (xi + yi);
      weights[o] = (4 * wx * wy) / (wx + wy);
      used++;
    }
  }
  return used;
}

/** Read a Measurement Set's `column` as Stokes I visibilities for imaging. */
export function readImagingVisibilities(
  path: string,
  opts: { column?: DataColumn; signal?: AbortSignal } = {},
): ImagingVisibilities {
  const column = opts.column ?? 'DATA';
  const ms = MeasurementSet.open(path);
  try {
    const summary = ms.summary({ flags: false });
    if (!summary.columns.includes(column))
      throw new Error(`${path}: no ${column} column (columns: ${summary.columns.join(', ')})`);
    const field = summary.fields[0];
    if (!field) throw new Error(`${path}: the FIELD table is empty (no phase centre)`);
    const [ix, iy] = stokesIPair(summary.correlations, path);
    const npol = summary.correlations.length;
    const spws = ms.spectralWindows();
    const hasWs = summary.columns.includes('WEIGHT_SPECTRUM');

    // Row keys: (time index, ant1, ant2) -> output row, over the whole MAIN table.
    const n = ms.nrows;
    const time = ms.main.getColumn('TIME', 0, n) as Float64Array;
    const a1 = ms.main.getColumn('ANTENNA1', 0, n) as Int32Array;
    const a2 = ms.main.getColumn('ANTENNA2', 0, n) as Int32Array;
    const uvwAll = ms.main.getColumn('UVW', 0, n) as Float64Array;
    const ddid = ms.main.getColumn('DATA_DESC_ID', 0, n) as Int32Array;
    const timesS = Array.from(new Set(time)).sort((a, b) => a - b);
    const tIndex = new Map(timesS.map((t, i) => [t, i]));
    const nant = Math.max(summary.antennas.length, 1);
    const rowOf = new Int32Array(n).fill(-1);
    const keyRow = new Map<number, number>();
    const uvwList: number[] = [];
    for (let r = 0; r < n; r++) {
      const p = a1[r]!;
      const q = a2[r]!;
      if (p === q) continue;
      const key = (tIndex.get(time[r]!)! * nant + p) * nant + q;
      let out = keyRow.get(key);
      if (out === undefined) {
        out = keyRow.size;
        keyRow.set(key, out);
        uvwList.push(uvwAll[3 * r]!, uvwAll[3 * r + 1]!, uvwAll[3 * r + 2]!);
      }
      rowOf[r] = out;
    }
    const nrows = keyRow.size;
    const uvw = shared(Float64Array, 3 * nrows);
    uvw.set(uvwList);
    const dds = ms.dataDescriptions();
    const chanOffset: number[] = [];
    let nchan = 0;
    for (const s of spws) {
      chanOffset.push(nchan);
      nchan += s.freqsHz.length;
    }
    const freqs = shared(Float64Array, nchan);
    const widthsHz = new Float64Array(nchan);
    for (const [k, s] of spws.entries()) {
      freqs.set(s.freqsHz, chanOffset[k]!);
      for (let c = 0; c < s.widthsHz.length; c++) widthsHz[chanOffset[k]! + c] = Math.abs(s.widthsHz[c]!);
    }
    const vis = shared(Float32Array, 2 * nrows * nchan);
    const weights = shared(Float32Array, nrows * nchan);

    // One spectral window at a time (a whole SPW of DATA is what the reader gives back).
    let used = 0;
    let buf: {
      cells: number;
      rows: number;
      data: Float32Array;
      flag: Uint8Array;
      wsp: Float32Array | null;
      wrow: Float32Array | null;
      rowFlag: Uint8Array;
    } | null = null;
    for (const [d, desc] of dds.entries()) {
      if (opts.signal?.aborted)
        throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('imaging cancelled');
      const spwIdx = spws.findIndex((s) => s.id === desc.spw);
      if (spwIdx < 0) continue;
      const spw = spws[spwIdx]!;
      const nc = spw.freqsHz.length;
      const off = chanOffset[spwIdx]!;
      const runs = ms.rowRunsOfDataDesc(d);
      // Blocks of rows keep the temporary arrays small; they are reused from block to block
      // (fresh arrays per block cost a page fault per 4 KiB: seconds of system time at full size).
      const block = Math.max(1, Math.floor((1 << 22) / (nc * npol)));
      const cells = block * nc * npol;
      if (!buf || buf.cells < cells || buf.rows < block) {
        buf = {
          cells,
          rows: block,
          data: new Float32Array(2 * cells),
          flag: new Uint8Array(cells),
          wsp: hasWs ? new Float32Array(cells) : null,
          wrow: hasWs ? null : new Float32Array(block * npol),
          rowFlag: new Uint8Array(block),
        };
      }
      const b = buf;
      for (const run of runs) {
        for (let r0 = run.start; r0 < run.start + run.count; r0 += block) {
          const k = Math.min(block, run.start + run.count - r0);
          const n = k * nc * npol;
          const data = b.data.subarray(0, 2 * n);
          const flag = b.flag.subarray(0, n);
          const wsp = b.wsp ? b.wsp.subarray(0, n) : null;
          const wrow = b.wrow ? b.wrow.subarray(0, k * npol) : null;
          const rowFlag = b.rowFlag.subarray(0, k);
          ms.main.getColumnInto(column, r0, k, data);
          ms.main.getColumnInto('FLAG', r0, k, flag);
          if (wsp) ms.main.getColumnInto('WEIGHT_SPECTRUM', r0, k, wsp);
          if (wrow) ms.main.getColumnInto('WEIGHT', r0, k, wrow);
          ms.main.getColumnInto('FLAG_ROW', r0, k, rowFlag);
          used += combineBlock({
            r0,
            k,
            d,
            ddid,
            rowOf,
            rowFlag,
            data,
            flag,
            wsp,
            wrow,
            nc,
            npol,
            ix,
            iy,
            nchan,
            off,
            vis,
            weights,
          });
        }
      }
    }
    return {
      uvw,
      freqs,
      vis,
      weights,
      nrows,
      nchan,
      phaseCentre: { raDeg: field.raDeg, decDeg: field.decDeg },
      timesS,
      intervalS: summary.intervalS,
      telescope: summary.telescope,
      widthsHz,
      usedFraction: nrows * nchan > 0 ? used / (nrows * nchan) : 0,
      column,
    };
  } finally {
    ms.close();
  }
}
