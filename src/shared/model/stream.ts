// Streaming: the persistent queue of groups the streaming daemon (`dsa110 stream`) takes from
// their first subband file to a registered image, and what it reports about itself.
import { z } from 'zod';
import { GroupId } from './ingest';

/**
 * collecting: files arriving; pending: complete (or let through as partial), waiting for a
 * worker; in_progress: its job runs; completed: MS and image recorded; failed: gave up, with
 * the reason; partial: still incomplete after the partial timeout (converted with a note under
 * the `convert` policy, held for late files under `wait`).
 */
export const STREAM_STATES = ['collecting', 'pending', 'in_progress', 'completed', 'failed', 'partial'] as const;
export const StreamState = z.enum(STREAM_STATES);
export type StreamState = z.infer<typeof StreamState>;

export const StreamGroup = z.object({
  groupId: GroupId,
  state: StreamState,
  attempts: z.number().int().min(0),
  /** Not retried before this time (exponential backoff after a failure), MJD. */
  nextAttemptMjd: z.number().nullable(),
  lastError: z.string().nullable(),
  /** What a person should know (partial conversion, a late subband, an interruption). */
  note: z.string().nullable(),
  jobId: z.string().nullable(),
  msPath: z.string().nullable(),
  imagePath: z.string().nullable(),
  /** When the group's first and latest files were registered, MJD. */
  firstArrivalMjd: z.number(),
  lastArrivalMjd: z.number(),
  startedMjd: z.number().nullable(),
  finishedMjd: z.number().nullable(),
  updatedMjd: z.number(),
});
export type StreamGroup = z.infer<typeof StreamGroup>;
