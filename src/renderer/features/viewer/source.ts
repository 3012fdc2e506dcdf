// What the viewer fetches from `dsa110 serve` (routes of src/main/server/tiles.ts): a source's
// planes, a plane's pyramid description, float32 tiles and exact pixel values. Tiles are kept in
// memory per plane; colour changes never fetch.
import type { Product } from '../../../shared/model';
import type { RestoringBeam, SkyGrid } from '../../../shared/model/sky-image';

export type SourceKind = 'product' | 'image';
export const PLANE_LABELS: Record<string, string> = {
  image: 'Image',
  residual: 'Residual',
  noise: 'Noise',
  weights: 'Weights',
  pb: 'Primary beam',
};

export interface SourceInfo {
  kind: SourceKind;
  id: string;
  label: string;
  planes: string[];
  files: Record<string, string>;
  product: Product | null;
  provenance: unknown;
}

export interface HeaderCard {
  keyword: string;
  value?: string | number | boolean;
  comment?: string;
  text?: string;
}

export interface PlaneMeta {
  plane: string;
  file: string;
  nx: number;
  ny: number;
  tile: number;
  levels: Array<{ level: number; nx: number; ny: number; cols: number; rows: number }>;
  stats: {
    finite: number;
    total: number;
    min: number | null;
    max: number | null;
    quantiles: Record<string, number>;
    zscale: [number, number] | null;
    sampled: number;
  };
  buildMs: number;
  header: HeaderCard[];
  grid: SkyGrid | null;
  gridError: string | null;
  beam: RestoringBeam | null;
  bunit: string | null;
}

async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { credentials: 'same-origin' });
  const body = (await r.json()) as { ok: boolean; value?: T; error?: { message: string } };
  if (!r.ok || !body.ok) throw new Error(body.error?.message ?? `HTTP ${r.status} for ${url}`);
  return body.value as T;
}

export function sourceUrl(kind: SourceKind, id: string): string {
  return `/api/view/${kind}/${encodeURIComponent(id)}`;
}

export const fetchSource = (kind: SourceKind, id: string) => getJson<SourceInfo>(sourceUrl(kind, id));
export const fetchMeta = (kind: SourceKind, id: string, plane: string) =>
  getJson<PlaneMeta>(`${sourceUrl(kind, id)}/${plane}/meta`);
export const fetchPixel = (kind: SourceKind, id: string, x: number, y: number) =>
  getJson<{ x: number; y: number; values: Record<string, number | null> }>(
    `${sourceUrl(kind, id)}/pixel?x=${x}&y=${y}`,
  );

export interface TileData {
  /** Valid region only: w x h values, row 0 at the bottom. */
  values: Float32Array;
  w: number;
  h: number;
}

/** The loaded tiles of one plane; `onChange` is told when a tile arrives. */
export class TileStore {
  private readonly tiles = new Map<string, TileData | 'loading' | 'error'>();
  constructor(
    readonly kind: SourceKind,
    readonly id: string,
    readonly meta: PlaneMeta,
    private readonly onChange: () => void,
  ) {}

  get(level: number, tx: number, ty: number): TileData | null {
    const key = `${level}/${tx}/${ty}`;
    const have = this.tiles.get(key);
    if (have === 'loading' || have === 'error') return null;
    if (have) return have;
    this.tiles.set(key, 'loading');
    void this.load(level, tx, ty, key);
    return null;
  }

  /** A tile already in memory, without fetching. */
  peek(level: number, tx: number, ty: number): TileData | null {
    const have = this.tiles.get(`${level}/${tx}/${ty}`);
    return have && have !== 'loading' && have !== 'error' ? have : null;
  }

  private async load(level: number, tx: number, ty: number, key: string): Promise<void> {
    const T = this.meta.tile;
    const l = this.meta.levels[level]!;
    try {
      const r = await fetch(`${sourceUrl(this.kind, this.id)}/${this.meta.plane}/tile/${level}/${tx}/${ty}`, {
        credentials: 'same-origin',
      });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const all = new Float32Array(await r.arrayBuffer());
      const w = Math.min(T, l.nx - tx * T);
      const h = Math.min(T, l.ny - ty * T);
      let values = all;
      if (w !== T || h !== T) {
        values = new Float32Array(w * h);
        for (let y = 0; y < h; y++) values.set(all.subarray(y * T, y * T + w), y * w);
      }
      this.tiles.set(key, { values, w, h });
    } catch {
      this.tiles.set(key, 'error');
    }
    this.onChange();
  }
}
