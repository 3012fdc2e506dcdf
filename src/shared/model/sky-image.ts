// The image model, declared once: the celestial world coordinate system of a SIN (orthographic)
// image, its restoring beam, and the description of an image plane (axes, units, frequency,
// Stokes). Imaging, mosaicking, QA, the FITS reader/writer, the database and the renderer all use
// these. Pixel <-> world arithmetic on a CelestialWcs lives in one place: src/shared/astro/sin.ts.
//
// Conventions (FITS WCS Papers I and II, Greisen & Calabretta 2002; Calabretta & Greisen 2002):
// pixel indices in the arrays are 0-based, the reference pixel is 1-based as in the header
// (FITS pixel p = index + 1); angles are degrees; the linear transformation is the CD matrix
// (degrees per pixel), i.e. CDELTi x PCi_j, or the AIPS CDELT/CROTA2 pair folded into it.
import { z } from 'zod';
import { DecDeg, PositiveInt } from './common';

const finite = z.number().finite();

/** The CD matrix [CD1_1, CD1_2, CD2_1, CD2_2], degrees per pixel; must be non-singular. */
export const CdMatrix = z
  .tuple([finite, finite, finite, finite])
  .refine((cd) => cd[0] * cd[3] - cd[1] * cd[2] !== 0, 'the CD matrix (degrees per pixel) must be non-singular')
  .describe('CD matrix [CD1_1, CD1_2, CD2_1, CD2_2], degrees per pixel');
export type CdMatrix = z.infer<typeof CdMatrix>;

/**
 * A celestial SIN world coordinate system (RA---SIN / DEC--SIN, J2000, no PV terms): the
 * reference point (crval1 = RA, crval2 = Dec, degrees) at the 1-based reference pixel
 * (crpix1, crpix2), the CD matrix, and LONPOLE (native longitude of the celestial pole,
 * degrees: 180 for a reference point off the pole, the FITS default).
 */
export const CelestialWcs = z.object({
  /** Reference RA, J2000 degrees (any finite value; taken modulo 360). */
  crval1: finite.describe('reference RA, J2000 degrees'),
  /** Reference Dec, J2000 degrees in [-90, 90]. */
  crval2: DecDeg,
  /** Reference pixel, 1-based (FITS), along axis 1 (RA) and axis 2 (Dec). */
  crpix1: finite.describe('reference pixel, 1-based'),
  crpix2: finite.describe('reference pixel, 1-based'),
  cd: CdMatrix,
  /** LONPOLE, degrees. */
  lonpole: finite.describe('native longitude of the celestial pole, degrees'),
});
export type CelestialWcs = z.infer<typeof CelestialWcs>;

/** LONPOLE's FITS default for a zenithal projection: 180, or 0 when the reference point is the north pole. */
export function defaultLonpole(crval2Deg: number): number {
  return crval2Deg >= 90 ? 0 : 180;
}

/**
 * The usual imager/mosaic grid: pixel size `cdelt1`, `cdelt2` (degrees; cdelt1 < 0 puts east on
 * the left), no rotation, default LONPOLE.
 */
export function celestialWcs(p: {
  crval1: number;
  crval2: number;
  crpix1: number;
  crpix2: number;
  cdelt1: number;
  cdelt2: number;
}): CelestialWcs {
  return {
    crval1: p.crval1,
    crval2: p.crval2,
    crpix1: p.crpix1,
    crpix2: p.crpix2,
    cd: [p.cdelt1, 0, 0, p.cdelt2],
    lonpole: defaultLonpole(p.crval2),
  };
}

/** Is the CD matrix diagonal (axis-aligned pixels, CDELT-only headers)? */
export function isDiagonal(w: Pick<CelestialWcs, 'cd'>): boolean {
  return w.cd[1] === 0 && w.cd[2] === 0;
}

/** A celestial WCS with the size of the image it describes (NAXIS1 x NAXIS2 pixels). */
export const SkyGrid = CelestialWcs.extend({
  nx: PositiveInt.describe('NAXIS1, pixels'),
  ny: PositiveInt.describe('NAXIS2, pixels'),
});
export type SkyGrid = z.infer<typeof SkyGrid>;

/**
 * The restoring beam (an elliptical Gaussian): FWHM major and minor axes in arcsec (FITS BMAJ and
 * BMIN hold degrees: arcsec / 3600) and the major axis's position angle, degrees east of north
 * (BPA). The database's images.beam*_arcsec columns and the QA metrics use the same units.
 */
export const RestoringBeam = z.object({
  majorArcsec: z.number().positive().describe('FWHM major axis, arcsec'),
  minorArcsec: z.number().positive().describe('FWHM minor axis, arcsec'),
  paDeg: finite.describe('position angle of the major axis, degrees east of north'),
});
export type RestoringBeam = z.infer<typeof RestoringBeam>;

/** FITS STOKES axis codes: 1..4 = I, Q, U, V; -1..-4 = RR, LL, RL, LR; -5..-8 = XX, YY, XY, YX. */
export const StokesCode = z
  .number()
  .int()
  .min(-8)
  .max(4)
  .refine((v) => v !== 0, 'STOKES 0 is undefined');
export type StokesCode = z.infer<typeof StokesCode>;

/**
 * Units an image plane carries (BUNIT): brightness (JY/BEAM, JY/PIXEL, JY), inverse-variance
 * weights (BEAM2/JY2), or '' for a dimensionless map such as a primary beam.
 */
export const IMAGE_UNITS = ['JY/BEAM', 'JY/PIXEL', 'JY', 'BEAM2/JY2', ''] as const;
export const ImageUnit = z.enum(IMAGE_UNITS);
export type ImageUnit = z.infer<typeof ImageUnit>;

/**
 * One image plane as the FITS files carry it: four axes RA---SIN, DEC--SIN (the grid), FREQ
 * (one channel: reference frequency and width, Hz), STOKES (one parameter); the brightness unit
 * and, for restored images, the restoring beam.
 */
export const ImageDescription = z.object({
  grid: SkyGrid,
  /** Reference frequency of the FREQ axis, Hz. */
  freqHz: z.number().positive(),
  /** Width of the FREQ axis, Hz (0: unknown, written as 1). */
  bandwidthHz: z.number().min(0),
  /** STOKES axis code; default 1 (I). */
  stokes: StokesCode.optional(),
  bunit: ImageUnit,
  beam: RestoringBeam.optional(),
});
export type ImageDescription = z.infer<typeof ImageDescription>;

/** The fields of an image row (database `images`, API `images.list`) that describe its grid and beam. */
export interface ImageRowGeometry {
  centerRaDeg: number;
  centerDecDeg: number;
  widthPx: number;
  heightPx: number;
  cellArcsec: number;
  beamMajorArcsec: number | null;
  beamMinorArcsec: number | null;
  beamPaDeg: number | null;
}

/**
 * The SIN grid an image row describes: the imager's convention (phase centre at pixel
 * floor(n/2) + 1, square cells, east to the left, no rotation), as written to its FITS header.
 */
export function skyGridOfImage(i: ImageRowGeometry): SkyGrid {
  const cell = i.cellArcsec / 3600;
  return {
    ...celestialWcs({
      crval1: i.centerRaDeg,
      crval2: i.centerDecDeg,
      crpix1: Math.floor(i.widthPx / 2) + 1,
      crpix2: Math.floor(i.heightPx / 2) + 1,
      cdelt1: -cell,
      cdelt2: cell,
    }),
    nx: i.widthPx,
    ny: i.heightPx,
  };
}

/** The restoring beam an image row records, or null when it has none. */
export function restoringBeamOfImage(i: ImageRowGeometry): RestoringBeam | null {
  if (i.beamMajorArcsec === null || i.beamMinorArcsec === null) return null;
  return { majorArcsec: i.beamMajorArcsec, minorArcsec: i.beamMinorArcsec, paDeg: i.beamPaDeg ?? 0 };
}
