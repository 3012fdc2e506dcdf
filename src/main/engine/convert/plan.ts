// Planning a group -> MS conversion from the subband headers alone: completeness, consistency
// between subbands, the spectral windows in ascending frequency, the CASA baseline order and each
// integration's row permutation, antenna positions, and the one J2000 phase centre.
import { basename } from 'node:path';
import { STATION_COUNT, geodeticToEcef, stationByNumber } from '../../../shared/instrument';
import { driftPhaseCentreJ2000, jdToMjd } from '../../../shared/astro';
import { openUvh5, parseCorrelatorFileName } from '../uvh5';
import type { Uvh5Header } from '../uvh5';
import { fileRowMap } from './rowmap';

export { fileRowMap } from './rowmap';
export type { FileRowMap } from './rowmap';

/** Refusal of a group with subbands missing (unless allowIncomplete). */
export class IncompleteGroupError extends Error {
  constructor(
    readonly groupId: string,
    readonly missing: number[],
    readonly present: number[],
  ) {
    super(
      `group ${groupId} is incomplete: subbands ${missing.map(sbName).join(', ')} are missing (${present.length} of ${present.length + missing.length} present); convert with allowIncomplete (--allow-incomplete) to write only the subbands present`,
    );
    this.name = 'IncompleteGroupError';
  }
}

export const sbName = (sb: number): string => `sb${String(sb).padStart(2, '0')}`;

export interface SubbandPlan {
  subband: number;
  path: string;
  /** MS channel order: ascending frequency, Hz. */
  freqsHz: Float64Array;
  /** Positive widths for ascending channels, Hz. */
  widthsHz: Float64Array;
  /** True when the file's channels descend (MS channel k = file channel nchan-1-k). */
  reverse: boolean;
}

export interface ConversionPlan {
  groupId: string;
  /** Spectral windows in ascending frequency: index = SPECTRAL_WINDOW_ID = DATA_DESC_ID. */
  spws: SubbandPlan[];
  missingSubbands: number[];
  nchan: number;
  npol: number;
  polarizations: number[];
  /** Baselines in MS order (ANTENNA1 <= ANTENNA2, sorted), as ANTENNA table row indices. */
  ant1: Int32Array;
  ant2: Int32Array;
  nbl: number;
  /** Mid-integration times, MJD UTC, ascending. */
  timesMjd: Float64Array;
  integrationS: number;
  startMjd: number;
  endMjd: number;
  midMjd: number;
  /** Pointing declination of date (rad) and the hour angle the data are phased to (rad). */
  pointingDecRad: number;
  haPhaseCentreRad: number;
  longitudeDeg: number;
  /** The MS phase centre: J2000 direction of the meridian at the mid-time, pointing dec. */
  phaseCentre: { raRad: number; decRad: number };
  /** ANTENNA table: every antenna of the file. */
  antennas: { name: string; station: string; positionM: [number, number, number]; diameterM: number }[];
  /** ECEF baseline vectors (m) of the MS baselines, b = x(ant2) - x(ant1). */
  baselinesEcef: Float64Array;
  /** Non-fatal findings (e.g. file antenna positions differing from the station table). */
  warnings: string[];
}

const fail = (path: string, field: string, what: string): never => {
  throw new Error(`${path}: ${field}: ${what}`);
};

/** The pointing declination (rad, of date) a drift-scan file records, and its phasing hour angle. */
export function pointing(h: Uvh5Header, path: string): { decRad: number; haRad: number } {
  const ek = h.extra_keywords;
  let dec: number | null = typeof ek.phase_center_dec === 'number' ? ek.phase_center_dec : null;
  dec ??= h.phase_center_app_dec?.[0] ?? null;
  dec ??= h.phase_center_catalog?.[0]?.cat_lat ?? null;
  if (dec === null || !Number.isFinite(dec)) {
    fail(
      path,
      'Header/extra_keywords/phase_center_dec',
      'missing; expected the pointing declination in radians (or phase_center_app_dec)',
    );
  }
  if (h.phase_type !== null && h.phase_type !== 'drift') {
    fail(path, 'Header/phase_type', `is '${h.phase_type}'; expected 'drift' (meridian-phased correlator data)`);
  }
  const ha = typeof ek.ha_phase_center === 'number' ? ek.ha_phase_center : 0;
  return { decRad: dec as number, haRad: ha };
}

/** Station number of a DSA-110 antenna name ("1".."117", "DSA-001"), or null. */
function stationOf(name: string): number | null {
  const m = /^(?:DSA-?)?0*(\d{1,3})$/i.exec(name.trim());
  const n = m ? Number(m[1]) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= STATION_COUNT ? n : null;
}

function approxEqual(a: ArrayLike<number>, b: ArrayLike<number>, tol: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs((a[i] as number) - (b[i] as number)) > tol) return false;
  return true;
}

/**
 * Read every subband header of a group and plan the MS. `files` are the group's subband files
 * (any order); subbands missing from `expectedSubbands` are refused unless allowIncomplete.
 */
export async function planConversion(
  groupId: string,
  files: string[],
  opts: { allowIncomplete?: boolean; expectedSubbands?: number } = {},
): Promise<ConversionPlan> {
  const expected = opts.expectedSubbands ?? 16;
  const bySb = new Map<number, string>();
  for (const f of files) {
    const { subband } = parseCorrelatorFileName(f);
    const prev = bySb.get(subband);
    if (prev !== undefined)
      throw new Error(`group ${groupId}: subband ${sbName(subband)} is given twice (${prev} and ${f})`);
    bySb.set(subband, f);
  }
  const present = [...bySb.keys()].sort((a, b) => a - b);
  const missing = Array.from({ length: expected }, (_, i) => i).filter((sb) => !bySb.has(sb));
  if (present.length === 0) throw new Error(`group ${groupId}: no subband files to convert`);
  if (missing.length > 0 && !opts.allowIncomplete) throw new IncompleteGroupError(groupId, missing, present);

  let ref: {
    path: string;
    h: Uvh5Header;
    index: Map<number, number>;
    ant1: Int32Array;
    ant2: Int32Array;
    times: Float64Array;
    dec: number;
    ha: number;
  } | null = null;
  const spws: SubbandPlan[] = [];
  for (const sb of present) {
    const path = bySb.get(sb) as string;
    const f = await openUvh5(path);
    const h = f.header;
    f.close();
    const { decRad, haRad } = pointing(h, path);
    const freqs = h.freq_array;
    const reverse = freqs.length > 1 && (freqs[1] as number) < (freqs[0] as number);
    const idx = Array.from({ length: freqs.length }, (_, k) => (reverse ? freqs.length - 1 - k : k));
    spws.push({
      subband: sb,
      path,
      freqsHz: Float64Array.from(idx, (k) => freqs[k] as number),
      widthsHz: Float64Array.from(idx, (k) => Math.abs(h.channel_width[k] as number)),
      reverse,
    });
    const times = Float64Array.from({ length: h.Ntimes }, (_, t) => h.time_array[t * h.Nbls] as number);
    if (!ref) {
      const index = new Map<number, number>();
      h.antenna_numbers.forEach((n, i) => index.set(n, i));
      const pairs = new Map<number, [number, number]>();
      for (let r = 0; r < h.Nblts; r++) {
        const i1 = index.get(h.ant_1_array[r] as number);
        const i2 = index.get(h.ant_2_array[r] as number);
        if (i1 === undefined || i2 === undefined)
          fail(path, 'Header/ant_1_array', `row ${r} names an antenna not in antenna_numbers`);
        const lo = Math.min(i1 as number, i2 as number);
        const hi = Math.max(i1 as number, i2 as number);
        pairs.set(lo * 65536 + hi, [lo, hi]);
      }
      const sorted = [...pairs.values()].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      if (sorted.length !== h.Nbls)
        fail(path, 'Header/Nbls', `is ${h.Nbls} but the rows hold ${sorted.length} distinct baselines`);
      ref = {
        path,
        h,
        index,
        ant1: Int32Array.from(sorted, (p) => p[0]),
        ant2: Int32Array.from(sorted, (p) => p[1]),
        times,
        dec: decRad,
        ha: haRad,
      };
      fileRowMap(h, path, ref.ant1, ref.ant2, index);
      continue;
    }
    // Every subband must describe the same observation as the first one read.
    const r = ref;
    if (h.Npols !== r.h.Npols || !approxEqual(h.polarization_array, r.h.polarization_array, 0)) {
      fail(
        path,
        'Header/polarization_array',
        `[${Array.from(h.polarization_array)}] differs from ${basename(r.path)} ([${Array.from(r.h.polarization_array)}])`,
      );
    }
    if (h.Nfreqs !== r.h.Nfreqs)
      fail(
        path,
        'Header/Nfreqs',
        `is ${h.Nfreqs}; ${basename(r.path)} has ${r.h.Nfreqs} (every spectral window needs the same channel count)`,
      );
    if (h.Nbls !== r.h.Nbls) fail(path, 'Header/Nbls', `is ${h.Nbls}; ${basename(r.path)} has ${r.h.Nbls}`);
    if (!approxEqual(h.antenna_numbers, r.h.antenna_numbers, 0))
      fail(path, 'Header/antenna_numbers', `differ from ${basename(r.path)}`);
    const intS = r.h.integration_time[0] as number;
    if (!approxEqual(times, r.times, (0.1 * intS) / 86400)) {
      fail(
        path,
        'Header/time_array',
        `integration times differ from ${basename(r.path)} by more than 0.1 integration (expected the same ${r.times.length} integrations in every subband)`,
      );
    }
    if (Math.abs(decRad - r.dec) > 1e-6)
      fail(path, 'Header/extra_keywords/phase_center_dec', `is ${decRad} rad; ${basename(r.path)} has ${r.dec} rad`);
    fileRowMap(h, path, r.ant1, r.ant2, r.index);
  }
  if (!ref) throw new Error(`group ${groupId}: no subband could be read`);
  spws.sort((a, b) => (a.freqsHz[0] as number) - (b.freqsHz[0] as number));
  for (let i = 1; i < spws.length; i++) {
    const lo = spws[i - 1] as SubbandPlan;
    const hi = spws[i] as SubbandPlan;
    if ((hi.freqsHz[0] as number) <= (lo.freqsHz[lo.freqsHz.length - 1] as number)) {
      fail(
        hi.path,
        'Header/freq_array',
        `overlaps ${basename(lo.path)} (${sbName(lo.subband)}); expected disjoint subbands`,
      );
    }
  }

  const h = ref.h;
  const intS = h.integration_time[0] as number;
  const timesMjd = Float64Array.from(ref.times, jdToMjd);
  const startMjd = (timesMjd[0] as number) - intS / 2 / 86400;
  const endMjd = (timesMjd[timesMjd.length - 1] as number) + intS / 2 / 86400;
  const midMjd = (startMjd + endMjd) / 2;
  const { antennas, warnings } = antennaTable(h, ref.path);
  const nbl = ref.ant1.length;
  const baselines = new Float64Array(3 * nbl);
  for (let b = 0; b < nbl; b++) {
    const p1 = antennas[ref.ant1[b] as number]!.positionM;
    const p2 = antennas[ref.ant2[b] as number]!.positionM;
    for (let k = 0; k < 3; k++) baselines[3 * b + k] = (p2[k] as number) - (p1[k] as number);
  }
  return {
    groupId,
    spws,
    missingSubbands: missing,
    nchan: h.Nfreqs,
    npol: h.Npols,
    polarizations: Array.from(h.polarization_array),
    ant1: ref.ant1,
    ant2: ref.ant2,
    nbl,
    timesMjd,
    integrationS: intS,
    startMjd,
    endMjd,
    midMjd,
    pointingDecRad: ref.dec,
    haPhaseCentreRad: ref.ha,
    longitudeDeg: h.longitude,
    phaseCentre: driftPhaseCentreJ2000(midMjd, ref.dec, 0, { longitudeDeg: h.longitude }),
    antennas,
    baselinesEcef: baselines,
    warnings,
  };
}

/**
 * The ANTENNA table: DSA-110 antennas named DSA-NNN at their surveyed station positions (the
 * station table, float64); other names keep the file's positions (telescope location +
 * antenna_positions). A file whose relative positions disagree with the stations is reported.
 */
function antennaTable(h: Uvh5Header, path: string): { antennas: ConversionPlan['antennas']; warnings: string[] } {
  const site = geodeticToEcef({ latitudeDeg: h.latitude, longitudeDeg: h.longitude, heightM: h.altitude });
  const warnings: string[] = [];
  const fromFile = (i: number): [number, number, number] =>
    [0, 1, 2].map((k) => site[k]! + (h.antenna_positions[3 * i + k] as number)) as [number, number, number];
  const stationsOk = h.antenna_names.every((n) => stationOf(n) !== null);
  let worst = 0;
  const antennas = h.antenna_names.map((name, i) => {
    const diameterM = h.antenna_diameters?.[i] ?? 4.65;
    if (!stationsOk) return { name, station: name, positionM: fromFile(i), diameterM };
    const s = stationByNumber(stationOf(name) as number);
    const rel = s.ecefFromCentre;
    const f0 = [h.antenna_positions[0] as number, h.antenna_positions[1] as number, h.antenna_positions[2] as number];
    const s0 = stationByNumber(stationOf(h.antenna_names[0] as string) as number).ecefFromCentre;
    for (let k = 0; k < 3; k++)
      worst = Math.max(
        worst,
        Math.abs(
          (h.antenna_positions[3 * i + k] as number) - (f0[k] as number) - ((rel[k] as number) - (s0[k] as number)),
        ),
      );
    return { name: s.name, station: s.name, positionM: [...s.ecef] as [number, number, number], diameterM };
  });
  if (worst > 0.05)
    warnings.push(
      `${path}: Header/antenna_positions differ from the DSA-110 station table by up to ${worst.toFixed(3)} m (relative positions); the station table is used`,
    );
  return { antennas, warnings };
}
