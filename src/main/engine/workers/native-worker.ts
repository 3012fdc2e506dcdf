// Piscina worker: loads the native addon once per thread and runs the kernel a task names.
// Always runs bundled: out/cli/native-worker.js or out/main/native-worker.js (see native/worker-entries.ts).
import { workerData } from 'node:worker_threads';
import { loadAddon, type NativeAddon } from '../native/addon';
import {
  NATIVE_POOL_KERNELS,
  type NativeKernelName,
  type NativeTask,
  type NativeTaskResults,
  type NativeWorkerData,
} from '../native/tasks';

// The table of kernels follows from the declarations (KERNELS in native/addon.ts): a task names
// a pool kernel and carries its arguments in order; nothing here is per kernel.
const poolKernels = new Set<string>(NATIVE_POOL_KERNELS);

function isKernel(name: unknown): name is NativeKernelName {
  return typeof name === 'string' && poolKernels.has(name);
}

const data = (workerData ?? {}) as Partial<NativeWorkerData>;
let addon: NativeAddon | undefined;

/** Piscina's entry point; errors (the addon's included) reach the caller's promise as Errors. */
export default function runNativeTask(task: NativeTask): NativeTaskResults[NativeKernelName] {
  const name: unknown = (task as { kernel?: unknown } | null)?.kernel;
  if (!isKernel(name)) {
    throw new TypeError(
      `native-worker: unknown kernel ${JSON.stringify(name)}; known: ${NATIVE_POOL_KERNELS.join(', ')}`,
    );
  }
  const args: unknown = (task as { args?: unknown }).args;
  if (!Array.isArray(args)) throw new TypeError(`native-worker: task ${name} carries no argument list (args)`);
  // Loaded on the first task so a missing addon is reported to the caller, not as a worker crash.
  addon ??= loadAddon(data.addonPath ?? undefined);
  const kernel = addon[name] as (...a: unknown[]) => NativeTaskResults[NativeKernelName];
  return kernel(...(args as unknown[]));
}
