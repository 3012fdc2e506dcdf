// The simulator against known truth: exact point-source visibilities, corruptions as
// recorded in the truth file, radiometer noise, and the files' UVH5 layout as h5py sees it.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARRAY_CENTRE, beamModel, INTEGRATION_S } from '../../src/shared/instrument';
import {
  apparentContext,
  apparentVector,
  directionCosines,
  driftPhaseCentreJ2000,
  lastRad,
  parseIsoUtc,
  raDecOf,
  unitVector,
  C_M_S,
} from '../../src/shared/astro';
import { NativePool } from '../../src/main/engine/native/pool';
import { simulate, TRUTH_FILE, type SimulationResult } from '../../src/main/engine/sim/simulate';
import { openUvh5, type Uvh5File } from '../../src/main/engine/uvh5';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';

const START = '2026-01-15T03:00:00';
const DEC = 55.57;
const pool = new NativePool({ workers: 2 });
const dirs: string[] = [];
afterAll(async () => {
  await pool.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'dsa110-sim-'));
  dirs.push(d);
  return d;
}

const CLEAN = { gains: false, bandpass: false, noise: false, deadAntennas: 0, flaggedChannelFraction: 0, rfi: false };

async function readAll(file: string): Promise<{ f: Uvh5File; vis: Float32Array; flags: Uint8Array }> {
  const f = await openUvh5(file);
  const b = f.readVisibilities({ rowStart: 0, rowCount: f.header.Nblts });
  return { f, vis: b.vis, flags: b.flags };
}

/** Sub-band 0 file of chunk 0. */
function sb(r: SimulationResult, n: number): string {
  return r.chunks[0]!.files.find((f) => f.endsWith(`_sb${String(n).padStart(2, '0')}.hdf5`))!;
}

describe('a single source with no corruptions', () => {
  // The source sits at the J2000 position of integration 11's phase centre (the meridian at
  // the pointing declination at that instant): it transits during the chunk.
  const startMjd = parseIsoUtc(START);
  const k = 11;
  const tk = startMjd + ((k + 0.5) * INTEGRATION_S) / 86400;
  const pc = driftPhaseCentreJ2000(tk, (DEC * Math.PI) / 180);
  const src = {
    name: 'T',
    raDeg: (pc.raRad * 180) / Math.PI,
    decDeg: (pc.decRad * 180) / Math.PI,
    fluxJy: 1,
    spectralIndex: 0,
    kind: 'field' as const,
  };
  const offset = { ...src, name: 'O', raDeg: src.raDeg + 0.9, decDeg: src.decDeg - 0.6, fluxJy: 2.5 };
  let onAxis: SimulationResult;
  let offAxis: SimulationResult;

  beforeAll(async () => {
    onAxis = await simulate(
      {
        outDir: tmp(),
        start: START,
        minutes: 5,
        decDeg: DEC,
        antennas: 12,
        channelsPerSubband: 4,
        sources: [src],
        corruptions: CLEAN,
        minApparentJy: 0,
      },
      pool,
    );
    offAxis = await simulate(
      {
        outDir: tmp(),
        start: START,
        minutes: 5,
        decDeg: DEC,
        antennas: 12,
        channelsPerSubband: 4,
        sources: [offset],
        corruptions: CLEAN,
        minApparentJy: 0,
      },
      pool,
    );
  });

  it('writes 16 correlator-named files and a truth file per chunk', () => {
    expect(onAxis.chunks).toHaveLength(1);
    const names = readdirSync(onAxis.outDir).sort();
    expect(names.filter((n) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d_sb\d\d\.hdf5$/.test(n))).toHaveLength(16);
    expect(names).toContain(TRUTH_FILE);
    const truth = JSON.parse(readFileSync(onAxis.truthFile, 'utf8')) as { sources: unknown[]; beam: { name: string } };
    expect(truth.sources).toHaveLength(1);
    expect(truth.beam.name).toBe('airy');
  });

  it('gives the flux on every cross-correlation at the integration where the source is at the phase centre', async () => {
    const { f, vis } = await readAll(sb(onAxis, 3));
    const h = f.header;
    const nbl = h.Nbls;
    let worst = 0;
    for (let b = 0; b < nbl; b++) {
      if (h.ant_1_array[b] === h.ant_2_array[b]) continue;
      for (let i = 0; i < h.Nfreqs * h.Npols; i++) {
        const o = 2 * ((k * nbl + b) * h.Nfreqs * h.Npols + i);
        worst = Math.max(worst, Math.abs(vis[o]! - 1), Math.abs(vis[o + 1]!));
      }
    }
    // float32 storage: 6e-8 relative; the source is within 1e-9 rad of the centre.
    expect(worst).toBeLessThan(1e-6);
    f.close();
  });

  it('gives the beam-attenuated flux and the geometric phase of an offset source everywhere', async () => {
    const { f, vis } = await readAll(sb(offAxis, 9));
    const h = f.header;
    const beam = beamModel('airy');
    const dec0 = (DEC * Math.PI) / 180;
    let worstAmp = 0;
    let worstPhase = 0;
    for (let t = 0; t < h.Ntimes; t++) {
      // The simulator's own instant: time_array in JD keeps only ~20 us (an ulp of 2.46e6 days),
      // which moves a source by 1e-9 rad, ~1e-4 rad of phase on the longest baselines.
      const mjd = parseIsoUtc(START) + ((t + 0.5) * INTEGRATION_S) / 86400;
      expect(Math.abs(h.time_array[t * h.Nbls]! - 2400000.5 - mjd) * 86400).toBeLessThan(1e-4);
      const ctx = apparentContext(mjd);
      const app = raDecOf(
        apparentVector(unitVector((offset.raDeg * Math.PI) / 180, (offset.decDeg * Math.PI) / 180), ctx),
      );
      const [l, m, n] = directionCosines(app.raRad, app.decRad, lastRad(mjd, ARRAY_CENTRE.longitudeDeg), dec0);
      for (let b = 0; b < h.Nbls; b++) {
        const row = t * h.Nbls + b;
        if (h.ant_1_array[row] === h.ant_2_array[row]) continue;
        const [u, v, w] = [h.uvw_array[3 * row]!, h.uvw_array[3 * row + 1]!, h.uvw_array[3 * row + 2]!];
        for (let c = 0; c < h.Nfreqs; c++) {
          const nu = h.freq_array[c]!;
          const expectAmp = offset.fluxJy * beam.response(Math.acos(n), nu);
          const phase = (2 * Math.PI * nu * (u * l + v * m + w * (n - 1))) / C_M_S;
          for (let p = 0; p < h.Npols; p++) {
            const o = 2 * ((row * h.Nfreqs + c) * h.Npols + p);
            const re = vis[o]!;
            const im = vis[o + 1]!;
            worstAmp = Math.max(worstAmp, Math.abs(Math.hypot(re, im) - expectAmp) / offset.fluxJy);
            const d = Math.atan2(im, re) - phase;
            worstPhase = Math.max(worstPhase, Math.abs(Math.atan2(Math.sin(d), Math.cos(d))));
          }
        }
      }
    }
    expect(worstAmp).toBeLessThan(1e-6);
    // float32 keeps the phase to ~1e-7 rad.
    expect(worstPhase).toBeLessThan(1e-5);
    f.close();
  });
});

describe('corruptions', () => {
  const startMjd = parseIsoUtc(START);
  const pc = driftPhaseCentreJ2000(startMjd + (12 * INTEGRATION_S) / 86400, (DEC * Math.PI) / 180);
  const src = {
    name: 'C',
    raDeg: (pc.raRad * 180) / Math.PI,
    decDeg: (pc.decRad * 180) / Math.PI,
    fluxJy: 5,
    spectralIndex: -0.7,
    kind: 'calibrator' as const,
  };
  let clean: SimulationResult;
  let corrupt: SimulationResult;
  let noisy: SimulationResult;
  beforeAll(async () => {
    const base = {
      start: START,
      minutes: 5,
      decDeg: DEC,
      antennas: 10,
      channelsPerSubband: 8,
      sources: [src],
      minApparentJy: 0,
      seed: 7,
    };
    clean = await simulate({ ...base, outDir: tmp(), corruptions: CLEAN }, pool);
    corrupt = await simulate(
      {
        ...base,
        outDir: tmp(),
        corruptions: { ...CLEAN, gains: true, bandpass: true, deadAntennas: 2, flaggedChannelFraction: 0.1 },
      },
      pool,
    );
    noisy = await simulate({ ...base, outDir: tmp(), corruptions: { ...CLEAN, noise: true } }, pool);
  });

  it('applies J_a V conj(J_b) with the gains and bandpasses of the truth file', async () => {
    type Truth = {
      array: { stations: number[]; deadStations: number[] };
      gains: { samples: { mjd: number; g: number[][][] }[] };
      bandpass: { freqsHz: number[]; values: number[][][][] };
      flaggedChannelsHz: number[];
    };
    const truth = JSON.parse(readFileSync(corrupt.truthFile, 'utf8')) as Truth;
    expect(truth.array.deadStations).toHaveLength(2);
    // A subband that holds a correlator-flagged channel.
    const allFreqs = truth.bandpass.freqsHz;
    const flaggedSb = Math.floor(allFreqs.findIndex((f) => Math.abs(f - truth.flaggedChannelsHz[0]!) < 1) / 8);
    const a = await readAll(sb(clean, flaggedSb));
    const c = await readAll(sb(corrupt, flaggedSb));
    const h = c.f.header;
    const idx = new Map(truth.array.stations.map((s, i) => [s - 1, i]));
    const dead = new Set(truth.array.deadStations.map((s) => s - 1));
    const flaggedFreqs = new Set(truth.flaggedChannelsHz.map((f) => Math.round(f)));
    let worst = 0;
    let nFlagged = 0;
    let nDead = 0;
    for (let row = 0; row < h.Nblts; row++) {
      const a1 = h.ant_1_array[row]!;
      const a2 = h.ant_2_array[row]!;
      if (a1 === a2) continue;
      const t = Math.floor(row / h.Nbls);
      const gs = truth.gains.samples[t]!;
      for (let ch = 0; ch < h.Nfreqs; ch++) {
        const fi = truth.bandpass.freqsHz.findIndex((f) => Math.abs(f - h.freq_array[ch]!) < 1);
        for (let p = 0; p < 2; p++) {
          const o = (row * h.Nfreqs + ch) * 2 + p;
          if (flaggedFreqs.has(Math.round(h.freq_array[ch]!))) {
            expect(c.flags[o]).toBe(1);
            nFlagged++;
            continue;
          }
          if (dead.has(a1) || dead.has(a2)) {
            expect(Math.hypot(c.vis[2 * o]!, c.vis[2 * o + 1]!)).toBe(0);
            nDead++;
            continue;
          }
          const J = (ant: number): [number, number] => {
            const [gr, gi] = gs.g[idx.get(ant)!]![p]! as [number, number];
            const [br, bi] = truth.bandpass.values[idx.get(ant)!]![p]![fi]! as [number, number];
            return [gr * br - gi * bi, gr * bi + gi * br];
          };
          const [j1r, j1i] = J(a1);
          const [j2r, j2i] = J(a2);
          const jr = j1r * j2r + j1i * j2i;
          const ji = j1i * j2r - j1r * j2i;
          const vr = a.vis[2 * o]!;
          const vi = a.vis[2 * o + 1]!;
          const er = vr * jr - vi * ji;
          const ei = vr * ji + vi * jr;
          worst = Math.max(worst, Math.hypot(c.vis[2 * o]! - er, c.vis[2 * o + 1]! - ei) / src.fluxJy);
        }
      }
    }
    // The truth file rounds gains and bandpasses to 7 significant digits.
    expect(worst).toBeLessThan(5e-6);
    expect(nFlagged).toBeGreaterThan(0);
    expect(nDead).toBeGreaterThan(0);
    a.f.close();
    c.f.close();
  });

  it('adds radiometer noise of the stated rms (within 3 %, 4 standard errors)', async () => {
    const truth = JSON.parse(readFileSync(noisy.truthFile, 'utf8')) as {
      noise: { sigmaJyPerVisibility: number; sefdJy: number };
    };
    const a = await readAll(sb(clean, 2));
    const n = await readAll(sb(noisy, 2));
    const h = n.f.header;
    let s2 = 0;
    let count = 0;
    for (let row = 0; row < h.Nblts; row++) {
      if (h.ant_1_array[row] === h.ant_2_array[row]) continue;
      for (let i = 0; i < h.Nfreqs * 2; i++) {
        const o = 2 * (row * h.Nfreqs * 2 + i);
        s2 += (n.vis[o]! - a.vis[o]!) ** 2 + (n.vis[o + 1]! - a.vis[o + 1]!) ** 2;
        count += 2;
      }
    }
    const rms = Math.sqrt(s2 / count);
    const sigma = truth.noise.sigmaJyPerVisibility;
    // sigma = SEFD / sqrt(2 dnu tau) with dnu = 6 x 244140.625 Hz (8 channels per subband)
    expect(sigma).toBeCloseTo(truth.noise.sefdJy / Math.sqrt(2 * 6 * 244140.625 * INTEGRATION_S), 9);
    expect(Math.abs(rms / sigma - 1)).toBeLessThan(Math.max(0.03, 4 / Math.sqrt(2 * count)));
    a.f.close();
    n.f.close();
  });
});

describe.skipIf(skipInterop(pythonModules('h5py', 'numpy')))('simulator files read by h5py', () => {
  it('have the UVH5 layout, DSA-110 header, descending frequencies and the same data', async () => {
    const r = await simulate(
      { outDir: tmp(), start: START, minutes: 1, decDeg: 16.3, antennas: 8, channelsPerSubband: 8, seed: 3 },
      pool,
    );
    const file = sb(r, 0);
    const ours = await readAll(file);
    const code = String.raw`
import sys, json, numpy as np, h5py
fail = []
with h5py.File(sys.argv[1], 'r') as fh:
    h, d = fh['Header'], fh['Data']
    for k in ['latitude','longitude','altitude','telescope_name','instrument','object_name','history','phase_type',
              'Nants_data','Nants_telescope','Nbls','Nblts','Nfreqs','Npols','Ntimes','Nspws','ant_1_array','ant_2_array',
              'antenna_names','antenna_numbers','antenna_positions','antenna_diameters','uvw_array','time_array',
              'integration_time','freq_array','channel_width','spw_array','polarization_array']:
        if k not in h: fail.append('missing ' + k)
    n = {k: int(h[k][()]) for k in ['Nbls','Nblts','Nfreqs','Npols','Ntimes','Nants_data','Nants_telescope']}
    freq = h['freq_array'][()]
    e = h['extra_keywords']
    v = d['visdata'][()]
    print(json.dumps(dict(n=n, freqShape=list(freq.shape), descending=bool(np.all(np.diff(freq[0]) < 0)),
        visShape=list(v.shape), visDtype=str(v.dtype), flagsDtype=str(d['flags'].dtype), nsDtype=str(d['nsamples'].dtype),
        telescope=h['telescope_name'][()].decode(), phaseType=h['phase_type'][()].decode(),
        decDeg=float(np.degrees(e['phase_center_dec'][()])), epoch=e['phase_center_epoch'][()].decode(),
        pols=h['polarization_array'][()].tolist(), chw=float(h['channel_width'][()]),
        visSum=[float(v.real.astype(np.float64).sum()), float(v.imag.astype(np.float64).sum())],
        nflag=int(d['flags'][()].sum()), fail=fail)))
`;
    const py = JSON.parse(runPython(code, [file])) as {
      n: Record<string, number>;
      freqShape: number[];
      descending: boolean;
      visShape: number[];
      visDtype: string;
      flagsDtype: string;
      nsDtype: string;
      telescope: string;
      phaseType: string;
      decDeg: number;
      epoch: string;
      pols: number[];
      chw: number;
      visSum: [number, number];
      nflag: number;
      fail: string[];
    };
    expect(py.fail).toEqual([]);
    expect(py.n).toMatchObject({
      Nbls: 36,
      Nblts: 36 * 24,
      Nfreqs: 8,
      Npols: 2,
      Ntimes: 24,
      Nants_data: 8,
      Nants_telescope: 117,
    });
    expect(py.freqShape).toEqual([1, 8]);
    expect(py.descending).toBe(true);
    expect(py.visShape).toEqual([36 * 24, 1, 8, 2]);
    expect([py.visDtype, py.flagsDtype, py.nsDtype]).toEqual(['complex64', 'bool', 'float32']);
    expect([py.telescope, py.phaseType, py.epoch]).toEqual(['OVRO_MMA', 'drift', 'HADEC']);
    expect(py.decDeg).toBeCloseTo(16.3, 10);
    expect(py.pols).toEqual([-5, -6]);
    expect(py.chw).toBeCloseTo(6 * 244140.625, 6);
    let sr = 0;
    let si = 0;
    for (let i = 0; i < ours.vis.length; i += 2) {
      sr += ours.vis[i]!;
      si += ours.vis[i + 1]!;
    }
    expect(Math.abs(py.visSum[0] - sr)).toBeLessThan(1e-6 * Math.abs(sr) + 1e-3);
    expect(Math.abs(py.visSum[1] - si)).toBeLessThan(1e-6 * Math.abs(sr) + 1e-3);
    expect(py.nflag).toBe(ours.flags.reduce((s, x) => s + x, 0));
    ours.f.close();
  });
});
