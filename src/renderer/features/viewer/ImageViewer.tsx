// The image viewer: a product's or image's planes (image, residual, noise, weights, primary
// beam) as float32 tile pyramids drawn by deck.gl, colour-mapped on the GPU (colormap, stretch
// and limits change uniforms only), pan and zoom past one screen pixel per image pixel, an RA/Dec
// graticule with labels, the restoring beam in a corner, blink between two planes, and a cursor
// readout (RA/Dec sexagesimal and degrees, pixel, value with unit, and the other planes' values
// at that pixel, read exactly from the FITS files by the server).
import DeckGL from '@deck.gl/react';
import { OrthographicView, type Layer } from '@deck.gl/core';
import { PathLayer } from '@deck.gl/layers';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { pixelScaleArcsec, pixelToWorld } from '../../../shared/astro/sin';
import {
  COLORMAPS,
  COLORMAP_LABELS,
  STRETCHES,
  STRETCH_CODE,
  colormapColor,
  type Colormap,
  type Stretch,
} from './colormaps';
import { FloatImageLayer } from './FloatImageLayer';
import { decSexagesimal, graticule, raSexagesimal } from './graticule';
import { PLANE_LABELS, TileStore, fetchMeta, fetchPixel, type PlaneMeta, type SourceKind } from './source';

export const LIMITS = ['minmax', '99', '99.5', '99.9', 'zscale'] as const;
export type Limits = (typeof LIMITS)[number];
const LIMIT_LABELS: Record<Limits, string> = {
  minmax: 'min/max',
  '99': '99%',
  '99.5': '99.5%',
  '99.9': '99.9%',
  zscale: 'zscale',
};

export function limitsOf(meta: PlaneMeta, mode: Limits): [number, number] | null {
  const s = meta.stats;
  if (s.min === null || s.max === null) return null;
  const q = (p: string) => s.quantiles[p];
  const pair = (a: string, b: string): [number, number] | null => {
    const lo = q(a);
    const hi = q(b);
    return lo !== undefined && hi !== undefined ? [lo, hi] : null;
  };
  switch (mode) {
    case 'minmax':
      return [s.min, s.max];
    case '99':
      return pair('0.5', '99.5');
    case '99.5':
      return pair('0.25', '99.75');
    case '99.9':
      return pair('0.05', '99.95');
    case 'zscale':
      return s.zscale;
  }
}

interface ViewState {
  target: [number, number, number];
  zoom: number;
}

function formatValue(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'blank';
  return v.toPrecision(7);
}

/** The messages for images the viewer cannot show as a picture, or shows with a caveat. */
export function problemsOf(meta: PlaneMeta): { fatal: string | null; notes: string[] } {
  const notes: string[] = [];
  if (meta.nx < 2 || meta.ny < 2)
    return {
      fatal: `This image is ${meta.nx} x ${meta.ny} pixels: a ${meta.nx < 2 ? 'single column' : 'single row'} cannot be shown as a picture (${meta.file}).`,
      notes,
    };
  if (meta.stats.finite === 0)
    return {
      fatal: `Every one of the ${meta.stats.total.toLocaleString()} pixels of this image is blank (NaN): there is nothing to display (${meta.file}).`,
      notes,
    };
  if (meta.gridError)
    notes.push(`No sky coordinates: ${meta.gridError}. Pixels and values are shown, RA/Dec and the graticule are not.`);
  if (!meta.bunit) notes.push('The header has no BUNIT: values are shown without a unit.');
  return { fatal: null, notes };
}

export interface ImageViewerProps {
  kind: SourceKind;
  id: string;
  planes: string[];
  /** The plane to show first. */
  initialPlane?: string;
}

export function ImageViewer({ kind, id, planes, initialPlane }: ImageViewerProps) {
  const [plane, setPlane] = useState(
    initialPlane && planes.includes(initialPlane) ? initialPlane : (planes[0] ?? 'image'),
  );
  const [metas, setMetas] = useState<Record<string, PlaneMeta>>({});
  const [metaError, setMetaError] = useState<Record<string, string>>({});
  const [colormap, setColormap] = useState<Colormap>('inferno');
  const [stretch, setStretch] = useState<Stretch>('linear');
  const [limitMode, setLimitMode] = useState<Limits>('99.5');
  const [showGrid, setShowGrid] = useState(true);
  const [blinkWith, setBlinkWith] = useState<string>(planes.find((p) => p === 'residual') ?? planes[1] ?? '');
  const [blinking, setBlinking] = useState(false);
  const [blinkPhase, setBlinkPhase] = useState(false);
  const [blinkMs, setBlinkMs] = useState(1000);
  const [size, setSize] = useState({ w: 800, h: 600 });
  const [view, setView] = useState<ViewState | null>(null);
  const [, setTick] = useState(0);
  const [gotoText, setGotoText] = useState('');
  const [cursor, setCursor] = useState<{ wx: number; wy: number } | null>(null);
  const [values, setValues] = useState<{ x: number; y: number; values: Record<string, number | null> } | null>(null);
  const stores = useRef(new Map<string, TileStore>());
  // Which source the state belongs to: a reply for an earlier source is dropped.
  const sourceKey = useRef(`${kind}/${id}`);
  sourceKey.current = `${kind}/${id}`;
  const box = useRef<HTMLDivElement | null>(null);

  // Reset when the source changes.
  useEffect(() => {
    stores.current = new Map();
    setMetas({});
    setMetaError({});
    setView(null);
    setValues(null);
    setBlinking(false);
    setPlane(initialPlane && planes.includes(initialPlane) ? initialPlane : (planes[0] ?? 'image'));
    setBlinkWith(planes.find((p) => p === 'residual') ?? planes[1] ?? '');
  }, [kind, id, planes, initialPlane]);

  // The blink partner: the chosen plane, or (when that is the plane shown) the residual or the next one.
  const partner =
    blinkWith && blinkWith !== plane
      ? blinkWith
      : (planes.find((p) => p !== plane && p === 'residual') ?? planes.find((p) => p !== plane) ?? '');
  const shown = blinking && blinkPhase && partner ? partner : plane;

  // Pyramid descriptions (the server builds a missing pyramid first).
  useEffect(() => {
    for (const p of [plane, ...(partner ? [partner] : [])]) {
      if (metas[p] || metaError[p]) continue;
      const key = `${kind}/${id}`;
      fetchMeta(kind, id, p)
        .then((m) => sourceKey.current === key && setMetas((old) => ({ ...old, [p]: m })))
        .catch(
          (e: unknown) =>
            sourceKey.current === key &&
            setMetaError((old) => ({ ...old, [p]: e instanceof Error ? e.message : String(e) })),
        );
    }
  }, [kind, id, plane, partner, metas, metaError]);

  useEffect(() => {
    if (!blinking) return;
    const t = setInterval(() => setBlinkPhase((b) => !b), blinkMs);
    return () => clearInterval(t);
  }, [blinking, blinkMs]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, []);

  const meta = metas[shown] ?? null;
  const base = metas[plane] ?? null;

  // Fit the image once its size is known.
  useEffect(() => {
    if (!base || view) return;
    const zoom = Math.log2(Math.min(size.w / base.nx, size.h / base.ny) * 0.92);
    setView({ target: [base.nx / 2, base.ny / 2, 0], zoom });
  }, [base, view, size]);

  const storeOf = useCallback(
    (p: string): TileStore | null => {
      const m = metas[p];
      if (!m) return null;
      let s = stores.current.get(p);
      if (!s) {
        s = new TileStore(kind, id, m, () => setTick((t) => t + 1));
        stores.current.set(p, s);
      }
      return s;
    },
    [kind, id, metas],
  );

  const limits = meta ? limitsOf(meta, limitMode) : null;
  const problems = meta ? problemsOf(meta) : null;
  const scale = view ? 2 ** view.zoom : 1;
  const bounds = view
    ? {
        x0: view.target[0] - size.w / 2 / scale,
        x1: view.target[0] + size.w / 2 / scale,
        y0: view.target[1] - size.h / 2 / scale,
        y1: view.target[1] + size.h / 2 / scale,
      }
    : null;

  const toScreen = (wx: number, wy: number): [number, number] =>
    view ? [size.w / 2 + (wx - view.target[0]) * scale, size.h / 2 - (wy - view.target[1]) * scale] : [0, 0];

  const layers: Layer[] = [];
  const store = meta && metas[shown] === meta ? storeOf(shown) : null;
  let drawn = 0;
  // Tiles of the wanted level in view, and how many of them are drawn (full view: equal).
  let wantedTiles = 0;
  let wantedDrawn = 0;
  if (meta && store && view && bounds && limits && !problems?.fatal) {
    const top = meta.levels.length - 1;
    const want = Math.max(0, Math.min(top, Math.floor(-view.zoom)));
    const common = {
      lo: limits[0],
      hi: limits[1],
      stretch: STRETCH_CODE[stretch],
      colormap: COLORMAPS.indexOf(colormap),
      pickable: false,
    };
    const addLevel = (level: number, fetchMissing: boolean, counted = false) => {
      const l = meta.levels[level]!;
      const span = meta.tile * 2 ** level;
      const tx0 = Math.max(0, Math.floor(bounds.x0 / span));
      const tx1 = Math.min(l.cols - 1, Math.floor(bounds.x1 / span));
      const ty0 = Math.max(0, Math.floor(bounds.y0 / span));
      const ty1 = Math.min(l.rows - 1, Math.floor(bounds.y1 / span));
      for (let ty = ty0; ty <= ty1; ty++)
        for (let tx = tx0; tx <= tx1; tx++) {
          const t = fetchMissing ? store.get(level, tx, ty) : store.peek(level, tx, ty);
          if (counted) wantedTiles++;
          if (!t) continue;
          drawn++;
          if (counted) wantedDrawn++;
          const x0 = tx * span;
          const y0 = ty * span;
          const f = 2 ** level;
          // Data row 0 is the bottom: bounds given bottom-up flip the bitmap's top-down rows.
          layers.push(
            new FloatImageLayer({
              id: `${shown}-${level}-${tx}-${ty}`,
              values: t.values,
              width: t.w,
              height: t.h,
              bounds: [x0, y0 + t.h * f, x0 + t.w * f, y0],
              ...common,
            }),
          );
        }
    };
    // The coarsest level underneath (always in memory after the first frame), then what is loaded of
    // the levels between, then the wanted level on top.
    addLevel(top, true, want === top);
    for (let level = top - 1; level > want; level--) addLevel(level, false);
    if (want !== top) addLevel(want, true, true);
  }
  const grid = meta?.grid ?? null;
  const lines = useMemo(
    () => (grid && bounds && showGrid ? graticule(grid, bounds.x0, bounds.y0, bounds.x1, bounds.y1) : []),
    [grid, showGrid, bounds?.x0, bounds?.x1, bounds?.y0, bounds?.y1],
  );
  if (lines.length)
    layers.push(
      new PathLayer({
        id: 'graticule',
        data: lines,
        getPath: (d: (typeof lines)[number]) => d.path,
        getColor: [120, 200, 255, 150],
        getWidth: 1,
        widthUnits: 'pixels',
        pickable: false,
      }),
    );

  // Exact values under the cursor, from the server (debounced).
  const ix = cursor ? Math.floor(cursor.wx) : null;
  const iy = cursor ? Math.floor(cursor.wy) : null;
  useEffect(() => {
    if (ix === null || iy === null || !base) return;
    if (ix < 0 || iy < 0 || ix >= base.nx || iy >= base.ny) {
      setValues(null);
      return;
    }
    const t = setTimeout(() => {
      fetchPixel(kind, id, ix, iy)
        .then((v) => setValues(v))
        .catch(() => setValues(null));
    }, 60);
    return () => clearTimeout(t);
  }, [kind, id, ix, iy, base]);

  const world = cursor && grid ? pixelToWorld(grid, cursor.wx - 0.5, cursor.wy - 0.5) : null;
  const inside = ix !== null && iy !== null && base && ix >= 0 && iy >= 0 && ix < base.nx && iy < base.ny;
  const current = values && values.x === ix && values.y === iy ? values : null;
  const unit = meta?.bunit ?? '';
  const beam = base?.beam ?? null;
  const beamPx =
    beam && grid
      ? { maj: beam.majorArcsec / pixelScaleArcsec(grid), min: beam.minorArcsec / pixelScaleArcsec(grid) }
      : null;

  const colorbar = useMemo(() => {
    const stops: string[] = [];
    for (let i = 0; i <= 16; i++) {
      const [r, g, b] = colormapColor(colormap, i / 16);
      stops.push(`rgb(${r.toFixed(0)},${g.toFixed(0)},${b.toFixed(0)}) ${(i / 16) * 100}%`);
    }
    return `linear-gradient(to right, ${stops.join(', ')})`;
  }, [colormap]);

  const err = metaError[shown];
  const loading = !meta && !err;
  return (
    <div className="viewer" data-testid="viewer">
      <div className="viewer-toolbar" role="toolbar" aria-label="Image display">
        <div className="chips" role="group" aria-label="Plane">
          {planes.map((p) => (
            <button
              key={p}
              type="button"
              className={p === plane ? 'chip chip-on' : 'chip'}
              aria-pressed={p === plane}
              onClick={() => setPlane(p)}
            >
              {PLANE_LABELS[p] ?? p}
            </button>
          ))}
        </div>
        <label>
          Colormap{' '}
          <select aria-label="Colormap" value={colormap} onChange={(e) => setColormap(e.target.value as Colormap)}>
            {COLORMAPS.map((c) => (
              <option key={c} value={c}>
                {COLORMAP_LABELS[c]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Stretch{' '}
          <select aria-label="Stretch" value={stretch} onChange={(e) => setStretch(e.target.value as Stretch)}>
            {STRETCHES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Limits{' '}
          <select aria-label="Limits" value={limitMode} onChange={(e) => setLimitMode(e.target.value as Limits)}>
            {LIMITS.map((l) => (
              <option key={l} value={l}>
                {LIMIT_LABELS[l]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={showGrid} onChange={(e) => setShowGrid(e.target.checked)} /> Grid
        </label>
        {planes.length > 1 ? (
          <span className="blink">
            <label>
              Blink with{' '}
              <select aria-label="Blink with" value={partner} onChange={(e) => setBlinkWith(e.target.value)}>
                {planes
                  .filter((p) => p !== plane)
                  .map((p) => (
                    <option key={p} value={p}>
                      {PLANE_LABELS[p] ?? p}
                    </option>
                  ))}
              </select>
            </label>
            <select aria-label="Blink interval" value={blinkMs} onChange={(e) => setBlinkMs(Number(e.target.value))}>
              {[500, 1000, 2000, 4000].map((ms) => (
                <option key={ms} value={ms}>
                  {ms / 1000} s
                </option>
              ))}
            </select>
            <button
              type="button"
              aria-pressed={blinking}
              className={blinking ? 'chip chip-on' : 'chip'}
              onClick={() => setBlinking((b) => !b)}
              disabled={!partner}
            >
              {blinking ? 'Stop blink' : 'Blink'}
            </button>
          </span>
        ) : null}
        <button type="button" onClick={() => setView(null)}>
          Fit
        </button>
        <form
          className="goto"
          aria-label="Go to pixel"
          onSubmit={(e) => {
            e.preventDefault();
            const m = /^\s*(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(gotoText);
            if (!m) return;
            // 0-based pixel (x, y): its centre is world (x + 0.5, y + 0.5); 8 screen pixels per image pixel.
            setView({ target: [Number(m[1]) + 0.5, Number(m[2]) + 0.5, 0], zoom: 3 });
          }}
        >
          <input
            aria-label="Pixel x, y"
            placeholder="go to x, y"
            size={10}
            value={gotoText}
            onChange={(e) => setGotoText(e.target.value)}
          />
        </form>
      </div>
      <div
        className="viewer-canvas"
        ref={box}
        data-shown-plane={shown}
        data-ready={drawn > 0 ? 'true' : 'false'}
        data-full={wantedTiles > 0 && wantedDrawn === wantedTiles ? 'true' : 'false'}
        data-view={view ? JSON.stringify(view) : ''}
        onMouseMove={(e) => {
          if (!view || !box.current) return;
          const r = box.current.getBoundingClientRect();
          const s = 2 ** view.zoom;
          setCursor({
            wx: view.target[0] + (e.clientX - r.left - box.current.clientLeft - size.w / 2) / s,
            wy: view.target[1] - (e.clientY - r.top - box.current.clientTop - size.h / 2) / s,
          });
        }}
        onMouseLeave={() => setCursor(null)}
      >
        {meta && problems?.fatal ? (
          <div className="viewer-message" role="alert">
            {problems.fatal}
          </div>
        ) : null}
        {err ? (
          <div className="viewer-message" role="alert">
            Cannot show the {PLANE_LABELS[shown] ?? shown} map: {err}
          </div>
        ) : null}
        {loading ? (
          <div className="viewer-message">Building the tile pyramid of the {PLANE_LABELS[shown] ?? shown} map…</div>
        ) : null}
        {view && !problems?.fatal ? (
          <DeckGL
            views={new OrthographicView({ id: 'ortho', flipY: false })}
            viewState={{ ...view, minZoom: -12, maxZoom: 7 }}
            onViewStateChange={({ viewState }) => {
              const v = viewState as { target: [number, number, number]; zoom: number };
              setView({ target: [v.target[0], v.target[1], 0], zoom: v.zoom });
            }}
            controller={{ scrollZoom: { smooth: false }, inertia: false, doubleClickZoom: true }}
            layers={layers}
            width={size.w}
            height={size.h}
            getCursor={() => 'crosshair'}
          />
        ) : null}
        {view && !problems?.fatal
          ? lines
              .filter((l) => l.at)
              .map((l) => {
                const [sx, sy] = toScreen(l.at![0], l.at![1]);
                return (
                  <span
                    key={`${l.kind}${l.label}`}
                    className={`grat-label grat-${l.kind}`}
                    style={{
                      left: Math.max(2, Math.min(size.w - 70, sx)),
                      top: Math.max(2, Math.min(size.h - 16, sy)),
                    }}
                  >
                    {l.label}
                  </span>
                );
              })
          : null}
        {beamPx && view && !problems?.fatal ? (
          <svg className="beam" width={80} height={80} aria-label="Restoring beam">
            <rect x={0} y={0} width={80} height={80} fill="rgba(0,0,0,0.35)" />
            <ellipse
              cx={40}
              cy={40}
              rx={Math.min(38, (beamPx.min * scale) / 2)}
              ry={Math.min(38, (beamPx.maj * scale) / 2)}
              transform={`rotate(${-(beam?.paDeg ?? 0)} 40 40)`}
              fill="none"
              stroke="#7fd4ff"
              strokeWidth={1.5}
            />
            <title>
              Beam {beam?.majorArcsec.toFixed(1)}″ × {beam?.minorArcsec.toFixed(1)}″, PA {beam?.paDeg.toFixed(1)}°
            </title>
          </svg>
        ) : null}
        {problems?.notes.length ? (
          <div className="viewer-notes" role="status">
            {problems.notes.map((n) => (
              <div key={n}>{n}</div>
            ))}
          </div>
        ) : null}
      </div>
      <div className="viewer-foot">
        <div className="colorbar" aria-label="Colour bar">
          <span className="mono small">{limits ? limits[0].toPrecision(4) : '–'}</span>
          <span className="colorbar-ramp" style={{ background: colorbar }} />
          <span className="mono small">{limits ? limits[1].toPrecision(4) : '–'}</span>
          <span className="small muted">
            {unit || 'no unit'} · {stretch} · {LIMIT_LABELS[limitMode]}
            {beam
              ? ` · beam ${beam.majorArcsec.toFixed(1)}″×${beam.minorArcsec.toFixed(1)}″ PA ${beam.paDeg.toFixed(0)}°`
              : ''}
          </span>
        </div>
        <dl className="readout" aria-label="Cursor readout">
          <dt>RA</dt>
          <dd data-testid="readout-ra">
            {world && inside ? `${raSexagesimal(world.raDeg)} (${world.raDeg.toFixed(6)}°)` : '–'}
          </dd>
          <dt>Dec</dt>
          <dd data-testid="readout-dec">
            {world && inside ? `${decSexagesimal(world.decDeg)} (${world.decDeg.toFixed(6)}°)` : '–'}
          </dd>
          <dt>Pixel</dt>
          <dd data-testid="readout-pixel">{inside ? `${ix}, ${iy} (FITS ${ix! + 1}, ${iy! + 1})` : '–'}</dd>
          <dt>{PLANE_LABELS[shown] ?? shown}</dt>
          <dd data-testid="readout-value">
            {inside && current ? `${formatValue(current.values[shown])} ${unit}` : '–'}
          </dd>
          {Object.keys(current?.values ?? {})
            .filter((p) => p !== shown)
            .map((p) => (
              <span key={p} className="readout-extra">
                <dt>{PLANE_LABELS[p] ?? p}</dt>
                <dd data-testid={`readout-${p}`}>{inside && current ? formatValue(current.values[p]) : '–'}</dd>
              </span>
            ))}
        </dl>
      </div>
    </div>
  );
}
