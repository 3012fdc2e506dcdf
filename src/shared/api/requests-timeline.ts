// Requests of the data timeline (issue 17): binned summaries of every group by pipeline state,
// counted in the main process for the visible range only.
import { z } from 'zod';
import { Mjd, NonNegInt } from '../model';

/** How far a group has gone through the pipeline, as the timeline colours it. */
export const TIMELINE_STATES = [
  'raw',
  'converted',
  'calibrated',
  'imaged',
  'mosaicked',
  'published',
  'failed',
] as const;
export const TimelineState = z.enum(TIMELINE_STATES);
export type TimelineState = z.infer<typeof TimelineState>;

export const TimelineStrip = z.object({
  /** Centre and edges of the declination strip, degrees; null for groups of unknown declination. */
  decDeg: z.number().nullable(),
  decMinDeg: z.number().nullable(),
  decMaxDeg: z.number().nullable(),
  /** counts[s][b]: groups in state TIMELINE_STATES[s] starting in time bin b. */
  counts: z.array(z.array(NonNegInt)),
  total: NonNegInt,
});
export type TimelineStrip = z.infer<typeof TimelineStrip>;

export const TimelineSolution = z.object({
  id: z.number().int(),
  /** The solve's table kinds, e.g. `K,B,G`. */
  kind: z.string(),
  calibrator: z.string().nullable(),
  validStartMjd: Mjd,
  validEndMjd: Mjd,
  status: z.string(),
});
export type TimelineSolution = z.infer<typeof TimelineSolution>;

export const TimelineSummary = z.object({
  startMjd: Mjd,
  endMjd: Mjd,
  bins: NonNegInt,
  binWidthDays: z.number().positive(),
  states: z.array(TimelineState),
  /** North to south, unknown declination last. */
  strips: z.array(TimelineStrip),
  totalGroups: NonNegInt,
  /** The whole workspace's first and last group start (to size the initial view), null when empty. */
  extent: z.object({ firstMjd: Mjd, lastMjd: Mjd, groups: NonNegInt }).nullable(),
  /** Calibration solutions valid somewhere in the range, newest first (at most 500). */
  solutions: z.array(TimelineSolution),
});
export type TimelineSummary = z.infer<typeof TimelineSummary>;

export const timelineRequests = {
  'timeline.summary': {
    input: z
      .object({
        startMjd: Mjd,
        endMjd: Mjd,
        bins: z.number().int().min(1).max(4000).default(400),
        stripWidthDeg: z.number().gt(0).max(180).default(1),
      })
      .strict()
      .superRefine((v, ctx) => {
        if (!(v.endMjd > v.startMjd))
          ctx.addIssue({
            code: 'custom',
            path: ['startMjd'],
            message: `startMjd (${v.startMjd}) must be before endMjd (${v.endMjd})`,
          });
      }),
    output: TimelineSummary,
    summary:
      'The data timeline: groups per declination strip and time bin by pipeline state, with calibration validity',
  },
} as const;
