// Ingest: raw UVH5 subband files from the correlator and the 16-subband groups they form.
import { z } from 'zod';
import { DecDeg, Mjd, NonNegInt, Sha256, SUBBANDS_PER_GROUP } from './common';

/**
 * A group id is its timestamp as in the file name, e.g. `2025-10-02T14:03:07`; a second
 * observation at another declination with the same timestamp adds its declination,
 * `2025-10-02T14:03:07_dec+54.6`.
 */
export const GroupId = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:_dec[+-]\d{1,2}\.\d)?$/, 'expected YYYY-MM-DDTHH:MM:SS[_dec+DD.D]');
export type GroupId = z.infer<typeof GroupId>;

export const SubbandFile = z.object({
  path: z.string().min(1),
  groupId: GroupId,
  /** 0..15; sb00 is the highest frequency (DSA-110 bands descend). */
  subband: z
    .number()
    .int()
    .min(0)
    .max(SUBBANDS_PER_GROUP - 1),
  startMjd: Mjd,
  decDeg: DecDeg.nullable(),
  sizeBytes: NonNegInt,
  /** File modification time, MJD (UTC). */
  mtimeMjd: Mjd,
  checksumSha256: Sha256.nullable(),
  /**
   * The file's identity: sha256 of its header's observation (times, frequencies, antennas,
   * pointing) and its data sizes; the same file anywhere has the same fingerprint. Null for
   * rows indexed before identities were kept.
   */
  fingerprint: Sha256.nullable().optional(),
});
export type SubbandFile = z.infer<typeof SubbandFile>;

export const INGEST_STATES = ['collecting', 'pending', 'in_progress', 'completed', 'failed'] as const;
export const IngestState = z.enum(INGEST_STATES);
export type IngestState = z.infer<typeof IngestState>;

export const IngestGroup = z.object({
  id: GroupId,
  state: IngestState,
  expectedSubbands: z.number().int().min(1).max(SUBBANDS_PER_GROUP),
  /** Distinct subbands registered so far (derived from the subband files). */
  presentSubbands: z.number().int().min(0).max(SUBBANDS_PER_GROUP),
  attempts: NonNegInt,
  lastError: z.string().nullable(),
  decDeg: DecDeg.nullable(),
  startMjd: Mjd,
  endMjd: Mjd.nullable(),
  createdMjd: Mjd,
  updatedMjd: Mjd,
});
export type IngestGroup = z.infer<typeof IngestGroup>;

/** What a caller supplies to create a group; counters and times are set by the database. */
export const NewIngestGroup = IngestGroup.pick({ id: true, startMjd: true }).extend({
  state: IngestState.optional(),
  expectedSubbands: z.number().int().min(1).max(SUBBANDS_PER_GROUP).optional(),
  decDeg: DecDeg.nullable().optional(),
  endMjd: Mjd.nullable().optional(),
});
export type NewIngestGroup = z.infer<typeof NewIngestGroup>;

/** A second, different file claiming a subband already registered for the same observation. */
export const IngestConflict = z.object({
  path: z.string().min(1),
  groupId: GroupId,
  subband: z
    .number()
    .int()
    .min(0)
    .max(SUBBANDS_PER_GROUP - 1),
  fingerprint: Sha256,
  /** The file registered for that subband. */
  registeredPath: z.string().min(1),
  detectedMjd: Mjd,
});
export type IngestConflict = z.infer<typeof IngestConflict>;
