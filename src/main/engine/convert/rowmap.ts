// Where each MS baseline of each integration sits in a subband file (and whether it must be
// conjugated), validated against the time-major layout the DSA-110 correlator writes.
import type { Uvh5Header } from '../uvh5/model';

/** Per-file row layout: for integration t, MS baseline b is file row t*nbl + perm[t*nbl + b]. */
export interface FileRowMap {
  perm: Int32Array;
  /** 1 where the file's row is (ant2, ant1): the visibility is conjugated. */
  conj: Uint8Array;
}

const fail = (path: string, field: string, what: string): never => {
  throw new Error(`${path}: ${field}: ${what}`);
};

/** Baselines of the file in MS order, validated as time-major blocks of Nbls rows. */
export function fileRowMap(
  h: Uvh5Header,
  path: string,
  ant1: Int32Array,
  ant2: Int32Array,
  index: Map<number, number>,
): FileRowMap {
  const nbl = ant1.length;
  const { Ntimes, Nblts } = h;
  if (Nblts !== nbl * Ntimes)
    fail(
      path,
      'Header/Nblts',
      `is ${Nblts}; expected Nbls x Ntimes = ${nbl} x ${Ntimes} (every baseline in every integration)`,
    );
  const key = (a: number, b: number): number => a * 65536 + b;
  const msIndex = new Map<number, number>();
  for (let b = 0; b < nbl; b++) msIndex.set(key(ant1[b] as number, ant2[b] as number), b);
  const perm = new Int32Array(Nblts);
  const conj = new Uint8Array(Nblts);
  const seen = new Uint8Array(nbl);
  for (let t = 0; t < Ntimes; t++) {
    const t0 = h.time_array[t * nbl] as number;
    seen.fill(0);
    for (let r = 0; r < nbl; r++) {
      const row = t * nbl + r;
      if (Math.abs((h.time_array[row] as number) - t0) > 1e-8) {
        fail(
          path,
          'Header/time_array',
          `row ${row} has another time than row ${t * nbl}; expected integrations as contiguous blocks of Nbls=${nbl} rows (time-major, as the DSA-110 correlator writes)`,
        );
      }
      const i1 = index.get(h.ant_1_array[row] as number);
      const i2 = index.get(h.ant_2_array[row] as number);
      if (i1 === undefined || i2 === undefined)
        fail(path, 'Header/ant_1_array', `row ${row} names an antenna not in antenna_numbers`);
      const lo = Math.min(i1 as number, i2 as number);
      const hi = Math.max(i1 as number, i2 as number);
      const b = msIndex.get(key(lo, hi));
      if (b === undefined)
        fail(
          path,
          'Header/ant_1_array',
          `row ${row} holds baseline (${h.ant_1_array[row]}, ${h.ant_2_array[row]}), absent from the group's first file`,
        );
      if (seen[b as number])
        fail(
          path,
          'Header/ant_1_array',
          `baseline (${h.ant_1_array[row]}, ${h.ant_2_array[row]}) appears twice in integration ${t}`,
        );
      seen[b as number] = 1;
      perm[t * nbl + (b as number)] = r;
      conj[t * nbl + (b as number)] = (i1 as number) > (i2 as number) ? 1 : 0;
    }
  }
  return { perm, conj };
}
