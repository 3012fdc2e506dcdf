// Pipeline & Jobs: the job list with live progress, and the selected job's stages and log.
import {
  JOB_STATES,
  JOB_STATE_LABELS,
  LOG_LEVEL_LABELS,
  STAGE_STATE_LABELS,
  TERMINAL_JOB_STATES,
  type Job,
} from '../../shared/model';
import { Badge, Empty, ErrorBanner, FilterChips, Pager, ProgressBar } from '../components/common';
import { formatDuration, formatUtc } from '../lib/format';
import { JOB_TONES, STAGE_TONES } from '../lib/tones';
import { JOBS_PAGE_SIZE, useJobs } from '../stores/jobs';

function elapsedS(job: Job): number | null {
  if (job.startedMjd === null) return null;
  const end = job.finishedMjd ?? 40587 + Date.now() / 86_400_000;
  return (end - job.startedMjd) * 86400;
}

function JobDetail() {
  const detail = useJobs((s) => s.detail);
  const detailError = useJobs((s) => s.detailError);
  const selectedId = useJobs((s) => s.selectedId);
  const cancel = useJobs((s) => s.cancel);
  if (!selectedId) return <Empty>Select a job to see its stages and log.</Empty>;
  if (detailError) return <ErrorBanner message={detailError} />;
  if (!detail) return <Empty>Loading {selectedId}…</Empty>;
  const { job, stages, logs } = detail;
  const active = !TERMINAL_JOB_STATES.includes(job.state);
  return (
    <div className="detail" aria-label={`Job ${job.id}`}>
      <div className="detail-head">
        <h3 className="mono">{job.id}</h3>
        <Badge tone={JOB_TONES[job.state]}>{JOB_STATE_LABELS[job.state]}</Badge>
        <span className="muted">{job.kind}</span>
        {active ? (
          <button type="button" className="danger" onClick={() => void cancel(job.id)}>
            Cancel job
          </button>
        ) : null}
      </div>
      {job.error ? <ErrorBanner message={job.error} /> : null}
      <table className="table compact">
        <thead>
          <tr>
            <th>Stage</th>
            <th>State</th>
            <th>Attempt</th>
            <th>Duration</th>
            <th>Error</th>
          </tr>
        </thead>
        <tbody>
          {stages.length === 0 ? (
            <tr>
              <td colSpan={5} className="muted">
                No stages recorded.
              </td>
            </tr>
          ) : (
            stages.map((s) => (
              <tr key={s.stageId}>
                <td className="mono" title={s.stageName}>
                  {s.stageId}
                </td>
                <td>
                  <Badge tone={STAGE_TONES[s.state]}>{STAGE_STATE_LABELS[s.state]}</Badge>
                </td>
                <td>{s.attempt}</td>
                <td>{formatDuration(s.durationS)}</td>
                <td className="error-text wrap">{s.error ?? ''}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <h4>
        Log <span className="muted small">(newest {logs.length} lines)</span>
      </h4>
      <div className="log" role="log">
        {logs.length === 0 ? (
          <div className="muted">No log lines yet.</div>
        ) : (
          logs.map((l) => (
            <div key={l.id} className={`log-line log-${l.level}`}>
              <span className="mono muted">{formatUtc(l.timeMjd).slice(11)}</span>
              <span className="log-level">{LOG_LEVEL_LABELS[l.level]}</span>
              {l.stageId ? <span className="mono muted">[{l.stageId}]</span> : null}
              <span>{l.message}</span>
            </div>
          ))
        )}
      </div>
    </div>
  );
}

export function PipelineView() {
  const { items, total, offset, states, error, selectedId, progressMessage } = useJobs();
  const load = useJobs((s) => s.load);
  const setStates = useJobs((s) => s.setStates);
  const select = useJobs((s) => s.select);
  return (
    <div className="view split split-wide">
      <section className="pane">
        <div className="toolbar">
          <h2>Jobs</h2>
          <FilterChips
            options={JOB_STATES}
            labels={JOB_STATE_LABELS}
            selected={states}
            onChange={(s) => void setStates(s)}
          />
          <button type="button" onClick={() => void load()}>
            Refresh
          </button>
        </div>
        <ErrorBanner message={error} />
        {items.length === 0 && !error ? (
          <Empty>
            No jobs{states.length ? ' in the selected states' : ' yet'}. Jobs appear here when ingest, calibration,
            imaging or mosaicking starts.
          </Empty>
        ) : (
          <table className="table" aria-label="Jobs">
            <thead>
              <tr>
                <th>Job</th>
                <th>Kind</th>
                <th>State</th>
                <th className="w-progress">Progress</th>
                <th>Created (UTC)</th>
                <th>Elapsed</th>
              </tr>
            </thead>
            <tbody>
              {items.map((j) => (
                <tr
                  key={j.id}
                  className={j.id === selectedId ? 'row-on' : ''}
                  onClick={() => void select(j.id)}
                  data-job-id={j.id}
                >
                  <td className="mono">{j.id}</td>
                  <td>{j.kind}</td>
                  <td>
                    <Badge tone={JOB_TONES[j.state]} title={j.error ?? undefined}>
                      {JOB_STATE_LABELS[j.state]}
                    </Badge>
                  </td>
                  <td>
                    <ProgressBar value={j.progress} tone={JOB_TONES[j.state]} />
                    <div className="muted small ellipsis">{progressMessage[j.id] ?? j.message ?? ''}</div>
                  </td>
                  <td className="mono">{formatUtc(j.createdMjd)}</td>
                  <td>{formatDuration(elapsedS(j))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager offset={offset} limit={JOBS_PAGE_SIZE} total={total} onPage={(o) => void load(o)} />
      </section>
      <section className="pane">
        <JobDetail />
      </section>
    </div>
  );
}
