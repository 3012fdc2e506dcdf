// What the timeline draws: registered raw data per declination strip binned by time (counted by
// SQLite over an index, never row by row in the renderer), and calibrator transits in a range.
import type { CalibratorTransit, CoverageStrip } from '../../../shared/api';
import type { Calibrator } from '../../../shared/model';
import { calibratorTransits } from '../calibration/transits';
import type { Database } from '../db';

export interface CoverageQuery {
  startMjd: number;
  endMjd: number;
  bins: number;
  stripWidthDeg: number;
}

export interface CoverageSummary {
  startMjd: number;
  endMjd: number;
  bins: number;
  binWidthDays: number;
  strips: CoverageStrip[];
  totalGroups: number;
}

/** Groups starting in [startMjd, endMjd) per strip (round(dec / width) x width) and time bin. */
export function coverageSummary(db: Database, q: CoverageQuery): CoverageSummary {
  const cells = db.ingest.coverage(q);
  const strips = new Map<number | null, CoverageStrip>();
  let total = 0;
  for (const c of cells) {
    let strip = strips.get(c.strip);
    if (!strip) {
      const centre = c.strip === null ? null : c.strip * q.stripWidthDeg;
      strip = {
        decDeg: centre,
        decMinDeg: centre === null ? null : centre - q.stripWidthDeg / 2,
        decMaxDeg: centre === null ? null : centre + q.stripWidthDeg / 2,
        groups: new Array<number>(q.bins).fill(0),
        converted: new Array<number>(q.bins).fill(0),
        incomplete: new Array<number>(q.bins).fill(0),
        total: 0,
      };
      strips.set(c.strip, strip);
    }
    strip.groups[c.bin] = c.groups;
    strip.converted[c.bin] = c.converted;
    strip.incomplete[c.bin] = c.incomplete;
    strip.total += c.groups;
    total += c.groups;
  }
  // North to south, unknown declination last.
  const ordered = [...strips.values()].sort((a, b) =>
    a.decDeg === null ? 1 : b.decDeg === null ? -1 : b.decDeg - a.decDeg,
  );
  return {
    startMjd: q.startMjd,
    endMjd: q.endMjd,
    bins: q.bins,
    binWidthDays: (q.endMjd - q.startMjd) / q.bins,
    strips: ordered,
    totalGroups: total,
  };
}

/** Transits of the calibrators in [startMjd, endMjd], time order, with the group covering each. */
export function calibratorTransitsInRange(
  db: Database,
  cals: readonly Calibrator[],
  q: { startMjd: number; endMjd: number; withDataOnly: boolean; limit: number },
): { items: CalibratorTransit[]; truncated: boolean } {
  const all: CalibratorTransit[] = [];
  for (const c of cals) {
    for (const t of calibratorTransits(db, c, q.startMjd, q.endMjd)) {
      if (q.withDataOnly && t.groupId === null) continue;
      all.push({
        calibrator: c.name,
        raDeg: c.raDeg,
        decDeg: c.decDeg,
        flux1400Jy: c.flux1400Jy,
        transitMjd: t.transitMjd,
        groupId: t.groupId,
        groupState: t.groupState,
      });
    }
  }
  all.sort((a, b) => a.transitMjd - b.transitMjd || a.calibrator.localeCompare(b.calibrator));
  return { items: all.slice(0, q.limit), truncated: all.length > q.limit };
}
