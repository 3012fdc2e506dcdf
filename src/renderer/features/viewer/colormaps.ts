// Colormaps and stretches of the image viewer. The colour tables are built once into one RGBA
// texture (one row per map) the GPU samples, so switching the map or the stretch changes a
// uniform and fetches nothing. grey; inferno and viridis (matplotlib's perceptually uniform
// maps, from their published 11-step colours, interpolated in RGB); cubehelix (Green 2011,
// start 0.5, rotations -1.5, hue 1, gamma 1); and a blue-white-red diverging map for residuals.

export const COLORMAPS = ['grey', 'inferno', 'viridis', 'cubehelix', 'diverging'] as const;
export type Colormap = (typeof COLORMAPS)[number];
export const COLORMAP_LABELS: Record<Colormap, string> = {
  grey: 'Grey',
  inferno: 'Inferno',
  viridis: 'Viridis',
  cubehelix: 'Cubehelix',
  diverging: 'Diverging',
};

export const STRETCHES = ['linear', 'sqrt', 'log', 'asinh'] as const;
export type Stretch = (typeof STRETCHES)[number];

/** Shader codes of the stretches (see FloatImageLayer). */
export const STRETCH_CODE: Record<Stretch, number> = { linear: 0, sqrt: 1, log: 2, asinh: 3 };

const INFERNO = [
  '000004',
  '160b39',
  '420a68',
  '6a176e',
  '932667',
  'bc3754',
  'dd513a',
  'f37819',
  'fca50a',
  'f6d746',
  'fcffa4',
];
const VIRIDIS = [
  '440154',
  '482475',
  '414487',
  '355f8d',
  '2a788e',
  '21918c',
  '22a884',
  '44bf70',
  '7ad151',
  'bddf26',
  'fde725',
];
const DIVERGING = ['2166ac', '4393c3', '92c5de', 'd1e5f0', 'f7f7f7', 'fddbc7', 'f4a582', 'd6604d', 'b2182b'];

function hex(h: string): [number, number, number] {
  return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
}

function fromStops(stops: string[], t: number): [number, number, number] {
  const pos = t * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = hex(stops[i]!);
  const b = hex(stops[i + 1]!);
  return [a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), a[2] + f * (b[2] - a[2])];
}

function cubehelix(t: number): [number, number, number] {
  const start = 0.5;
  const rot = -1.5;
  const hue = 1;
  const phi = 2 * Math.PI * (start / 3 + rot * t);
  const a = (hue * t * (1 - t)) / 2;
  const c = Math.cos(phi);
  const s = Math.sin(phi);
  const clamp = (v: number) => Math.max(0, Math.min(1, v)) * 255;
  return [
    clamp(t + a * (-0.14861 * c + 1.78277 * s)),
    clamp(t + a * (-0.29227 * c - 0.90649 * s)),
    clamp(t + a * (1.97294 * c)),
  ];
}

/** The colour of a map at t in [0, 1], 0..255 per channel. */
export function colormapColor(map: Colormap, t: number): [number, number, number] {
  switch (map) {
    case 'grey':
      return [t * 255, t * 255, t * 255];
    case 'inferno':
      return fromStops(INFERNO, t);
    case 'viridis':
      return fromStops(VIRIDIS, t);
    case 'cubehelix':
      return cubehelix(t);
    case 'diverging':
      return fromStops(DIVERGING, t);
  }
}

export const LUT_SIZE = 256;

/** Every map as one RGBA texture: LUT_SIZE wide, one row per map in COLORMAPS order. */
export function colormapTexels(): Uint8Array {
  const out = new Uint8Array(LUT_SIZE * COLORMAPS.length * 4);
  COLORMAPS.forEach((m, row) => {
    for (let i = 0; i < LUT_SIZE; i++) {
      const [r, g, b] = colormapColor(m, i / (LUT_SIZE - 1));
      const o = (row * LUT_SIZE + i) * 4;
      out[o] = Math.round(r);
      out[o + 1] = Math.round(g);
      out[o + 2] = Math.round(b);
      out[o + 3] = 255;
    }
  });
  return out;
}

/** The stretch as the shader applies it, for the colour bar and tests: t in [0, 1] -> [0, 1]. */
export function applyStretch(s: Stretch, t: number): number {
  const x = Math.max(0, Math.min(1, t));
  switch (s) {
    case 'linear':
      return x;
    case 'sqrt':
      return Math.sqrt(x);
    case 'log':
      return Math.log(1000 * x + 1) / Math.log(1001);
    case 'asinh':
      return Math.asinh(10 * x) / Math.asinh(10);
  }
}
