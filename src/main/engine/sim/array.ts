// The simulated array: which stations are active, the correlator's baseline order, and the
// Earth-fixed (HA = 0, pointing declination) uvw the correlator writes into every integration.
import { ARRAY_CENTRE, STATION_COUNT, baselinesEcef } from '../../../shared/instrument';
import { uvwFromHourAngle } from '../../../shared/astro';

export interface SimArray {
  /** 1-based station numbers of the active antennas, ascending. */
  stations: number[];
  /** Per baseline (correlator order): 0-based antenna numbers as UVH5 writes them (station - 1). */
  ant1: Int32Array;
  ant2: Int32Array;
  /** ECEF baseline vectors (m), b = x(ant2) - x(ant1), nbl x 3. */
  baselinesEcef: Float64Array;
}

/**
 * `n` active stations spread evenly over the 117 (both arms and the outriggers keep their
 * share, as in the real array where about 96 antennas deliver data).
 */
export function activeStations(n: number): number[] {
  if (!Number.isInteger(n) || n < 2 || n > STATION_COUNT) {
    throw new RangeError(`antennas: expected an integer from 2 to ${STATION_COUNT}, got ${n}`);
  }
  return Array.from({ length: n }, (_, i) => Math.floor((i * STATION_COUNT) / n) + 1);
}

/**
 * Baselines in the correlator's order: grouped by the second antenna, (0,0), (0,1), (1,1),
 * (0,2), (1,2), (2,2) ..., autocorrelations included; not the ant1-major order of CASA.
 */
export function simArray(stationNumbers: number[]): SimArray {
  const n = stationNumbers.length;
  const nbl = (n * (n + 1)) / 2;
  const ant1 = new Int32Array(nbl);
  const ant2 = new Int32Array(nbl);
  const s1: number[] = [];
  const s2: number[] = [];
  let k = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i <= j; i++, k++) {
      const a = stationNumbers[i] as number;
      const b = stationNumbers[j] as number;
      ant1[k] = a - 1;
      ant2[k] = b - 1;
      s1.push(a);
      s2.push(b);
    }
  }
  return { stations: [...stationNumbers], ant1, ant2, baselinesEcef: baselinesEcef(s1, s2) };
}

/** The drift-scan uvw (m, nbl x 3): HA = 0 and the pointing declination of date, at the array's longitude. */
export function meridianUvw(arr: SimArray, decOfDateRad: number): Float64Array {
  return uvwFromHourAngle(arr.baselinesEcef, 0, decOfDateRad, ARRAY_CENTRE.longitudeDeg);
}
