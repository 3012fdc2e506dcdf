// Piscina worker: loads the native addon once per thread and runs the kernel a task names.
// Always runs bundled: out/cli/native-worker.js or out/main/native-worker.js (see native/worker-entries.ts).
import { workerData } from 'node:worker_threads';
import { loadAddon, type NativeAddon } from '../native/addon';
import type { NativeKernelName, NativeTask, NativeTaskResults, NativeWorkerData } from '../native/tasks';

type Kernels = {
  [K in NativeKernelName]: (addon: NativeAddon, task: Extract<NativeTask, { kernel: K }>) => NativeTaskResults[K];
};

const kernels: Kernels = {
  fft2d: (addon, t) => addon.fft2d(t.data, t.nx, t.ny, t.inverse, t.threads),
  predictPoints: (addon, t) => addon.predictPoints(t.uvw, t.freqs, t.lmn1, t.amp, t.out, t.channelWidthHz, t.threads),
  simulateVisibilities: (addon, t) => addon.simulateVisibilities(t.input, t.vis, t.flags, t.threads),
  solveJones: (addon, t) => addon.solveJones(t.data, t.cells, t.options, t.out),
  baselineStats: (addon, t) => addon.baselineStats(t.data, t.cells, t.out, t.threads),
  applyJones: (addon, t) => addon.applyJones(t.vis, t.flags, t.weights, t.ant1, t.ant2, t.nchan, t.npol, t.nant, t.terms, t.threads),
  flagBasic: (addon, t) => addon.flagBasic(t.vis, t.flags, t.ant1, t.ant2, t.nchan, t.npol, t.autos, t.threads),
  flagRfi: (addon, t) => addon.flagRfi(t.vis, t.flags, t.grid, t.nbl, t.ntime, t.nchan, t.npol, t.options),
  ms2dirty: (addon, t) => addon.ms2dirty(t.uvw, t.freqs, t.vis, t.weights, t.dirty, t.options, t.psf ?? null),
  dirty2ms: (addon, t) => addon.dirty2ms(t.uvw, t.freqs, t.image, t.weights, t.vis, t.options),
  ms2residual: (addon, t) => addon.ms2residual(t.uvw, t.freqs, t.image, t.weights, t.vis, t.dirty, t.options),
  gridderRelease: (addon, t) => addon.gridderRelease(t.session),
  hogbomClean: (addon, t) => addon.hogbomClean(t.residual, t.psf, t.mask, t.model, t.options),
  reproject: (addon, t) => addon.reproject(t.input, t.output, t.options),
};

function isKernel(name: unknown): name is NativeKernelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(kernels, name);
}

const data = (workerData ?? {}) as Partial<NativeWorkerData>;
let addon: NativeAddon | undefined;

/** Piscina's entry point; errors (the addon's included) reach the caller's promise as Errors. */
export default function runNativeTask(task: NativeTask): NativeTaskResults[NativeKernelName] {
  const name: unknown = (task as { kernel?: unknown } | null)?.kernel;
  if (!isKernel(name)) {
    throw new TypeError(`native-worker: unknown kernel ${JSON.stringify(name)}; known: ${Object.keys(kernels).join(', ')}`);
  }
  // Loaded on the first task so a missing addon is reported to the caller, not as a worker crash.
  addon ??= loadAddon(data.addonPath ?? undefined);
  const kernel = kernels[name] as (a: NativeAddon, t: NativeTask) => NativeTaskResults[NativeKernelName];
  return kernel(addon, task);
}
