// Running WSClean 3.1 from tests and benchmarks: one place for the flags every comparison needs
// (-reorder for multi-SPW sets, -no-small-inversion, OPENBLAS_NUM_THREADS=1) and for its products.
import { spawnSync } from 'node:child_process';
import { readFitsImage } from '../../src/main/engine/fits';
import type { FitsImage } from '../../src/main/engine/fits';

export interface WscleanOptions {
  size: number;
  scaleArcsec: number;
  /** WSClean's -weight arguments, e.g. ['briggs', '0'] or ['natural']. */
  weight: string[];
  niter?: number;
  mgain?: number;
  gain?: number;
  /** -auto-threshold, in units of the residual's MAD-based rms. */
  autoThreshold?: number;
  /** -threshold, Jy. */
  threshold?: number;
  /** wgridder accuracy, or null for WSClean's default w-stacking gridder; default 1e-5. */
  wgridderAccuracy?: number | null;
  threads?: number;
  /** -data-column; default WSClean's (CORRECTED_DATA when present, else DATA). */
  dataColumn?: string;
  /**
   * Leave the MS untouched (-no-update-model-required): WSClean otherwise writes MODEL_DATA
   * after cleaning. Default true.
   */
  readOnly?: boolean;
  extra?: string[];
}

export interface WscleanRun {
  /** The -name prefix: products are `${name}-image.fits` etc. */
  name: string;
  args: string[];
  stdout: string;
}

/** The command line for `opts` (without the executable). */
export function wscleanArgs(msPath: string, name: string, o: WscleanOptions): string[] {
  const args = [
    '-quiet',
    '-size',
    String(o.size),
    String(o.size),
    '-scale',
    `${o.scaleArcsec}asec`,
    '-weight',
    ...o.weight,
    '-niter',
    String(o.niter ?? 0),
    '-reorder',
    '-no-small-inversion',
    '-j',
    String(o.threads ?? 2),
    '-name',
    name,
  ];
  if (o.mgain !== undefined) args.push('-mgain', String(o.mgain));
  if (o.gain !== undefined) args.push('-gain', String(o.gain));
  if (o.autoThreshold !== undefined) args.push('-auto-threshold', String(o.autoThreshold));
  if (o.threshold !== undefined) args.push('-threshold', String(o.threshold));
  const acc = o.wgridderAccuracy === undefined ? 1e-5 : o.wgridderAccuracy;
  if (acc !== null) args.push('-use-wgridder', '-wgridder-accuracy', String(acc));
  if (o.dataColumn) args.push('-data-column', o.dataColumn);
  if (o.readOnly ?? true) args.push('-no-update-model-required');
  args.push(...(o.extra ?? []), msPath);
  return args;
}

/** The environment WSClean needs (it refuses a multi-threaded OpenBLAS). */
export function wscleanEnv(): NodeJS.ProcessEnv {
  return { ...process.env, OPENBLAS_NUM_THREADS: '1' };
}

/** Run WSClean on `msPath`; throws with its output on failure. */
export function runWsclean(msPath: string, name: string, o: WscleanOptions): WscleanRun {
  const args = wscleanArgs(msPath, name, o);
  const r = spawnSync('wsclean', args, { encoding: 'utf8', env: wscleanEnv(), maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`wsclean could not start: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`wsclean ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}\n${r.stdout.slice(-2000)}`);
  return { name, args, stdout: r.stdout };
}

/** One of WSClean's products (dirty, psf, model, residual, image) as written for `run`. */
export function wscleanProduct(
  run: WscleanRun | string,
  product: 'dirty' | 'psf' | 'model' | 'residual' | 'image',
): FitsImage {
  const name = typeof run === 'string' ? run : run.name;
  return readFitsImage(`${name}-${product}.fits`);
}
