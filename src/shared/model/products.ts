// The products registry: every deliverable file, its review lifecycle and its audit trail.
import { z } from 'zod';
import { JsonObject, Mjd, NonNegInt, RowId, Sha256 } from './common';

/** A product id is also its file's base name without extension, so it must be file-name safe. */
export const ProductId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/, 'expected a file-name-safe id ([A-Za-z0-9._+-], max 200)');
export type ProductId = z.infer<typeof ProductId>;

export const PRODUCT_KINDS = ['ms', 'caltable', 'image', 'mosaic'] as const;
export const ProductKind = z.enum(PRODUCT_KINDS);
export type ProductKind = z.infer<typeof ProductKind>;

export const PRODUCT_STATUSES = ['staging', 'qa_passed', 'qa_failed', 'approved', 'rejected', 'published'] as const;
export const ProductStatus = z.enum(PRODUCT_STATUSES);
export type ProductStatus = z.infer<typeof ProductStatus>;

/**
 * The review lifecycle. QA may be re-run (back to staging); a reviewer may approve a product
 * that failed automatic QA (an override, recorded in the audit trail); only approved products
 * are published, and published is final.
 */
export const PRODUCT_TRANSITIONS: Readonly<Record<ProductStatus, readonly ProductStatus[]>> = {
  staging: ['qa_passed', 'qa_failed'],
  qa_passed: ['approved', 'rejected', 'staging'],
  qa_failed: ['approved', 'rejected', 'staging'],
  approved: ['published', 'rejected'],
  rejected: ['staging'],
  published: [],
};

export function canTransition(from: ProductStatus, to: ProductStatus): boolean {
  return PRODUCT_TRANSITIONS[from].includes(to);
}

export const Product = z.object({
  id: ProductId,
  kind: ProductKind,
  path: z.string().min(1),
  sha256: Sha256,
  sizeBytes: NonNegInt,
  metadata: JsonObject,
  status: ProductStatus,
  reviewer: z.string().nullable(),
  comment: z.string().nullable(),
  createdMjd: Mjd,
  updatedMjd: Mjd,
  publishedPath: z.string().nullable(),
});
export type Product = z.infer<typeof Product>;

export const NewProduct = Product.pick({ id: true, kind: true, path: true, sha256: true, sizeBytes: true }).extend({
  metadata: JsonObject.optional(),
});
export type NewProduct = z.infer<typeof NewProduct>;

export const ProductEvent = z.object({
  id: RowId,
  productId: ProductId,
  /** Who made the change: a user name or `pipeline`. */
  actor: z.string().min(1),
  atMjd: Mjd,
  /** Null for the creation event. */
  fromStatus: ProductStatus.nullable(),
  toStatus: ProductStatus,
  note: z.string().nullable(),
});
export type ProductEvent = z.infer<typeof ProductEvent>;
