// The messages the main thread sends to the native worker: one variant per kernel, so the
// pool and the worker's dispatcher agree on names and arguments at compile time.

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

/** Every task the native worker can run; later kernels (gridder, deconvolution ...) add variants. */
export type NativeTask = Fft2dTask | PredictPointsTask;

export type NativeKernelName = NativeTask['kernel'];

/** What each kernel's task resolves to (in-place kernels return nothing). */
export interface NativeTaskResults {
  fft2d: void;
  predictPoints: void;
}

/** Data the pool hands every worker at start-up. */
export interface NativeWorkerData {
  /** Absolute path of the addon, or null to let the worker search for it. */
  addonPath: string | null;
}
