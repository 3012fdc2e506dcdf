// Locates and loads the dsa110_native Node-API addon (native/build/Release/dsa110_native.node)
// and declares the types of its functions. Works from the TypeScript sources and from a bundle.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CelestialWcs } from '../../../shared/model/sky-image';

/** Where a kernel runs: on NativePool's worker threads ('pool'), or on the calling thread ('caller'). */
export type KernelRuns = 'pool' | 'caller';

/** A kernel's declaration: where it runs, and its TypeScript signature (type-level only). */
export interface KernelDecl<
  F extends (...args: never[]) => unknown = (...args: never[]) => unknown,
  R extends KernelRuns = KernelRuns,
> {
  readonly runs: R;
  /** Never set: carries the signature for the types derived from KERNELS. */
  readonly signature?: F;
}

/** A kernel run through NativePool (a task variant and a line of the worker's table follow from it). */
function pool<F extends (...args: never[]) => unknown>(): KernelDecl<F, 'pool'> {
  return { runs: 'pool' };
}

/** A kernel called directly on the calling thread (short calls: a worker round trip would cost more). */
function caller<F extends (...args: never[]) => unknown>(): KernelDecl<F, 'caller'> {
  return { runs: 'caller' };
}

/**
 * The addon's kernels, one declaration each: name, signature, where it runs. NativeAddon, the
 * worker's task table (tasks.ts, workers/native-worker.ts) and the check of the loaded addon's
 * exports (checkAddonSurface, run by loadAddon and test/native/surface.test.ts) follow from it;
 * native/src/addon.cc must export exactly these (native/README.md, "Adding a kernel").
 * All kernels run synchronously on the thread that calls them.
 */
export const KERNELS = {
  /**
   * In-place complex 2-D FFT of `ny` rows of `nx` complex values, interleaved (re, im),
   * row-major with x fastest: numpy.fft.fft2 of an array of shape (ny, nx). Forward uses
   * exp(-2*pi*i*(u*x/nx + v*y/ny)) unscaled; inverse uses + and scales by 1/(nx*ny).
   * Float32Array computes in float32 (complex64), Float64Array in float64 (complex128).
   * Throws TypeError/RangeError naming the argument when data is not 2*nx*ny floats,
   * nx/ny are not integers >= 1, or threads is not an integer in [1, maxThreads].
   */
  fft2d: pool<(data: Float32Array | Float64Array, nx: number, ny: number, inverse: boolean, threads: number) => void>(),
  /**
   * Adds the direct point-source sum to `out` (nbl x nchan interleaved complex):
   * V(b, nu) += amp[s, nu] exp(+2 pi i nu (u l + v m + w (n - 1)) / c), uvw (m, nbl x 3) =
   * uvw(ant2) - uvw(ant1), `lmn1` = nsources x (l, m, n - 1), `amp` = nsources x nchan (Jy).
   * `channelWidthHz` > 0 applies channel-width smearing, sinc(pi dnu tau); 0 disables it.
   */
  predictPoints:
    pool<
      (
        uvw: Float64Array,
        freqs: Float64Array,
        lmn1: Float64Array,
        amp: Float64Array,
        out: Float64Array,
        channelWidthHz: number,
        threads: number,
      ) => void
    >(),
  /**
   * The simulator's fused pass (native/src/predict/simvis.h): sky, RFI, noise, gains and
   * bandpasses for every row of `input.nsub` subband files into `vis` (nsub x rows x nchan/nsub
   * x 2 pols complex) and `flags`. Returns true when the antenna-factorised predictor ran.
   */
  simulateVisibilities:
    pool<(input: SimVisKernelInput, vis: Float32Array, flags: Uint8Array, threads: number) => boolean>(),
  /**
   * One integration of a UVH5 file to MS rows (native/src/convert/convert.h; the JS twin and the
   * conventions are in src/main/engine/convert/kernel.ts). Returns the flagged sample count.
   * Called on the converting thread, not through NativePool (a few ms per integration).
   */
  convertRows: caller<(input: ConvertRowsInput, out: ConvertRowsOutput) => number>(),
  /**
   * StefCal per solution cell (time slot x channel group x pol) for V_ij = g_i conj(g_j) M_ij:
   * writes gains [slot][group][ant][pol] (complex), their flags (1 SNR < minSnr, 2 no data),
   * SNR, and per cell the iterations, the reference antenna (phase 0) and the rms of a
   * unit-weight residual into `out`. See native/src/calib/solve.h.
   */
  solveJones: pool<(data: CalVisData, cells: CalCells, options: CalSolveOptions, out: CalSolveOutput) => void>(),
  /**
   * Per cell and baseline (a1 < a2) the sums S = sum w V conj(M) (re, im), P = sum w |M|^2,
   * Q = sum w |V|^2 and N (samples) into out[((slot*ngroup + group)*npol + pol)*nant*nant + a1*nant + a2][5].
   */
  baselineStats: pool<(data: CalVisData, cells: CalCells, out: Float64Array, threads: number) => void>(),
  /**
   * corrected = V / (J_i conj(J_j)), J the product of the terms, in place; samples with a
   * flagged (or zero) solution are flagged; weights scaled by |J_i J_j|^2. Returns the samples newly flagged.
   */
  applyJones:
    pool<
      (
        vis: Float32Array,
        flags: Uint8Array,
        weights: Float32Array | null,
        ant1: Int32Array,
        ant2: Int32Array,
        nchan: number,
        npol: number,
        nant: number,
        terms: CalJonesTerm[],
        threads: number,
      ) => number
    >(),
  /** Flags autocorrelation rows (when `autos`), exact zeros and non-finite samples; counts of newly flagged samples per reason. */
  flagBasic:
    pool<
      (
        vis: Float32Array,
        flags: Uint8Array,
        ant1: Int32Array,
        ant2: Int32Array,
        nchan: number,
        npol: number,
        autos: boolean,
        threads: number,
      ) => { autocorrelation: number; zero: number; nonfinite: number }
    >(),
  /**
   * SumThreshold RFI detection per baseline (`grid`: nbl x ntime row indices, -1 missing) on
   * the amplitude minus a smooth surface; flags in place, returns the samples newly flagged.
   */
  flagRfi:
    pool<
      (
        vis: Float32Array,
        flags: Uint8Array,
        grid: Int32Array,
        nbl: number,
        ntime: number,
        nchan: number,
        npol: number,
        options: RfiKernelOptions,
      ) => number
    >(),
  /**
   * Gridder, G^H (native/src/gridder/wgridder.h): dirty[y, x] (ny x nx, overwritten) =
   * sum_k weights[k] Re(vis[k] exp(-2 pi i (u l + v m + w (n - 1)))), unnormalised, with
   * l = -(x - nx/2) pixelL (RA grows to the left), m = (y - ny/2) pixelM, uvw (m, nrows x 3) =
   * uvw(ant2) - uvw(ant1), vis nrows x nchan interleaved complex, weights 0 = flagged.
   * `vis` and `dirty` are both Float32Array (float32 path) or both Float64Array. With `psf`
   * (the same type and size) also psf = G^H(weights) (unit visibilities) in the same pass: each
   * visibility's kernels evaluated once (two plane sets).
   */
  ms2dirty:
    pool<
      (
        uvw: Float64Array,
        freqs: Float64Array,
        vis: Float32Array | Float64Array,
        weights: Float32Array,
        dirty: Float32Array | Float64Array,
        options: GridderKernelOptions,
        psf?: Float32Array | Float64Array | null,
      ) => GridderInfo
    >(),
  /**
   * Degridder, G, the exact adjoint of ms2dirty: vis[k] (overwritten) = weights[k] sum_{x,y}
   * image[y, x] exp(+2 pi i (u l + v m + w (n - 1))) (no 1/n: pixels hold point fluxes);
   * weights null = all 1; 0 where the weight is 0.
   */
  dirty2ms:
    pool<
      (
        uvw: Float64Array,
        freqs: Float64Array,
        image: Float32Array | Float64Array,
        weights: Float32Array | null,
        vis: Float32Array | Float64Array,
        options: GridderKernelOptions,
      ) => GridderInfo
    >(),
  /**
   * A major cycle in one pass (native/src/gridder/wgridder.h residual): vis (in place) +=
   * G(image) where weights != 0 (the weights select, as dirty2ms with selectOnly and
   * accumulate), then dirty (overwritten) = G^H(weights * vis), unnormalised: the results of
   * those two calls with each visibility's kernels evaluated once. Holds twice the plane memory.
   */
  ms2residual:
    pool<
      (
        uvw: Float64Array,
        freqs: Float64Array,
        image: Float32Array | Float64Array,
        weights: Float32Array,
        vis: Float32Array | Float64Array,
        dirty: Float32Array | Float64Array,
        options: GridderKernelOptions,
      ) => GridderInfo
    >(),
  /** Frees what gridder session `session` holds (GridderKernelOptions.session); false if there was none. */
  gridderRelease: pool<(session: number) => boolean>(),
  /**
   * Hogbom CLEAN minor cycle (native/src/deconv/hogbom.h): components of gain x peak added to
   * `model` (ny x nx) while the largest |residual| inside `mask` exceeds options.stopLevel, at
   * most options.maxIter; `psf` (ny x nx) peaks (1) at (floor(nx/2), floor(ny/2)). Only the
   * active pixels (|residual| >= activeFraction x stopLevel) of `residual` are updated.
   */
  hogbomClean:
    pool<
      (
        residual: Float32Array,
        psf: Float32Array,
        mask: Uint8Array | null,
        model: Float64Array,
        options: HogbomOptions,
      ) => HogbomResult
    >(),
  /**
   * Reprojection of a SIN image (rows input.row0 .. row0+nrows-1, one or more planes on the same
   * grid) onto a region of another SIN grid (native/src/reproject/reproject.h): exact direction-
   * cosine mapping in double precision, bilinear or Lanczos-3, NaN where the kernel touches a NaN
   * or leaves the view. Writes output.planes (nx x ny each); returns the covered pixel count.
   */
  reproject: pool<(input: ReprojectInput, output: ReprojectOutput, options: ReprojectOptions) => number>(),
  /** The input pixel (0-based) of each output pixel xy (n x 2, 0-based) into result (n x 2); NaN off the input's hemisphere. */
  mapPixels: caller<(inWcs: SinWcs, outWcs: SinWcs, xy: Float64Array, result: Float64Array) => void>(),
} as const satisfies Record<string, KernelDecl>;

/** The non-function exports of the addon. */
export const ADDON_VALUES = ['napiVersion', 'maxThreads'] as const;

export type KernelName = keyof typeof KERNELS;

/** The signature a kernel declaration carries. */
export type KernelSignature<D> = D extends KernelDecl<infer F, KernelRuns> ? F : never;

/** Every kernel's function, from KERNELS. */
export type NativeKernels = { [K in KernelName]: KernelSignature<(typeof KERNELS)[K]> };

/** The addon's exports (see native/src/addon.cc): the kernels of KERNELS and two values. */
export interface NativeAddon extends NativeKernels {
  /** The Node-API version the addon was built against. */
  readonly napiVersion: number;
  /** The largest `threads` a kernel accepts. */
  readonly maxThreads: number;
}

/** A visibility block and its model for the calibration kernels (interleaved complex64 [row][chan][pol]). */
/** Input of convertRows: one integration's file rows, the baseline permutation and per-row phasors. */
export interface ConvertRowsInput {
  vis: Float32Array;
  flags: Uint8Array;
  nsamples: Float32Array;
  rowOffset: number;
  perm: Int32Array;
  conj: Uint8Array;
  autos: Uint8Array;
  phasors: Float64Array;
  weightScale: Float64Array;
  reverse: boolean;
  nchan: number;
  npol: number;
}

/** Output of convertRows: the integration's MS rows (nbl of them). */
export interface ConvertRowsOutput {
  data: Float32Array;
  flag: Uint8Array;
  weightSpectrum: Float32Array;
  weight: Float32Array;
  sigma: Float32Array;
  flagRow: Uint8Array;
}

/** Input of simulateVisibilities; shapes in native/src/predict/simvis.h. */
export interface SimVisKernelInput {
  uvw: Float64Array;
  ant1: Int32Array;
  ant2: Int32Array;
  freqs: Float64Array;
  nsub: number;
  srcOffsets: Int32Array;
  lmn1: Float64Array;
  amp: Float64Array;
  gains: Float64Array;
  bandpass: Float64Array;
  dead: Uint8Array;
  chanFlag: Uint8Array;
  autoPower: Float64Array;
  sigma: number;
  autoSigmaScale: number;
  rfiAmp: Float64Array | null;
  rfiPhase: Float64Array | null;
  channelWidthHz: number;
  noiseKeys: Int32Array;
}

export interface CalVisData {
  vis: Float32Array;
  /** Nonzero = flagged, [row][chan][pol]. */
  flags: Uint8Array;
  /** [row][chan][pol]; null or absent: unit weights. */
  weights?: Float32Array | null;
  /** Antenna numbers per row, in [0, nant). */
  ant1: Int32Array;
  ant2: Int32Array;
  nant: number;
  nchan: number;
  npol: number;
  /** Complex model in the layout of vis; or else modelFlux + rowTime. */
  model?: Float32Array | null;
  /** A point source at the phase centre: real flux (Jy) per [time][chan], every pol. */
  modelFlux?: Float32Array | null;
  /** Per row: index into modelFlux's time axis. */
  rowTime?: Int32Array | null;
  /**
   * With modelFlux: per row (phi0, dphi), the source's phase at channel c is phi0 + c dphi
   * (rad), model = flux exp(i (phi0 + c dphi)): a point source away from the phase centre on
   * evenly spaced channels, without rotating the data to it.
   */
  modelPhase?: Float64Array | null;
  /** A known Jones term folded into the model, [chan][ant][pol] complex (e.g. the bandpass while solving gains). */
  prior?: Float64Array | null;
  priorFlags?: Uint8Array | null;
}

/** Solution cells: a time slot per row (< 0: row unused) and groups of chanGroup channels. */
export interface CalCells {
  rowSlot?: Int32Array | null;
  nslot?: number;
  chanGroup?: number;
}

export interface CalSolveOptions {
  phaseOnly?: boolean;
  maxIter?: number;
  tol?: number;
  minSnr?: number;
  /** Reference antennas in order of preference. */
  refants?: Int32Array | null;
  /** Starting gains [slot][group][ant][pol] complex. */
  initial?: Float64Array | null;
  threads?: number;
  /**
   * Also solve every cell for amplitude and phase, starting from this solve's solutions, into
   * these arrays (shared, like out): phase-only then amplitude+phase on one pass over the data.
   */
  thenOut?: CalSolveOutput | null;
}

/** Outputs of solveJones (n = nslot x ngroup x nant x npol, ncell = nslot x ngroup x npol). */
export interface CalSolveOutput {
  gains: Float64Array;
  flags: Uint8Array;
  snr: Float32Array;
  iterations: Int32Array;
  refant: Int32Array;
  sigma: Float64Array;
}

/** A Jones term for applyJones: values [slot][group][ant][pol] complex. */
export interface CalJonesTerm {
  jones: Float64Array;
  flags?: Uint8Array | null;
  /** Slot per row; null: slot 0. */
  rowSlot?: Int32Array | null;
  nslot?: number;
  chanGroup?: number;
}

/** Options of flagRfi (see native/src/flag/flag.h for the defaults). */
export interface RfiKernelOptions {
  threshold?: number;
  rho?: number;
  maxWindow?: number;
  passes?: number;
  halfTime?: number;
  halfChan?: number;
  sirEta?: number;
  combinePols?: boolean;
  threads?: number;
}

/** Options of ms2dirty/dirty2ms (see native/src/gridder/wgridder.h). */
export interface GridderKernelOptions {
  nx: number;
  ny: number;
  /** Pixel sizes in radians (direction cosines) along l and m. */
  pixelL: number;
  pixelM: number;
  /** Requested relative (L2) accuracy; default 1e-5; >= 1e-6 in float32, >= 1e-13 in float64. */
  epsilon?: number;
  /** uv-grid oversampling; 0 or absent = chosen by a cost model; else in [1.2, 4]. */
  sigma?: number;
  /** Apply the w term by w-gridding (default true); false = 2-D gridding ignoring w. */
  wgridding?: boolean;
  threads?: number;
  /** Memory for the uv-plane grids held at once (bytes); 0 or absent = 1 GiB. */
  maxGridBytes?: number;
  /** ms2dirty: take every visibility as 1 + 0i (the PSF; vis is not read). Default false. */
  unitVisibilities?: boolean;
  /** dirty2ms: add G(image) to vis instead of overwriting it. Default false. */
  accumulate?: boolean;
  /** dirty2ms: the weights only select the visibilities to predict (nonzero); not multiplied. */
  selectOnly?: boolean;
  /**
   * Session id (0/absent = none): plan, visibility buckets and plane-grid memory are kept under
   * it and reused by the next call with the same arrays and grid options (both directions, with
   * selectOnly degridding). uvw and the weights' zero pattern must not change in place during a
   * session; free it with gridderRelease (at most 4 are kept, least recently used go first).
   */
  session?: number;
}

/** Options of hogbomClean (see native/src/deconv/hogbom.h). */
export interface HogbomOptions {
  nx: number;
  ny: number;
  /** Loop gain in (0, 1]; default 0.1. */
  gain?: number;
  /** Stop when the largest |residual| in the mask is at or below this (Jy/beam). */
  stopLevel: number;
  maxIter: number;
  /** Active set: |residual| >= activeFraction x stopLevel; default 0.5. */
  activeFraction?: number;
  /** Clean negative peaks too (default true, as WSClean). */
  allowNegative?: boolean;
  threads?: number;
}

/** What a minor cycle did. */
export interface HogbomResult {
  iterations: number;
  startPeak: number;
  finalPeak: number;
  activePixels: number;
  reason: 'stop-level' | 'max-iter' | 'empty';
}

/** The celestial SIN WCS the reprojection kernels take: the shared model's (reference point, CD matrix, LONPOLE). */
export type SinWcs = CelestialWcs;

/** Input rows [row0, row0 + nrows) of an image nx wide; each plane nx x nrows float32. */
export interface ReprojectInput {
  planes: Float32Array[];
  nx: number;
  row0: number;
  nrows: number;
  wcs: SinWcs;
}

/** The output region [x0, x0 + nx) x [y0, y0 + ny) of a grid; one plane (nx x ny) per input plane. */
export interface ReprojectOutput {
  planes: Float32Array[];
  x0: number;
  y0: number;
  nx: number;
  ny: number;
  wcs: SinWcs;
}

export interface ReprojectOptions {
  /** Default lanczos3. */
  interpolation?: 'bilinear' | 'lanczos3';
  threads?: number;
  /** Output tile side in pixels (threads take whole tiles); default 256. */
  tile?: number;
}

/** What a gridder call chose and saw. */
export interface GridderInfo {
  /** ES kernel support (cells) and shape. */
  support: number;
  beta: number;
  /** Oversampling of the uv grid and the kernel's estimated aliasing error there. */
  sigma: number;
  kernelError: number;
  /** uv grid size. */
  nu: number;
  nv: number;
  /** w planes (1 without w-gridding), the |w| range (wavelengths) and plane spacing. */
  nplanes: number;
  /** Plane grids held at once (W: each visibility visited once; fewer under maxGridBytes). */
  slots: number;
  wmin: number;
  wmax: number;
  dw: number;
  /** Visibilities with weight != 0 and the sum of their weights. */
  nvis: number;
  sumWeights: number;
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
  const surface = checkAddonSurface(mod);
  if (surface.missing.length > 0 || surface.wrongType.length > 0) {
    throw new Error(
      `${file} does not match the dsa110_native surface this code declares (KERNELS in src/main/engine/native/addon.ts): ${describeSurface(surface)}; rebuild it with "npm run build:native"`,
    );
  }
  const addon = mod as NativeAddon;
  loaded.set(file, addon);
  return addon;
}

/** How a loaded module's exports differ from KERNELS and ADDON_VALUES. */
export interface AddonSurface {
  /** Declared kernels or values the module does not export. */
  missing: string[];
  /** Exports nothing declares. */
  undeclared: string[];
  /** Declared names exported with the wrong type (a kernel that is not a function, a value that is not a number). */
  wrongType: string[];
}

/**
 * Compares a loaded addon's exports with the declarations: every kernel of KERNELS must be an
 * exported function, every name of ADDON_VALUES an exported number, and nothing else exported.
 */
export function checkAddonSurface(mod: unknown): AddonSurface {
  const exports =
    (typeof mod === 'object' || typeof mod === 'function') && mod !== null ? (mod as Record<string, unknown>) : {};
  const declared = new Map<string, 'function' | 'number'>([
    ...Object.keys(KERNELS).map((k) => [k, 'function'] as const),
    ...ADDON_VALUES.map((k) => [k, 'number'] as const),
  ]);
  const out: AddonSurface = { missing: [], undeclared: [], wrongType: [] };
  for (const [name, type] of declared) {
    if (!Object.prototype.hasOwnProperty.call(exports, name)) out.missing.push(name);
    else if (typeof exports[name] !== type) out.wrongType.push(`${name} (${typeof exports[name]}, expected ${type})`);
  }
  for (const name of Object.keys(exports)) if (!declared.has(name)) out.undeclared.push(name);
  return out;
}

/** The differences in words, e.g. "missing kernel(s): convertRows". */
export function describeSurface(s: AddonSurface): string {
  const parts: string[] = [];
  if (s.missing.length > 0) parts.push(`not exported: ${s.missing.join(', ')}`);
  if (s.wrongType.length > 0) parts.push(`wrong type: ${s.wrongType.join(', ')}`);
  if (s.undeclared.length > 0) parts.push(`exported but not declared: ${s.undeclared.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'matches';
}
