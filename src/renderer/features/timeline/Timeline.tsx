// The data timeline: every group of the workspace over time, one lane per declination strip,
// stacked by pipeline state per time bin (a full bar: every 5-minute slot has a group; gaps stay
// empty), with the picked calibrator's transits, the calibration solutions' validity windows and
// the selected window drawn over it. Wheel or +/- zooms about the cursor, arrows pan, a drag
// brushes a window; each view asks the main process for a binned summary of that range only.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { TIMELINE_STATES, type TimelineState } from '../../../shared/api';
import { formatUtc } from '../../lib/format';
import { usePlan } from '../plan/store';
import { useTimeline } from './store';

export const STATE_COLOURS: Readonly<Record<TimelineState, string>> = {
  raw: '#6b7b8f',
  converted: '#2f81f7',
  calibrated: '#a371f7',
  imaged: '#39c5cf',
  mosaicked: '#d29922',
  published: '#3fb950',
  failed: '#f85149',
};
export const STATE_LABELS: Readonly<Record<TimelineState, string>> = {
  raw: 'raw data',
  converted: 'converted',
  calibrated: 'calibrated',
  imaged: 'imaged',
  mosaicked: 'in a mosaic',
  published: 'published',
  failed: 'failed',
};

const LANE_H = 28;
const LABEL_W = 64;
const AXIS_H = 34;
const SOL_H = 14;
const GROUP_DAYS = 5 / 1440;
/** Pixels per bin asked of the main process. */
const PX_PER_BIN = 3;

function niceStep(spanDays: number, px: number): number {
  const target = (spanDays / px) * 110; // a label every ~110 px
  const steps = [
    1 / 1440,
    5 / 1440,
    15 / 1440,
    30 / 1440,
    1 / 24,
    3 / 24,
    6 / 24,
    12 / 24,
    1,
    2,
    7,
    14,
    30,
    61,
    91,
    182,
    365,
  ];
  return steps.find((s) => s >= target) ?? 365;
}

function tickLabel(mjd: number, step: number): string {
  const iso = formatUtc(mjd);
  if (step >= 1) return iso.slice(0, 10);
  return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

export function Timeline() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const { viewStart, viewEnd, summary, stripDecs, loading, error, linked, extent, lastLoadMs } = useTimeline();
  const setView = useTimeline((s) => s.setView);
  const setLinked = useTimeline((s) => s.setLinked);
  const transits = usePlan((s) => s.transits);
  const window_ = usePlan((s) => s.window);
  const setWindow = usePlan((s) => s.setWindow);
  const selected = usePlan((s) => s.selected);
  const dataVersion = usePlan((s) => s.dataVersion);
  const [brush, setBrush] = useState<[number, number] | null>(null);
  const [hover, setHover] = useState<{ x: number; y: number; text: string } | null>(null);
  const drag = useRef<{ x0: number; mjd0: number; moved: boolean } | null>(null);

  const lanes = stripDecs.length > 0 ? stripDecs : (summary?.strips.map((s) => s.decDeg ?? 0) ?? []);
  const plotW = Math.max(100, width - LABEL_W - 8);
  const height = AXIS_H + Math.max(1, lanes.length) * LANE_H + SOL_H + 6;
  const bins = Math.round(plotW / PX_PER_BIN);

  const xOf = useCallback(
    (mjd: number) => LABEL_W + ((mjd - viewStart) / (viewEnd - viewStart)) * plotW,
    [viewStart, viewEnd, plotW],
  );
  const mjdOf = useCallback(
    (x: number) => viewStart + ((x - LABEL_W) / plotW) * (viewEnd - viewStart),
    [viewStart, viewEnd, plotW],
  );

  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    if (!extent && !loading && !summary && !error) void useTimeline.getState().init(bins);
  }, []);

  useEffect(() => {
    if (dataVersion > 0) void useTimeline.getState().reload(bins);
  }, [dataVersion]);

  // Draw.
  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    const dpr = globalThis.devicePixelRatio || 1;
    c.width = Math.round(width * dpr);
    c.height = Math.round(height * dpr);
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    g.font = '11px system-ui, sans-serif';
    // Lanes.
    lanes.forEach((dec, i) => {
      const y = AXIS_H + i * LANE_H;
      g.fillStyle = i % 2 ? '#141b22' : '#18212b';
      g.fillRect(LABEL_W, y, plotW, LANE_H);
      g.fillStyle = '#8593a3';
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      g.fillText(`${dec >= 0 ? '+' : ''}${dec.toFixed(0)}°`, LABEL_W - 8, y + LANE_H / 2);
    });
    // Bars: each bin's groups stacked by state, scaled to the bin's capacity of 5-minute groups.
    if (summary) {
      const bw = ((summary.endMjd - summary.startMjd) / summary.bins / (viewEnd - viewStart)) * plotW;
      const capacity = Math.max(1, (summary.endMjd - summary.startMjd) / summary.bins / GROUP_DAYS);
      // Finer bins than a group: a group is drawn over the 5 minutes it lasts, not one bin.
      const barW = Math.max(bw, (GROUP_DAYS / (viewEnd - viewStart)) * plotW);
      for (const strip of summary.strips) {
        const lane = lanes.indexOf(strip.decDeg ?? Number.NaN);
        if (lane < 0) continue;
        const yBase = AXIS_H + lane * LANE_H + LANE_H - 3;
        const full = LANE_H - 6;
        for (let b = 0; b < summary.bins; b++) {
          const x = xOf(summary.startMjd + b * ((summary.endMjd - summary.startMjd) / summary.bins));
          if (x + bw < LABEL_W || x > LABEL_W + plotW) continue;
          let y = yBase;
          for (let s = 0; s < TIMELINE_STATES.length; s++) {
            const n = strip.counts[s]?.[b] ?? 0;
            if (n === 0) continue;
            const h = Math.max(1, (Math.min(n, capacity) / capacity) * full);
            g.fillStyle = STATE_COLOURS[TIMELINE_STATES[s] as TimelineState];
            g.fillRect(x, y - h, Math.max(1, barW - (barW > 4 ? 1 : 0)), h);
            y -= h;
          }
        }
      }
      // Calibration solutions: validity windows under the lanes.
      const ySol = AXIS_H + lanes.length * LANE_H + 3;
      for (const s of summary.solutions) {
        const x0 = Math.max(LABEL_W, xOf(s.validStartMjd));
        const x1 = Math.min(LABEL_W + plotW, xOf(s.validEndMjd));
        if (x1 <= x0) continue;
        g.fillStyle = s.status === 'valid' ? 'rgba(163,113,247,0.55)' : 'rgba(133,147,163,0.4)';
        g.fillRect(x0, ySol, x1 - x0, SOL_H - 4);
      }
      g.fillStyle = '#8593a3';
      g.textAlign = 'right';
      g.fillText('cal', LABEL_W - 8, ySol + (SOL_H - 4) / 2);
    }
    // Time axis.
    const step = niceStep(viewEnd - viewStart, plotW);
    g.strokeStyle = '#2a3542';
    g.fillStyle = '#8593a3';
    g.textAlign = 'center';
    g.textBaseline = 'top';
    const first = Math.ceil(viewStart / step) * step;
    for (let t = first; t <= viewEnd; t += step) {
      const x = xOf(t);
      g.beginPath();
      g.moveTo(x, AXIS_H - 6);
      g.lineTo(x, height);
      g.stroke();
      g.fillText(tickLabel(t, step), x, 4);
    }
    g.textAlign = 'left';
    g.fillText('UTC', 6, 4);
    // Transits of the picked calibrator.
    for (const t of transits) {
      const x = xOf(t.transitMjd);
      if (x < LABEL_W || x > LABEL_W + plotW) continue;
      g.strokeStyle = '#f0c674';
      g.setLineDash([3, 3]);
      g.beginPath();
      g.moveTo(x, AXIS_H - 14);
      g.lineTo(x, AXIS_H + lanes.length * LANE_H);
      g.stroke();
      g.setLineDash([]);
      g.fillStyle = '#f0c674';
      g.beginPath();
      g.moveTo(x - 4, AXIS_H - 16);
      g.lineTo(x + 4, AXIS_H - 16);
      g.lineTo(x, AXIS_H - 10);
      g.fill();
    }
    // The selected window, and a brush in progress.
    const drawRange = (a: number, b: number, fill: string, stroke: string) => {
      const x0 = Math.max(LABEL_W, xOf(Math.min(a, b)));
      const x1 = Math.min(LABEL_W + plotW, xOf(Math.max(a, b)));
      if (x1 <= x0) return;
      g.fillStyle = fill;
      g.fillRect(x0, AXIS_H, x1 - x0, lanes.length * LANE_H);
      g.strokeStyle = stroke;
      g.lineWidth = 1.5;
      g.strokeRect(x0, AXIS_H, x1 - x0, lanes.length * LANE_H);
      g.lineWidth = 1;
    };
    if (window_) drawRange(window_.startMjd, window_.endMjd, 'rgba(74,163,255,0.16)', '#4aa3ff');
    if (brush) drawRange(brush[0], brush[1], 'rgba(255,255,255,0.10)', '#d8e0e8');
    // The point linked with the sky view.
    if (linked) {
      const x = xOf(linked.mjd);
      if (x >= LABEL_W && x <= LABEL_W + plotW) {
        g.strokeStyle = '#ffffff';
        g.beginPath();
        g.moveTo(x, AXIS_H);
        g.lineTo(x, AXIS_H + lanes.length * LANE_H);
        g.stroke();
      }
    }
  }, [width, height, lanes, summary, viewStart, viewEnd, plotW, xOf, transits, window_, brush, linked]);

  function zoom(factor: number, aboutMjd = (viewStart + viewEnd) / 2) {
    const a = aboutMjd - (aboutMjd - viewStart) * factor;
    const b = aboutMjd + (viewEnd - aboutMjd) * factor;
    void setView(a, b, bins);
  }
  function pan(fraction: number) {
    const d = (viewEnd - viewStart) * fraction;
    void setView(viewStart + d, viewEnd + d, bins);
  }

  function onWheel(e: React.WheelEvent<HTMLCanvasElement>) {
    const rect = e.currentTarget.getBoundingClientRect();
    if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) pan(e.deltaX / plotW);
    else zoom(e.deltaY > 0 ? 1.25 : 0.8, mjdOf(e.clientX - rect.left));
  }

  function describe(x: number, y: number): string | null {
    if (!summary || x < LABEL_W) return null;
    const lane = Math.floor((y - AXIS_H) / LANE_H);
    const dec = lanes[lane];
    if (dec === undefined) return null;
    const mjd = mjdOf(x);
    const b = Math.floor(((mjd - summary.startMjd) / (summary.endMjd - summary.startMjd)) * summary.bins);
    const strip = summary.strips.find((s) => s.decDeg === dec);
    const bw = (summary.endMjd - summary.startMjd) / summary.bins;
    const parts = TIMELINE_STATES.map((s, i) => [STATE_LABELS[s], strip?.counts[i]?.[b] ?? 0] as const)
      .filter(([, n]) => n > 0)
      .map(([l, n]) => `${n} ${l}`);
    const from = formatUtc(summary.startMjd + b * bw);
    const to = formatUtc(summary.startMjd + (b + 1) * bw);
    return `Dec ${dec >= 0 ? '+' : ''}${dec}° · ${from} – ${to.slice(11)} UTC\n${parts.length ? parts.join(', ') : 'no data'}`;
  }

  function onPointerDown(e: PointerEvent<HTMLCanvasElement>) {
    const rect = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - rect.left;
    if (x < LABEL_W) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    drag.current = { x0: x, mjd0: mjdOf(x), moved: false };
  }
  function onPointerMove(e: PointerEvent<HTMLCanvasElement>) {
    const rect = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const y = e.clientY - rect.top;
    const d = drag.current;
    if (d) {
      if (Math.abs(x - d.x0) > 3) d.moved = true;
      if (d.moved) setBrush([d.mjd0, mjdOf(x)]);
      return;
    }
    const text = describe(x, y);
    setHover(text ? { x, y, text } : null);
    if (text) {
      const lane = Math.floor((y - AXIS_H) / LANE_H);
      setLinked({ mjd: mjdOf(x), decDeg: lanes[lane] ?? null, from: 'timeline' });
    }
  }
  function onPointerUp(e: PointerEvent<HTMLCanvasElement>) {
    const rect = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - rect.left;
    const d = drag.current;
    drag.current = null;
    setBrush(null);
    if (!d || !d.moved) return;
    const a = Math.min(d.mjd0, mjdOf(x));
    const b = Math.max(d.mjd0, mjdOf(x));
    if (b - a < GROUP_DAYS) return;
    const y = e.clientY - rect.top;
    const lane = Math.floor((y - AXIS_H) / LANE_H);
    setWindow({
      startMjd: a,
      endMjd: b,
      transitMjd: null,
      calibrator: selected?.calibrator.name ?? null,
      decDeg: lanes[lane] ?? null,
    });
  }

  function onKey(e: KeyboardEvent<HTMLCanvasElement>) {
    const keys: Record<string, () => void> = {
      ArrowLeft: () => pan(-0.2),
      ArrowRight: () => pan(0.2),
      '+': () => zoom(0.5),
      '=': () => zoom(0.5),
      '-': () => zoom(2),
      '0': () => void useTimeline.getState().fit(bins),
      w: () => window_ && void setView(window_.startMjd - 0.02, window_.endMjd + 0.02, bins),
    };
    const f = keys[e.key];
    if (f) {
      e.preventDefault();
      f();
    }
  }

  const spanLabel = (() => {
    const d = viewEnd - viewStart;
    return d >= 2 ? `${d.toFixed(0)} days` : d >= 2 / 24 ? `${(d * 24).toFixed(1)} h` : `${(d * 1440).toFixed(0)} min`;
  })();

  return (
    <section className="tl" aria-label="Data timeline">
      <div className="tl-bar">
        <h2>Data timeline</h2>
        <span className="muted">
          {loading ? 'loading… · ' : ''}
          {summary ? `${summary.totalGroups.toLocaleString('en-US')} groups in view` : ''} · {spanLabel} ·{' '}
          {formatUtc(viewStart)} – {formatUtc(viewEnd)} UTC
          {lastLoadMs !== null ? ` · counted in ${lastLoadMs.toFixed(0)} ms` : ''}
        </span>
        <span className="tl-legend">
          {TIMELINE_STATES.map((s) => (
            <span key={s} className="tl-key">
              <i style={{ background: STATE_COLOURS[s] }} />
              {STATE_LABELS[s]}
            </span>
          ))}
          <span className="tl-key">
            <i style={{ background: 'rgba(163,113,247,0.55)' }} />
            calibration valid
          </span>
          <span className="tl-key">
            <i style={{ background: '#f0c674' }} />
            transit
          </span>
        </span>
        <span className="tl-buttons">
          <button type="button" onClick={() => zoom(0.5)} aria-label="Zoom in">
            +
          </button>
          <button type="button" onClick={() => zoom(2)} aria-label="Zoom out">
            −
          </button>
          <button type="button" onClick={() => void useTimeline.getState().fit(bins)}>
            Fit
          </button>
          <button
            type="button"
            disabled={!window_}
            onClick={() => window_ && void setView(window_.startMjd - 0.02, window_.endMjd + 0.02, bins)}
          >
            Window
          </button>
        </span>
      </div>
      {error ? <div className="error-banner">{error}</div> : null}
      <div className="tl-canvas" ref={wrapRef}>
        {lanes.length === 0 && !loading ? (
          <div className="muted tl-empty">No data indexed in this workspace yet (dsa110 index).</div>
        ) : null}
        <canvas
          ref={canvasRef}
          style={{ width, height }}
          tabIndex={0}
          role="img"
          aria-label="Timeline of groups by declination strip and state: drag to select a window, wheel or +/- to zoom, arrows to pan, 0 to fit"
          data-testid="timeline-canvas"
          onWheel={onWheel}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={() => {
            setHover(null);
            if (useTimeline.getState().linked?.from === 'timeline') setLinked(null);
          }}
          onKeyDown={onKey}
        />
        {hover ? (
          <div
            className="tl-tip"
            style={{ left: Math.min(hover.x + 12, width - 280), top: hover.y + 14 }}
            role="tooltip"
          >
            {hover.text}
          </div>
        ) : null}
      </div>
    </section>
  );
}
