// Data: ingest groups (16-subband observations as they arrive) and the measurement sets made
// from them, beside the sky panel showing their footprints.
import { useState } from 'react';
import { INGEST_STATE_LABELS, MS_STATUS_LABELS } from '../../shared/model';
import { Badge, Empty, ErrorBanner, Pager } from '../components/common';
import { SkyPanel } from '../components/SkyPanel';
import { baseName, formatDec, formatPercent, formatRa, formatUtc } from '../lib/format';
import { INGEST_TONES, MS_TONES } from '../lib/tones';
import { DATA_PAGE_SIZE, useData } from '../stores/data';

function Groups() {
  const { items, total, offset } = useData((s) => s.groups);
  const loadGroups = useData((s) => s.loadGroups);
  if (items.length === 0)
    return <Empty>No ingest groups yet. Groups appear as UVH5 subband files arrive in the input directory.</Empty>;
  return (
    <>
      <table className="table" aria-label="Ingest groups">
        <thead>
          <tr>
            <th>Group (file timestamp)</th>
            <th>State</th>
            <th>Subbands</th>
            <th>Dec</th>
            <th>Start (UTC)</th>
            <th>Attempts</th>
            <th>Last error</th>
          </tr>
        </thead>
        <tbody>
          {items.map((g) => (
            <tr key={g.id}>
              <td className="mono">{g.id}</td>
              <td>
                <Badge tone={INGEST_TONES[g.state]}>{INGEST_STATE_LABELS[g.state]}</Badge>
              </td>
              <td className={g.presentSubbands < g.expectedSubbands ? 'warn-text' : ''}>
                {g.presentSubbands} / {g.expectedSubbands}
              </td>
              <td>{g.decDeg === null ? '—' : `${g.decDeg.toFixed(2)}°`}</td>
              <td className="mono">{formatUtc(g.startMjd)}</td>
              <td>{g.attempts}</td>
              <td className="error-text ellipsis" title={g.lastError ?? ''}>
                {g.lastError ?? ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager offset={offset} limit={DATA_PAGE_SIZE} total={total} onPage={(o) => void loadGroups(o)} />
    </>
  );
}

function MeasurementSets() {
  const { items, total, offset } = useData((s) => s.ms);
  const loadMs = useData((s) => s.loadMs);
  if (items.length === 0)
    return <Empty>No measurement sets yet. Each complete ingest group is converted to one MS.</Empty>;
  return (
    <>
      <table className="table" aria-label="Measurement sets">
        <thead>
          <tr>
            <th>MS</th>
            <th>Status</th>
            <th>Mid time (UTC)</th>
            <th>Phase centre</th>
            <th>Dec</th>
            <th>Ant.</th>
            <th>Flagged</th>
            <th>Stage</th>
          </tr>
        </thead>
        <tbody>
          {items.map((m) => (
            <tr key={m.id}>
              <td className="mono ellipsis" title={m.path}>
                {baseName(m.path)}
              </td>
              <td>
                <Badge tone={MS_TONES[m.status]}>{MS_STATUS_LABELS[m.status]}</Badge>
              </td>
              <td className="mono">{formatUtc(m.midMjd)}</td>
              <td className="mono">
                {m.phaseCenterRaDeg === null
                  ? '—'
                  : `${formatRa(m.phaseCenterRaDeg)} ${formatDec(m.phaseCenterDecDeg)}`}
              </td>
              <td>{m.decDeg.toFixed(2)}°</td>
              <td>{m.nAntennas ?? '—'}</td>
              <td className={m.flaggedFraction !== null && m.flaggedFraction > 0.5 ? 'error-text' : ''}>
                {formatPercent(m.flaggedFraction, 1)}
              </td>
              <td>{m.stage ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager offset={offset} limit={DATA_PAGE_SIZE} total={total} onPage={(o) => void loadMs(o)} />
    </>
  );
}

export function DataView() {
  const [tab, setTab] = useState<'groups' | 'ms'>('groups');
  const error = useData((s) => s.error);
  const loadAll = useData((s) => s.loadAll);
  const nGroups = useData((s) => s.groups.total);
  const nMs = useData((s) => s.ms.total);
  return (
    <div className="view with-sky">
      <section className="pane">
        <div className="toolbar">
          <div className="tabs" role="tablist">
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'groups'}
              className={tab === 'groups' ? 'tab tab-on' : 'tab'}
              onClick={() => setTab('groups')}
            >
              Ingest groups ({nGroups})
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={tab === 'ms'}
              className={tab === 'ms' ? 'tab tab-on' : 'tab'}
              onClick={() => setTab('ms')}
            >
              Measurement sets ({nMs})
            </button>
          </div>
          <button type="button" onClick={() => void loadAll()}>
            Refresh
          </button>
        </div>
        <ErrorBanner message={error} />
        {tab === 'groups' ? <Groups /> : <MeasurementSets />}
      </section>
      <SkyPanel />
    </div>
  );
}
