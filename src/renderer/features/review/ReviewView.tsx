// The QA reviewer's workspace: the review queue (keyboard: j/k or arrows next/previous, a approve,
// r reject, p publish), the product in the image viewer with its residual/noise/weight maps one
// click away, the QA evidence (each check's value, the tier's limit, its verdict), the mosaic's
// inputs (each opens in the viewer with its residual and primary beam), the FITS header and the
// provenance, the decision with its comment, publishing with progress and result, and the audit
// trail.
import { useEffect, useMemo, useRef, useState } from 'react';
import { PRODUCT_STATUS_LABELS, type ProductStatus } from '../../../shared/model';
import { Badge, Empty, ErrorBanner, FilterChips, ProgressBar } from '../../components/common';
import { formatUtc } from '../../lib/format';
import { PRODUCT_TONES } from '../../lib/tones';
import { ImageViewer } from '../viewer/ImageViewer';
import { fetchMeta, fetchSource, type HeaderCard, type SourceInfo } from '../viewer/source';
import { useReview } from './store';
import './review.css';

const VERDICT_TONE = { pass: 'good', warn: 'warn', fail: 'bad' } as const;

function fmt(v: number | null): string {
  if (v === null) return '–';
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 1e4 || Math.abs(v) < 1e-2 ? v.toExponential(3) : v.toPrecision(4);
}

const CHECK_LABELS: Record<string, string> = {
  ms_flagged: 'Flagged data in the MS (%)',
  cal_flagged: 'Flagged calibration solutions (%)',
  blank_area: 'Blank area (%)',
  noisy_area: 'Area with noise > 2x expected (%)',
  dynamic_range: 'Dynamic range',
  peak_snr: 'Peak SNR',
  beam_elongation: 'Beam major/minor ratio',
  source_size: 'Source size ratio',
  catalog: 'Catalog cross-match',
  rms: 'Image rms (Jy/beam)',
  flux_scale: 'Flux scale error (%)',
  astrometry: 'Astrometric rms (arcsec)',
  completeness: 'Completeness',
};

function QaPanel() {
  const qa = useReview((s) => s.qa);
  const qaError = useReview((s) => s.qaError);
  if (qaError) return <div className="small muted">{qaError}</div>;
  if (!qa) return <div className="small muted">Loading the QA result…</div>;
  const m = qa.metrics as Record<string, unknown>;
  const num = (k: string) => (typeof m[k] === 'number' ? (m[k] as number) : null);
  return (
    <section aria-label="QA evidence">
      <h3>
        QA <Badge tone={VERDICT_TONE[qa.verdict]}>{qa.verdict.toUpperCase()}</Badge>{' '}
        <span className="small muted">
          {qa.tier} tier · {formatUtc(qa.createdMjd)}
        </span>
      </h3>
      <table className="table compact" aria-label="QA checks">
        <thead>
          <tr>
            <th>Check</th>
            <th>Value</th>
            <th>Limit</th>
            <th>Verdict</th>
          </tr>
        </thead>
        <tbody>
          {qa.checks.map((c) => (
            <tr key={c.check} title={c.message}>
              <td>{CHECK_LABELS[c.check] ?? c.check}</td>
              <td className="mono">{fmt(c.value)}</td>
              <td className="mono">{fmt(c.limit)}</td>
              <td>
                <Badge tone={VERDICT_TONE[c.verdict]}>{c.verdict}</Badge>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="small muted qa-metrics">
        rms {fmt(num('rmsJy'))} Jy/beam · peak {fmt(num('peakJy'))} Jy/beam · sources {fmt(num('nSources'))} · flux
        ratio {fmt(num('fluxRatioMedian'))} · completeness {fmt(num('completeness'))}
      </div>
      {qa.checks.some((c) => c.verdict !== 'pass') ? (
        <ul className="small qa-reasons">
          {qa.checks
            .filter((c) => c.verdict !== 'pass')
            .map((c) => (
              <li key={c.check} className={c.verdict === 'fail' ? 'error-text' : 'warn-text'}>
                {c.message}
              </li>
            ))}
        </ul>
      ) : null}
    </section>
  );
}

function DecisionPanel() {
  const product = useReview((s) => s.product);
  const qa = useReview((s) => s.qa);
  const reviewer = useReview((s) => s.reviewer);
  const busy = useReview((s) => s.busy);
  const decide = useReview((s) => s.decide);
  const publish = useReview((s) => s.publish);
  const publishSelected = useReview((s) => s.publishSelected);
  const [comment, setComment] = useState('');
  const [mode, setMode] = useState<'approve' | 'reject' | null>(null);
  const commentRef = useRef<HTMLTextAreaElement | null>(null);
  useEffect(() => {
    setComment('');
    setMode(null);
  }, [product?.id]);
  useEffect(() => {
    const open = (e: Event) => {
      setMode((e as CustomEvent<'approve' | 'reject'>).detail);
      setTimeout(() => commentRef.current?.focus(), 0);
    };
    window.addEventListener('review:decide', open);
    return () => window.removeEventListener('review:decide', open);
  }, []);
  if (!product) return null;
  const failed = product.status === 'qa_failed' || qa?.verdict === 'fail';
  const canDecide = product.status === 'qa_passed' || product.status === 'qa_failed';
  const needsComment = mode === 'reject' || (mode === 'approve' && failed);
  const canPublish = product.status === 'approved';
  return (
    <section aria-label="Decision">
      <h3>Decision</h3>
      {canDecide ? (
        <>
          <div className="row-actions">
            <button type="button" className={mode === 'approve' ? 'primary' : ''} onClick={() => setMode('approve')}>
              Approve… (a)
            </button>
            <button type="button" className={mode === 'reject' ? 'danger' : ''} onClick={() => setMode('reject')}>
              Reject… (r)
            </button>
          </div>
          {mode ? (
            <div className="review-form">
              <div className="small">
                {mode === 'reject'
                  ? 'Why is it rejected? (required)'
                  : failed
                    ? 'This product FAILED automatic QA: say why you approve it anyway (required).'
                    : 'Comment (optional)'}
              </div>
              <textarea
                ref={commentRef}
                aria-label="Review comment"
                rows={3}
                maxLength={2000}
                value={comment}
                onChange={(e) => setComment(e.target.value)}
              />
              <div className="row-actions">
                <button
                  type="button"
                  className={mode === 'approve' ? 'primary' : 'danger'}
                  disabled={busy !== null || !reviewer.trim() || (needsComment && !comment.trim())}
                  onClick={() => void decide(mode, comment).then((ok) => ok && setMode(null))}
                >
                  {mode === 'approve' ? (failed ? 'Approve (override QA)' : 'Confirm approval') : 'Confirm rejection'}
                </button>
                <button type="button" onClick={() => setMode(null)}>
                  Cancel
                </button>
              </div>
              {!reviewer.trim() ? <div className="small warn-text">Enter your name as reviewer first.</div> : null}
            </div>
          ) : null}
        </>
      ) : null}
      {canPublish || publish.running || publish.result || publish.error ? (
        <div className="publish">
          {canPublish ? (
            <button type="button" className="primary" disabled={publish.running} onClick={() => void publishSelected()}>
              Publish (p)
            </button>
          ) : null}
          {publish.running ? (
            <div>
              <ProgressBar value={publish.progress} />
              <div className="small muted">{publish.message ?? 'publishing…'}</div>
            </div>
          ) : null}
          {publish.result ? (
            <div className="small publish-result" role="status">
              Published ({publish.result.outcome}, job {publish.result.jobId}) to{' '}
              <span className="mono">{publish.result.publishedPath}</span>; checksum verified, sha256{' '}
              <span className="mono">{publish.result.sha256.slice(0, 16)}…</span>
            </div>
          ) : null}
          {publish.error ? <div className="small error-text">Publish failed: {publish.error}</div> : null}
        </div>
      ) : null}
      {product.status === 'published' && !publish.result ? (
        <div className="small">
          Published at <span className="mono">{product.publishedPath}</span>
        </div>
      ) : null}
    </section>
  );
}

function AuditTrail() {
  const events = useReview((s) => s.events);
  return (
    <section aria-label="Audit trail">
      <h3>Audit trail</h3>
      <table className="table compact" aria-label="Audit trail">
        <thead>
          <tr>
            <th>When (UTC)</th>
            <th>Who</th>
            <th>What</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id}>
              <td className="mono">{formatUtc(e.atMjd)}</td>
              <td className="who">{e.actor}</td>
              <td className="wrap">
                {e.fromStatus ? `${PRODUCT_STATUS_LABELS[e.fromStatus]} → ` : ''}
                {PRODUCT_STATUS_LABELS[e.toStatus]}
                {e.note ? <div className="small muted">{e.note}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function HeaderPanel({ source, plane }: { source: SourceInfo; plane: string }) {
  const [cards, setCards] = useState<HeaderCard[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    setCards(null);
    fetchMeta(source.kind, source.id, plane)
      .then((m) => setCards(m.header))
      .catch((e: unknown) => setErr(e instanceof Error ? e.message : String(e)));
  }, [source, plane]);
  if (err) return <div className="small error-text">{err}</div>;
  if (!cards) return <div className="small muted">Reading the header…</div>;
  return (
    <pre className="fits-header" aria-label="FITS header">
      {cards
        .map((c) =>
          c.value === undefined
            ? `${c.keyword.padEnd(8)}${c.text ?? ''}`
            : `${c.keyword.padEnd(8)}= ${String(typeof c.value === 'boolean' ? (c.value ? 'T' : 'F') : c.value).padStart(20)}${c.comment ? ` / ${c.comment}` : ''}`,
        )
        .join('\n')}
    </pre>
  );
}

interface ProvInput {
  imageId?: number;
  path?: string;
  startMjd?: number;
  sigmaJy?: number;
  beam?: { majorArcsec?: number; minorArcsec?: number } | null;
  calibration?: string | null;
}

export function ReviewView() {
  const queue = useReview((s) => s.queue);
  const statuses = useReview((s) => s.statuses);
  const setStatuses = useReview((s) => s.setStatuses);
  const selectedId = useReview((s) => s.selectedId);
  const select = useReview((s) => s.select);
  const product = useReview((s) => s.product);
  const source = useReview((s) => s.source);
  const sourceError = useReview((s) => s.sourceError);
  const error = useReview((s) => s.error);
  const reviewer = useReview((s) => s.reviewer);
  const setReviewer = useReview((s) => s.setReviewer);
  const [tab, setTab] = useState<'qa' | 'inputs' | 'header' | 'provenance'>('qa');
  const [opened, setOpened] = useState<SourceInfo | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);

  useEffect(() => {
    void useReview.getState().load();
  }, []);
  useEffect(() => {
    setOpened(null);
    setOpenError(null);
  }, [selectedId]);

  // Keyboard: j / ArrowDown next, k / ArrowUp previous, a approve, r reject, p publish.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const s = useReview.getState();
      if (e.key === 'j' || e.key === 'ArrowDown') s.move(1);
      else if (e.key === 'k' || e.key === 'ArrowUp') s.move(-1);
      else if (e.key === 'a' || e.key === 'r')
        window.dispatchEvent(new CustomEvent('review:decide', { detail: e.key === 'a' ? 'approve' : 'reject' }));
      else if (e.key === 'p' && s.product?.status === 'approved') void s.publishSelected();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const inputs = useMemo(() => {
    const p = source?.provenance as { inputs?: ProvInput[] } | null | undefined;
    return Array.isArray(p?.inputs) ? p.inputs : [];
  }, [source]);
  const shownSource = opened ?? source;

  return (
    <div className="view review-view">
      <aside className="pane review-queue" aria-label="Review queue">
        <div className="toolbar">
          <FilterChips<ProductStatus>
            options={['qa_passed', 'qa_failed', 'approved', 'published', 'rejected'] as ProductStatus[]}
            labels={PRODUCT_STATUS_LABELS}
            selected={statuses}
            onChange={(s) => void setStatuses(s)}
          />
        </div>
        <label className="reviewer">
          Reviewer{' '}
          <input
            aria-label="Reviewer name"
            value={reviewer}
            onChange={(e) => setReviewer(e.target.value)}
            placeholder="your name"
          />
        </label>
        <div className="small muted">j/k or ↑/↓ move · a approve · r reject · p publish</div>
        {queue.length === 0 ? <Empty>Nothing awaits review.</Empty> : null}
        <ul className="queue-list" role="listbox" aria-label="Products to review">
          {queue.map((p) => (
            <li
              key={p.id}
              role="option"
              aria-selected={p.id === selectedId}
              data-product-id={p.id}
              className={p.id === selectedId ? 'queue-item row-on' : 'queue-item'}
              onClick={() => void select(p.id)}
            >
              <div className="ellipsis mono">{p.id}</div>
              <div className="small">
                <Badge tone={PRODUCT_TONES[p.status]}>{PRODUCT_STATUS_LABELS[p.status]}</Badge>{' '}
                <span className="muted">
                  {p.kind} · {formatUtc(p.createdMjd)}
                </span>
              </div>
            </li>
          ))}
        </ul>
      </aside>
      <section className="review-main" aria-label="Image">
        <ErrorBanner message={error} />
        {product ? (
          <div className="review-title">
            <strong className="mono">{opened ? `${product.id} › ${opened.label}` : product.id}</strong>{' '}
            <Badge tone={PRODUCT_TONES[product.status]}>{PRODUCT_STATUS_LABELS[product.status]}</Badge>
            {opened ? (
              <button type="button" onClick={() => setOpened(null)}>
                Back to the {product.kind}
              </button>
            ) : null}
          </div>
        ) : null}
        {sourceError ? (
          <div className="viewer-message" role="alert">
            Cannot show this product: {sourceError}
          </div>
        ) : null}
        {openError ? (
          <div className="viewer-message" role="alert">
            {openError}
          </div>
        ) : null}
        {shownSource ? (
          <ImageViewer kind={shownSource.kind} id={shownSource.id} planes={shownSource.planes} />
        ) : product && !sourceError ? (
          <div className="viewer-message">Opening {product.id}…</div>
        ) : (
          <Empty>Select a product in the queue.</Empty>
        )}
      </section>
      <aside className="pane review-side" aria-label="Evidence and decision">
        <div className="tabs" role="tablist">
          {(['qa', 'inputs', 'header', 'provenance'] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              aria-selected={tab === t}
              className={tab === t ? 'tab tab-on' : 'tab'}
              onClick={() => setTab(t)}
            >
              {{ qa: 'QA', inputs: `Inputs (${inputs.length})`, header: 'FITS header', provenance: 'Provenance' }[t]}
            </button>
          ))}
        </div>
        {tab === 'qa' ? <QaPanel /> : null}
        {tab === 'inputs' ? (
          <table className="table compact" aria-label="Mosaic inputs">
            <thead>
              <tr>
                <th>Start (UTC)</th>
                <th>σ (mJy/beam)</th>
                <th>Beam (″)</th>
                <th>Calibration</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {inputs.map((i, k) => (
                <tr key={i.imageId ?? k}>
                  <td className="mono">{i.startMjd ? formatUtc(i.startMjd) : '–'}</td>
                  <td className="mono">{i.sigmaJy !== undefined ? (i.sigmaJy * 1000).toFixed(2) : '–'}</td>
                  <td className="mono">
                    {i.beam?.majorArcsec
                      ? `${i.beam.majorArcsec.toFixed(0)}×${(i.beam.minorArcsec ?? 0).toFixed(0)}`
                      : '–'}
                  </td>
                  <td className="small wrap">{i.calibration ?? '–'}</td>
                  <td>
                    {i.imageId ? (
                      <button
                        type="button"
                        onClick={() =>
                          fetchSource('image', String(i.imageId))
                            .then((s) => {
                              setOpenError(null);
                              setOpened(s);
                            })
                            .catch((e: unknown) => setOpenError(e instanceof Error ? e.message : String(e)))
                        }
                      >
                        Open
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {tab === 'header' && shownSource ? <HeaderPanel source={shownSource} plane="image" /> : null}
        {tab === 'provenance' ? (
          <pre className="fits-header" aria-label="Provenance">
            {JSON.stringify(source?.provenance ?? product?.metadata ?? null, null, 2)}
          </pre>
        ) : null}
        <DecisionPanel />
        <AuditTrail />
      </aside>
    </div>
  );
}
