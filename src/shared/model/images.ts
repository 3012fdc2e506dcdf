// Images made from measurement sets, mosaic groups (which images belong together) and mosaics.
import { z } from 'zod';
import { DecDeg, JsonObject, Mjd, PositiveInt, RaDeg, RowId } from './common';

export const IMAGE_KINDS = ['dirty', 'clean', 'residual', 'model', 'psf', 'pb', 'pbcor'] as const;
export const ImageKind = z.enum(IMAGE_KINDS);
export type ImageKind = z.infer<typeof ImageKind>;

/** quicklook: fast dirty/shallow images; science: the full-depth product tier. */
export const IMAGE_TIERS = ['quicklook', 'science'] as const;
export const ImageTier = z.enum(IMAGE_TIERS);
export type ImageTier = z.infer<typeof ImageTier>;

export const Image = z.object({
  id: RowId,
  path: z.string().min(1),
  msId: RowId.nullable(),
  kind: ImageKind,
  beamMajorArcsec: z.number().positive().nullable(),
  beamMinorArcsec: z.number().positive().nullable(),
  /** Beam position angle, degrees east of north. */
  beamPaDeg: z.number().finite().nullable(),
  /** Jy/beam. */
  rmsJy: z.number().min(0).nullable(),
  peakJy: z.number().finite().nullable(),
  dynamicRange: z.number().min(0).nullable(),
  centerRaDeg: RaDeg,
  centerDecDeg: DecDeg,
  widthPx: PositiveInt,
  heightPx: PositiveInt,
  cellArcsec: z.number().positive(),
  freqHz: z.number().positive(),
  tier: ImageTier,
  /** The primary-beam model used (must be named in provenance), e.g. `airy-4.65m`. */
  pbModel: z.string().nullable(),
  createdMjd: Mjd,
});
export type Image = z.infer<typeof Image>;

export const NewImage = Image.omit({ id: true, createdMjd: true }).partial({
  msId: true,
  beamMajorArcsec: true,
  beamMinorArcsec: true,
  beamPaDeg: true,
  rmsJy: true,
  peakJy: true,
  dynamicRange: true,
  pbModel: true,
  tier: true,
});
export type NewImage = z.infer<typeof NewImage>;

export const MOSAIC_GROUP_STATUSES = ['forming', 'ready', 'in_progress', 'completed', 'failed'] as const;
export const MosaicGroupStatus = z.enum(MOSAIC_GROUP_STATUSES);
export type MosaicGroupStatus = z.infer<typeof MosaicGroupStatus>;

export const MosaicGroup = z.object({
  id: RowId,
  name: z.string().min(1),
  memberMsIds: z.array(RowId),
  memberImageIds: z.array(RowId),
  decDeg: DecDeg,
  startMjd: Mjd,
  endMjd: Mjd,
  status: MosaicGroupStatus,
  createdMjd: Mjd,
  updatedMjd: Mjd,
});
export type MosaicGroup = z.infer<typeof MosaicGroup>;

export const NewMosaicGroup = MosaicGroup.omit({ id: true, createdMjd: true, updatedMjd: true }).partial({
  memberMsIds: true,
  memberImageIds: true,
  status: true,
});
export type NewMosaicGroup = z.infer<typeof NewMosaicGroup>;

/** mean; weighted (1/sigma^2, sigma = 1.4826 MAD); pbweighted (sum PB I / s^2 over sum PB^2 / s^2). */
export const MOSAIC_METHODS = ['mean', 'weighted', 'pbweighted'] as const;
export const MosaicMethod = z.enum(MOSAIC_METHODS);
export type MosaicMethod = z.infer<typeof MosaicMethod>;

export const Mosaic = z.object({
  id: RowId,
  path: z.string().min(1),
  groupId: RowId,
  method: MosaicMethod,
  nImages: PositiveInt,
  startMjd: Mjd,
  endMjd: Mjd,
  /** Robust noise of the mosaic, Jy/beam. */
  noiseJy: z.number().min(0).nullable(),
  qa: JsonObject,
  createdMjd: Mjd,
});
export type Mosaic = z.infer<typeof Mosaic>;

export const NewMosaic = Mosaic.omit({ id: true, createdMjd: true }).partial({ noiseJy: true, qa: true });
export type NewMosaic = z.infer<typeof NewMosaic>;
