// The messages the main thread sends to the native worker, derived from the kernel declarations
// (KERNELS in addon.ts): one variant per kernel that runs in the pool, carrying the kernel's
// arguments in order, so the pool, the worker and the addon agree at compile time.
import { KERNELS, type KernelName, type NativeAddon } from './addon';

/** The kernels NativePool runs on its worker threads (declared with `pool` in KERNELS). */
export type NativeKernelName = {
  [K in KernelName]: (typeof KERNELS)[K]['runs'] extends 'pool' ? K : never;
}[KernelName];

/** A task for one pool kernel: its name and its arguments, as the addon's function takes them. */
export type NativeTaskOf<K extends NativeKernelName> = { kernel: K; args: Parameters<NativeAddon[K]> };

/** Every task the native worker can run. */
export type NativeTask = { [K in NativeKernelName]: NativeTaskOf<K> }[NativeKernelName];

/** What each kernel's task resolves to (in-place kernels return nothing). */
export type NativeTaskResults = { [K in NativeKernelName]: ReturnType<NativeAddon[K]> };

/** The pool kernels' names at run time (the worker refuses any other). */
export const NATIVE_POOL_KERNELS: readonly NativeKernelName[] = (Object.keys(KERNELS) as KernelName[]).filter(
  (k): k is NativeKernelName => KERNELS[k].runs === 'pool',
);

/** Data the pool hands every worker at start-up. */
export interface NativeWorkerData {
  /** Absolute path of the addon, or null to let the worker search for it. */
  addonPath: string | null;
}
