// Catalog sources (NVSS, FIRST, VLASS, RACS, or our own) and photometry measured on products.
import { z } from 'zod';
import { DecDeg, Mjd, RaDeg, RowId } from './common';
import { ProductId } from './products';

export const Source = z.object({
  id: RowId,
  name: z.string().min(1),
  /** e.g. `NVSS`, `FIRST`, `VLASS`, `RACS`, `DSA110`. */
  catalog: z.string().min(1),
  raDeg: RaDeg,
  decDeg: DecDeg,
  raErrArcsec: z.number().min(0).nullable(),
  decErrArcsec: z.number().min(0).nullable(),
  /** Catalog flux density, Jy, at the catalog's own frequency. */
  fluxJy: z.number().finite().nullable(),
  fluxErrJy: z.number().min(0).nullable(),
});
export type Source = z.infer<typeof Source>;

export const NewSource = Source.omit({ id: true }).partial({
  raErrArcsec: true,
  decErrArcsec: true,
  fluxJy: true,
  fluxErrJy: true,
});
export type NewSource = z.infer<typeof NewSource>;

export const FLUX_MEASURES = ['peak', 'integrated'] as const;
export const FluxMeasure = z.enum(FLUX_MEASURES);
export type FluxMeasure = z.infer<typeof FluxMeasure>;

export const Photometry = z.object({
  id: RowId,
  sourceId: RowId,
  /** The image or mosaic product measured. */
  productId: ProductId,
  mjd: Mjd,
  /** Jy (peak: Jy/beam). */
  fluxJy: z.number().finite(),
  fluxErrJy: z.number().min(0),
  measure: FluxMeasure,
});
export type Photometry = z.infer<typeof Photometry>;

export const NewPhotometry = Photometry.omit({ id: true });
export type NewPhotometry = z.infer<typeof NewPhotometry>;
