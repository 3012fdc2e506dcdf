// Calibration benchmark. With --ms PATH (a full-size 5-minute MS: 96 antennas, 16 windows of
// 48 channels, 24 integrations, 2 pols) on a scratch copy of it: (1) `calibrateMs`, what
// `dsa110 calibrate --ms` runs (solve and apply in one pass, RFI flagging on), its wall and
// CPU time (main thread + workers); (2) the same steps one after the other with no overlap,
// timed per phase (read, model, flag, solve B, solve G, apply, write) in wall and CPU. Then,
// always, the solves and the apply on an in-memory block of the same size (generated already
// phased to a point calibrator: V = J_a conj(J_b) S(t, nu) + noise, random gains and smooth
// bandpasses). Prints the load average (the machine is shared) and visibilities per second.
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { INTEGRATION_S, bandFrequencies } from '../src/shared/instrument';
import { NativePool } from '../src/main/engine/native/pool';
import { activeStations } from '../src/main/engine/sim/array';
import { Rng } from '../src/main/engine/sim/rng';
import { openTable } from '../src/main/engine/casacore';
import { MeasurementSet } from '../src/main/engine/ms';
import {
  type CalBlock,
  type CalModel,
  applyCalibration,
  solveBandpass,
  solveGainPair,
  solveGains,
} from '../src/main/engine/calibration/solve';
import { flagBlock } from '../src/main/engine/calibration/flag';
import {
  ensureCorrectedColumn,
  msLayout,
  pointModel,
  readSpwBlock,
  sourcePhases,
  windowBuffers,
  writeSpwBlock,
} from '../src/main/engine/calibration/ms-block';
import { calibrateMs } from '../src/main/engine/calibration/stage';
import { resolveCalibrator, windowSolveContext } from '../src/main/engine/calibration/window-solve';
import { Engine } from '../src/main/engine/engine';

export const description =
  'calibrate (solve + apply in one pass) on a copy of --ms PATH, then per phase; and bandpass + gain solves and apply on an in-memory 96-antenna x 768-channel block; --threads --antennas --channels --solint --keep';
function sharedOf<T extends Float32Array | Uint8Array>(
  ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number },
  n: number,
): T {
  return new ctor(new SharedArrayBuffer(n * ctor.BYTES_PER_ELEMENT));
}

function makeBlock(nAnt: number, nchanSb: number, seed: number): { block: CalBlock; model: CalModel } {
  const rng = new Rng(seed, 'bench-calibrate');
  const stations = activeStations(nAnt);
  const freqs = bandFrequencies(nchanSb);
  const nchan = freqs.length;
  const ntime = 24;
  const nbl = (nAnt * (nAnt + 1)) / 2;
  const rows = nbl * ntime;
  const ant1 = new Int32Array(rows);
  const ant2 = new Int32Array(rows);
  const rowTime = new Int32Array(rows);
  for (let t = 0, r = 0; t < ntime; t++) {
    for (let j = 0; j < nAnt; j++) {
      for (let i = 0; i <= j; i++, r++) {
        ant1[r] = (stations[i] as number) - 1;
        ant2[r] = (stations[j] as number) - 1;
        rowTime[r] = t;
      }
    }
  }
  const nant = Math.max(...stations);
  // J = gain(t) x bandpass(nu) per antenna number and pol.
  const J = new Float32Array(ntime * nchan * nant * 2 * 2);
  for (let a = 0; a < nant; a++) {
    for (let p = 0; p < 2; p++) {
      const g0 = 1 + 0.08 * rng.normal();
      const ph0 = rng.range(-Math.PI, Math.PI);
      const rate = 0.01 * rng.normal();
      const delay = 1.5e-9 * rng.normal();
      const rip = 0.05 * rng.normal();
      for (let t = 0; t < ntime; t++) {
        for (let c = 0; c < nchan; c++) {
          const x = c / nchan;
          const amp = g0 * (1 + rip * Math.cos(Math.PI * x));
          const ph = ph0 + rate * t + 2 * Math.PI * ((freqs[c] as number) - 1.4e9) * delay;
          const o = 2 * (((t * nchan + c) * nant + a) * 2 + p);
          J[o] = amp * Math.cos(ph);
          J[o + 1] = amp * Math.sin(ph);
        }
      }
    }
  }
  const flux = new Float32Array(ntime * nchan);
  for (let t = 0; t < ntime; t++)
    for (let c = 0; c < nchan; c++)
      flux[t * nchan + c] = 8.8 * Math.pow((freqs[c] as number) / 1.4e9, -0.36) * (1 - (0.003 * (t - 12) ** 2) / 144);
  // sigma per component for 244 kHz x 12.9 s with SEFD ~ 5800 Jy; noise from a table (speed).
  const sigma = 5800 / Math.sqrt(2 * 244140.625 * INTEGRATION_S);
  const table = Float32Array.from({ length: 1 << 20 }, () => sigma * rng.normal());
  const n = rows * nchan * 2;
  const vis = sharedOf(Float32Array, 2 * n);
  const flags = sharedOf(Uint8Array, n);
  let k = (rng.uniform() * 0x7fffffff) | 0;
  for (let r = 0; r < rows; r++) {
    const a = ant1[r] as number;
    const b = ant2[r] as number;
    const t = rowTime[r] as number;
    for (let c = 0; c < nchan; c++) {
      const s = flux[t * nchan + c] as number;
      for (let p = 0; p < 2; p++) {
        const i = (r * nchan + c) * 2 + p;
        if (a === b) {
          flags[i] = 1;
          vis[2 * i] = 5800;
          continue;
        }
        const o1 = 2 * (((t * nchan + c) * nant + a) * 2 + p);
        const o2 = 2 * (((t * nchan + c) * nant + b) * 2 + p);
        const j1r = J[o1] as number,
          j1i = J[o1 + 1] as number,
          j2r = J[o2] as number,
          j2i = J[o2 + 1] as number;
        k = (Math.imul(k, 1103515245) + 12345) | 0;
        const n1 = table[(k >>> 8) & 0xfffff] as number;
        k = (Math.imul(k, 1103515245) + 12345) | 0;
        const n2 = table[(k >>> 8) & 0xfffff] as number;
        const vr = s + n1;
        const vi = n2;
        const jr = j1r * j2r + j1i * j2i;
        const ji = j1i * j2r - j1r * j2i;
        vis[2 * i] = vr * jr - vi * ji;
        vis[2 * i + 1] = vr * ji + vi * jr;
      }
    }
  }
  const timesMjd = Float64Array.from({ length: ntime }, (_, t) => 61055 + ((t + 0.5) * INTEGRATION_S) / 86400);
  return {
    block: { vis, flags, weights: null, ant1, ant2, nant, freqsHz: freqs, npol: 2, timesMjd, rowTime },
    model: { kind: 'point', flux },
  };
}

interface Timed {
  wallS: number;
  cpuS: number;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, Timed]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fn();
  const c = process.cpuUsage(c0);
  return [r, { wallS: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6 }];
}

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const f2 = (x: number, w = 7): string => x.toFixed(2).padStart(w);

/** A scratch copy of the MS (calibrate writes into it). */
function scratchCopy(msPath: string): { dir: string; ms: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dsa110-bench-calibrate-'));
  const ms = path.join(dir, path.basename(msPath));
  cpSync(msPath, ms, { recursive: true });
  return { dir, ms };
}

/** calibrateMs end to end, as `dsa110 calibrate --ms` runs it. */
async function timeCalibrate(msPath: string, threads: number): Promise<void> {
  const { dir, ms } = scratchCopy(msPath);
  const engine = await Engine.open({ workspace: path.join(dir, 'ws'), overrides: { threads } });
  try {
    const hadCorrected = MeasurementSet.open(ms);
    const had = hadCorrected.main.columnNames().includes('CORRECTED_DATA');
    const nvis =
      hadCorrected.main.nrows * (hadCorrected.main.getCellShape('DATA', 0) ?? [0, 0]).reduce((a, x) => a * x, 1);
    hadCorrected.close();
    engine.native();
    console.log(
      `calibrate (one pass, RFI flagging on), ${threads} threads, ${(nvis / 1e6).toFixed(0)} M visibilities${had ? ' (CORRECTED_DATA already present)' : ''}; load average before: ${load()}`,
    );
    const [r, t] = await timed(() => calibrateMs(engine, { msPath: ms }));
    console.log(
      `  solved on ${r.solve.calibrator}: ${r.solve.tables.map((x) => `${x.kind} ${(100 * x.qa.flaggedFraction).toFixed(2)} % flagged, median SNR ${x.qa.medianSnr.toFixed(1)}`).join('; ')}`,
    );
    console.log(
      `  ${(100 * r.solve.flaggedBeforeSolve).toFixed(1)} % flagged before solving; after apply ${(100 * r.apply.flaggedFraction).toFixed(1)} %`,
    );
    console.log(
      `  wall ${f2(t.wallS, 0)} s, CPU ${f2(t.cpuS, 0)} s (main thread + workers), ${(nvis / t.wallS / 1e6).toFixed(1)} M visibilities/s end to end; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; load average after: ${load()}`,
    );
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same steps with no overlap, per phase. */
async function timePhases(msPath: string, threads: number): Promise<void> {
  const { dir, ms: copy } = scratchCopy(msPath);
  const engine = await Engine.open({ workspace: path.join(dir, 'ws'), overrides: { threads } });
  const pool = engine.native();
  const acc = new Map<string, Timed>();
  let t0 = performance.now();
  let c0 = process.cpuUsage();
  const lap = (what: string): void => {
    const c = process.cpuUsage(c0);
    const a = acc.get(what) ?? { wallS: 0, cpuS: 0 };
    a.wallS += (performance.now() - t0) / 1000;
    a.cpuS += (c.user + c.system) / 1e6;
    acc.set(what, a);
    t0 = performance.now();
    c0 = process.cpuUsage();
  };
  const ms = MeasurementSet.open(copy);
  let nvis = 0;
  try {
    const layout = msLayout(ms);
    const ctx = windowSolveContext(
      engine.config,
      layout,
      resolveCalibrator(engine.db, engine.config, layout, copy, undefined),
      true,
    );
    await pool.flagBasic({
      vis: new Float32Array(new SharedArrayBuffer(8)),
      flags: new Uint8Array(new SharedArrayBuffer(1)),
      ant1: Int32Array.of(0),
      ant2: Int32Array.of(1),
      nchan: 1,
      npol: 1,
    });
    ensureCorrectedColumn(ms);
    const writer = openTable(copy, { writable: true });
    const bufs = windowBuffers(ms, layout);
    lap('setup');
    try {
      for (const sp of layout.spws) {
        const b = readSpwBlock(ms, layout, sp.id, 'DATA', { buffers: bufs });
        nvis += b.block.flags.length;
        lap('read');
        const model = {
          kind: 'point' as const,
          flux: pointModel(b.block, layout, ctx.src, ctx.beamName),
          phase: sourcePhases(b, layout, ctx.src),
        };
        lap('model (beam, phases)');
        await flagBlock(pool, b.block, { model, threads });
        lap('flag (RFI, dead antennas)');
        const common = { refants: ctx.refants, minSnr: ctx.minSnr, threads };
        const bp = await solveBandpass(pool, b.block, model, { ...common, maxFlaggedFraction: 1 });
        lap('solve B');
        const [, g] = await solveGainPair(pool, b.block, model, { ...common, bandpass: bp, solintS: ctx.solintS });
        lap('solve G (Gp, Gap: one pass)');
        await applyCalibration(pool, b.block, { bandpass: bp, gains: g }, { threads });
        lap('apply');
        writeSpwBlock(writer, b, 'CORRECTED_DATA');
        lap('write');
      }
    } finally {
      writer.close();
    }
  } finally {
    ms.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nthe same, phase by phase with no overlap (${threads} threads); load average after: ${load()}`);
  console.log(`${'phase'.padEnd(28)} ${'wall s'.padStart(7)} ${'CPU s'.padStart(7)}`);
  let w = 0;
  let c = 0;
  for (const [k, v] of acc) {
    console.log(`${k.padEnd(28)} ${f2(v.wallS)} ${f2(v.cpuS)}`);
    w += v.wallS;
    c += v.cpuS;
  }
  console.log(`${'total'.padEnd(28)} ${f2(w)} ${f2(c)}`);
  const solveS = (acc.get('solve B')?.wallS ?? 0) + (acc.get('solve G (Gp, Gap: one pass)')?.wallS ?? 0);
  console.log(`solves: ${((3 * nvis) / solveS / 1e6).toFixed(1)} M visibilities/s over 3 passes (B, Gp, Gap)`);
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      threads: { type: 'string', default: String(availableParallelism()) },
      antennas: { type: 'string', default: '96' },
      channels: { type: 'string', default: '48' },
      solint: { type: 'string', default: '60' },
      ms: { type: 'string' },
      phases: { type: 'boolean', default: true },
    },
    allowNegative: true,
  });
  const threads = Number(values.threads);
  console.log(
    `load average (1, 5, 15 min): ${load()} on ${availableParallelism()} cores${loadavg()[0]! > 0.5 * availableParallelism() ? ' -- the machine is busy: walls are upper bounds, CPU times hold' : ''}`,
  );
  // The MS first, so its peak memory is not the in-memory block's.
  if (values.ms !== undefined) {
    if (!existsSync(values.ms)) throw new Error(`bench calibrate: --ms ${values.ms} does not exist`);
    await timeCalibrate(values.ms, threads);
    if (values.phases) await timePhases(values.ms, threads);
    console.log('');
  }
  const nAnt = Number(values.antennas);
  const nchanSb = Number(values.channels);
  const solintS = Number(values.solint);
  const t0 = performance.now();
  const { block, model } = makeBlock(nAnt, nchanSb, 1);
  const nvis = block.flags.length;
  console.log(
    `in memory: ${nAnt} antennas, ${block.freqsHz.length} channels, ${block.timesMjd.length} integrations, 2 pols: ` +
      `${(nvis / 1e6).toFixed(1)} M visibilities (${((block.vis.byteLength + block.flags.byteLength) / 2 ** 30).toFixed(2)} GiB) generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const pool = new NativePool({ workers: 1 });
  try {
    // Warm the worker (tsx + addon load) outside the timings.
    await solveGains(
      pool,
      {
        ...block,
        ant1: block.ant1.subarray(0, 10),
        ant2: block.ant2.subarray(0, 10),
        rowTime: block.rowTime.subarray(0, 10),
        vis: block.vis.subarray(0, 10 * block.freqsHz.length * 4),
        flags: block.flags.subarray(0, 10 * block.freqsHz.length * 2),
      },
      model,
      { threads: 1 },
    ).catch(() => undefined);
    const time = async <T>(what: string, fn: () => Promise<T>): Promise<[T, Timed]> => {
      const [r, t] = await timed(fn);
      console.log(`${what.padEnd(28)} ${f2(t.wallS)} ${f2(t.cpuS)}`);
      return [r, t];
    };
    console.log(`${'step'.padEnd(28)} ${'wall s'.padStart(7)} ${'CPU s'.padStart(7)}`);
    const [bp, tB] = await time('bandpass (per channel)', () => solveBandpass(pool, block, model, { threads }));
    const [ph, tP] = await time(`gains phase-only (${solintS} s)`, () =>
      solveGains(pool, block, model, { bandpass: bp, solintS, phaseOnly: true, threads }),
    );
    const [g, tG] = await time(`gains amp+phase (${solintS} s)`, () =>
      solveGains(pool, block, model, { bandpass: bp, solintS, initial: ph, threads }),
    );
    await time('  both in one pass (as used)', () =>
      solveGainPair(pool, block, model, { bandpass: bp, solintS, threads }),
    );
    const [newly, tA] = await time('apply (bandpass x gains)', () =>
      applyCalibration(pool, block, { bandpass: bp, gains: g }, { threads }),
    );
    const solve = tB.wallS + tP.wallS + tG.wallS;
    console.log(
      `${'total'.padEnd(28)} ${f2(solve + tA.wallS)} ${f2(tB.cpuS + tP.cpuS + tG.cpuS + tA.cpuS)}   (operational pipeline: 31 + 10 + 4 s on 40 cores)`,
    );
    console.log(
      `solves: ${((3 * nvis) / solve / 1e6).toFixed(1)} M visibilities/s over 3 passes; apply ${(nvis / tA.wallS / 1e6).toFixed(1)} M visibilities/s; threads ${threads}`,
    );
    console.log(
      `bandpass flagged ${(100 * bp.flaggedFraction).toFixed(2)} %, gains flagged ${(100 * g.flaggedFraction).toFixed(2)} %, apply flagged ${newly} samples; load average after: ${load()}`,
    );
  } finally {
    await pool.close();
  }
}
