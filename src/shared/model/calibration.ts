// Calibrators (VLA calibrator list) and the calibration tables solved on them.
import { z } from 'zod';
import { DecDeg, JsonObject, Mjd, RaDeg, RowId } from './common';

export const Calibrator = z.object({
  /** e.g. `0834+555`. */
  name: z.string().min(1),
  raDeg: RaDeg,
  decDeg: DecDeg,
  /** Flux density at 1.4 GHz (20 cm), Jy. */
  flux1400Jy: z.number().positive(),
  /** S ~ nu^alpha; -0.7 where none is known. */
  spectralIndex: z.number().finite(),
  /** Where the entry came from, e.g. `vla`. */
  catalog: z.string().min(1),
  /** VLA position-accuracy code (A/B/C/T), when known. */
  positionCode: z.string().nullable(),
  uvMinKlambda: z.number().min(0).nullable(),
  uvMaxKlambda: z.number().min(0).nullable(),
  /** Alternate name from the VLA list, e.g. `3C286` (resolves like the name; see shared/catalog/calibrator-names). */
  altName: z.string().min(1).nullish(),
  /** B1950 IAU name without prefix, e.g. `1328+307`. */
  b1950Name: z.string().min(1).nullish(),
});
export type Calibrator = z.infer<typeof Calibrator>;

/** K delay, B bandpass, G gain, Gp phase-only gain, Gap amplitude+phase gain. */
export const CALTABLE_KINDS = ['K', 'B', 'G', 'Gp', 'Gap'] as const;
export const CalTableKind = z.enum(CALTABLE_KINDS);
export type CalTableKind = z.infer<typeof CalTableKind>;

export const CALTABLE_STATUSES = ['solving', 'valid', 'failed', 'superseded'] as const;
export const CalTableStatus = z.enum(CALTABLE_STATUSES);
export type CalTableStatus = z.infer<typeof CalTableStatus>;

export const CalTable = z.object({
  id: RowId,
  path: z.string().min(1),
  kind: CalTableKind,
  calibrator: z.string().nullable(),
  /** The measurement set it was solved on. */
  msId: RowId.nullable(),
  refAnt: z.string().nullable(),
  solveMjd: Mjd,
  /** Validity window; lookups must work both before and after the solve time. */
  validStartMjd: Mjd,
  validEndMjd: Mjd,
  params: JsonObject,
  qa: JsonObject,
  status: CalTableStatus,
  createdMjd: Mjd,
});
export type CalTable = z.infer<typeof CalTable>;

export const NewCalTable = CalTable.omit({ id: true, createdMjd: true }).partial({
  calibrator: true,
  msId: true,
  refAnt: true,
  params: true,
  qa: true,
  status: true,
});
export type NewCalTable = z.infer<typeof NewCalTable>;
