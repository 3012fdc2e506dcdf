// Products & QA review: products awaiting review (by default), approve / reject by a named
// reviewer, with the product's metadata and audit trail beside the table.
import { Fragment, useState } from 'react';
import {
  PRODUCT_KIND_LABELS,
  PRODUCT_STATUSES,
  PRODUCT_STATUS_LABELS,
  canTransition,
  type JsonValue,
  type Product,
} from '../../shared/model';
import { Badge, Empty, ErrorBanner, FilterChips, Pager } from '../components/common';
import { formatBytes, formatUtc } from '../lib/format';
import { PRODUCT_TONES } from '../lib/tones';
import { PRODUCTS_PAGE_SIZE, useProducts } from '../stores/products';

type Pending = { id: string; action: 'approve' | 'reject' } | null;

/** A metadata value as text: times (keys ending in Mjd) as ISO UTC, other numbers to 4 digits. */
function showValue(key: string, v: JsonValue): string {
  if (typeof v === 'number' && /Mjd$/.test(key)) return formatUtc(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function ReviewForm({
  pending,
  product,
  onDone,
}: {
  pending: NonNullable<Pending>;
  product: Product;
  onDone: () => void;
}) {
  const [comment, setComment] = useState('');
  const approve = useProducts((s) => s.approve);
  const reject = useProducts((s) => s.reject);
  const override = pending.action === 'approve' && product.status === 'qa_failed';
  const needsComment = pending.action === 'reject' || override;
  async function confirm() {
    const ok =
      pending.action === 'approve'
        ? await approve(product.id, comment.trim() || undefined)
        : await reject(product.id, comment.trim());
    if (ok) onDone();
  }
  return (
    <div className="review-form">
      <div className="small">
        {pending.action === 'reject'
          ? 'Reason for rejection (required):'
          : override
            ? 'This product failed automatic QA. Say why you approve it anyway (required):'
            : 'Comment (optional):'}
      </div>
      <textarea
        aria-label="Review comment"
        value={comment}
        onChange={(e) => setComment(e.target.value)}
        rows={2}
        maxLength={2000}
      />
      <div className="row-actions">
        <button
          type="button"
          className={pending.action === 'approve' ? 'primary' : 'danger'}
          disabled={needsComment && comment.trim() === ''}
          onClick={() => void confirm()}
        >
          {pending.action === 'approve'
            ? override
              ? 'Approve (override QA)'
              : 'Confirm approval'
            : 'Confirm rejection'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function ProductDetail() {
  const selected = useProducts((s) => s.selected);
  if (!selected) return <Empty>Select a product to see its metadata, QA metrics and audit trail.</Empty>;
  const { product, events } = selected;
  return (
    <div className="detail" aria-label={`Product ${product.id}`}>
      <div className="detail-head">
        <h3 className="mono ellipsis" title={product.id}>
          {product.id}
        </h3>
        <Badge tone={PRODUCT_TONES[product.status]}>{PRODUCT_STATUS_LABELS[product.status]}</Badge>
      </div>
      <dl className="kv">
        <dt>Kind</dt>
        <dd>{PRODUCT_KIND_LABELS[product.kind]}</dd>
        <dt>File</dt>
        <dd className="mono ellipsis" title={product.path}>
          {product.path}
        </dd>
        <dt>Size</dt>
        <dd>{formatBytes(product.sizeBytes)}</dd>
        <dt>SHA-256</dt>
        <dd className="mono ellipsis" title={product.sha256}>
          {product.sha256.slice(0, 16)}…
        </dd>
        {Object.entries(product.metadata)
          .slice(0, 40)
          .map(([k, v]) => (
            <Fragment key={k}>
              <dt>{k}</dt>
              <dd className="mono">{showValue(k, v)}</dd>
            </Fragment>
          ))}
      </dl>
      <h4>Audit trail</h4>
      <ol className="audit">
        {events.map((e) => (
          <li key={e.id}>
            <span className="mono muted">{formatUtc(e.atMjd)}</span> {e.actor}:{' '}
            {e.fromStatus ? `${PRODUCT_STATUS_LABELS[e.fromStatus]} → ` : ''}
            {PRODUCT_STATUS_LABELS[e.toStatus]}
            {e.note ? <div className="muted small">“{e.note}”</div> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}

export function ProductsView() {
  const { items, total, offset, statuses, reviewer, error, busy, selected } = useProducts();
  const load = useProducts((s) => s.load);
  const setStatuses = useProducts((s) => s.setStatuses);
  const setReviewer = useProducts((s) => s.setReviewer);
  const select = useProducts((s) => s.select);
  const [pending, setPending] = useState<Pending>(null);

  function start(product: Product, action: 'approve' | 'reject') {
    // A plain approval of a product that passed QA needs no comment; everything else asks.
    if (action === 'approve' && product.status === 'qa_passed') void useProducts.getState().approve(product.id);
    else setPending({ id: product.id, action });
  }

  return (
    <div className="view split split-wide">
      <section className="pane">
        <div className="toolbar">
          <h2>Products</h2>
          <FilterChips
            options={PRODUCT_STATUSES}
            labels={PRODUCT_STATUS_LABELS}
            selected={statuses}
            onChange={(s) => void setStatuses(s)}
          />
          <label className="reviewer">
            Reviewer{' '}
            <input
              name="reviewer"
              value={reviewer}
              placeholder="your name"
              onChange={(e) => setReviewer(e.target.value)}
            />
          </label>
          <button type="button" onClick={() => void load()}>
            Refresh
          </button>
        </div>
        <ErrorBanner message={error} />
        {items.length === 0 && !error ? (
          <Empty>
            No products{' '}
            {statuses.length ? `with status ${statuses.map((s) => PRODUCT_STATUS_LABELS[s]).join(' / ')}` : 'yet'}.
          </Empty>
        ) : (
          <table className="table" aria-label="Products">
            <thead>
              <tr>
                <th>Product</th>
                <th>Kind</th>
                <th>Status</th>
                <th>Size</th>
                <th>Updated (UTC)</th>
                <th>Reviewer</th>
                <th>Review</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <Fragment key={p.id}>
                  <tr
                    data-product-id={p.id}
                    className={selected?.product.id === p.id ? 'row-on' : ''}
                    onClick={() => void select(p.id)}
                  >
                    <td className="mono ellipsis" title={p.path}>
                      {p.id}
                    </td>
                    <td>{PRODUCT_KIND_LABELS[p.kind]}</td>
                    <td>
                      <Badge tone={PRODUCT_TONES[p.status]}>{PRODUCT_STATUS_LABELS[p.status]}</Badge>
                    </td>
                    <td>{formatBytes(p.sizeBytes)}</td>
                    <td className="mono">{formatUtc(p.updatedMjd)}</td>
                    <td title={p.comment ?? ''}>{p.reviewer ?? '—'}</td>
                    <td onClick={(e) => e.stopPropagation()}>
                      <div className="row-actions">
                        <button
                          type="button"
                          className="primary"
                          disabled={!canTransition(p.status, 'approved') || busy[p.id] !== undefined}
                          onClick={() => start(p, 'approve')}
                        >
                          Approve
                        </button>
                        <button
                          type="button"
                          className="danger"
                          disabled={!canTransition(p.status, 'rejected') || busy[p.id] !== undefined}
                          onClick={() => start(p, 'reject')}
                        >
                          Reject…
                        </button>
                      </div>
                    </td>
                  </tr>
                  {pending?.id === p.id ? (
                    <tr>
                      <td colSpan={7}>
                        <ReviewForm pending={pending} product={p} onDone={() => setPending(null)} />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
        <Pager offset={offset} limit={PRODUCTS_PAGE_SIZE} total={total} onPage={(o) => void load(o)} />
      </section>
      <section className="pane">
        <ProductDetail />
      </section>
    </div>
  );
}
