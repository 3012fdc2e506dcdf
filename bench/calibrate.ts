// Calibration benchmark: bandpass + phase-only + amplitude+phase gain solves and the apply on a
// full-size 5-minute block (96 antennas, 768 channels, 24 integrations, 2 pols; 4656 baselines
// with autocorrelations, which are flagged), generated in memory already phased to a point
// calibrator: V = J_a conj(J_b) S(t, nu) + noise with random gains and smooth bandpasses.
// Reports seconds per step, total, and visibilities per second of the solves. With --ms PATH it
// first times the real path on that MS (solveMs: read, rotate, flag, solve, write tables;
// applyMs: read, apply, write CORRECTED_DATA and FLAG; it writes into the MS) in a scratch
// workspace, then the in-memory steps, and prints both side by side.
import { mkdtempSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { INTEGRATION_S, bandFrequencies } from '../src/shared/instrument';
import { NativePool } from '../src/main/engine/native/pool';
import { activeStations } from '../src/main/engine/sim/array';
import { Rng } from '../src/main/engine/sim/rng';
import { type CalBlock, type CalModel, applyCalibration, solveBandpass, solveGains } from '../src/main/engine/calibration/solve';
import { applyMs, solveMs } from '../src/main/engine/calibration/stage';
import { Engine } from '../src/main/engine/engine';

export const description = 'bandpass + gain solves and apply on a 96-antenna x 768-channel x 24-integration block; --threads --antennas --channels --solint; --ms PATH [--workspace DIR] also times solve + apply through a real MS (writes CORRECTED_DATA)';

function sharedOf<T extends Float32Array | Uint8Array>(ctor: { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T {
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
  for (let t = 0; t < ntime; t++) for (let c = 0; c < nchan; c++) flux[t * nchan + c] = 8.8 * Math.pow((freqs[c] as number) / 1.4e9, -0.36) * (1 - 0.003 * (t - 12) ** 2 / 144);
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
        const j1r = J[o1] as number, j1i = J[o1 + 1] as number, j2r = J[o2] as number, j2i = J[o2 + 1] as number;
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
  return { block: { vis, flags, weights: null, ant1, ant2, nant, freqsHz: freqs, npol: 2, timesMjd, rowTime }, model: { kind: 'point', flux } };
}

interface Timed { wallS: number; cpuS: number }

async function timed<T>(fn: () => Promise<T>): Promise<[T, Timed]> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fn();
  const c = process.cpuUsage(c0);
  return [r, { wallS: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6 }];
}

/** solveMs then applyMs on the MS, in `workspace` (a scratch one, removed after, by default). */
async function timeMs(msPath: string, workspace: string | undefined): Promise<{ solve: Timed; apply: Timed; peakRssMiB: number }> {
  const ws = workspace ?? mkdtempSync(path.join(tmpdir(), 'dsa110-bench-calibrate-'));
  const engine = await Engine.open({ workspace: ws });
  try {
    const ms = path.resolve(msPath);
    const [sol, solve] = await timed(() => solveMs(engine, { msPath: ms }));
    console.log(`MS solve on ${sol.calibrator}: ${sol.tables.map((t) => `${t.kind} ${(100 * t.qa.flaggedFraction).toFixed(2)} % flagged, median SNR ${t.qa.medianSnr.toFixed(1)}`).join('; ')}`);
    const [app, apply] = await timed(() => applyMs(engine, { msPath: ms }));
    console.log(`MS apply: ${app.skipped ? 'skipped (already applied)' : `${(100 * app.flaggedFraction).toFixed(2)} % flagged after`}`);
    // ru_maxrss is in KiB on Linux.
    return { solve, apply, peakRssMiB: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await engine.close();
    if (workspace === undefined) rmSync(ws, { recursive: true, force: true });
  }
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
      workspace: { type: 'string' },
    },
  });
  // The MS path first, so its peak memory is not the in-memory block's.
  const real = values.ms !== undefined ? await timeMs(values.ms, values.workspace) : null;
  const threads = Number(values.threads);
  const nAnt = Number(values.antennas);
  const nchanSb = Number(values.channels);
  const solintS = Number(values.solint);
  const t0 = performance.now();
  const { block, model } = makeBlock(nAnt, nchanSb, 1);
  const nvis = block.flags.length;
  console.log(
    `block: ${nAnt} antennas, ${block.freqsHz.length} channels, ${block.timesMjd.length} integrations, 2 pols: ` +
      `${(nvis / 1e6).toFixed(1)} M visibilities (${((block.vis.byteLength + block.flags.byteLength) / 2 ** 30).toFixed(2)} GiB) generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const pool = new NativePool({ workers: 1 });
  try {
    // Warm the worker (tsx + addon load) outside the timings.
    await solveGains(pool, { ...block, ant1: block.ant1.subarray(0, 10), ant2: block.ant2.subarray(0, 10), rowTime: block.rowTime.subarray(0, 10), vis: block.vis.subarray(0, 10 * block.freqsHz.length * 4), flags: block.flags.subarray(0, 10 * block.freqsHz.length * 2) }, model, { threads: 1 }).catch(() => undefined);
    const time = async <T>(what: string, fn: () => Promise<T>): Promise<[T, number]> => {
      const s = performance.now();
      const r = await fn();
      const dt = (performance.now() - s) / 1000;
      console.log(`${what.padEnd(28)} ${dt.toFixed(2).padStart(7)} s`);
      return [r, dt];
    };
    const [bp, tB] = await time('bandpass (per channel)', () => solveBandpass(pool, block, model, { threads }));
    const [ph, tP] = await time(`gains phase-only (${solintS} s)`, () => solveGains(pool, block, model, { bandpass: bp, solintS, phaseOnly: true, threads }));
    const [g, tG] = await time(`gains amp+phase (${solintS} s)`, () => solveGains(pool, block, model, { bandpass: bp, solintS, initial: ph, threads }));
    const [newly, tA] = await time('apply (bandpass x gains)', () => applyCalibration(pool, block, { bandpass: bp, gains: g }, { threads }));
    const solve = tB + tP + tG;
    console.log(`${'total'.padEnd(28)} ${(solve + tA).toFixed(2).padStart(7)} s   (operational pipeline: 31 + 10 + 4 s on 40 cores)`);
    console.log(`solves: ${((3 * nvis) / solve / 1e6).toFixed(1)} M visibilities/s over 3 passes; apply ${(nvis / tA / 1e6).toFixed(1)} M visibilities/s; threads ${threads}`);
    console.log(`bandpass flagged ${(100 * bp.flaggedFraction).toFixed(2)} %, gains flagged ${(100 * g.flaggedFraction).toFixed(2)} %, apply flagged ${newly} samples`);
    if (real) {
      const f = (x: number) => x.toFixed(2).padStart(7);
      console.log(`\n${''.padEnd(28)} ${'memory'.padStart(7)} ${'MS wall'.padStart(8)} ${'MS cpu'.padStart(7)}  (cpu: main thread + workers, s)`);
      console.log(`${'solve (B, Gp, Gap; MS: +flag)'.padEnd(28)} ${f(solve)} ${f(real.solve.wallS)}  ${f(real.solve.cpuS)}`);
      console.log(`${'apply'.padEnd(28)} ${f(tA)} ${f(real.apply.wallS)}  ${f(real.apply.cpuS)}`);
      console.log(`${'total'.padEnd(28)} ${f(solve + tA)} ${f(real.solve.wallS + real.apply.wallS)}  ${f(real.solve.cpuS + real.apply.cpuS)}   MS peak RSS ${real.peakRssMiB.toFixed(0)} MiB`);
    }
  } finally {
    await pool.close();
  }
}
