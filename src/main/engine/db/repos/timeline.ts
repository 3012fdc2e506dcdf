// The data timeline's aggregates, counted by SQLite: ingest groups per declination strip and time
// bin, split by how far each group has gone through the pipeline (raw data only, converted,
// calibrated, imaged, in a mosaic, in a published mosaic; failed). One GROUP BY over the
// (start_mjd, dec_deg, state) index and the MS/image/mosaic indexes: the renderer never sees rows.
import type { Connection } from '../connection';

/** One count; `st` indexes TIMELINE_STATES of src/shared/api/requests-timeline.ts (raw ... published, failed). */
export interface TimelineCell {
  strip: number | null;
  bin: number;
  st: number;
  n: number;
}

export class TimelineRepo {
  constructor(private readonly conn: Connection) {}

  /** Counts of groups starting in [start, end) per strip (round(dec / width)), bin and state code. */
  cells(q: { startMjd: number; endMjd: number; bins: number; stripWidthDeg: number }): TimelineCell[] {
    return this.conn
      .stmt(
        `WITH g AS (
          SELECT ig.dec_deg AS dec_deg, ig.start_mjd AS start_mjd, ig.state AS gstate,
            (SELECT id FROM measurement_sets m WHERE m.group_id = ig.id ORDER BY m.id DESC LIMIT 1) AS ms_id
          FROM ingest_groups ig
          WHERE ig.start_mjd >= @start AND ig.start_mjd < @end
        ), s AS (
          SELECT g.dec_deg, g.start_mjd,
            CASE
              WHEN g.gstate = 'failed' THEN 6
              WHEN g.ms_id IS NULL THEN 0
              WHEN ms.status = 'failed' THEN 6
              WHEN EXISTS (SELECT 1 FROM mosaic_group_ms gm JOIN mosaic_groups mg ON mg.id = gm.group_id
                JOIN products p ON p.id = mg.name WHERE gm.ms_id = g.ms_id AND p.status = 'published') THEN 5
              WHEN EXISTS (SELECT 1 FROM mosaic_group_ms gm WHERE gm.ms_id = g.ms_id) THEN 4
              WHEN ms.status = 'imaged' OR EXISTS (SELECT 1 FROM images i WHERE i.ms_id = g.ms_id) THEN 3
              WHEN ms.status = 'calibrated' THEN 2
              ELSE 1
            END AS st
          FROM g LEFT JOIN measurement_sets ms ON ms.id = g.ms_id
        )
        SELECT CAST(round(dec_deg / @w) AS INTEGER) AS strip,
          MIN(CAST((start_mjd - @start) / @bw AS INTEGER), @last) AS bin, st, COUNT(*) AS n
        FROM s GROUP BY strip, bin, st`,
      )
      .all({
        start: q.startMjd,
        end: q.endMjd,
        w: q.stripWidthDeg,
        bw: (q.endMjd - q.startMjd) / q.bins,
        last: q.bins - 1,
      }) as TimelineCell[];
  }

  /** First and last group start of the whole workspace, and how many groups it holds. */
  extent(): { firstMjd: number; lastMjd: number; groups: number } | null {
    const r = this.conn
      .stmt('SELECT MIN(start_mjd) AS first, MAX(start_mjd) AS last, COUNT(*) AS n FROM ingest_groups')
      .get() as { first: number | null; last: number | null; n: number };
    return r.first === null || r.last === null ? null : { firstMjd: r.first, lastMjd: r.last, groups: r.n };
  }

  /** Calibration solutions (one per solve: its tables' kinds joined) whose validity overlaps [start, end), newest first. */
  solutions(
    startMjd: number,
    endMjd: number,
    limit: number,
  ): {
    id: number;
    kind: string;
    calibrator: string | null;
    validStartMjd: number;
    validEndMjd: number;
    status: string;
  }[] {
    return this.conn
      .stmt(
        `SELECT MIN(id) AS id, group_concat(kind, ',') AS kind, calibrator, valid_start_mjd AS validStartMjd,
          valid_end_mjd AS validEndMjd, status
        FROM caltables WHERE valid_start_mjd < @end AND valid_end_mjd > @start
        GROUP BY calibrator, valid_start_mjd, valid_end_mjd, status
        ORDER BY MAX(solve_mjd) DESC LIMIT @limit`,
      )
      .all({ start: startMjd, end: endMjd, limit }) as {
      id: number;
      kind: string;
      calibrator: string | null;
      validStartMjd: number;
      validEndMjd: number;
      status: string;
    }[];
  }
}
