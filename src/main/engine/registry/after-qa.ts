// The publish decision a caller of QA makes once QA has recorded its verdict: a product QA just
// moved to qa_passed is published when publishing.autoPublish is on (onQaPassed). QA itself never
// publishes. A failed publish is reported beside the QA result, not thrown: QA is done and
// recorded whatever happens to the publish, and the staged product waits for `dsa110 publish`.
import type { Product } from '../../../shared/model/products';
import { onQaPassed, type PublishResult, type RegistryEngine } from './publish';

export interface AfterQa {
  /** The product as it is now (published, or as QA left it); null when QA had no product. */
  product: Product | null;
  /** Auto-publish outcome when the product passed and publishing.autoPublish is on. */
  published: PublishResult | null;
  /** Why auto-publish failed (the staged product is intact; `dsa110 publish ID` retries), or null. */
  publishError: string | null;
}

/** Auto-publish (when configured) a product that QA has just passed; anything else is left as QA left it. */
export async function publishAfterQa(
  engine: RegistryEngine,
  qa: { product: Product | null; transition: { to: string } | null },
  opts: { actor?: string } = {},
): Promise<AfterQa> {
  const product = qa.product;
  if (!product || qa.transition?.to !== 'qa_passed') return { product, published: null, publishError: null };
  let published: PublishResult | null = null;
  let publishError: string | null = null;
  try {
    published = await onQaPassed(engine, product.id, { actor: opts.actor ?? 'pipeline' });
  } catch (err) {
    publishError = (err as Error).message;
    engine.log.error({ productId: product.id, err }, `auto-publish of ${product.id} after QA failed: ${publishError}`);
  }
  return { product: engine.db.products.require(product.id), published, publishError };
}
