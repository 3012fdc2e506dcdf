// One 16-subband group -> one Measurement Set: 16 spectral windows in ascending frequency, every
// integration rephased from its meridian phase centre to one J2000 centre with UVW recomputed,
// rows time-major (time, window, baseline) in CASA's baseline order. The MS is written into a
// temporary sibling directory, verified, and renamed into place only when complete.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { mjdToMsTime, uvwForJ2000, uvwFromHourAngle } from '../../../shared/astro';
import { injectedError } from '../jobs/faults';
import { partialRemovable, produceAtomic } from '../jobs/fsutil';
import { MeasurementSet, createMeasurementSet } from '../ms';
import type { MsDescription } from '../ms';
import { WriterThread } from './pipeline';
import { sbName } from './plan';
import { ABSURD_VISIBILITY, prefetchFile, produceSubband } from './produce';
import type { ProduceJob } from './produce';
import { rowsBytes, rowsIn } from './ring';
import { IntegrationWriter, spotRows } from './rows-writer';
import type { RowsGeometry, SpotCheck } from './rows-writer';
import type { ConversionPlan } from './plan';

export interface WriteOptions {
  signal?: AbortSignal;
  /** fraction in [0, 1] and what is being done. */
  onProgress?: (fraction: number, message: string) => void;
  /** Recorded in the HISTORY row. */
  cliCommand?: string;
  /** Application name and version for HISTORY. */
  application?: string;
  /**
   * Write the MS in a second thread while this one reads and rephases (default true). Without
   * it, or when the writer script is absent (a bundle without its entry), everything runs here.
   */
  writerThread?: boolean;
}

export interface ConvertResult {
  path: string;
  groupId: string;
  rows: number;
  spws: number;
  /** Subbands in SPECTRAL_WINDOW order (ascending frequency). */
  subbands: number[];
  missingSubbands: number[];
  antennas: number;
  antennasWithData: number;
  baselines: number;
  ntimes: number;
  startMjd: number;
  endMjd: number;
  midMjd: number;
  pointingDecDeg: number;
  phaseCentreRaDeg: number;
  phaseCentreDecDeg: number;
  flaggedFraction: number;
  freqMinHz: number;
  freqMaxHz: number;
  warnings: string[];
  /** True when a writer thread wrote the MS (false: everything ran on the calling thread). */
  writerThread?: boolean;
  /** Visibilities (complex values) that were non-finite or absurd (> 1e15) in the files, flagged and zeroed. */
  badValues?: number;
}

const DEG = 180 / Math.PI;

/** Largest divisor of nbl whose DATA tile stays within ~1 MiB: writes of nbl rows fill whole tiles. */
export function chooseTileRows(nbl: number, npol: number, nchan: number): number {
  const cap = Math.max(1, Math.floor((1024 * 1024) / (8 * npol * nchan)));
  for (let d = Math.min(nbl, cap); d >= 1; d--) if (nbl % d === 0) return d;
  return 1;
}

function describe(plan: ConversionPlan, opts: WriteOptions): MsDescription {
  const nspw = plan.spws.length;
  const startS = mjdToMsTime(plan.startMjd);
  const endS = mjdToMsTime(plan.endMjd);
  return {
    nrows: plan.timesMjd.length * nspw * plan.nbl,
    polarizations: plan.polarizations,
    nchan: plan.nchan,
    tileRows: chooseTileRows(plan.nbl, plan.npol, plan.nchan),
    antennas: plan.antennas,
    spws: plan.spws.map((s) => ({ name: sbName(s.subband), freqsHz: s.freqsHz, widthsHz: s.widthsHz })),
    field: {
      name: `drift_${plan.groupId}`,
      raRad: plan.phaseCentre.raRad,
      decRad: plan.phaseCentre.decRad,
      timeS: mjdToMsTime(plan.midMjd),
    },
    observation: { telescope: 'DSA_110', observer: 'dsa110-contimg', project: 'dsa110-continuum', startS, endS },
    history: {
      timeS: mjdToMsTime(Date.now() / 86400000 + 40587),
      message: `converted ${nspw} subband file(s) of group ${plan.groupId} (${plan.spws.map((s) => basename(s.path)).join(', ')}); rephased to J2000 RA ${(plan.phaseCentre.raRad * DEG).toFixed(6)} deg, Dec ${(plan.phaseCentre.decRad * DEG).toFixed(6)} deg`,
      application: opts.application ?? 'dsa110-contimg',
      origin: 'dsa110-contimg convert',
      cliCommand: opts.cliCommand ?? '',
      appParams: '',
    },
    receptors: { types: ['X', 'Y'], anglesRad: [0, Math.PI / 2] },
  };
}

function abortIfNeeded(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) throw new Error(`conversion cancelled ${where}`, { cause: signal.reason });
}

/** Write the planned MS at `dir` (a new directory). Returns the flagged fraction and spot checks. */
async function writeMs(
  dir: string,
  plan: ConversionPlan,
  opts: WriteOptions,
): Promise<{ flagged: number; spots: SpotCheck[]; threaded: boolean; badValues: number[] }> {
  const { nbl, nchan, npol } = plan;
  const ntimes = plan.timesMjd.length;
  const nspw = plan.spws.length;
  // Geometry per integration, shared by all windows: old w (Earth-fixed meridian direction, the
  // same every integration), new uvw for the J2000 centre, and their difference.
  const wOld = uvwFromHourAngle(plan.baselinesEcef, plan.haPhaseCentreRad, plan.pointingDecRad, plan.longitudeDeg);
  const uvw = new Float64Array(ntimes * nbl * 3);
  const dw = new Float64Array(ntimes * nbl);
  for (let t = 0; t < ntimes; t++) {
    const u = uvwForJ2000(
      plan.baselinesEcef,
      plan.phaseCentre.raRad,
      plan.phaseCentre.decRad,
      plan.timesMjd[t] as number,
      { frame: 'j2000' },
    );
    uvw.set(u, t * nbl * 3);
    for (let b = 0; b < nbl; b++) dw[t * nbl + b] = (u[3 * b + 2] as number) - (wOld[3 * b + 2] as number);
  }
  const job: ProduceJob = {
    spws: plan.spws.map((sp) => ({ path: sp.path, freqsHz: sp.freqsHz, widthsHz: sp.widthsHz, reverse: sp.reverse })),
    nbl,
    nchan,
    npol,
    ntimes,
    ant1: plan.ant1,
    ant2: plan.ant2,
    dw,
    integrationS: plan.integrationS,
  };
  const geometry: RowsGeometry = {
    nbl,
    nspw,
    ntimes,
    nchan,
    npol,
    timesS: Float64Array.from(plan.timesMjd, mjdToMsTime),
    uvw,
    ant1: plan.ant1,
    ant2: plan.ant2,
    integrationS: plan.integrationS,
  };
  const desc = describe(plan, opts);
  const check = (where: string): void => abortIfNeeded(opts.signal, where);
  const progress = (s: number): void =>
    opts.onProgress?.(s / nspw, `${sbName(plan.spws[s]!.subband)} -> spectral window ${s}`);
  // Let the event loop run (progress events, cancellation polls) between subbands.
  const breathe = (): Promise<void> => new Promise<void>((r) => setImmediate(r));
  let flagged = 0;
  let spots: SpotCheck[];
  // Non-finite or absurd values flagged, per spectral window.
  const bad = plan.spws.map(() => ({ badValues: 0 }));
  // Input pages in ahead of the reads: the next file while this one is converted.
  const prefetch = (s: number): void => {
    if (s < nspw) prefetchFile(plan.spws[s]!.path);
  };
  prefetch(0);
  const writer = opts.writerThread === false ? null : WriterThread.start(dir, desc, geometry);
  if (writer) {
    try {
      for (let s = 0; s < nspw; s++) {
        prefetch(s + 1);
        progress(s);
        flagged += await produceSubband(
          job,
          s,
          { rows: () => writer.rows(), done: (t) => writer.done(t, s), check },
          bad[s],
        );
        await breathe();
      }
      spots = await writer.finish();
    } finally {
      await writer.close();
    }
  } else {
    const ms = createMeasurementSet(dir, desc);
    try {
      const w = new IntegrationWriter(ms, geometry);
      const out = rowsIn(new ArrayBuffer(rowsBytes(nbl, nchan, npol)), 0, nbl, nchan, npol);
      for (let s = 0; s < nspw; s++) {
        prefetch(s + 1);
        progress(s);
        flagged += await produceSubband(job, s, { rows: () => out, done: (t) => w.write(t, s, out), check }, bad[s]);
        await breathe();
      }
      spots = w.spots;
    } finally {
      ms.close();
    }
  }
  // Disk-full tests (DSA110_FAULT=convert:write=ENOSPC): the write of the MS fails; no-op unset.
  const injected = injectedError('convert:write', dir, 'write');
  if (injected) throw injected;
  // Every spot row must have come back (from the writer thread too), or the verification proves nothing.
  const expected = spotRows(geometry).size;
  if (spots.length !== expected)
    throw new Error(`${dir}: verification: ${spots.length} spot rows kept while writing, expected ${expected}`);
  return {
    flagged: flagged / (ntimes * nspw * nbl * nchan * npol),
    spots,
    threaded: writer !== null,
    badValues: bad.map((b) => b.badValues),
  };
}

/** Check a written MS before it is renamed into place: row count, windows, times, spot rows. */
export function verifyWrittenMs(dir: string, plan: ConversionPlan, spots: SpotCheck[]): void {
  const ms = MeasurementSet.open(dir);
  try {
    const want = plan.timesMjd.length * plan.spws.length * plan.nbl;
    if (ms.nrows !== want) throw new Error(`${dir}: verification: MAIN has ${ms.nrows} rows, expected ${want}`);
    const spws = ms.spectralWindows();
    if (spws.length !== plan.spws.length)
      throw new Error(`${dir}: verification: ${spws.length} spectral windows, expected ${plan.spws.length}`);
    const lastTime = ms.main.getCell('TIME', ms.nrows - 1);
    if (lastTime !== mjdToMsTime(plan.timesMjd[plan.timesMjd.length - 1] as number))
      throw new Error(
        `${dir}: verification: the last row's TIME is ${String(lastTime)}, expected the last integration`,
      );
    for (const s of spots) {
      const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean =>
        a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));
      if (
        !same(ms.main.getColumn('DATA', s.row, 1) as Float32Array, s.data) ||
        !same(ms.main.getColumn('FLAG', s.row, 1) as Uint8Array, s.flag) ||
        !same(ms.main.getColumn('UVW', s.row, 1) as Float64Array, s.uvw)
      ) {
        throw new Error(`${dir}: verification: row ${s.row} does not hold what was written (DATA, FLAG or UVW differ)`);
      }
    }
  } finally {
    ms.close();
  }
}

/**
 * Remove temporary directories a killed conversion to `finalPath` left beside it: only those
 * whose owner process is gone (a live conversion's partial is its own).
 */
export function removeStalePartials(finalPath: string): string[] {
  const dir = dirname(finalPath);
  const prefix = `.${basename(finalPath)}.partial-`;
  if (!existsSync(dir)) return [];
  const gone = readdirSync(dir)
    .filter((n) => n.startsWith(prefix) && partialRemovable(dir, n))
    .map((n) => join(dir, n));
  for (const p of gone) rmSync(p, { recursive: true, force: true });
  return gone;
}

/**
 * Write the planned MS to `outputPath` atomically: a temporary sibling is written and verified,
 * then renamed over `outputPath`. A crash leaves no MS at `outputPath` (only a `.partial-` sibling
 * that removeStalePartials clears).
 */
export async function writeConversion(
  plan: ConversionPlan,
  outputPath: string,
  opts: WriteOptions = {},
): Promise<ConvertResult> {
  const { flagged, threaded, badValues } = await produceAtomic(outputPath, async (tmp) => {
    const r = await writeMs(tmp, plan, opts);
    verifyWrittenMs(tmp, plan, r.spots);
    return r;
  });
  opts.onProgress?.(1, `wrote ${outputPath}`);
  const withData = new Set([...plan.ant1, ...plan.ant2]).size;
  const first = plan.spws[0]!;
  const last = plan.spws[plan.spws.length - 1]!;
  return {
    path: outputPath,
    groupId: plan.groupId,
    rows: plan.timesMjd.length * plan.spws.length * plan.nbl,
    spws: plan.spws.length,
    subbands: plan.spws.map((s) => s.subband),
    missingSubbands: plan.missingSubbands,
    antennas: plan.antennas.length,
    antennasWithData: withData,
    baselines: plan.nbl,
    ntimes: plan.timesMjd.length,
    startMjd: plan.startMjd,
    endMjd: plan.endMjd,
    midMjd: plan.midMjd,
    pointingDecDeg: plan.pointingDecRad * DEG,
    phaseCentreRaDeg: plan.phaseCentre.raRad * DEG,
    phaseCentreDecDeg: plan.phaseCentre.decRad * DEG,
    flaggedFraction: flagged,
    freqMinHz: first.freqsHz[0] as number,
    freqMaxHz: last.freqsHz[last.freqsHz.length - 1] as number,
    warnings: [
      ...plan.warnings,
      ...badValues.flatMap((n, s) =>
        n > 0
          ? [
              `${plan.spws[s]!.path}: ${n} visibilities non-finite or larger than ${ABSURD_VISIBILITY} in magnitude; flagged and set to 0`,
            ]
          : [],
      ),
    ],
    writerThread: threaded,
    badValues: badValues.reduce((a, b) => a + b, 0),
  };
}
