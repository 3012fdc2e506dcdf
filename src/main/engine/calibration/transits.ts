// Transits of a calibrator over DSA-110 in a time window, and whether the workspace holds data
// for each: the 16-subband group covering the transit at the calibrator's declination and the
// integration nearest the transit (where the calibrator is closest to the phase centre).
import { transitMjd } from '../../../shared/astro';
import { CHUNK_S, INTEGRATIONS_PER_CHUNK, INTEGRATION_S } from '../../../shared/instrument';
import type { Calibrator, IngestGroup } from '../../../shared/model';
import type { Database } from '../db';

const DEG = Math.PI / 180;

export interface TransitCoverage {
  transitMjd: number;
  /** The group whose time span contains the transit, at the calibrator's declination, or null. */
  groupId: string | null;
  groupState: IngestGroup['state'] | null;
  /** 0-based integration of that group nearest the transit, and its offset from it (s). */
  integration: number | null;
  offsetS: number | null;
}

export interface TransitOptions {
  /** Largest |group dec - calibrator dec| (deg) for a group to count as covering it. */
  decToleranceDeg?: number;
}

/** Every transit in [startMjd, endMjd], oldest first, with the data covering it. */
export function calibratorTransits(
  db: Database,
  cal: Calibrator,
  startMjd: number,
  endMjd: number,
  opts: TransitOptions = {},
): TransitCoverage[] {
  if (!(endMjd > startMjd))
    throw new RangeError(`transits: the end (MJD ${endMjd}) must be after the start (MJD ${startMjd})`);
  if (endMjd - startMjd > 366)
    throw new RangeError(`transits: at most a year at a time, got ${(endMjd - startMjd).toFixed(1)} days`);
  const decTol = opts.decToleranceDeg ?? 2.5;
  const chunkDays = CHUNK_S / 86400;
  const out: TransitCoverage[] = [];
  let t = transitMjd(cal.raDeg * DEG, cal.decDeg * DEG, startMjd, 'next');
  while (t <= endMjd) {
    const groups = db.ingest
      .listGroups({ fromMjd: t - 2 * chunkDays, toMjd: t + chunkDays })
      .filter((g) => g.startMjd <= t && t < (g.endMjd ?? g.startMjd + chunkDays))
      .filter((g) => g.decDeg === null || Math.abs(g.decDeg - cal.decDeg) <= decTol);
    const g = groups[0];
    if (g) {
      const k = Math.min(
        INTEGRATIONS_PER_CHUNK - 1,
        Math.max(0, Math.floor(((t - g.startMjd) * 86400) / INTEGRATION_S)),
      );
      const mid = g.startMjd + ((k + 0.5) * INTEGRATION_S) / 86400;
      out.push({ transitMjd: t, groupId: g.id, groupState: g.state, integration: k, offsetS: (mid - t) * 86400 });
    } else {
      out.push({ transitMjd: t, groupId: null, groupState: null, integration: null, offsetS: null });
    }
    // The next transit is one sidereal day later; start the search just after this one.
    t = transitMjd(cal.raDeg * DEG, cal.decDeg * DEG, t + 0.5, 'next');
  }
  return out;
}

/** The span of the registered data (group starts to the end of the last chunk), or null. */
export function dataSpan(db: Database): { startMjd: number; endMjd: number } | null {
  const groups = db.ingest.listGroups({});
  if (groups.length === 0) return null;
  const chunkDays = CHUNK_S / 86400;
  return {
    startMjd: Math.min(...groups.map((g) => g.startMjd)),
    endMjd: Math.max(...groups.map((g) => g.endMjd ?? g.startMjd + chunkDays)),
  };
}
