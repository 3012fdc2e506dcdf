// Calibrators & transits: VLA calibrators near a pointing declination, ranked by beam-weighted
// flux, with their next transit over DSA-110; shown on the sky panel.
import { useEffect, useState, type FormEvent } from 'react';
import { Empty, ErrorBanner } from '../components/common';
import { SkyPanel } from '../components/SkyPanel';
import { dateToMjd, formatDec, formatDuration, formatJy, formatRa, formatUtc } from '../lib/format';
import { useCalibrators } from '../stores/calibrators';
import { useData } from '../stores/data';

/** Declinations seen in DSA-110 data, as one-click presets. */
const PRESETS = [16.3, 50.5, 54.57, 65.7];

function parseNumber(text: string): number | null {
  const v = Number.parseFloat(text);
  return Number.isFinite(v) ? v : null;
}

export function CalibratorsView() {
  const { decDeg, radiusDeg, minFluxJy, matches, searched, loading, error } = useCalibrators();
  const setQuery = useCalibrators((s) => s.setQuery);
  const search = useCalibrators((s) => s.search);
  const latestMsDec = useData((s) => s.ms.items[0]?.decDeg ?? null);
  const [decText, setDecText] = useState(decDeg === null ? '' : String(decDeg));
  const [formError, setFormError] = useState<string | null>(null);
  const nowMjd = dateToMjd(new Date());

  // Default to the pointing of the newest MS the first time the view opens.
  useEffect(() => {
    if (decDeg === null && latestMsDec !== null) {
      setDecText(latestMsDec.toFixed(2));
      setQuery({ decDeg: latestMsDec });
      void search();
    }
  }, [decDeg, latestMsDec, setQuery, search]);

  function submit(e: FormEvent) {
    e.preventDefault();
    const dec = parseNumber(decText);
    if (dec === null || dec < -90 || dec > 90) {
      setFormError('Declination must be a number of degrees between -90 and +90.');
      return;
    }
    setFormError(null);
    setQuery({ decDeg: dec });
    void search();
  }

  return (
    <div className="view with-sky">
      <section className="pane">
        <form className="toolbar form" onSubmit={submit} aria-label="Calibrator search">
          <h2>Calibrators</h2>
          <label>
            Dec (°){' '}
            <input
              name="dec"
              inputMode="decimal"
              value={decText}
              onChange={(e) => setDecText(e.target.value)}
              size={7}
            />
          </label>
          <label>
            ± (°){' '}
            <input
              name="radius"
              type="number"
              min={0.1}
              max={10}
              step={0.1}
              value={radiusDeg}
              onChange={(e) => setQuery({ radiusDeg: parseNumber(e.target.value) ?? radiusDeg })}
            />
          </label>
          <label>
            S<sub>1.4</sub> ≥ (Jy){' '}
            <input
              name="minflux"
              type="number"
              min={0}
              step={0.1}
              value={minFluxJy}
              onChange={(e) => setQuery({ minFluxJy: parseNumber(e.target.value) ?? minFluxJy })}
            />
          </label>
          <button type="submit" className="primary" disabled={loading}>
            {loading ? 'Searching…' : 'Search'}
          </button>
          <span className="presets">
            {PRESETS.map((p) => (
              <button key={p} type="button" className="chip" onClick={() => setDecText(String(p))}>
                {p}°
              </button>
            ))}
          </span>
        </form>
        <ErrorBanner message={formError ?? error} />
        {!searched ? (
          <Empty>Enter a pointing declination to list VLA calibrators in the strip and their next transits.</Empty>
        ) : matches.length === 0 ? (
          <Empty>
            No calibrator brighter than {minFluxJy} Jy within ±{radiusDeg}° of Dec {decDeg}°.
          </Empty>
        ) : (
          <table className="table" aria-label="Calibrators">
            <thead>
              <tr>
                <th>Name</th>
                <th>RA (J2000)</th>
                <th>Dec (J2000)</th>
                <th>
                  S<sub>1.4 GHz</sub>
                </th>
                <th>Beam-weighted</th>
                <th>ΔDec</th>
                <th>Next transit (UTC)</th>
                <th>In</th>
              </tr>
            </thead>
            <tbody>
              {matches.map((m) => (
                <tr key={m.calibrator.name}>
                  <td className="mono">{m.calibrator.name}</td>
                  <td className="mono">{formatRa(m.calibrator.raDeg)}</td>
                  <td className="mono">{formatDec(m.calibrator.decDeg)}</td>
                  <td>{formatJy(m.calibrator.flux1400Jy)}</td>
                  <td title={`beam model ${m.beamModel}`}>{formatJy(m.beamWeightedFluxJy)}</td>
                  <td>{m.decOffsetDeg.toFixed(2)}°</td>
                  <td className="mono">{formatUtc(m.nextTransitMjd)}</td>
                  <td>{m.nextTransitMjd >= nowMjd ? formatDuration((m.nextTransitMjd - nowMjd) * 86400) : 'passed'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <SkyPanel />
    </div>
  );
}
