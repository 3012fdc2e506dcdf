// Sky coverage in deck.gl: the SIN projection about the selected window (east left, north up)
// with an RA/Dec graticule labelled on the frame (sexagesimal or degrees), the true footprints
// of the groups (drift-scan strips swept by the primary beam), of the images (their pixel
// outlines through their own WCS) and of the mosaics (the hull of their images), the selected
// window's coverage and the calibrators. Pan by dragging, zoom with the wheel or +/-; hover
// shows what is under the cursor; a group hovered here is marked on the timeline and back.
import { OrthographicView, type PickingInfo } from '@deck.gl/core';
import { PathLayer, PolygonLayer, ScatterplotLayer } from '@deck.gl/layers';
import { DeckGL } from '@deck.gl/react';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { CalibratorMatch, MosaicSummary } from '../../../shared/api';
import type { Image, IngestGroup } from '../../../shared/model';
import { api, errorMessage } from '../../api';
import { formatDec, formatRa, formatUtc } from '../../lib/format';
import { usePlan } from '../plan/store';
import { STATE_COLOURS } from '../timeline/Timeline';
import { useTimeline } from '../timeline/store';
import {
  driftOutline,
  imageOutline,
  meridianRaDeg,
  project,
  projectRing,
  skyProjection,
  unproject,
  type SkyProjection,
  type XY,
} from './projection';

const FRAME_L = 66;
const GROUP_DAYS = 5 / 1440;

type Rgba = [number, number, number, number];
function rgba(hex: string, a: number): Rgba {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255, a];
}

interface Footprint {
  kind: 'group' | 'image' | 'mosaic' | 'window' | 'linked';
  label: string;
  polygon: XY[];
  fill: Rgba;
  line: Rgba;
  mjd?: number;
  decDeg?: number;
}

interface CalPoint {
  name: string;
  xy: XY;
  flux: number;
  raDeg: number;
  decDeg: number;
  picked: boolean;
}

/** Convex hull (monotone chain) of plane points: a mosaic's outline from its images' outlines. */
function hull(points: XY[]): XY[] {
  const p = points.slice().sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const cross = (o: XY, a: XY, b: XY) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: XY[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: XY[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  return lower.slice(0, -1).concat(upper.slice(0, -1));
}

function groupColour(g: IngestGroup): string {
  if (g.state === 'failed') return STATE_COLOURS.failed;
  if (g.state === 'completed') return STATE_COLOURS.converted;
  return STATE_COLOURS.raw;
}

/** Graticule steps (degrees) for a visible span. */
function steps(spanDeg: number): { ra: number; dec: number } {
  const dec = [0.25, 0.5, 1, 2, 5, 10, 15, 30].find((s) => s >= spanDeg / 6) ?? 30;
  return { ra: dec * 2, dec };
}

function trim(v: number): string {
  return v.toFixed(2).replace(/\.?0+$/, '');
}

/** `08h30m` (seconds only when not zero). */
function raLabel(raDeg: number): string {
  const t = formatRa(raDeg);
  return t.replace(/m00\.00s$/, 'm').replace(/\.\d+s$/, 's');
}

/** `+55°` or `+55°30′`. */
function decLabel(decDeg: number): string {
  return formatDec(decDeg)
    .replace(/00\.0″$/, '')
    .replace(/°00′$/, '°');
}

interface ViewState {
  target: [number, number, number];
  zoom: number;
}

export function SkyView() {
  const window_ = usePlan((s) => s.window);
  const selected = usePlan((s) => s.selected);
  const result = usePlan((s) => s.result);
  const dataVersion = usePlan((s) => s.dataVersion);
  const stripDecs = useTimeline((s) => s.stripDecs);
  const extent = useTimeline((s) => s.extent);
  const linked = useTimeline((s) => s.linked);
  const setLinked = useTimeline((s) => s.setLinked);
  const wrapRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ w: 400, h: 300 });
  const [groups, setGroups] = useState<IngestGroup[]>([]);
  const [images, setImages] = useState<Image[]>([]);
  const [mosaics, setMosaics] = useState<MosaicSummary[]>([]);
  const [cals, setCals] = useState<CalibratorMatch[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [sexagesimal, setSexagesimal] = useState(true);
  const [hover, setHover] = useState<{ x: number; y: number; text: string } | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [view, setView] = useState<ViewState>({ target: [0, 0, 0], zoom: 3 });

  // The time range shown: the selected window, else the whole workspace (bounded).
  const range = useMemo<[number, number] | null>(() => {
    if (window_) return [window_.startMjd - 30 / 1440, window_.endMjd + 30 / 1440];
    if (extent) return [extent[0], Math.min(extent[1], extent[0] + 1)];
    return null;
  }, [window_, extent]);

  const centre = useMemo(() => {
    if (window_) {
      const dec = window_.decDeg ?? selected?.calibrator.decDeg ?? stripDecs[0] ?? 0;
      return { ra: meridianRaDeg((window_.startMjd + window_.endMjd) / 2), dec };
    }
    if (range) return { ra: meridianRaDeg((range[0] + range[1]) / 2), dec: stripDecs[0] ?? 0 };
    return { ra: 0, dec: 0 };
  }, [window_, range, selected, stripDecs]);

  const proj: SkyProjection = useMemo(
    () => skyProjection(Math.round(centre.ra * 10) / 10, Math.round(centre.dec * 10) / 10),
    [centre],
  );

  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Frame the selected window: its RA sweep plus the beam.
  useEffect(() => {
    if (!range) return;
    const spanDeg = Math.max(8, (range[1] - range[0]) * 361 * Math.cos((centre.dec * Math.PI) / 180) + 6);
    const zoom = Math.log2(Math.max(50, size.w) / spanDeg);
    setView({ target: [0, 0, 0], zoom });
  }, [range, centre.dec, size.w]);

  useEffect(() => {
    if (!range) return;
    let stale = false;
    (async () => {
      try {
        const [g, i, m, c] = await Promise.all([
          api['groups.list']({ startMjd: range[0], endMjd: range[1], limit: 500 }),
          api['images.list']({ startMjd: range[0], endMjd: range[1], limit: 500 }),
          api['mosaics.list']({ startMjd: range[0] - 1, endMjd: range[1] + 1, limit: 100 }),
          api['calibrators.search']({ decDeg: centre.dec, radiusDeg: 10, minFluxJy: 0.5, limit: 500 }),
        ]);
        if (stale) return;
        setGroups(g.items);
        // One footprint per imaged MS: its clean image (the residual, model, psf... share its grid).
        const rank = (k: string) => ['clean', 'pbcor', 'dirty'].indexOf(k) >>> 0;
        const best = new Map<number | string, Image>();
        for (const im of i.items) {
          const key = im.msId ?? im.path;
          const cur = best.get(key);
          if (!cur || rank(im.kind) < rank(cur.kind)) best.set(key, im);
        }
        setImages([...best.values()]);
        setMosaics(m.items);
        setCals(c.items);
        setError(null);
      } catch (e) {
        if (!stale) setError(errorMessage(e));
      }
    })();
    return () => {
      stale = true;
    };
  }, [range, centre.dec, dataVersion]);

  const footprints = useMemo(() => {
    const out: Footprint[] = [];
    for (const g of groups) {
      if (g.decDeg === null) continue;
      const ring = projectRing(proj, driftOutline(g.startMjd, g.endMjd ?? g.startMjd + GROUP_DAYS, g.decDeg));
      if (!ring) continue;
      const c = groupColour(g);
      out.push({
        kind: 'group',
        label: `group ${g.id} (${g.state}) · Dec ${formatDec(g.decDeg)} · ${formatUtc(g.startMjd)} UTC`,
        polygon: ring,
        fill: rgba(c, 28),
        line: rgba(c, 150),
        mjd: g.startMjd,
        decDeg: g.decDeg,
      });
    }
    if (window_ && window_.decDeg !== null) {
      const ring = projectRing(proj, driftOutline(window_.startMjd, window_.endMjd, window_.decDeg, 24));
      if (ring)
        out.push({
          kind: 'window',
          label: `selected window ${formatUtc(window_.startMjd)} – ${formatUtc(window_.endMjd).slice(11)} UTC`,
          polygon: ring,
          fill: [74, 163, 255, 40],
          line: [74, 163, 255, 255],
        });
    }
    const outlines = new Map<number, XY[]>();
    for (const im of images) {
      const ring = projectRing(proj, imageOutline(im));
      if (!ring) continue;
      outlines.set(im.id, ring);
      out.push({
        kind: 'image',
        label: `image ${im.path.split('/').pop() ?? im.id} · ${im.widthPx}×${im.heightPx} px at ${im.cellArcsec}″ · centre ${formatRa(im.centerRaDeg)} ${formatDec(im.centerDecDeg)}`,
        polygon: ring,
        fill: rgba(STATE_COLOURS.imaged, 30),
        line: rgba(STATE_COLOURS.imaged, 220),
      });
    }
    for (const m of mosaics) {
      if (m.startMjd === null || m.endMjd === null || m.decDeg === null) continue;
      // The mosaic's images: those of its time range at its declination.
      const pts: XY[] = [];
      for (const im of images) {
        const ring = outlines.get(im.id);
        if (!ring) continue;
        if (Math.abs(im.centerDecDeg - m.decDeg) > 1.5) continue;
        const raMid = meridianRaDeg((m.startMjd + m.endMjd) / 2);
        const halfSweep = ((m.endMjd - m.startMjd) * 361) / 2 + 2;
        const dra = ((((im.centerRaDeg - raMid) % 360) + 540) % 360) - 180;
        if (Math.abs(dra) > halfSweep) continue;
        pts.push(...ring);
      }
      const polygon = pts.length >= 3 ? hull(pts) : projectRing(proj, driftOutline(m.startMjd, m.endMjd, m.decDeg));
      if (!polygon) continue;
      const colour = m.productStatus === 'published' ? STATE_COLOURS.published : STATE_COLOURS.mosaicked;
      out.push({
        kind: 'mosaic',
        label: `mosaic ${m.name} · ${m.productStatus ?? m.planStatus ?? ''} · ${m.nImages ?? '?'} images · ${formatUtc(m.startMjd)} – ${formatUtc(m.endMjd).slice(11)} UTC`,
        polygon,
        fill: rgba(colour, result?.name === m.name ? 70 : 35),
        line: rgba(colour, 255),
      });
    }
    if (linked && linked.decDeg !== null) {
      const ring = projectRing(
        proj,
        driftOutline(linked.mjd - GROUP_DAYS / 2, linked.mjd + GROUP_DAYS / 2, linked.decDeg),
      );
      if (ring)
        out.push({
          kind: 'linked',
          label: `${formatUtc(linked.mjd)} UTC (from the ${linked.from})`,
          polygon: ring,
          fill: [255, 255, 255, 20],
          line: [255, 255, 255, 255],
        });
    }
    return out;
  }, [groups, images, mosaics, window_, linked, proj, result]);

  const calPoints = useMemo(() => {
    const out: CalPoint[] = [];
    for (const c of cals) {
      const xy = project(proj, c.calibrator.raDeg, c.calibrator.decDeg);
      if (!xy) continue;
      out.push({
        name: c.calibrator.name,
        xy,
        flux: c.calibrator.flux1400Jy,
        raDeg: c.calibrator.raDeg,
        decDeg: c.calibrator.decDeg,
        picked: selected?.calibrator.name === c.calibrator.name,
      });
    }
    return out;
  }, [cals, proj, selected]);

  // The visible plane rectangle.
  // The plot element is the frame's inner area (the labels sit in the margins around it).
  const plotW = Math.max(10, size.w);
  const plotH = Math.max(10, size.h);
  const scale = 2 ** view.zoom;
  const halfW = plotW / 2 / scale;
  const halfH = plotH / 2 / scale;
  const [cx, cy] = view.target;

  // Graticule lines over the visible sky (sampled from the view's corners and edges; the whole
  // circle in RA when a pole is in view) and where they cross the frame's bottom (RA) and left (Dec).
  const grat = useMemo(() => {
    let decLo = 90;
    let decHi = -90;
    let draLo = 180;
    let draHi = -180;
    let offDisk = false;
    for (let i = 0; i <= 8; i++)
      for (let j = 0; j <= 8; j++) {
        const w = unproject(proj, cx - halfW + (2 * halfW * i) / 8, cy - halfH + (2 * halfH * j) / 8);
        if (!w) {
          offDisk = true;
          continue;
        }
        decLo = Math.min(decLo, w.decDeg);
        decHi = Math.max(decHi, w.decDeg);
        const dra = ((((w.raDeg - proj.ra0) % 360) + 540) % 360) - 180;
        draLo = Math.min(draLo, dra);
        draHi = Math.max(draHi, dra);
      }
    const northPole = project(proj, 0, 90);
    const southPole = project(proj, 0, -90);
    const inView = (q: XY | null) => q !== null && Math.abs(q[0] - cx) <= halfW && Math.abs(q[1] - cy) <= halfH;
    if (inView(northPole)) decHi = 90;
    if (inView(southPole)) decLo = -90;
    const fullRa = offDisk || decHi >= 89.9 || decLo <= -89.9 || draHi - draLo > 300;
    if (offDisk) {
      decLo = -90;
      decHi = 90;
    }
    const decSpan = Math.max(0.1, decHi - decLo);
    const decStep = steps(decSpan).dec;
    const raSpan = fullRa ? 360 : draHi - draLo;
    const raStep = [0.25, 0.5, 1, 2.5, 5, 7.5, 15, 30].find((s) => s >= raSpan / 6) ?? 30;
    const raFrom = fullRa ? 0 : Math.floor((proj.ra0 + draLo) / raStep) * raStep;
    const raTo = fullRa ? 360 - raStep / 2 : proj.ra0 + draHi;
    const lines: { path: XY[]; kind: 'ra' | 'dec'; value: number }[] = [];
    const dLo = Math.max(-90, decLo - decStep);
    const dHi = Math.min(90, decHi + decStep);
    for (let ra = raFrom; ra <= raTo; ra += raStep) {
      const path: XY[] = [];
      for (let k = 0; k <= 64; k++) {
        const q = project(proj, ra, dLo + ((dHi - dLo) * k) / 64);
        if (q) path.push(q);
      }
      if (path.length > 1) lines.push({ path, kind: 'ra', value: ((ra % 360) + 360) % 360 });
    }
    const rLo = fullRa ? 0 : proj.ra0 + draLo - raStep;
    const rHi = fullRa ? 360 : proj.ra0 + draHi + raStep;
    for (let dec = Math.ceil(dLo / decStep) * decStep; dec <= dHi; dec += decStep) {
      if (Math.abs(dec) >= 90) continue;
      const path: XY[] = [];
      for (let k = 0; k <= 96; k++) {
        const q = project(proj, rLo + ((rHi - rLo) * k) / 96, dec);
        if (q) path.push(q);
      }
      if (path.length > 1) lines.push({ path, kind: 'dec', value: dec });
    }
    return lines;
  }, [proj, cx, cy, halfW, halfH]);

  const labels = useMemo(() => {
    const bottom = cy - halfH;
    const left = cx - halfW;
    const out: { kind: 'ra' | 'dec'; pos: number; text: string }[] = [];
    for (const l of grat) {
      for (let i = 1; i < l.path.length; i++) {
        const a = l.path[i - 1]!;
        const b = l.path[i]!;
        if (l.kind === 'ra' && (a[1] - bottom) * (b[1] - bottom) <= 0 && a[1] !== b[1]) {
          const x = a[0] + ((bottom - a[1]) / (b[1] - a[1])) * (b[0] - a[0]);
          if (x >= left && x <= cx + halfW) {
            const px = (x - left) * scale;
            out.push({
              kind: 'ra',
              pos: px,
              text: sexagesimal ? raLabel(l.value) : `${trim(l.value)}°`,
            });
          }
          break;
        }
        if (l.kind === 'dec' && (a[0] - left) * (b[0] - left) <= 0 && a[0] !== b[0]) {
          const y = a[1] + ((left - a[0]) / (b[0] - a[0])) * (b[1] - a[1]);
          if (y >= bottom && y <= cy + halfH) {
            const py = (cy + halfH - y) * scale;
            out.push({
              kind: 'dec',
              pos: py,
              text: sexagesimal ? decLabel(l.value) : `${l.value >= 0 ? '+' : ''}${trim(l.value)}°`,
            });
          }
          break;
        }
      }
    }
    // Drop labels that would overlap their neighbour.
    const keep: typeof out = [];
    for (const kind of ['ra', 'dec'] as const) {
      const min = kind === 'ra' ? 78 : 18;
      let last = -Infinity;
      for (const l of out.filter((o) => o.kind === kind).sort((a, b) => a.pos - b.pos)) {
        if (l.pos - last >= min) {
          keep.push(l);
          last = l.pos;
        }
      }
    }
    return keep;
  }, [grat, cx, cy, halfW, halfH, scale, sexagesimal]);

  const layers = [
    new PathLayer<{ path: XY[]; kind: string }>({
      id: 'graticule',
      data: grat,
      getPath: (d) => d.path,
      getColor: [133, 147, 163, 70],
      getWidth: 1,
      widthUnits: 'pixels',
    }),
    new PolygonLayer<Footprint>({
      id: 'footprints',
      data: footprints,
      getPolygon: (d) => d.polygon,
      getFillColor: (d) => d.fill,
      getLineColor: (d) => d.line,
      getLineWidth: (d) => (d.kind === 'mosaic' || d.kind === 'window' || d.kind === 'linked' ? 2 : 1),
      lineWidthUnits: 'pixels',
      stroked: true,
      filled: true,
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 60],
    }),
    new ScatterplotLayer<CalPoint>({
      id: 'calibrators',
      data: calPoints,
      getPosition: (d) => d.xy,
      getRadius: (d) => (d.picked ? 7 : 3 + Math.min(5, Math.log10(1 + d.flux) * 4)),
      radiusUnits: 'pixels',
      getFillColor: (d) => (d.picked ? [240, 198, 116, 255] : [240, 198, 116, 150]),
      getLineColor: [15, 20, 25, 255],
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: 1,
      pickable: true,
    }),
  ];

  function onHover(info: PickingInfo) {
    const coord = info.coordinate;
    if (coord) {
      const w = unproject(proj, coord[0] ?? 0, coord[1] ?? 0);
      setCursor(
        w ? `${formatRa(w.raDeg)} ${formatDec(w.decDeg)} (${w.raDeg.toFixed(3)}°, ${w.decDeg.toFixed(3)}°)` : null,
      );
    } else setCursor(null);
    const o = info.object as Footprint | CalPoint | undefined;
    if (!o) {
      setHover(null);
      if (useTimeline.getState().linked?.from === 'sky') setLinked(null);
      return;
    }
    const text =
      'polygon' in o
        ? o.label
        : `calibrator ${o.name} · ${o.flux.toFixed(2)} Jy at 1.4 GHz · ${formatRa(o.raDeg)} ${formatDec(o.decDeg)}`;
    setHover({ x: info.x, y: info.y, text });
    if ('polygon' in o && o.kind === 'group' && o.mjd !== undefined)
      setLinked({ mjd: o.mjd + GROUP_DAYS / 2, decDeg: o.decDeg ?? null, from: 'sky' });
  }

  function onKey(e: KeyboardEvent<HTMLDivElement>) {
    const step = (halfW * 2) / 5;
    const moves: Record<string, () => ViewState> = {
      ArrowLeft: () => ({ ...view, target: [cx - step, cy, 0] }),
      ArrowRight: () => ({ ...view, target: [cx + step, cy, 0] }),
      ArrowUp: () => ({ ...view, target: [cx, cy + step, 0] }),
      ArrowDown: () => ({ ...view, target: [cx, cy - step, 0] }),
      '+': () => ({ ...view, zoom: view.zoom + 0.5 }),
      '=': () => ({ ...view, zoom: view.zoom + 0.5 }),
      '-': () => ({ ...view, zoom: view.zoom - 0.5 }),
    };
    const f = moves[e.key];
    if (f) {
      e.preventDefault();
      setView(f());
    }
  }

  const counts = {
    groups: footprints.filter((f) => f.kind === 'group').length,
    images: footprints.filter((f) => f.kind === 'image').length,
    mosaics: footprints.filter((f) => f.kind === 'mosaic').length,
  };

  return (
    <section className="pane sky2" aria-label="Sky coverage">
      <div className="sky2-bar">
        <h2>Sky coverage</h2>
        <span className="muted">
          SIN about {formatRa(proj.ra0)} {formatDec(proj.dec0)} · J2000 · {counts.groups} groups, {counts.images}{' '}
          images, {counts.mosaics} mosaics
        </span>
        <button type="button" className="chip" onClick={() => setSexagesimal(!sexagesimal)} aria-pressed={!sexagesimal}>
          {sexagesimal ? 'hms/dms' : 'degrees'}
        </button>
      </div>
      {error ? <div className="error-banner">{error}</div> : null}
      <div className="sky2-frame">
        <div
          className="sky2-plot"
          ref={wrapRef}
          tabIndex={0}
          role="img"
          aria-label="Sky map: drag to pan, wheel or +/- to zoom, arrows to move"
          data-testid="sky-view"
          onKeyDown={onKey}
        >
          <DeckGL
            views={new OrthographicView({ id: 'sky', flipY: false, controller: true })}
            viewState={view}
            onViewStateChange={({ viewState }) => {
              const v = viewState as unknown as ViewState;
              setView({ target: [v.target[0], v.target[1], 0], zoom: v.zoom });
            }}
            layers={layers}
            onHover={onHover}
            onClick={(info) => {
              const o = info.object as Footprint | undefined;
              if (o && 'polygon' in o && o.mjd !== undefined)
                setLinked({ mjd: o.mjd + GROUP_DAYS / 2, decDeg: o.decDeg ?? null, from: 'sky' });
            }}
            width={plotW}
            height={plotH}
          />
          {hover ? (
            <div
              className="sky2-tip"
              role="tooltip"
              style={{ left: Math.min(hover.x + 12, plotW - 260), top: Math.min(hover.y + 12, plotH - 60) }}
            >
              {hover.text}
            </div>
          ) : null}
        </div>
        <div className="sky2-left" aria-hidden="true">
          {labels
            .filter((l) => l.kind === 'dec')
            .map((l) => (
              <span key={`d${l.text}`} style={{ top: l.pos }}>
                {l.text}
              </span>
            ))}
        </div>
        <div className="sky2-bottom" aria-hidden="true">
          {labels
            .filter((l) => l.kind === 'ra')
            .map((l) => (
              <span key={`r${l.text}`} style={{ left: l.pos + FRAME_L }}>
                {l.text}
              </span>
            ))}
        </div>
        <div className="sky2-axis-ra">RA, Dec (J2000) · east to the left</div>
      </div>
      <div className="sky2-foot muted" aria-live="off">
        {cursor ?? 'Hover the map for coordinates'}
      </div>
    </section>
  );
}
