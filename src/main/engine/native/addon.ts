// Locates and loads the dsa110_native Node-API addon (native/build/Release/dsa110_native.node)
// and declares the types of its functions. Works from the TypeScript sources and from a bundle.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The addon's exports (see native/src/addon.cc). All kernels run synchronously on the calling thread. */
export interface NativeAddon {
  /**
   * In-place complex 2-D FFT of `ny` rows of `nx` complex values, interleaved (re, im),
   * row-major with x fastest: numpy.fft.fft2 of an array of shape (ny, nx). Forward uses
   * exp(-2*pi*i*(u*x/nx + v*y/ny)) unscaled; inverse uses + and scales by 1/(nx*ny).
   * Float32Array computes in float32 (complex64), Float64Array in float64 (complex128).
   * Throws TypeError/RangeError naming the argument when data is not 2*nx*ny floats,
   * nx/ny are not integers >= 1, or threads is not an integer in [1, maxThreads].
   */
  fft2d(data: Float32Array | Float64Array, nx: number, ny: number, inverse: boolean, threads: number): void;
  /**
   * Adds the direct point-source sum to `out` (nbl x nchan interleaved complex):
   * V(b, nu) += amp[s, nu] exp(+2 pi i nu (u l + v m + w (n - 1)) / c), uvw (m, nbl x 3) =
   * uvw(ant2) - uvw(ant1), `lmn1` = nsources x (l, m, n - 1), `amp` = nsources x nchan (Jy).
   * `channelWidthHz` > 0 applies channel-width smearing, sinc(pi dnu tau); 0 disables it.
   */
  predictPoints(
    uvw: Float64Array,
    freqs: Float64Array,
    lmn1: Float64Array,
    amp: Float64Array,
    out: Float64Array,
    channelWidthHz: number,
    threads: number,
  ): void;
  /** The Node-API version the addon was built against. */
  readonly napiVersion: number;
  /** The largest `threads` a kernel accepts. */
  readonly maxThreads: number;
}

/** Where node-gyp puts the addon, relative to the project root. */
export const ADDON_RELATIVE_PATH = path.join('native', 'build', 'Release', 'dsa110_native.node');

/** Environment variable that overrides the addon's location (absolute path to the .node file). */
export const ADDON_PATH_ENV = 'DSA110_NATIVE_ADDON';

/**
 * The addon's path: $DSA110_NATIVE_ADDON when set, else the first
 * `<dir>/native/build/Release/dsa110_native.node` walking up from this module (from
 * src/main/engine/native in sources, from out/main in the Electron bundle). Inside a packaged
 * app, files in app.asar are looked up in app.asar.unpacked, where native binaries must live.
 * Returns null when not found.
 */
export function findAddon(start: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  const fromEnv = process.env[ADDON_PATH_ENV];
  if (fromEnv) return fromEnv;
  let dir = start;
  for (;;) {
    const candidate = path.join(dir, ADDON_RELATIVE_PATH);
    const unpacked = candidate.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    if (existsSync(unpacked)) return unpacked;
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

const loaded = new Map<string, NativeAddon>();

/** Loads the addon (once per path and thread); throws a clear error when it is not built. */
export function loadAddon(file: string | null = findAddon()): NativeAddon {
  if (file === null) {
    throw new Error(
      `dsa110_native addon not found: no ${ADDON_RELATIVE_PATH} above ${path.dirname(fileURLToPath(import.meta.url))} ` +
        `and ${ADDON_PATH_ENV} is not set; run "npm run build:native" in the project root`,
    );
  }
  const hit = loaded.get(file);
  if (hit) return hit;
  if (!existsSync(file)) {
    throw new Error(`dsa110_native addon not found at ${file}; run "npm run build:native" in the project root`);
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(file);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`dsa110_native addon at ${file} failed to load (${why}); rebuild it with "npm run build:native"`, {
      cause: err,
    });
  }
  const addon = mod as Partial<NativeAddon>;
  if (typeof addon.fft2d !== 'function' || typeof addon.predictPoints !== 'function' || typeof addon.napiVersion !== 'number') {
    throw new Error(`${file} is not the dsa110_native addon this code expects (no fft2d/predictPoints/napiVersion export); run "npm run build:native"`);
  }
  loaded.set(file, addon as NativeAddon);
  return addon as NativeAddon;
}
