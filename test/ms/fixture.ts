// A small Measurement Set with known values in every MAIN column: 4 antennas (10 baselines with
// autocorrelations), 2 spectral windows of 3 channels, 2 correlations, 2 integrations; rows in
// time, then window, then baseline order.
import { createMeasurementSet } from '../../src/main/engine/ms';
import type { MainRows, MsDescription } from '../../src/main/engine/ms';

export const NANT = 4;
export const NBL = (NANT * (NANT + 1)) / 2;
export const NSPW = 2;
export const NCHAN = 3;
export const NPOL = 2;
export const NTIME = 2;
export const NROWS = NTIME * NSPW * NBL;
export const T0 = 60000.5 * 86400;
export const DT = 12.884901888;

export function description(): MsDescription {
  return {
    nrows: NROWS,
    polarizations: [-5, -6],
    nchan: NCHAN,
    tileRows: 5,
    antennas: Array.from({ length: NANT }, (_, i) => ({
      name: `DSA-${String(i + 1).padStart(3, '0')}`,
      station: `DSA-${String(i + 1).padStart(3, '0')}`,
      positionM: [-2409150.4 + i, -4478573.1 - 2 * i, 3838617.3 + 3 * i] as const,
      diameterM: 4.65,
    })),
    spws: Array.from({ length: NSPW }, (_, s) => ({
      name: `sb${15 - s}`,
      freqsHz: Float64Array.from({ length: NCHAN }, (_, c) => 1.3e9 + s * 1e7 + c * 244140.625),
      widthsHz: new Float64Array(NCHAN).fill(244140.625),
    })),
    field: { name: 'drift', raRad: 2.1, decRad: 0.95, timeS: T0 + DT },
    observation: { telescope: 'DSA_110', observer: 'test', project: 'unit', startS: T0, endS: T0 + NTIME * DT },
    history: {
      timeS: T0,
      message: 'unit-test fixture',
      application: 'vitest',
      origin: 'test/ms/fixture.ts',
      cliCommand: 'vitest',
      appParams: '',
    },
    receptors: { types: ['X', 'Y'], anglesRad: [0, Math.PI / 2] },
  };
}

/** The value of every MAIN column the fixture writes, for all rows. */
export function expectedRows(): MainRows {
  const n = NROWS;
  const r: MainRows = {
    n,
    time: new Float64Array(n),
    interval: new Float64Array(n).fill(DT),
    antenna1: new Int32Array(n),
    antenna2: new Int32Array(n),
    dataDescId: new Int32Array(n),
    uvw: new Float64Array(3 * n),
    data: new Float32Array(2 * n * NCHAN * NPOL),
    flag: new Uint8Array(n * NCHAN * NPOL),
    weightSpectrum: new Float32Array(n * NCHAN * NPOL),
    weight: new Float32Array(n * NPOL),
    sigma: new Float32Array(n * NPOL),
    flagRow: new Uint8Array(n),
  };
  let row = 0;
  for (let t = 0; t < NTIME; t++) {
    for (let s = 0; s < NSPW; s++) {
      let b = 0;
      for (let a1 = 0; a1 < NANT; a1++) {
        for (let a2 = a1; a2 < NANT; a2++, b++, row++) {
          r.time[row] = T0 + (t + 0.5) * DT;
          r.antenna1[row] = a1;
          r.antenna2[row] = a2;
          r.dataDescId[row] = s;
          r.uvw.set([a2 - a1 + 0.25 * t, 2 * (a2 - a1), -0.5 * b], 3 * row);
          r.flagRow[row] = a1 === a2 ? 1 : 0;
          for (let k = 0; k < NCHAN * NPOL; k++) {
            const i = row * NCHAN * NPOL + k;
            r.data[2 * i] = row + k / 10;
            r.data[2 * i + 1] = -row * 0.5 + k;
            r.flag[i] = a1 === a2 || (row + k) % 7 === 0 ? 1 : 0;
            r.weightSpectrum[i] = 1 + k + row / 100;
          }
          for (let p = 0; p < NPOL; p++) {
            r.weight[row * NPOL + p] = 3 + p;
            r.sigma[row * NPOL + p] = 1 / Math.sqrt(3 + p);
          }
        }
      }
    }
  }
  return r;
}

/** Write the fixture MS, MAIN rows in uneven blocks (out of order) to exercise partial tiles. */
export function writeFixtureMs(dir: string): MainRows {
  const w = createMeasurementSet(dir, description());
  const all = expectedRows();
  const blocks: [number, number][] = [
    [17, 13],
    [0, 17],
    [NROWS - 1, 1],
    [30, NROWS - 31],
  ];
  for (const [start, count] of blocks) {
    const sub = (a: Float64Array | Float32Array | Int32Array | Uint8Array, per: number) =>
      a.slice(start * per, (start + count) * per);
    w.putRows(start, {
      n: count,
      time: sub(all.time, 1) as Float64Array,
      interval: sub(all.interval, 1) as Float64Array,
      antenna1: sub(all.antenna1, 1) as Int32Array,
      antenna2: sub(all.antenna2, 1) as Int32Array,
      dataDescId: sub(all.dataDescId, 1) as Int32Array,
      uvw: sub(all.uvw, 3) as Float64Array,
      data: sub(all.data, 2 * NCHAN * NPOL) as Float32Array,
      flag: sub(all.flag, NCHAN * NPOL) as Uint8Array,
      weightSpectrum: sub(all.weightSpectrum, NCHAN * NPOL) as Float32Array,
      weight: sub(all.weight, NPOL) as Float32Array,
      sigma: sub(all.sigma, NPOL) as Float32Array,
      flagRow: sub(all.flagRow, 1) as Uint8Array,
    });
  }
  w.close();
  return all;
}
