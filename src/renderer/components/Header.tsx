// The header: app name, workspace, engine status, running jobs, and UTC / LST at DSA-110.
import { useEffect, useState } from 'react';
import { dateToMjd } from '../lib/format';
import { formatLst, lstHours } from '../lib/sky';
import { useApp } from '../stores/app';
import { useJobs } from '../stores/jobs';

const STATUS_TEXT = {
  connecting: 'Connecting…',
  connected: 'Engine connected',
  offline: 'No engine (outside the desktop app)',
  error: 'Engine error',
} as const;

function useNow(periodMs: number): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), periodMs);
    return () => clearInterval(t);
  }, [periodMs]);
  return now;
}

export function Header() {
  const info = useApp((s) => s.info);
  const status = useApp((s) => s.status);
  const error = useApp((s) => s.error);
  const running = useJobs((s) => s.items.filter((j) => j.state === 'running').length);
  const queued = useJobs((s) => s.items.filter((j) => j.state === 'queued').length);
  const now = useNow(1000);
  return (
    <header className="header">
      <div className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◉
        </span>
        <div>
          <h1>DSA-110 Continuum Imaging</h1>
          <div className="muted small" title={info?.workspace ?? ''}>
            Workspace: {info?.workspace ?? '—'}
            {info ? ` · v${info.version}` : ''}
          </div>
        </div>
      </div>
      <div className="header-status">
        <span className={`dot dot-${status}`} aria-hidden="true" />
        <span title={error ?? ''}>{STATUS_TEXT[status]}</span>
        <span className="sep" />
        <span>
          {running} running · {queued} queued
        </span>
      </div>
      <div className="clocks" aria-label="clocks">
        <div>
          <span className="muted small">UTC</span> <span className="mono">{now.toISOString().slice(11, 19)}</span>
        </div>
        <div>
          <span className="muted small">LST (OVRO)</span>{' '}
          <span className="mono" data-testid="lst">
            {formatLst(lstHours(dateToMjd(now)))}
          </span>
        </div>
      </div>
    </header>
  );
}
