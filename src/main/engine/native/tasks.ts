// The messages the main thread sends to the native worker: one variant per kernel, so the
// pool and the worker's dispatcher agree on names and arguments at compile time.
import type { CalCells, CalJonesTerm, CalSolveOptions, CalSolveOutput, CalVisData, RfiKernelOptions } from './addon';
import type { GridderInfo, GridderKernelOptions, HogbomOptions, HogbomResult } from './addon';
import type { ReprojectInput, ReprojectOptions, ReprojectOutput } from './addon';
import type { SimVisKernelInput } from './addon';

/** Complex 2-D FFT in place on a SharedArrayBuffer-backed interleaved array (see NativeAddon.fft2d). */
export interface Fft2dTask {
  kernel: 'fft2d';
  data: Float32Array | Float64Array;
  nx: number;
  ny: number;
  inverse: boolean;
  threads: number;
}

/** Direct point-source prediction added into `out` (see NativeAddon.predictPoints); shared buffers. */
export interface PredictPointsTask {
  kernel: 'predictPoints';
  uvw: Float64Array;
  freqs: Float64Array;
  lmn1: Float64Array;
  amp: Float64Array;
  out: Float64Array;
  channelWidthHz: number;
  threads: number;
}

/** The simulator's fused pass (see NativeAddon.simulateVisibilities); vis and flags shared. */
export interface SimulateVisibilitiesTask {
  kernel: 'simulateVisibilities';
  input: SimVisKernelInput;
  vis: Float32Array;
  flags: Uint8Array;
  threads: number;
}

/** StefCal gain solve (see NativeAddon.solveJones); `out` arrays in shared buffers. */
export interface SolveJonesTask {
  kernel: 'solveJones';
  data: CalVisData;
  cells: CalCells;
  options: CalSolveOptions;
  out: CalSolveOutput;
}

/** Per-baseline calibration statistics (see NativeAddon.baselineStats) into a shared `out`. */
export interface BaselineStatsTask {
  kernel: 'baselineStats';
  data: CalVisData;
  cells: CalCells;
  out: Float64Array;
  threads: number;
}

/** Applies Jones terms in place (see NativeAddon.applyJones); vis/flags/weights in shared buffers. */
export interface ApplyJonesTask {
  kernel: 'applyJones';
  vis: Float32Array;
  flags: Uint8Array;
  weights: Float32Array | null;
  ant1: Int32Array;
  ant2: Int32Array;
  nchan: number;
  npol: number;
  nant: number;
  terms: CalJonesTerm[];
  threads: number;
}

/** Basic flags in place (see NativeAddon.flagBasic); flags in a shared buffer. */
export interface FlagBasicTask {
  kernel: 'flagBasic';
  vis: Float32Array;
  flags: Uint8Array;
  ant1: Int32Array;
  ant2: Int32Array;
  nchan: number;
  npol: number;
  autos: boolean;
  threads: number;
}

/** SumThreshold RFI flags in place (see NativeAddon.flagRfi); flags in a shared buffer. */
export interface FlagRfiTask {
  kernel: 'flagRfi';
  vis: Float32Array;
  flags: Uint8Array;
  grid: Int32Array;
  nbl: number;
  ntime: number;
  nchan: number;
  npol: number;
  options: RfiKernelOptions;
}

/** Gridding, dirty = G^H(vis) into a shared `dirty` (see NativeAddon.ms2dirty). */
export interface Ms2DirtyTask {
  kernel: 'ms2dirty';
  uvw: Float64Array;
  freqs: Float64Array;
  vis: Float32Array | Float64Array;
  weights: Float32Array;
  dirty: Float32Array | Float64Array;
  options: GridderKernelOptions;
  /** Also the PSF, in the same pass (see NativeAddon.ms2dirty). */
  psf?: Float32Array | Float64Array | null;
}

/** Degridding, vis = G(image) into a shared `vis` (see NativeAddon.dirty2ms). */
export interface Dirty2MsTask {
  kernel: 'dirty2ms';
  uvw: Float64Array;
  freqs: Float64Array;
  image: Float32Array | Float64Array;
  weights: Float32Array | null;
  vis: Float32Array | Float64Array;
  options: GridderKernelOptions;
}

/** A major cycle, degridding and gridding in one pass (see NativeAddon.ms2residual). */
export interface Ms2ResidualTask {
  kernel: 'ms2residual';
  uvw: Float64Array;
  freqs: Float64Array;
  image: Float32Array | Float64Array;
  weights: Float32Array;
  vis: Float32Array | Float64Array;
  dirty: Float32Array | Float64Array;
  options: GridderKernelOptions;
}

/** Frees a gridder session (see NativeAddon.gridderRelease). */
export interface GridderReleaseTask {
  kernel: 'gridderRelease';
  session: number;
}

/** Hogbom minor cycle on shared residual and model (see NativeAddon.hogbomClean). */
export interface HogbomCleanTask {
  kernel: 'hogbomClean';
  residual: Float32Array;
  psf: Float32Array;
  mask: Uint8Array | null;
  model: Float64Array;
  options: HogbomOptions;
}

/** Reprojection onto a region of the mosaic grid; output planes in shared buffers (see NativeAddon.reproject). */
export interface ReprojectTask {
  kernel: 'reproject';
  input: ReprojectInput;
  output: ReprojectOutput;
  options: ReprojectOptions;
}

/** Every task the native worker can run; later kernels (gridder, deconvolution ...) add variants. */
export type NativeTask = Fft2dTask | PredictPointsTask | SimulateVisibilitiesTask | SolveJonesTask | BaselineStatsTask | ApplyJonesTask | FlagBasicTask | FlagRfiTask | Ms2DirtyTask | Dirty2MsTask | Ms2ResidualTask | GridderReleaseTask | HogbomCleanTask | ReprojectTask;

export type NativeKernelName = NativeTask['kernel'];

/** What each kernel's task resolves to (in-place kernels return nothing). */
export interface NativeTaskResults {
  fft2d: void;
  predictPoints: void;
  simulateVisibilities: boolean;
  solveJones: void;
  baselineStats: void;
  applyJones: number;
  flagBasic: { autocorrelation: number; zero: number; nonfinite: number };
  flagRfi: number;
  ms2dirty: GridderInfo;
  dirty2ms: GridderInfo;
  ms2residual: GridderInfo;
  gridderRelease: boolean;
  hogbomClean: HogbomResult;
  reproject: number;
}

/** Data the pool hands every worker at start-up. */
export interface NativeWorkerData {
  /** Absolute path of the addon, or null to let the worker search for it. */
  addonPath: string | null;
}
