// One 16-subband group -> one Measurement Set: 16 spectral windows in ascending frequency, every
// integration rephased from its meridian phase centre to one J2000 centre with UVW recomputed,
// rows time-major (time, window, baseline) in CASA's baseline order. The MS is written into a
// temporary sibling directory, verified, and renamed into place only when complete.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { mjdToMsTime, uvwForJ2000, uvwFromHourAngle } from '../../../shared/astro';
import { produceAtomic } from '../jobs/fsutil';
import { MeasurementSet, createMeasurementSet } from '../ms';
import type { MainRows, MsDescription } from '../ms';
import { openUvh5 } from '../uvh5';
import { convertIntegration } from './kernel';
import { fileRowMap, sbName } from './plan';
import type { ConversionPlan } from './plan';

export interface WriteOptions {
  signal?: AbortSignal;
  /** fraction in [0, 1] and what is being done. */
  onProgress?: (fraction: number, message: string) => void;
  /** Recorded in the HISTORY row. */
  cliCommand?: string;
  /** Application name and version for HISTORY. */
  application?: string;
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
    field: { name: `drift_${plan.groupId}`, raRad: plan.phaseCentre.raRad, decRad: plan.phaseCentre.decRad, timeS: mjdToMsTime(plan.midMjd) },
    observation: { telescope: 'DSA_110', observer: 'dsa110-contimg', project: 'dsa110-continuum', startS, endS },
    history: {
      timeS: mjdToMsTime(Date.now() / 86400000 + 40587),
      message: `converted ${nspw} subband file(s) of group ${plan.groupId} (${plan.spws.map((s) => basename(s.path)).join(', ')}); rephased to J2000 RA ${(plan.phaseCentre.raRad * DEG).toFixed(6)} deg, Dec ${(plan.phaseCentre.decRad * DEG).toFixed(6)} deg`,
      application: opts.application ?? 'dsa110-contimg', origin: 'dsa110-contimg convert', cliCommand: opts.cliCommand ?? '', appParams: '',
    },
    receptors: { types: ['X', 'Y'], anglesRad: [0, Math.PI / 2] },
  };
}

function allocRows(nbl: number, nchan: number, npol: number): MainRows {
  const per = nchan * npol;
  return {
    n: nbl, time: new Float64Array(nbl), interval: new Float64Array(nbl), antenna1: new Int32Array(nbl), antenna2: new Int32Array(nbl),
    dataDescId: new Int32Array(nbl), uvw: new Float64Array(3 * nbl), data: new Float32Array(2 * nbl * per),
    flag: new Uint8Array(nbl * per), weightSpectrum: new Float32Array(nbl * per), weight: new Float32Array(nbl * npol),
    sigma: new Float32Array(nbl * npol), flagRow: new Uint8Array(nbl),
  };
}

/** A few rows kept while writing, compared with what the finished MS holds. */
interface SpotCheck { row: number; data: Float32Array; flag: Uint8Array; uvw: Float64Array }

function abortIfNeeded(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) throw new Error(`conversion cancelled ${where}`, { cause: signal.reason });
}

/** Write the planned MS at `dir` (a new directory). Returns the flagged fraction and spot checks. */
async function writeMs(dir: string, plan: ConversionPlan, opts: WriteOptions): Promise<{ flagged: number; spots: SpotCheck[] }> {
  const { nbl, nchan, npol } = plan;
  const ntimes = plan.timesMjd.length;
  const nspw = plan.spws.length;
  const per = nchan * npol;
  const w = createMeasurementSet(dir, describe(plan, opts));
  let flagged = 0;
  const spots: SpotCheck[] = [];
  const spotAt = new Set([[0, 0, nbl - 1], [Math.floor(ntimes / 2), Math.floor(nspw / 2), Math.floor(nbl / 2)], [ntimes - 1, nspw - 1, 0]].map(([t, s, b]) => ((t! * nspw + s!) * nbl + b!)));
  try {
    // Geometry per integration, shared by all windows: old w (Earth-fixed meridian direction, the
    // same every integration), new uvw for the J2000 centre, and their difference.
    const wOld = uvwFromHourAngle(plan.baselinesEcef, plan.haPhaseCentreRad, plan.pointingDecRad, plan.longitudeDeg);
    const uvwNew: Float64Array[] = [];
    const dws: Float64Array[] = [];
    for (let t = 0; t < ntimes; t++) {
      const u = uvwForJ2000(plan.baselinesEcef, plan.phaseCentre.raRad, plan.phaseCentre.decRad, plan.timesMjd[t] as number, { frame: 'j2000' });
      uvwNew.push(u);
      dws.push(Float64Array.from({ length: nbl }, (_, b) => (u[3 * b + 2] as number) - (wOld[3 * b + 2] as number)));
    }
    const auto = Uint8Array.from({ length: nbl }, (_, b) => (plan.ant1[b] === plan.ant2[b] ? 1 : 0));
    const rows = allocRows(nbl, nchan, npol);
    rows.antenna1.set(plan.ant1);
    rows.antenna2.set(plan.ant2);
    rows.interval.fill(plan.integrationS);
    for (let s = 0; s < nspw; s++) {
      const sp = plan.spws[s]!;
      abortIfNeeded(opts.signal, `before ${basename(sp.path)}`);
      opts.onProgress?.(s / nspw, `${sbName(sp.subband)} -> spectral window ${s}`);
      const f = await openUvh5(sp.path);
      try {
        const h = f.header;
        if (h.Nfreqs !== nchan || h.Npols !== npol || h.Nbls !== nbl || h.Ntimes !== ntimes) {
          throw new Error(`${sp.path}: Header: shape changed since planning (Nfreqs ${h.Nfreqs}, Npols ${h.Npols}, Nbls ${h.Nbls}, Ntimes ${h.Ntimes})`);
        }
        const map = fileRowMap(h, sp.path, plan.ant1, plan.ant2, new Map(Array.from(h.antenna_numbers, (n, i) => [n, i])));
        const weightScale = Float64Array.from(sp.widthsHz, (dnu) => 2 * Math.abs(dnu) * plan.integrationS);
        rows.dataDescId.fill(s);
        // Whole integrations per read: views on the reader's heap, consumed before the next read.
        const perRead = Math.max(1, Math.floor((64 * 1024 * 1024) / (nbl * per * 13)));
        f.forEachBlock({ blockRows: perRead * nbl }, (block) => {
          abortIfNeeded(opts.signal, `in ${basename(sp.path)}`);
          const t0 = block.rowStart / nbl;
          for (let i = 0; i < block.rows / nbl; i++) {
            const t = t0 + i;
            const ns = block.nsamples;
            flagged += convertIntegration({
              vis: block.vis, flags: block.flags, nsamples: ns, rowOffset: i * nbl, perm: map.perm, conj: map.conj, permOffset: t * nbl,
              auto, dw: dws[t]!, freqsHz: sp.freqsHz, reverse: sp.reverse, nchan, npol, weightScale,
            }, rows);
            rows.time.fill(mjdToMsTime(plan.timesMjd[t] as number));
            rows.uvw.set(uvwNew[t]!);
            const rowStart = (t * nspw + s) * nbl;
            w.putRows(rowStart, rows);
            for (let b = 0; b < nbl; b++) {
              if (!spotAt.has(rowStart + b)) continue;
              spots.push({
                row: rowStart + b, data: rows.data.slice(2 * b * per, 2 * (b + 1) * per),
                flag: rows.flag.slice(b * per, (b + 1) * per), uvw: rows.uvw.slice(3 * b, 3 * b + 3),
              });
            }
          }
        });
      } finally {
        f.close();
      }
      // Let the event loop run (progress events, cancellation polls) between subbands.
      await new Promise<void>((r) => setImmediate(r));
    }
  } finally {
    w.close();
  }
  return { flagged: flagged / (ntimes * nspw * nbl * per), spots };
}

/** Check a written MS before it is renamed into place: row count, windows, times, spot rows. */
export function verifyWrittenMs(dir: string, plan: ConversionPlan, spots: SpotCheck[]): void {
  const ms = MeasurementSet.open(dir);
  try {
    const want = plan.timesMjd.length * plan.spws.length * plan.nbl;
    if (ms.nrows !== want) throw new Error(`${dir}: verification: MAIN has ${ms.nrows} rows, expected ${want}`);
    const spws = ms.spectralWindows();
    if (spws.length !== plan.spws.length) throw new Error(`${dir}: verification: ${spws.length} spectral windows, expected ${plan.spws.length}`);
    const lastTime = ms.main.getCell('TIME', ms.nrows - 1);
    if (lastTime !== mjdToMsTime(plan.timesMjd[plan.timesMjd.length - 1] as number)) throw new Error(`${dir}: verification: the last row's TIME is ${String(lastTime)}, expected the last integration`);
    for (const s of spots) {
      const same = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));
      if (!same(ms.main.getColumn('DATA', s.row, 1) as Float32Array, s.data) || !same(ms.main.getColumn('FLAG', s.row, 1) as Uint8Array, s.flag)
        || !same(ms.main.getColumn('UVW', s.row, 1) as Float64Array, s.uvw)) {
        throw new Error(`${dir}: verification: row ${s.row} does not hold what was written (DATA, FLAG or UVW differ)`);
      }
    }
  } finally {
    ms.close();
  }
}

/** Remove temporary directories a killed conversion to `finalPath` left beside it. */
export function removeStalePartials(finalPath: string): string[] {
  const dir = dirname(finalPath);
  const prefix = `.${basename(finalPath)}.partial-`;
  if (!existsSync(dir)) return [];
  const gone = readdirSync(dir).filter((n) => n.startsWith(prefix)).map((n) => join(dir, n));
  for (const p of gone) rmSync(p, { recursive: true, force: true });
  return gone;
}

/**
 * Write the planned MS to `outputPath` atomically: a temporary sibling is written and verified,
 * then renamed over `outputPath`. A crash leaves no MS at `outputPath` (only a `.partial-` sibling
 * that removeStalePartials clears).
 */
export async function writeConversion(plan: ConversionPlan, outputPath: string, opts: WriteOptions = {}): Promise<ConvertResult> {
  const { flagged } = await produceAtomic(outputPath, async (tmp) => {
    const r = await writeMs(tmp, plan, opts);
    verifyWrittenMs(tmp, plan, r.spots);
    return r;
  });
  opts.onProgress?.(1, `wrote ${outputPath}`);
  const withData = new Set([...plan.ant1, ...plan.ant2]).size;
  const first = plan.spws[0]!;
  const last = plan.spws[plan.spws.length - 1]!;
  return {
    path: outputPath, groupId: plan.groupId, rows: plan.timesMjd.length * plan.spws.length * plan.nbl, spws: plan.spws.length,
    subbands: plan.spws.map((s) => s.subband), missingSubbands: plan.missingSubbands, antennas: plan.antennas.length,
    antennasWithData: withData, baselines: plan.nbl, ntimes: plan.timesMjd.length,
    startMjd: plan.startMjd, endMjd: plan.endMjd, midMjd: plan.midMjd, pointingDecDeg: plan.pointingDecRad * DEG,
    phaseCentreRaDeg: plan.phaseCentre.raRad * DEG, phaseCentreDecDeg: plan.phaseCentre.decRad * DEG,
    flaggedFraction: flagged, freqMinHz: first.freqsHz[0] as number, freqMaxHz: last.freqsHz[last.freqsHz.length - 1] as number,
    warnings: plan.warnings,
  };
}
