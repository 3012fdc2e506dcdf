// Plan and launch: the selected window (centred on a transit, or brushed on the timeline) with its
// timespan and edges adjustable; the plan the engine makes for it before anything runs (groups,
// which are converted or missing, the calibration reused or solved and on which MS, method, tier,
// output name, run-time estimate from this machine's stage timings); then Launch (the same job as
// the CLI's `dsa110 mosaic`), its progress with the running stage, Cancel, and the result.
import { QA_TIERS, type QaTier } from '../../../shared/model';
import { Badge, ProgressBar } from '../../components/common';
import { baseName, formatDuration, formatUtc } from '../../lib/format';
import { useApp } from '../../stores/app';
import { GROUP_MIN, usePlan } from './store';

const MIN_IMAGES = 3;
const SPANS = [15, 30, 60, 120, 180, 240];

export function PlanPanel() {
  const { window, timespanMin, name, tier, plan, planning, planError, job, jobId, launching, launchError, result } =
    usePlan();
  const { setTimespan, shift, setName, setTier, launch, cancel, makePlan } = usePlan.getState();
  const setView = useApp((s) => s.setView);

  if (!window) {
    return (
      <section className="pane plan" aria-label="Mosaic plan">
        <h2>Mosaic plan</h2>
        <p className="muted">
          Choose a calibrator transit (left) or drag across the timeline to select a window. The plan appears here
          before anything runs.
        </p>
      </section>
    );
  }

  const mid = (window.startMjd + window.endMjd) / 2;
  const before = window.transitMjd !== null ? (window.transitMjd - window.startMjd) * 1440 : null;
  const after = window.transitMjd !== null ? (window.endMjd - window.transitMjd) * 1440 : null;
  const asymmetric = window.transitMjd !== null && Math.abs(mid - window.transitMjd) * 1440 > 2.5;
  const nImages = plan?.groups.length ?? 0;
  const running = job !== null && ['queued', 'running'].includes(job.state);
  const finished = job !== null && ['succeeded', 'failed', 'cancelled'].includes(job.state);
  const tooFew = plan !== null && nImages < MIN_IMAGES;
  const runningStage = job?.running[0] ?? null;

  return (
    <section className="pane plan" aria-label="Mosaic plan">
      <div className="plan-head">
        <h2>Mosaic plan</h2>
        {planning ? <span className="muted">planning…</span> : null}
      </div>
      <div className="plan-window" aria-label="Window">
        <div>
          <span className="muted">Window</span>{' '}
          <span className="mono" data-testid="window-range">
            {formatUtc(window.startMjd)} – {formatUtc(window.endMjd)} UTC
          </span>
        </div>
        {window.transitMjd !== null ? (
          <div>
            <span className="muted">Centred on</span> {window.calibrator} transit{' '}
            <span className="mono">{formatUtc(window.transitMjd)}</span>
            {asymmetric ? (
              <Badge tone="warn">
                asymmetric: {before?.toFixed(0)} min before, {after?.toFixed(0)} min after
              </Badge>
            ) : null}
          </div>
        ) : (
          <div className="muted">
            Brushed on the timeline{window.calibrator ? `, solving on ${window.calibrator}` : ''}
          </div>
        )}
        <div className="toolbar">
          <label>
            Timespan (min){' '}
            <input
              type="number"
              min={GROUP_MIN}
              max={1440}
              step={5}
              value={timespanMin}
              aria-label="Timespan in minutes"
              onChange={(e) => {
                const v = Number(e.target.value);
                if (Number.isFinite(v) && v >= GROUP_MIN) setTimespan(v);
              }}
            />
          </label>
          <span className="chips">
            {SPANS.map((s) => (
              <button
                key={s}
                type="button"
                className={s === timespanMin ? 'chip chip-on' : 'chip'}
                onClick={() => setTimespan(s)}
              >
                {s >= 60 ? `${s / 60} h` : `${s} min`}
              </button>
            ))}
          </span>
        </div>
        <div className="toolbar">
          <span className="muted">Start</span>
          <button type="button" onClick={() => shift(-5, 0)} aria-label="Start 5 minutes earlier">
            −5 min
          </button>
          <button type="button" onClick={() => shift(5, 0)} aria-label="Start 5 minutes later">
            +5 min
          </button>
          <span className="muted">End</span>
          <button type="button" onClick={() => shift(0, -5)} aria-label="End 5 minutes earlier">
            −5 min
          </button>
          <button type="button" onClick={() => shift(0, 5)} aria-label="End 5 minutes later">
            +5 min
          </button>
        </div>
        <div className="toolbar">
          <label>
            Name <input value={name} onChange={(e) => setName(e.target.value)} size={30} aria-label="Mosaic name" />
          </label>
          <label>
            QA tier{' '}
            <select value={tier} onChange={(e) => setTier(e.target.value as QaTier)} aria-label="QA tier">
              {QA_TIERS.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {planError ? <div className="error-banner">{planError}</div> : null}
      {plan ? (
        <div className="plan-body" data-testid="plan">
          <dl className="kv">
            <dt>Images</dt>
            <dd>
              {nImages} (one per 5-minute group){' '}
              {tooFew ? <Badge tone="bad">a mosaic needs at least {MIN_IMAGES}</Badge> : null}
            </dd>
            <dt>Calibration</dt>
            <dd>
              {plan.calibration.mode === 'solve'
                ? `solve on ${plan.calibrator ?? '?'} (MS ${baseName(plan.calibration.solveMsPath ?? '?')})`
                : `reuse ${plan.calibration.tableIds.length} registered tables valid over the window`}
            </dd>
            <dt>Method · tier</dt>
            <dd>
              {plan.method} · {plan.tier}
              {plan.catalog ? ` · QA catalog ${plan.catalog}` : ''}
            </dd>
            <dt>Output</dt>
            <dd className="mono" title={plan.outputDir}>
              {plan.outputName}
            </dd>
            <dt>Estimate</dt>
            <dd>
              {Object.keys(plan.estimate.byStage).length === 0
                ? 'nothing left to run: every stage of this plan is done'
                : plan.estimate.totalS !== null
                  ? `about ${formatDuration(plan.estimate.totalS)} from this machine's recent stage timings`
                  : 'no stage of this kind has run here yet'}
            </dd>
            {plan.existing ? (
              <>
                <dt>Already</dt>
                <dd>
                  planned ({plan.existing.status}
                  {plan.existing.jobState ? `, job ${plan.existing.jobState}` : ''}): launching resumes it
                </dd>
              </>
            ) : null}
          </dl>
          {plan.notes.length > 0 ? (
            <ul className="notes">
              {plan.notes.map((n) => (
                <li key={n}>{n}</li>
              ))}
            </ul>
          ) : null}
          <table className="table compact" aria-label="Planned groups">
            <thead>
              <tr>
                <th>Group</th>
                <th>Start (UTC)</th>
                <th>State</th>
              </tr>
            </thead>
            <tbody>
              {plan.groups.map((g) => (
                <tr key={g.groupId}>
                  <td className="mono">{g.groupId}</td>
                  <td className="mono">{formatUtc(g.startMjd)}</td>
                  <td className="wrap">
                    {g.converted ? <Badge tone="good">converted</Badge> : <Badge tone="info">raw: convert first</Badge>}
                    {plan.calibration.solveGroupId === g.groupId ? <Badge tone="warn">calibrator transit</Badge> : null}
                  </td>
                </tr>
              ))}
              {plan.missing.map((m) => (
                <tr key={`${m.startMjd}`} className="row-missing">
                  <td className="mono">{m.groupId ?? '—'}</td>
                  <td className="mono">
                    {formatUtc(m.startMjd)} – {formatUtc(m.endMjd).slice(11)}
                  </td>
                  <td className="wrap">
                    <Badge tone="bad">missing</Badge> {m.reason}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="plan-actions toolbar">
        <button type="button" onClick={() => void makePlan()} disabled={planning}>
          Dry run
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => void launch()}
          disabled={!plan || tooFew || launching || running}
          aria-keyshortcuts="Control+Enter"
        >
          {launching ? 'Launching…' : 'Launch mosaic'}
        </button>
        {running ? (
          <button type="button" className="danger" onClick={() => void cancel()}>
            Cancel
          </button>
        ) : null}
      </div>
      {launchError ? <div className="error-banner">{launchError}</div> : null}
      {jobId && job ? (
        <div className="plan-job" aria-label="Mosaic job" data-job-state={job.state}>
          <div className="toolbar">
            <span className="mono">{job.id}</span>
            <Badge tone={job.state === 'succeeded' ? 'good' : job.state === 'failed' ? 'bad' : 'info'}>
              {job.state}
            </Badge>
            <span className="muted">
              {job.stagesDone} of {job.stagesTotal} stages
              {runningStage ? ` · running ${runningStage}` : ''}
            </span>
          </div>
          <ProgressBar value={job.progress} tone={job.state === 'failed' ? 'bad' : 'info'} />
          {job.message ? <div className="muted plan-msg">{job.message}</div> : null}
          {job.error ? <div className="error-banner">{job.error}</div> : null}
          {finished && result ? (
            <div className="plan-result" data-testid="plan-result">
              <strong>{result.name}</strong> · {result.nImages ?? '?'} images · noise{' '}
              {result.noiseJy !== null ? `${(result.noiseJy * 1000).toFixed(2)} mJy/beam` : '—'} · QA{' '}
              {result.qaVerdict ?? '—'} · product {result.productStatus ?? '—'}
              <button type="button" onClick={() => setView('products')}>
                Open in Products
              </button>
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
