// The viewer's tile service: which FITS files a product or image offers (the image and its
// residual, noise, weight and primary-beam maps), their tile pyramids cached on disk beside the
// product (a sidecar folder PRODUCT.tiles/KEY/PLANE, KEY the product's checksum; for an image
// row, which has no checksum, its files' size and modification time), built on a worker thread
// the first time they are asked for, tiles read with one positioned read, and exact pixel values
// read from the FITS files themselves.
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Product } from '../../../shared/model/products';
import type { Database } from '../db';
import { workerEntry } from '../native/worker-entries';
import { FitsRowReader } from '../mosaic/fits-rows';
import { levelFile, PYRAMID_VERSION, TILE_BYTES, type PyramidInfo } from './pyramid';

export const PLANES = ['image', 'residual', 'noise', 'weights', 'pb'] as const;
export type Plane = (typeof PLANES)[number];
export type TileSourceKind = 'product' | 'image';

export class TileError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'TileError';
  }
}

export interface TileSource {
  kind: TileSourceKind;
  id: string;
  /** A short label, e.g. the product id or the image's file name. */
  label: string;
  /** Plane -> FITS file, only the planes whose file exists. */
  files: Partial<Record<Plane, string>>;
  /** The cache folder of this source's current content. */
  cacheDir: string;
  /** Per plane, the folder name under cacheDir. */
  planeKey: Partial<Record<Plane, string>>;
  product: Product | null;
  /** provenance.json beside a mosaic, when there is one. */
  provenance: unknown;
}

function short(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 16);
}

/** X.fits -> X ; the stem every sidecar of the file starts with. */
function stem(file: string): string {
  return path.basename(file).replace(/\.fits?$/i, '');
}

function siblings(main: string): Partial<Record<Plane, string>> {
  const out: Partial<Record<Plane, string>> = { image: main };
  const dir = path.dirname(main);
  const s = stem(main);
  const prefix = s.endsWith('-image') ? s.slice(0, -'-image'.length) : s;
  const candidates: Array<[Plane, string]> = [
    ['residual', `${prefix}-residual.fits`],
    ['noise', `${prefix}-noise.fits`],
    ['weights', `${prefix}-weights.fits`],
    ['pb', `${prefix}-pb.fits`],
  ];
  for (const [plane, name] of candidates) {
    const p = path.join(dir, name);
    if (existsSync(p)) out[plane] = p;
  }
  return out;
}

interface Building {
  promise: Promise<PyramidInfo>;
  progress: number;
}

export interface TileServiceOptions {
  /** Called with build progress (0..1) per pyramid folder. */
  onProgress?: (dir: string, fraction: number) => void;
}

export class TileService {
  private readonly builds = new Map<string, Building>();
  private readonly infos = new Map<string, PyramidInfo>();
  private readonly fds = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly opts: TileServiceOptions = {},
  ) {}

  /** The files of a product (its FITS and sibling maps) or of an image row. */
  source(kind: TileSourceKind, id: string): TileSource {
    if (kind === 'product') {
      const product = this.db.products.get(id);
      if (!product) throw new TileError(404, `product ${id} does not exist`);
      const where = product.status === 'published' && product.publishedPath ? product.publishedPath : product.path;
      if (!existsSync(where)) throw new TileError(404, `product ${id}: its file ${where} is missing`);
      let main = where;
      if (statSync(where).isDirectory()) {
        const fits = readdirSync(where).filter((n) => /\.fits?$/i.test(n));
        const pick = fits.find((n) => stem(n) === product.id) ?? fits.find((n) => /-image\.fits$/i.test(n));
        if (!pick) throw new TileError(422, `product ${id}: the folder ${where} holds no image FITS file (${id}.fits)`);
        main = path.join(where, pick);
      } else if (!/\.fits?$/i.test(where)) {
        throw new TileError(422, `product ${id} is a ${product.kind} (${path.basename(where)}), not a FITS image`);
      }
      const files = siblings(main);
      const cacheDir = path.join(
        path.dirname(where),
        `${path.basename(where).replace(/\.fits?$/i, '')}.tiles`,
        product.sha256.slice(0, 16),
      );
      const planeKey: Partial<Record<Plane, string>> = {};
      for (const p of Object.keys(files) as Plane[]) planeKey[p] = p;
      // Published: the pyramids built while it was staged (same checksum) move with it.
      if (where !== product.path && !existsSync(cacheDir)) {
        const staged = path.join(
          path.dirname(product.path),
          `${path.basename(product.path).replace(/\.fits?$/i, '')}.tiles`,
          product.sha256.slice(0, 16),
        );
        if (existsSync(staged)) {
          try {
            mkdirSync(path.dirname(cacheDir), { recursive: true });
            renameSync(staged, cacheDir);
          } catch {
            // another file system or a race: built again on demand
          }
        }
      }
      const prov = path.join(statSync(where).isDirectory() ? where : path.dirname(where), 'provenance.json');
      let provenance: unknown = null;
      if (existsSync(prov)) {
        try {
          provenance = JSON.parse(readFileSync(prov, 'utf8')) as unknown;
        } catch {
          provenance = null;
        }
      }
      return { kind, id, label: product.id, files, cacheDir, planeKey, product, provenance };
    }
    const n = Number(id);
    if (!Number.isInteger(n) || n < 1) throw new TileError(400, `image id must be a positive integer, got ${id}`);
    const image = this.db.images.getImage(n);
    if (!image) throw new TileError(404, `image ${id} does not exist`);
    if (!existsSync(image.path)) throw new TileError(404, `image ${id}: its file ${image.path} is missing`);
    const files = siblings(image.path);
    const planeKey: Partial<Record<Plane, string>> = {};
    for (const [p, f] of Object.entries(files) as Array<[Plane, string]>) {
      const st = statSync(f);
      planeKey[p] = `${p}-${short(`${st.size}:${st.mtimeMs}`)}`;
    }
    const cacheDir = path.join(path.dirname(image.path), `${stem(image.path)}.tiles`, 'v');
    return { kind, id, label: path.basename(image.path), files, cacheDir, planeKey, product: null, provenance: null };
  }

  private planeDir(src: TileSource, plane: Plane): { file: string; dir: string } {
    const file = src.files[plane];
    if (!file) throw new TileError(404, `${src.kind} ${src.id} has no ${plane} map`);
    return { file, dir: path.join(src.cacheDir, src.planeKey[plane]!) };
  }

  /** The pyramid of a plane, built (on a worker thread) when missing; concurrent callers share one build. */
  async pyramid(src: TileSource, plane: Plane): Promise<PyramidInfo> {
    const { file, dir } = this.planeDir(src, plane);
    const known = this.infos.get(dir);
    if (known) return known;
    const meta = path.join(dir, 'pyramid.json');
    if (existsSync(meta)) {
      try {
        const info = JSON.parse(readFileSync(meta, 'utf8')) as PyramidInfo;
        if (info.version === PYRAMID_VERSION) {
          this.infos.set(dir, info);
          return info;
        }
      } catch {
        // rebuilt below
      }
    }
    const running = this.builds.get(dir);
    if (running) return running.promise;
    // Older caches of this source (another checksum) are stale: remove them.
    const parent = path.dirname(src.cacheDir);
    if (existsSync(parent) && src.kind === 'product') {
      for (const name of readdirSync(parent))
        if (name !== path.basename(src.cacheDir) && !name.includes('.partial-'))
          rmSync(path.join(parent, name), { recursive: true, force: true });
    }
    const building: Building = { progress: 0, promise: Promise.resolve(null as unknown as PyramidInfo) };
    building.promise = new Promise<PyramidInfo>((resolve, reject) => {
      const worker = new Worker(workerEntry('tiles-worker'), { workerData: { file, dir } });
      let settled = false;
      worker.on('message', (m: { type: string; fraction?: number; info?: PyramidInfo; message?: string }) => {
        if (m.type === 'progress') {
          building.progress = m.fraction ?? 0;
          this.opts.onProgress?.(dir, building.progress);
        } else if (m.type === 'done' && m.info) {
          settled = true;
          this.infos.set(dir, m.info);
          resolve(m.info);
        } else if (m.type === 'error') {
          settled = true;
          reject(new TileError(422, m.message ?? 'the tile pyramid could not be built'));
        }
      });
      worker.on('error', (e) => {
        if (!settled) reject(e);
        settled = true;
      });
      worker.on('exit', (code) => {
        if (!settled) reject(new Error(`the tile worker exited (code ${code}) before finishing ${file}`));
        settled = true;
      });
    }).finally(() => this.builds.delete(dir));
    this.builds.set(dir, building);
    return building.promise;
  }

  /** Progress (0..1) of a running build of this plane, or null. */
  buildProgress(src: TileSource, plane: Plane): number | null {
    const { dir } = this.planeDir(src, plane);
    return this.builds.get(dir)?.progress ?? null;
  }

  /** One tile: TILE x TILE little-endian float32, row 0 at the bottom. */
  async tile(src: TileSource, plane: Plane, level: number, tx: number, ty: number): Promise<Buffer> {
    const info = await this.pyramid(src, plane);
    const l = info.levels[level];
    if (!l) throw new TileError(404, `level ${level} does not exist (levels 0..${info.levels.length - 1})`);
    if (!(tx >= 0 && ty >= 0 && tx < l.cols && ty < l.rows))
      throw new TileError(404, `tile (${tx}, ${ty}) is outside level ${level} (${l.cols} x ${l.rows} tiles)`);
    const { dir } = this.planeDir(src, plane);
    const file = levelFile(dir, level);
    let fd = this.fds.get(file);
    if (fd === undefined) {
      fd = openSync(file, 'r');
      this.fds.set(file, fd);
    }
    const buf = Buffer.allocUnsafe(TILE_BYTES);
    const got = readSync(fd, buf, 0, TILE_BYTES, (ty * l.cols + tx) * TILE_BYTES);
    if (got !== TILE_BYTES) throw new Error(`${file}: short read of tile (${tx}, ${ty})`);
    return buf;
  }

  /** Exact values at 0-based pixel (x, y) of every plane, read from the FITS files (null outside or blank). */
  pixel(src: TileSource, x: number, y: number): Partial<Record<Plane, number | null>> {
    const out: Partial<Record<Plane, number | null>> = {};
    for (const [plane, file] of Object.entries(src.files) as Array<[Plane, string]>) {
      const r = new FitsRowReader(file);
      try {
        if (!(Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < r.nx && y < r.ny)) {
          out[plane] = null;
          continue;
        }
        const row = new Float32Array(r.nx);
        r.readRows(y, 1, row);
        const v = row[x]!;
        out[plane] = Number.isFinite(v) ? v : null;
      } finally {
        r.close();
      }
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
