// The sky panel (deck.gl, OrthographicView in RA/Dec degrees): MS and image footprints and the
// calibrators of the last search. RA increases to the left, as on the sky; the RA axis is
// compressed by cos(Dec) around the view centre so shapes are not stretched at high Dec.
import { useEffect, useMemo, useRef, useState } from 'react';
import DeckGL from '@deck.gl/react';
import { OrthographicView, type OrthographicViewState } from '@deck.gl/core';
import { PathLayer, PolygonLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { CalibratorMatch } from '../../shared/api';
import type { Image, MeasurementSet } from '../../shared/model';
import { baseName, formatDec, formatJy, formatRa, formatUtc } from '../lib/format';
import { imageFootprint, msFootprint, type Ring } from '../lib/sky';
import { SKY_FOOTPRINT_LIMIT, useData } from '../stores/data';
import { useCalibrators } from '../stores/calibrators';

type Xy = [number, number];
interface Footprint {
  kind: 'ms' | 'image';
  ring: Xy[];
  label: string;
}
interface CalPoint {
  position: Xy;
  match: CalibratorMatch;
}
interface GridLine {
  path: Xy[];
}
interface GridLabel {
  position: Xy;
  text: string;
}

const VIEW = new OrthographicView({ id: 'sky', flipY: false, controller: true });

/** Circular mean of RAs: the reference the plot unwraps around, so 359° and 1° sit together. */
function referenceRa(ras: number[]): number {
  if (ras.length === 0) return 180;
  let s = 0;
  let c = 0;
  for (const ra of ras) {
    s += Math.sin((ra * Math.PI) / 180);
    c += Math.cos((ra * Math.PI) / 180);
  }
  return ((Math.atan2(s, c) * 180) / Math.PI + 360) % 360;
}

/** Plot x of an RA: unwrapped to within 180° of the reference, negated so RA grows leftwards. */
function xOf(ra: number, ref: number): number {
  let d = ra - ref;
  d -= 360 * Math.round(d / 360);
  return -(ref + d);
}

/** Graticule RA label: `8h36m` (the grid steps are whole minutes of time). */
function raLabel(raDeg: number): string {
  const minutes = Math.round((raDeg / 15) * 60) % 1440;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

function niceStep(span: number): number {
  for (const step of [0.5, 1, 2, 5, 10, 15, 30, 45]) if (span / step <= 8) return step;
  return 90;
}

function fitView(
  bounds: [number, number, number, number],
  size: { width: number; height: number },
): OrthographicViewState {
  const [x0, y0, x1, y1] = bounds;
  const decMid = (y0 + y1) / 2;
  const cosDec = Math.max(Math.cos((decMid * Math.PI) / 180), 0.05);
  const spanX = Math.max(x1 - x0, 1) * 1.15;
  const spanY = Math.max(y1 - y0, 1) * 1.15;
  // Pixels per degree of Dec; an RA degree gets cos(Dec) of that.
  const ppd = Math.min(size.width / (spanX * cosDec), size.height / spanY);
  const zy = Math.log2(Math.max(ppd, 1e-3));
  return { target: [(x0 + x1) / 2, decMid, 0], zoom: [zy + Math.log2(cosDec), zy] };
}

export function SkyPanel() {
  const ms = useData((s) => s.ms.items);
  const images = useData((s) => s.images);
  const matches = useCalibrators((s) => s.matches);
  const box = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 400, height: 300 });
  const [viewState, setViewState] = useState<OrthographicViewState | null>(null);
  const [fitKey, setFitKey] = useState(0);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry)
        setSize({ width: Math.max(entry.contentRect.width, 1), height: Math.max(entry.contentRect.height, 1) });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const scene = useMemo(() => {
    const msShown: MeasurementSet[] = ms.slice(0, SKY_FOOTPRINT_LIMIT);
    const imShown: Image[] = images.slice(0, SKY_FOOTPRINT_LIMIT);
    const rings: Array<{ kind: 'ms' | 'image'; ring: Ring; label: string }> = [
      ...msShown.map((m) => ({
        kind: 'ms' as const,
        ring: msFootprint(m),
        label: `MS ${baseName(m.path)}\nmid ${formatUtc(m.midMjd)} UTC · Dec ${m.decDeg.toFixed(2)}°`,
      })),
      ...imShown.map((i) => ({
        kind: 'image' as const,
        ring: imageFootprint(i),
        label: `Image ${baseName(i.path)}\n${formatRa(i.centerRaDeg)} ${formatDec(i.centerDecDeg)}`,
      })),
    ];
    const ras = [...rings.flatMap((r) => r.ring.map((p) => p[0])), ...matches.map((m) => m.calibrator.raDeg)];
    const ref = referenceRa(ras);
    const footprints: Footprint[] = rings.map((r) => ({
      kind: r.kind,
      label: r.label,
      ring: r.ring.map(([ra, dec]): Xy => [xOf(ra, ref), dec]),
    }));
    const cals: CalPoint[] = matches.map((m) => ({
      position: [xOf(m.calibrator.raDeg, ref), m.calibrator.decDeg],
      match: m,
    }));
    const xs = [...footprints.flatMap((f) => f.ring.map((p) => p[0])), ...cals.map((c) => c.position[0])];
    const ys = [...footprints.flatMap((f) => f.ring.map((p) => p[1])), ...cals.map((c) => c.position[1])];
    const empty = xs.length === 0;
    const bounds: [number, number, number, number] = empty
      ? [-ref - 10, 30, -ref + 10, 70]
      : [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
    return { footprints, cals, bounds, empty, ref };
  }, [ms, images, matches]);

  // Refit when the data's extent changes, the panel is resized or the user asks.
  const boundsKey = scene.bounds.map((b) => b.toFixed(3)).join(',');
  useEffect(() => {
    setViewState(fitView(scene.bounds, size));
  }, [boundsKey, size.width, size.height, fitKey]);

  const grid = useMemo(() => {
    const [x0, y0, x1, y1] = scene.bounds;
    const pad = Math.max(x1 - x0, y1 - y0, 4);
    const step = niceStep(Math.max(x1 - x0, y1 - y0) * 1.3);
    const lines: GridLine[] = [];
    const labels: GridLabel[] = [];
    const yLo = Math.max(-90, y0 - pad);
    const yHi = Math.min(90, y1 + pad);
    for (let x = Math.floor((x0 - pad) / step) * step; x <= x1 + pad; x += step) {
      lines.push({
        path: [
          [x, yLo],
          [x, yHi],
        ],
      });
      const ra = ((-x % 360) + 360) % 360;
      labels.push({ position: [x, y0 - (y1 - y0) * 0.04 - 0.3], text: raLabel(ra) });
    }
    for (let y = Math.ceil(yLo / step) * step; y <= yHi; y += step) {
      lines.push({
        path: [
          [x0 - pad * 2, y],
          [x1 + pad * 2, y],
        ],
      });
      labels.push({
        position: [x1 + (x1 - x0) * 0.02 + 0.2, y],
        text: `${y >= 0 ? '+' : ''}${y.toFixed(step < 1 ? 1 : 0)}°`,
      });
    }
    return { lines, labels };
  }, [scene.bounds]);

  const layers = [
    new PathLayer<GridLine>({
      id: 'graticule',
      data: grid.lines,
      getPath: (d) => d.path,
      getColor: [90, 110, 130, 90],
      widthUnits: 'pixels',
      getWidth: 1,
    }),
    new TextLayer<GridLabel>({
      id: 'graticule-labels',
      data: grid.labels,
      getPosition: (d) => d.position,
      getText: (d) => d.text,
      getColor: [150, 165, 180, 220],
      getSize: 11,
      sizeUnits: 'pixels',
      fontFamily: 'system-ui, sans-serif',
    }),
    new PolygonLayer<Footprint>({
      id: 'footprints',
      data: scene.footprints,
      getPolygon: (d) => d.ring,
      pickable: true,
      stroked: true,
      filled: true,
      getFillColor: (d) => (d.kind === 'ms' ? [64, 160, 255, 28] : [255, 150, 60, 36]),
      getLineColor: (d) => (d.kind === 'ms' ? [90, 180, 255, 200] : [255, 170, 80, 230]),
      lineWidthUnits: 'pixels',
      getLineWidth: 1.5,
    }),
    new ScatterplotLayer<CalPoint>({
      id: 'calibrators',
      data: scene.cals,
      getPosition: (d) => d.position,
      pickable: true,
      radiusUnits: 'pixels',
      // Area grows with flux: a 10 Jy calibrator stands out from a 1 Jy one without hiding it.
      getRadius: (d) => 3 + 2.5 * Math.sqrt(d.match.calibrator.flux1400Jy),
      getFillColor: [255, 214, 90, 220],
      stroked: true,
      getLineColor: [40, 30, 0, 255],
      lineWidthUnits: 'pixels',
      getLineWidth: 1,
    }),
  ];

  return (
    <section className="sky" aria-label="Sky">
      <div className="sky-head">
        <h2>Sky</h2>
        <span className="legend">
          <i className="sw sw-ms" />
          MS footprint <i className="sw sw-img" />
          Image <i className="sw sw-cal" />
          Calibrator
        </span>
        <button type="button" onClick={() => setFitKey((k) => k + 1)}>
          Fit
        </button>
      </div>
      <div className="sky-canvas" ref={box} data-testid="sky-canvas">
        {viewState ? (
          <DeckGL
            views={VIEW}
            viewState={viewState}
            onViewStateChange={({ viewState: v }) => setViewState(v as OrthographicViewState)}
            layers={layers}
            getTooltip={({ object }) => {
              if (!object) return null;
              const o = object as Footprint | CalPoint;
              if ('match' in o) {
                const c = o.match.calibrator;
                return `${c.name}\n${formatRa(c.raDeg)} ${formatDec(c.decDeg)}\n${formatJy(c.flux1400Jy)} at 1.4 GHz\nnext transit ${formatUtc(o.match.nextTransitMjd)} UTC`;
              }
              return o.label;
            }}
          />
        ) : null}
        {scene.empty ? (
          <div className="sky-empty">
            Nothing to show yet: measurement sets, images and calibrator matches appear here.
          </div>
        ) : null}
        <div className="sky-axes muted small">RA (J2000, increasing left) · Dec</div>
      </div>
    </section>
  );
}
