// The data timeline's request: the repository's per-cell counts shaped into strips (north to
// south) with one count array per pipeline state, plus the workspace's extent and the
// calibration solutions valid in the range.
import { TIMELINE_STATES, type ApiHandlers, type TimelineStrip, type TimelineSummary } from '../../../shared/api';
import type { Database } from '../db';

const MAX_SOLUTIONS = 500;

export function timelineSummary(
  db: Database,
  q: { startMjd: number; endMjd: number; bins: number; stripWidthDeg: number },
): TimelineSummary {
  const strips = new Map<number | null, TimelineStrip>();
  let total = 0;
  for (const c of db.timeline.cells(q)) {
    let strip = strips.get(c.strip);
    if (!strip) {
      const centre = c.strip === null ? null : c.strip * q.stripWidthDeg;
      strip = {
        decDeg: centre,
        decMinDeg: centre === null ? null : centre - q.stripWidthDeg / 2,
        decMaxDeg: centre === null ? null : centre + q.stripWidthDeg / 2,
        counts: TIMELINE_STATES.map(() => new Array<number>(q.bins).fill(0)),
        total: 0,
      };
      strips.set(c.strip, strip);
    }
    const row = strip.counts[c.st];
    if (row) row[c.bin] = (row[c.bin] ?? 0) + c.n;
    strip.total += c.n;
    total += c.n;
  }
  return {
    startMjd: q.startMjd,
    endMjd: q.endMjd,
    bins: q.bins,
    binWidthDays: (q.endMjd - q.startMjd) / q.bins,
    states: [...TIMELINE_STATES],
    strips: [...strips.values()].sort((a, b) => (a.decDeg === null ? 1 : b.decDeg === null ? -1 : b.decDeg - a.decDeg)),
    totalGroups: total,
    extent: db.timeline.extent(),
    solutions: db.timeline.solutions(q.startMjd, q.endMjd, MAX_SOLUTIONS),
  };
}

export function timelineHandlers(db: Database): Pick<ApiHandlers, 'timeline.summary'> {
  return { 'timeline.summary': async (input) => timelineSummary(db, input) };
}
