// The calibrator and transit picker: search by name or alias (3C286) or by a declination strip
// that holds data; each calibrator with its catalog flux, spectral index and primary-beam weighted
// flux at the strip; its transits over the data, each marked covered, partly covered or without
// data. Choosing a transit (click or Enter) centres the window on it.
import { type FormEvent } from 'react';
import { Badge } from '../../components/common';
import { formatDec, formatJy, formatRa, formatUtc } from '../../lib/format';
import { useTimeline } from '../timeline/store';
import { usePlan, type TransitRow } from './store';

const COVERAGE_TONE = { covered: 'good', partial: 'warn', none: 'neutral' } as const;
const COVERAGE_TEXT = { covered: 'covered', partial: 'partly covered', none: 'no data' } as const;

export function PickerPanel() {
  const { query, searching, searchError, matches, selected, transits, transitsLoading, transitsTruncated, window } =
    usePlan();
  const setQuery = usePlan((s) => s.setQuery);
  const search = usePlan((s) => s.search);
  const pick = usePlan((s) => s.pick);
  const pickTransit = usePlan((s) => s.pickTransit);
  const stripDecs = useTimeline((s) => s.stripDecs);
  const extent = useTimeline((s) => s.extent);

  function submit(e: FormEvent) {
    e.preventDefault();
    const q = query.trim();
    if (!q) return;
    const asDec = /^[+-]?\d+(\.\d+)?$/.test(q) && Math.abs(Number(q)) <= 90 && !/^\d{4}/.test(q);
    void search(asDec ? { decDeg: Number(q), stripDecs, extent } : { name: q, stripDecs, extent });
  }

  const chosen = (t: TransitRow) =>
    window?.transitMjd !== null &&
    window?.transitMjd !== undefined &&
    Math.abs(window.transitMjd - t.transitMjd) < 1e-6;

  return (
    <section className="pane picker" aria-label="Calibrator and transit picker">
      <form className="toolbar form" onSubmit={submit} role="search" aria-label="Calibrator search">
        <h2>Calibrator</h2>
        <input
          aria-label="Calibrator name, alias or declination"
          placeholder="0834+555, 3C286 or a Dec"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          size={18}
        />
        <button type="submit" className="primary" disabled={searching}>
          {searching ? 'Searching…' : 'Search'}
        </button>
      </form>
      {stripDecs.length > 0 ? (
        <div className="chips" aria-label="Declinations with data">
          <span className="muted">Strips with data:</span>
          {stripDecs.map((d) => (
            <button
              key={d}
              type="button"
              className="chip"
              onClick={() => {
                setQuery(String(d));
                void search({ decDeg: d, stripDecs, extent });
              }}
            >
              {d >= 0 ? '+' : ''}
              {d}°
            </button>
          ))}
        </div>
      ) : null}
      {searchError ? <div className="error-banner">{searchError}</div> : null}
      {matches.length > 0 ? (
        <table className="table compact" aria-label="Calibrators found">
          <thead>
            <tr>
              <th>Name · RA, Dec (J2000)</th>
              <th title="catalog flux density at 1.4 GHz">
                S<sub>1.4</sub>
              </th>
              <th title="spectral index">α</th>
              <th title="flux times the primary-beam response at the strip's declination">PB-wtd</th>
            </tr>
          </thead>
          <tbody>
            {matches.map((m) => (
              <tr
                key={m.calibrator.name}
                className={selected?.calibrator.name === m.calibrator.name ? 'row-on' : ''}
                tabIndex={0}
                aria-selected={selected?.calibrator.name === m.calibrator.name}
                onClick={() => void pick(m, extent)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') {
                    e.preventDefault();
                    void pick(m, extent);
                  }
                }}
              >
                <td>
                  <span className="mono">{m.calibrator.name}</span>
                  {m.matchedName && m.matchedName !== m.calibrator.name ? (
                    <span className="muted"> ({m.matchedName})</span>
                  ) : null}
                  <div className="mono muted small">
                    {formatRa(m.calibrator.raDeg)} {formatDec(m.calibrator.decDeg)}
                  </div>
                </td>
                <td>{formatJy(m.calibrator.flux1400Jy)}</td>
                <td>{m.calibrator.spectralIndex.toFixed(2)}</td>
                <td title={`${m.beamModel}, ${m.decOffsetDeg.toFixed(2)}° from the strip centre`}>
                  {formatJy(m.beamWeightedFluxJy)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {selected ? (
        <>
          <h4>
            Transits of {selected.calibrator.name} over the data{transitsLoading ? ' (loading…)' : ''}
          </h4>
          {transits.length === 0 && !transitsLoading ? (
            <p className="muted">No transit of {selected.calibrator.name} falls in the data's time range.</p>
          ) : (
            <ul className="transits" aria-label="Transits">
              {transits.map((t) => (
                <li key={t.transitMjd}>
                  <button
                    type="button"
                    className={chosen(t) ? 'transit transit-on' : 'transit'}
                    aria-pressed={chosen(t)}
                    onClick={() => pickTransit(t)}
                  >
                    <span className="mono">{formatUtc(t.transitMjd)} UTC</span>
                    {t.coverage ? (
                      <Badge
                        tone={COVERAGE_TONE[t.coverage]}
                        title={`${t.found} of ${t.expected} groups in the window`}
                      >
                        {COVERAGE_TEXT[t.coverage]}
                      </Badge>
                    ) : (
                      <span className="muted">…</span>
                    )}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {transitsTruncated ? <p className="muted">Only the first 400 transits are listed.</p> : null}
        </>
      ) : matches.length === 0 ? (
        <p className="muted">
          Search a calibrator by name or alias, or pick a declination strip with data, then choose one of its transits:
          the mosaic window is centred on it.
        </p>
      ) : null}
    </section>
  );
}
