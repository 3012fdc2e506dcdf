// Measurement sets made from ingest groups, with their pointing and processing status.
import { z } from 'zod';
import { DecDeg, Fraction, Mjd, NonNegInt, RaDeg, RowId } from './common';
import { GroupId } from './ingest';

export const MS_STATUSES = ['converting', 'converted', 'calibrated', 'imaged', 'failed'] as const;
export const MsStatus = z.enum(MS_STATUSES);
export type MsStatus = z.infer<typeof MsStatus>;

export const MeasurementSet = z.object({
  id: RowId,
  path: z.string().min(1),
  groupId: GroupId.nullable(),
  startMjd: Mjd,
  endMjd: Mjd,
  midMjd: Mjd,
  /** Pointing declination. */
  decDeg: DecDeg,
  phaseCenterRaDeg: RaDeg.nullable(),
  phaseCenterDecDeg: DecDeg.nullable(),
  nAntennas: NonNegInt.nullable(),
  nSpws: NonNegInt.nullable(),
  nRows: NonNegInt.nullable(),
  status: MsStatus,
  /** Name of the last pipeline stage applied (free text, e.g. `applycal`). */
  stage: z.string().nullable(),
  flaggedFraction: Fraction.nullable(),
  createdMjd: Mjd,
  updatedMjd: Mjd,
});
export type MeasurementSet = z.infer<typeof MeasurementSet>;

export const NewMeasurementSet = MeasurementSet.omit({ id: true, createdMjd: true, updatedMjd: true }).partial({
  groupId: true,
  phaseCenterRaDeg: true,
  phaseCenterDecDeg: true,
  nAntennas: true,
  nSpws: true,
  nRows: true,
  stage: true,
  flaggedFraction: true,
  status: true,
});
export type NewMeasurementSet = z.infer<typeof NewMeasurementSet>;
