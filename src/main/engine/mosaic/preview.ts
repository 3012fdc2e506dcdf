// The mosaic's PNG preview: an asinh stretch between zscale-like limits (robust: median - 2 sigma
// to the 99.5th percentile), an 'inferno'-like colour map, empty pixels in grey, and a colour bar
// with ticks labelled in mJy/beam. North up, east left (the FITS orientation).
import { drawText, encodePng, GLYPH_H, Raster, textWidth } from './png';

/** Anchor colours of matplotlib's 'inferno' at 0, 1/8, ..., 1 (interpolated linearly). */
const INFERNO: Array<[number, number, number]> = [
  [0, 0, 4],
  [31, 12, 72],
  [85, 15, 109],
  [136, 34, 106],
  [186, 54, 85],
  [227, 89, 51],
  [249, 140, 10],
  [249, 201, 50],
  [252, 255, 164],
];
const EMPTY: [number, number, number] = [64, 64, 64];
const INK: [number, number, number] = [0, 0, 0];

export function colour(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(u));
  const f = u - i;
  const a = INFERNO[i]!;
  const b = INFERNO[i + 1]!;
  return [
    Math.round(a[0] + f * (b[0] - a[0])),
    Math.round(a[1] + f * (b[1] - a[1])),
    Math.round(a[2] + f * (b[2] - a[2])),
  ];
}

export interface Stretch {
  vmin: number;
  vmax: number;
  /** asinh softening: the stretch is linear below about a (vmax - vmin) above vmin. */
  a: number;
}

/** Limits from the finite values: vmin = median - 2 x 1.4826 MAD, vmax = 99.5th percentile (above vmin). */
export function autoStretch(values: ArrayLike<number>): Stretch {
  const v: number[] = [];
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i]!)) v.push(values[i]!);
  if (v.length === 0) return { vmin: 0, vmax: 1, a: 0.1 };
  v.sort((x, y) => x - y);
  const q = (p: number) => v[Math.min(v.length - 1, Math.max(0, Math.round(p * (v.length - 1))))]!;
  const med = q(0.5);
  const dev = v.map((x) => Math.abs(x - med)).sort((x, y) => x - y);
  const mad = dev[dev.length >> 1]! * 1.4826;
  const vmin = med - 2 * mad;
  let vmax = q(0.995);
  if (!(vmax > vmin)) vmax = vmin + (mad > 0 ? 10 * mad : 1);
  return { vmin, vmax, a: 0.1 };
}

/** Value -> [0, 1] through the asinh stretch. */
export function stretch(s: Stretch, x: number): number {
  const t = (x - s.vmin) / (s.vmax - s.vmin);
  return Math.min(1, Math.max(0, Math.asinh(t / s.a) / Math.asinh(1 / s.a)));
}

/** The inverse of stretch on [0, 1]. */
export function unstretch(s: Stretch, u: number): number {
  return s.vmin + (s.vmax - s.vmin) * s.a * Math.sinh(u * Math.asinh(1 / s.a));
}

/** A value rounded to 2 significant digits, as a short label. */
export function tickLabel(x: number): string {
  if (x === 0) return '0';
  const r = Number(x.toPrecision(2));
  const s = String(r);
  return s.length <= 7 ? s : r.toExponential(1);
}

/**
 * Renders `data` (nx x ny, row 0 = south) with a colour bar. Values are Jy/beam; the bar is
 * labelled in mJy/beam. Returns the PNG bytes and the stretch used.
 */
export function renderPreview(
  data: Float32Array,
  nx: number,
  ny: number,
  meta: Record<string, string> = {},
): { png: Buffer; stretch: Stretch; width: number; height: number } {
  const s = autoStretch(data);
  const scale = ny >= 600 ? 2 : 1;
  const pad = 8 * scale;
  const barW = 14 * scale;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((u) => Number(unstretch(s, u) * 1e3).toPrecision(2)).map(Number);
  const labels = ticks.map(tickLabel);
  const unit = 'mJy/beam';
  const labelW = Math.max(textWidth(unit, scale), ...labels.map((l) => textWidth(l, scale)));
  const barH = Math.max(ny, 120 * scale);
  const width = pad + nx + 2 * pad + barW + 7 * scale + labelW + pad;
  const height = pad + Math.max(ny, barH) + pad + (GLYPH_H + 4) * scale;
  const r = new Raster(width, height);
  // The image, flipped so north is up.
  for (let y = 0; y < ny; y++) {
    const row = (ny - 1 - y) * nx;
    for (let x = 0; x < nx; x++) {
      const v = data[row + x]!;
      r.set(pad + x, pad + y, Number.isFinite(v) ? colour(stretch(s, v)) : EMPTY);
    }
  }
  // The bar: top = vmax.
  const bx = pad + nx + 2 * pad;
  for (let j = 0; j < barH; j++) r.fillRect(bx, pad + j, barW, 1, colour(1 - j / Math.max(1, barH - 1)));
  r.fillRect(bx - 1, pad - 1, barW + 2, 1, INK);
  r.fillRect(bx - 1, pad + barH, barW + 2, 1, INK);
  r.fillRect(bx - 1, pad - 1, 1, barH + 2, INK);
  r.fillRect(bx + barW, pad - 1, 1, barH + 2, INK);
  ticks.forEach((t, k) => {
    const u = stretch(s, t / 1e3);
    const y = pad + Math.round((1 - u) * (barH - 1));
    r.fillRect(bx + barW, y, 4 * scale, scale, INK);
    const ly = Math.min(Math.max(pad, y - Math.floor((GLYPH_H * scale) / 2)), pad + barH - GLYPH_H * scale);
    drawText(r, bx + barW + 7 * scale, ly, labels[k]!, scale, INK);
  });
  drawText(r, bx, pad + barH + 4 * scale, unit, scale, INK);
  const png = encodePng(r, {
    Software: 'dsa110-contimg',
    ...meta,
    Stretch: `asinh a=${s.a} vmin=${s.vmin} vmax=${s.vmax} Jy/beam`,
  });
  return { png, stretch: s, width, height };
}
