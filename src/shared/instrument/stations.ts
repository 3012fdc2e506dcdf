// The 117 DSA-110 stations (from resources/instrument/dsa110_stations.json), the array centre,
// the arms, and antenna positions as ECEF and ENU offsets from the centre.
// Station numbers are 1-based (DSA-001 = 1); UVH5 antenna_numbers are 0-based (= number - 1).
import { z } from 'zod';
import stationsJson from '../../../resources/instrument/dsa110_stations.json';
import { type Geodetic, type Vec3, ecefDeltaToEnu, geodeticToEcef } from './geodesy';

const RESOURCE = 'resources/instrument/dsa110_stations.json';

/** Array centre used by the instrument's own tools (DSA110.md), WGS84. */
export const ARRAY_CENTRE: Geodetic = Object.freeze({
  latitudeDeg: 37.2334051,
  longitudeDeg: -118.283,
  heightM: 1188.05,
});

export const STATION_COUNT = 117;

export type Arm = 'east-west' | 'north-south' | 'outrigger';

export interface Station {
  /** "DSA-001" .. "DSA-117". */
  name: string;
  /** 1 .. 117. */
  number: number;
  latitudeDeg: number;
  longitudeDeg: number;
  /** WGS84 ellipsoidal height (m). */
  elevationM: number;
  /** True when the survey lacked the elevation and it was estimated (see the JSON). */
  elevationEstimated: boolean;
  arm: Arm;
  /** Absolute ECEF position (m). */
  ecef: Vec3;
  /** ECEF offset from ARRAY_CENTRE (m): what UVH5 calls antenna_positions. */
  ecefFromCentre: Vec3;
  /** East, north, up offset from ARRAY_CENTRE (m), in the centre's local frame. */
  enu: Vec3;
}

const StationRow = z.object({
  name: z.string().regex(/^DSA-\d{3}$/),
  number: z.number().int().min(1).max(STATION_COUNT),
  latitudeDeg: z.number().min(-90).max(90),
  longitudeDeg: z.number().min(-180).max(180),
  elevationM: z.number().finite(),
  elevationEstimated: z.boolean(),
});
const StationFile = z.object({ stations: z.array(StationRow).length(STATION_COUNT) });

/** Arm of a station by its 1-based number: 1-51 east-west, 52-102 north-south, 103-117 outriggers. */
export function armOf(stationNumber: number): Arm {
  if (!Number.isInteger(stationNumber) || stationNumber < 1 || stationNumber > STATION_COUNT) {
    throw new RangeError(`armOf(stationNumber): expected an integer in [1, ${STATION_COUNT}], got ${stationNumber}`);
  }
  if (stationNumber <= 51) return 'east-west';
  if (stationNumber <= 102) return 'north-south';
  return 'outrigger';
}

let cache: readonly Station[] | null = null;

/** All 117 stations, ordered by number (index i holds DSA-(i+1)). Parsed and checked once. */
export function stations(): readonly Station[] {
  if (cache) return cache;
  const parsed = StationFile.safeParse(stationsJson);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${RESOURCE}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const centre = geodeticToEcef(ARRAY_CENTRE);
  cache = Object.freeze(
    parsed.data.stations.map((row, i): Station => {
      if (row.number !== i + 1)
        throw new Error(`${RESOURCE}: stations.${i}.number: expected ${i + 1}, got ${row.number}`);
      const ecef = geodeticToEcef({
        latitudeDeg: row.latitudeDeg,
        longitudeDeg: row.longitudeDeg,
        heightM: row.elevationM,
      });
      const rel: Vec3 = [ecef[0] - centre[0], ecef[1] - centre[1], ecef[2] - centre[2]];
      return Object.freeze({
        ...row,
        arm: armOf(row.number),
        ecef,
        ecefFromCentre: rel,
        enu: ecefDeltaToEnu(rel, ARRAY_CENTRE),
      });
    }),
  );
  return cache;
}

/** The station with a 1-based number (1..117). */
export function stationByNumber(stationNumber: number): Station {
  armOf(stationNumber); // validates the range
  const s = stations()[stationNumber - 1];
  if (!s) throw new Error(`${RESOURCE}: station ${stationNumber} missing`);
  return s;
}

/**
 * ECEF offsets from the array centre of the given stations (default: all 117, in order), as a
 * row-major n x 3 Float64Array: UVH5 `antenna_positions` (relative to the telescope location).
 */
export function antennaPositionsEcef(stationNumbers?: readonly number[]): Float64Array {
  const list = stationNumbers ? stationNumbers.map(stationByNumber) : stations();
  const out = new Float64Array(list.length * 3);
  list.forEach((s, i) => out.set(s.ecefFromCentre, i * 3));
  return out;
}

/**
 * ECEF baseline vectors for antenna pairs, b = pos(ant2) - pos(ant1) (the pyuvdata/CASA
 * convention), as a row-major nbl x 3 Float64Array. `ant1`/`ant2` are 1-based station numbers.
 */
export function baselinesEcef(ant1: ArrayLike<number>, ant2: ArrayLike<number>): Float64Array {
  if (ant1.length !== ant2.length) {
    throw new RangeError(
      `baselinesEcef: ant1 and ant2 must have the same length, got ${ant1.length} and ${ant2.length}`,
    );
  }
  const out = new Float64Array(ant1.length * 3);
  for (let i = 0; i < ant1.length; i++) {
    const a = stationByNumber(ant1[i] as number).ecef;
    const b = stationByNumber(ant2[i] as number).ecef;
    out[3 * i] = b[0] - a[0];
    out[3 * i + 1] = b[1] - a[1];
    out[3 * i + 2] = b[2] - a[2];
  }
  return out;
}
