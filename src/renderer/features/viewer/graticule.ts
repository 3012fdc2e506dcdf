// Sky coordinates for the viewer: sexagesimal formatting at readout precision, and the RA/Dec
// graticule of the visible part of a SIN image (lines traced through the shared projection,
// src/shared/astro/sin.ts, with a step chosen for 3-8 lines, labelled where they enter the view).
import { pixelToWorld, worldToPixel } from '../../../shared/astro/sin';
import type { SkyGrid } from '../../../shared/model/sky-image';

/** RA degrees -> hh:mm:ss.sss */
export function raSexagesimal(raDeg: number, decimals = 3): string {
  let s = ((((raDeg % 360) + 360) % 360) / 15) * 3600;
  s = Math.round(s * 10 ** decimals) / 10 ** decimals;
  if (s >= 86400) s -= 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  const sec = s - h * 3600 - m * 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec.toFixed(decimals).padStart(decimals ? decimals + 3 : 2, '0')}`;
}

/** Dec degrees -> ±dd:mm:ss.ss */
export function decSexagesimal(decDeg: number, decimals = 2): string {
  const sign = decDeg < 0 ? '-' : '+';
  let s = Math.abs(decDeg) * 3600;
  s = Math.round(s * 10 ** decimals) / 10 ** decimals;
  const d = Math.floor(s / 3600);
  const m = Math.floor((s - d * 3600) / 60);
  const sec = s - d * 3600 - m * 60;
  return `${sign}${String(d).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec.toFixed(decimals).padStart(decimals ? decimals + 3 : 2, '0')}`;
}

export interface GratLine {
  kind: 'ra' | 'dec';
  /** Path in world coordinates (pixel index + 0.5). */
  path: Array<[number, number]>;
  label: string;
  /** Where the label goes (world), or null when the line never enters the view. */
  at: [number, number] | null;
}

/** Candidate steps, arcsec (Dec) or seconds of time (RA). */
const DEC_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 18000, 36000];
const RA_STEPS = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

function pickStep(extent: number, steps: number[]): number {
  for (const s of steps) if (extent / s <= 6) return s;
  return steps[steps.length - 1]!;
}

function wrap180(d: number): number {
  return ((((d + 180) % 360) + 360) % 360) - 180;
}

/**
 * Graticule lines over the view [x0, x1] x [y0, y1] (world coordinates) of `grid`, clipped to
 * the image's extent padded by a tenth.
 */
export function graticule(grid: SkyGrid, x0: number, y0: number, x1: number, y1: number): GratLine[] {
  const pad = 0.1 * Math.max(grid.nx, grid.ny);
  const cx0 = Math.max(x0, -pad);
  const cx1 = Math.min(x1, grid.nx + pad);
  const cy0 = Math.max(y0, -pad);
  const cy1 = Math.min(y1, grid.ny + pad);
  if (!(cx1 > cx0 && cy1 > cy0)) return [];
  const centre = pixelToWorld(grid, (cx0 + cx1) / 2 - 0.5, (cy0 + cy1) / 2 - 0.5);
  if (!centre) return [];
  let raMin = Infinity;
  let raMax = -Infinity;
  let decMin = Infinity;
  let decMax = -Infinity;
  const N = 12;
  for (let i = 0; i <= N; i++)
    for (let j = 0; j <= N; j++) {
      const w = pixelToWorld(grid, cx0 + ((cx1 - cx0) * i) / N - 0.5, cy0 + ((cy1 - cy0) * j) / N - 0.5);
      if (!w) continue;
      const dra = wrap180(w.raDeg - centre.raDeg);
      raMin = Math.min(raMin, dra);
      raMax = Math.max(raMax, dra);
      decMin = Math.min(decMin, w.decDeg);
      decMax = Math.max(decMax, w.decDeg);
    }
  if (!Number.isFinite(raMin) || !Number.isFinite(decMin)) return [];
  const decStep = pickStep((decMax - decMin) * 3600, DEC_STEPS) / 3600;
  const raStep = (pickStep(((raMax - raMin) / 15) * 3600, RA_STEPS) / 3600) * 15;
  const out: GratLine[] = [];
  const inView = (p: [number, number]) => p[0] >= x0 && p[0] <= x1 && p[1] >= y0 && p[1] <= y1;
  const toWorld = (ra: number, dec: number): [number, number] | null => {
    const p = worldToPixel(grid, ra, dec);
    return p ? [p.x + 0.5, p.y + 0.5] : null;
  };
  const S = 48;
  for (let d = Math.ceil(decMin / decStep) * decStep; d <= decMax; d += decStep) {
    const path: Array<[number, number]> = [];
    for (let k = 0; k <= S; k++) {
      const p = toWorld(centre.raDeg + raMin + ((raMax - raMin) * k) / S, d);
      if (p) path.push(p);
    }
    // The label where the line is leftmost inside the view.
    let at: [number, number] | null = null;
    for (const p of path) if (inView(p) && (!at || p[0] < at[0])) at = p;
    out.push({ kind: 'dec', path, label: decSexagesimal(d, decStep * 3600 < 1 ? 1 : 0).replace(/\.0+$/, ''), at });
  }
  for (let r = Math.ceil(raMin / raStep) * raStep; r <= raMax; r += raStep) {
    const path: Array<[number, number]> = [];
    for (let k = 0; k <= S; k++) {
      const p = toWorld(centre.raDeg + r, decMin + ((decMax - decMin) * k) / S);
      if (p) path.push(p);
    }
    let at: [number, number] | null = null;
    for (const p of path) if (inView(p) && (!at || p[1] < at[1])) at = p;
    const secs = (raStep / 15) * 3600;
    out.push({ kind: 'ra', path, label: raSexagesimal(centre.raDeg + r, secs < 1 ? 1 : 0), at });
  }
  return out;
}
