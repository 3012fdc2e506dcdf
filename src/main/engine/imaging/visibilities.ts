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

function shared<T extends Float32Array | Float64Array>(Ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T {
  return new Ctor(new SharedArrayBuffer(n * Ctor.BYTES_PER_ELEMENT));
}

/** Which two correlations make Stokes I: XX and YY (linear), or RR and LL (circular). */
function stokesIPair(correlations: string[], path: string): [number, number] {
  for (const [a, b] of [['XX', 'YY'], ['RR', 'LL']] as const) {
    const i = correlations.indexOf(a);
    const j = correlations.indexOf(b);
    if (i >= 0 && j >= 0) return [i, j];
  }
  throw new Error(`${path}: cannot form Stokes I from the correlations ${correlations.join(', ')} (need XX and YY, or RR and LL)`);
}

/** Read a Measurement Set's `column` as Stokes I visibilities for imaging. */
export function readImagingVisibilities(path: string, opts: { column?: DataColumn; signal?: AbortSignal } = {}): ImagingVisibilities {
  const column = opts.column ?? 'DATA';
  const ms = MeasurementSet.open(path);
  try {
    const summary = ms.summary({ flags: false });
    if (!summary.columns.includes(column)) throw new Error(`${path}: no ${column} column (columns: ${summary.columns.join(', ')})`);
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
    for (const [d, desc] of dds.entries()) {
      if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('imaging cancelled');
      const spwIdx = spws.findIndex((s) => s.id === desc.spw);
      if (spwIdx < 0) continue;
      const spw = spws[spwIdx]!;
      const nc = spw.freqsHz.length;
      const off = chanOffset[spwIdx]!;
      const runs = ms.rowRunsOfDataDesc(d);
      for (const run of runs) {
        // Blocks of rows keep the temporary arrays small.
        const block = Math.max(1, Math.floor((1 << 22) / (nc * npol)));
        for (let r0 = run.start; r0 < run.start + run.count; r0 += block) {
          const k = Math.min(block, run.start + run.count - r0);
          const data = ms.readRows(column, r0, k) as Float32Array;
          const flag = ms.readRows('FLAG', r0, k) as Uint8Array;
          const wsp = hasWs ? (ms.readRows('WEIGHT_SPECTRUM', r0, k) as Float32Array) : null;
          const wrow = hasWs ? null : (ms.readRows('WEIGHT', r0, k) as Float32Array);
          const rowFlag = ms.readRows('FLAG_ROW', r0, k) as Uint8Array;
          for (let i = 0; i < k; i++) {
            const r = r0 + i;
            if (ddid[r] !== d) continue;
            const out = rowOf[r]!;
            if (out < 0 || rowFlag[i]) continue;
            for (let c = 0; c < nc; c++) {
              const cell = (i * nc + c) * npol;
              if (flag[cell + ix] || flag[cell + iy]) continue;
              const wx = wsp ? wsp[cell + ix]! : wrow![i * npol + ix]!;
              const wy = wsp ? wsp[cell + iy]! : wrow![i * npol + iy]!;
              if (!(wx > 0 && wy > 0)) continue;
              const xr = data[2 * (cell + ix)]!;
              const xi = data[2 * (cell + ix) + 1]!;
              const yr = data[2 * (cell + iy)]!;
              const yi = data[2 * (cell + iy) + 1]!;
              if (!Number.isFinite(xr + xi + yr + yi)) continue;
              const o = out * nchan + off + c;
              vis[2 * o] = 0.5 * (xr + yr);
              vis[2 * o + 1] = 0.5 * (xi + yi);
              weights[o] = (4 * wx * wy) / (wx + wy);
              used++;
            }
          }
        }
      }
    }
    return {
      uvw, freqs, vis, weights, nrows, nchan, phaseCentre: { raDeg: field.raDeg, decDeg: field.decDeg }, timesS,
      intervalS: summary.intervalS, telescope: summary.telescope, widthsHz, usedFraction: nrows * nchan > 0 ? used / (nrows * nchan) : 0, column,
    };
  } finally {
    ms.close();
  }
}
