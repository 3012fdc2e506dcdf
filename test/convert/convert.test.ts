// The conversion against the UVH5 files it read: spectral windows ascend (channels reversed inside
// each), every MS row is the right correlator row rephased by exp(-2 pi i dw nu / c), a source at
// the new phase centre has phase 0 everywhere, weights follow the stated convention, and a group
// with missing subbands is refused by name. The writer thread writes what the single-threaded
// path writes, and stops on cancellation and on its own failures.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deltaW, rotatePhases, uvwForJ2000, uvwFromHourAngle } from '../../src/shared/astro';
import { ARRAY_CENTRE } from '../../src/shared/instrument';
import {
  IncompleteGroupError,
  chooseTileRows,
  convertIntegration,
  planConversion,
  writeConversion,
} from '../../src/main/engine/convert';
import type { ConversionPlan, ConvertResult } from '../../src/main/engine/convert';
import { MeasurementSet } from '../../src/main/engine/ms';
import { setDirectIo } from '../../src/main/engine/casacore/direct-io';
import { openUvh5 } from '../../src/main/engine/uvh5';
import type { SimulationResult } from '../../src/main/engine/sim/simulate';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';
import { DEC_DEG, expectedPhaseCentre, simulateGroup } from './sim-group';

const root = mkdtempSync(join(tmpdir(), 'convert-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const NCH = 4;

let sim: SimulationResult;
let plan: ConversionPlan;
let result: ConvertResult;

beforeAll(async () => {
  // One source at the new phase centre, one 0.7 deg away (so rows differ from a constant).
  sim = await simulateGroup({
    antennas: 12,
    channelsPerSubband: NCH,
    outDir: join(root, 'raw'),
    offsets: [
      { name: 'centre', lRad: 0, mRad: 0, fluxJy: 2 },
      { name: 'off', lRad: 0.009, mRad: -0.007, fluxJy: 3 },
    ],
  });
  const c = sim.chunks[0]!;
  plan = await planConversion(c.groupId, c.files);
  result = await writeConversion(plan, join(root, 'group.ms'));
}, 300_000);

describe('layout', () => {
  it('writes 16 spectral windows in ascending frequency, sb15 first, channels ascending with positive widths', () => {
    const ms = MeasurementSet.open(result.path);
    const spws = ms.spectralWindows();
    ms.close();
    expect(spws.map((s) => s.name)).toEqual(
      Array.from({ length: 16 }, (_, i) => `sb${String(15 - i).padStart(2, '0')}`),
    );
    const all = spws.flatMap((s) => Array.from(s.freqsHz));
    for (let i = 1; i < all.length; i++) expect(all[i]!).toBeGreaterThan(all[i - 1]!);
    for (const s of spws) {
      expect(Array.from(s.widthsHz).every((w) => w > 0)).toBe(true);
      expect(s.refFreqHz).toBe(s.freqsHz[0]);
    }
    expect(result.subbands).toEqual(Array.from({ length: 16 }, (_, i) => 15 - i));
  });

  it('maps channel k of window j to channel nchan-1-k of the subband file', async () => {
    const ms = MeasurementSet.open(result.path);
    const spws = ms.spectralWindows();
    ms.close();
    for (const [j, sp] of plan.spws.entries()) {
      const f = await openUvh5(sp.path);
      const want = Array.from({ length: NCH }, (_, k) => f.header.freq_array[NCH - 1 - k]);
      f.close();
      expect(Array.from(spws[j]!.freqsHz), basename(sp.path)).toEqual(want);
    }
  });

  it('orders rows by time, then window, then baseline with ANTENNA1 <= ANTENNA2, autocorrelations flagged', () => {
    const ms = MeasurementSet.open(result.path);
    const n = ms.nrows;
    const time = ms.main.getColumn('TIME') as Float64Array;
    const dd = ms.main.getColumn('DATA_DESC_ID') as Int32Array;
    const a1 = ms.main.getColumn('ANTENNA1') as Int32Array;
    const a2 = ms.main.getColumn('ANTENNA2') as Int32Array;
    const flagRow = ms.main.getColumn('FLAG_ROW') as Uint8Array;
    ms.close();
    const nbl = plan.nbl;
    expect(n).toBe(24 * 16 * nbl);
    expect(nbl).toBe((12 * 13) / 2);
    for (let r = 1; r < n; r++) {
      expect(time[r]! >= time[r - 1]!).toBe(true);
      if (time[r] === time[r - 1] && dd[r] === dd[r - 1]) {
        expect(a1[r]! > a1[r - 1]! || (a1[r] === a1[r - 1] && a2[r]! > a2[r - 1]!), `row ${r} order`).toBe(true);
      }
    }
    for (let r = 0; r < n; r++) {
      expect(a1[r]! <= a2[r]!).toBe(true);
      expect(dd[r]).toBe(Math.floor(r / nbl) % 16);
      expect(flagRow[r]).toBe(a1[r] === a2[r] ? 1 : 0);
    }
  });
});

describe('values', () => {
  it('gives each MS row the correlator row rotated by exp(-2 pi i dw nu / c), UVW for the J2000 centre', async () => {
    const ms = MeasurementSet.open(result.path);
    const j = 5; // a middle window
    const sp = plan.spws[j]!;
    const f = await openUvh5(sp.path);
    const h = f.header;
    const block = f.readVisibilities({ rowStart: 0, rowCount: h.Nblts });
    f.close();
    const nbl = plan.nbl;
    // The chunk's mid-time meridian at the pointing dec (JD time stamps resolve ~1e-9 rad of RA).
    const expected = expectedPhaseCentre();
    expect(plan.phaseCentre.raRad).toBeCloseTo(expected.raRad, 8);
    expect(plan.phaseCentre.decRad).toBeCloseTo(expected.decRad, 8);
    const pc = plan.phaseCentre;
    const wOld = uvwFromHourAngle(plan.baselinesEcef, 0, (DEC_DEG * Math.PI) / 180, ARRAY_CENTRE.longitudeDeg);
    let worst = 0;
    let compared = 0;
    for (const t of [0, 11, 23]) {
      const rows = ms.readRows('DATA', (t * 16 + j) * nbl, nbl) as Float32Array;
      const uvw = ms.readRows('UVW', (t * 16 + j) * nbl, nbl) as Float64Array;
      const uNew = uvwForJ2000(plan.baselinesEcef, pc.raRad, pc.decRad, plan.timesMjd[t]!, { frame: 'j2000' });
      expect(Array.from(uvw)).toEqual(Array.from(uNew));
      // The reference: the file's rows of integration t put in MS order by antenna pair, then
      // the shared rotatePhases over the file's (descending) frequencies.
      const vis = new Float32Array(nbl * NCH * 2 * 2);
      for (let r = 0; r < nbl; r++) {
        const fr = t * nbl + r;
        const i1 = h.ant_1_array[fr]!;
        const i2 = h.ant_2_array[fr]!;
        const b = plan.ant1.findIndex((a, k) => a === Math.min(i1, i2) && plan.ant2[k] === Math.max(i1, i2));
        vis.set(block.vis.subarray(fr * NCH * 4, (fr + 1) * NCH * 4), b * NCH * 4);
      }
      rotatePhases(vis, { nbl, nchan: NCH, npol: 2 }, deltaW(wOld, uNew), h.freq_array);
      for (let b = 0; b < nbl; b++) {
        for (let k = 0; k < NCH; k++) {
          for (let p = 0; p < 4; p++) {
            const got = rows[(b * NCH + k) * 4 + p]!;
            const want = vis[(b * NCH + (NCH - 1 - k)) * 4 + p]!;
            worst = Math.max(worst, Math.abs(got - want));
            compared++;
          }
        }
      }
    }
    ms.close();
    expect(compared).toBe(3 * nbl * NCH * 4);
    expect(worst).toBeLessThan(2e-5); // float32 storage of ~Jy values
  });

  it('leaves a source at the new phase centre with phase 0 on every cross-correlation', async () => {
    // A separate group with the one centred source only.
    const s = await simulateGroup({
      antennas: 12,
      channelsPerSubband: NCH,
      outDir: join(root, 'centre'),
      offsets: [{ name: 'c', lRad: 0, mRad: 0, fluxJy: 2 }],
    });
    const c = s.chunks[0]!;
    const r = await writeConversion(await planConversion(c.groupId, c.files), join(root, 'centre.ms'));
    const ms = MeasurementSet.open(r.path);
    const data = ms.main.getColumn('DATA') as Float32Array;
    const a1 = ms.main.getColumn('ANTENNA1') as Int32Array;
    const a2 = ms.main.getColumn('ANTENNA2') as Int32Array;
    ms.close();
    let worst = 0;
    let minAmp = Infinity;
    const per = NCH * 2;
    for (let row = 0; row < a1.length; row++) {
      if (a1[row] === a2[row]) continue;
      for (let i = 0; i < per; i++) {
        const re = data[2 * (row * per + i)]!;
        const im = data[2 * (row * per + i) + 1]!;
        worst = Math.max(worst, Math.abs(Math.atan2(im, re)));
        minAmp = Math.min(minAmp, Math.hypot(re, im));
      }
    }
    expect(worst).toBeLessThan(1e-4);
    expect(minAmp).toBeGreaterThan(1.9); // 2 Jy, beam-attenuated by < 5 % within 0.7 deg of transit
  });

  it('fills WEIGHT_SPECTRUM = 2 |dnu| dt nsamples, WEIGHT its channel sum, SIGMA = WEIGHT^-1/2', () => {
    const ms = MeasurementSet.open(result.path);
    const ws = ms.readRows('WEIGHT_SPECTRUM', 100, 1) as Float32Array;
    const w = ms.readRows('WEIGHT', 100, 1) as Float32Array;
    const sg = ms.readRows('SIGMA', 100, 1) as Float32Array;
    const dnu = ms.spectralWindows()[0]!.widthsHz[0]!;
    ms.close();
    const one = 2 * dnu * plan.integrationS; // the simulator writes nsamples = 1
    expect(Array.from(ws).every((x) => Math.abs(x / one - 1) < 1e-6)).toBe(true);
    expect(w[0]! / (NCH * one)).toBeCloseTo(1, 6);
    expect(sg[0]! * Math.sqrt(w[0]!)).toBeCloseTo(1, 6);
  });

  it('phase recurrence of the kernel agrees with direct sin/cos', () => {
    const nbl = 3;
    const nchan = 48;
    const freqs = Float64Array.from({ length: nchan }, (_, k) => 1.31e9 + k * 244140.625);
    const vis = Float32Array.from({ length: nbl * nchan * 2 * 2 }, (_, i) => Math.sin(i * 0.37));
    const dw = Float64Array.of(-2713.2, 15.25, 0.001);
    const out = {
      data: new Float32Array(vis.length),
      flag: new Uint8Array(nbl * nchan * 2),
      weightSpectrum: new Float32Array(nbl * nchan * 2),
      weight: new Float32Array(nbl * 2),
      sigma: new Float32Array(nbl * 2),
      flagRow: new Uint8Array(nbl),
    };
    convertIntegration(
      {
        vis,
        flags: new Uint8Array(nbl * nchan * 2),
        nsamples: new Float32Array(nbl * nchan * 2).fill(1),
        rowOffset: 0,
        perm: Int32Array.of(0, 1, 2),
        conj: new Uint8Array(3),
        permOffset: 0,
        auto: new Uint8Array(3),
        dw,
        freqsHz: freqs,
        reverse: false,
        nchan,
        npol: 2,
        weightScale: new Float64Array(nchan).fill(1),
      },
      out,
    );
    const ref = rotatePhases(Float32Array.from(vis), { nbl, nchan, npol: 2 }, dw, freqs);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i]! - out.data[i]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it('chooses tiles that divide the baseline count (whole-tile writes)', () => {
    expect(chooseTileRows(4656, 2, 48)).toBe(1164);
    expect(4656 % chooseTileRows(4656, 2, 48)).toBe(0);
    expect(chooseTileRows(78, 2, 4)).toBe(78);
  });
});

describe.skipIf(skipInterop(pythonModules('casacore.tables', 'numpy')))('python-casacore on the converted MS', () => {
  it('getcol and TaQL see the rows, windows and flags the project wrote', () => {
    const out = JSON.parse(
      runPython(
        String.raw`
import sys, json
import numpy as np
import casacore.tables as pt
t = pt.table(sys.argv[1], ack=False)
d = t.getcol('DATA', startrow=int(sys.argv[2]), nrow=int(sys.argv[3]))
autos_unflagged = pt.taql('select from $t where ANTENNA1 == ANTENNA2 && !all(FLAG)').nrows()
per_spw = pt.taql('select DATA_DESC_ID, gcount() as n from $t groupby DATA_DESC_ID').getcol('n').tolist()
spw = pt.table(t.getkeyword('SPECTRAL_WINDOW'), ack=False)
fld = pt.table(t.getkeyword('FIELD'), ack=False)
print(json.dumps({'shape': list(d.shape), 're': d.real.ravel().tolist(), 'im': d.imag.ravel().tolist(),
  'autos': autos_unflagged, 'perSpw': per_spw, 'ascending': bool(np.all(np.diff(spw.getcol('CHAN_FREQ').ravel()) > 0)),
  'phaseDir': fld.getcol('PHASE_DIR').ravel().tolist(), 'uvwRef': t.getcolkeyword('UVW', 'MEASINFO')['Ref']}))
`,
        [result.path, '1000', '50'],
      ),
    ) as {
      shape: number[];
      re: number[];
      im: number[];
      autos: number;
      perSpw: number[];
      ascending: boolean;
      phaseDir: number[];
      uvwRef: string;
    };
    const ms = MeasurementSet.open(result.path);
    const ours = ms.readRows('DATA', 1000, 50) as Float32Array;
    ms.close();
    expect(out.shape).toEqual([50, NCH, 2]);
    expect(out.re).toEqual(Array.from(ours.filter((_, i) => i % 2 === 0)));
    expect(out.im).toEqual(Array.from(ours.filter((_, i) => i % 2 === 1)));
    expect(out.autos).toBe(0);
    expect(out.perSpw).toEqual(new Array(16).fill(24 * plan.nbl));
    expect(out.ascending).toBe(true);
    expect(out.phaseDir[0]).toBeCloseTo(plan.phaseCentre.raRad, 12);
    expect(out.phaseDir[1]).toBeCloseTo(plan.phaseCentre.decRad, 12);
    expect(out.uvwRef).toBe('J2000');
  });
});

describe('incomplete groups', () => {
  it('refuses a group with missing subbands, naming them; converts the rest with allowIncomplete', async () => {
    const dir = join(root, 'partial');
    mkdirSync(dir);
    const keep = sim.chunks[0]!.files.filter((f) => !/_sb0[37]\.hdf5$/.test(f) && !/_sb11\.hdf5$/.test(f));
    for (const f of keep) copyFileSync(f, join(dir, basename(f)));
    const files = keep.map((f) => join(dir, basename(f)));
    const err = await planConversion('2026-01-15T03:00:00', files).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IncompleteGroupError);
    expect((err as Error).message).toMatch(/subbands sb03, sb07, sb11 are missing \(13 of 16 present\)/);
    const p = await planConversion('2026-01-15T03:00:00', files, { allowIncomplete: true });
    const r = await writeConversion(p, join(root, 'partial.ms'));
    expect(r.spws).toBe(13);
    expect(r.missingSubbands).toEqual([3, 7, 11]);
    expect(r.subbands).not.toContain(7);
  });

  it('refuses two files for one subband', async () => {
    const f = sim.chunks[0]!.files;
    const dup = join(root, 'dup');
    mkdirSync(dup);
    const other = join(dup, `2026-01-15T03:00:59${basename(f[0]!).slice(19)}`);
    copyFileSync(f[0]!, other);
    await expect(planConversion('g', [...f, other])).rejects.toThrow(/subband sb\d\d is given twice/);
  });
});

describe('writer thread', () => {
  it('writes MAIN byte for byte as the single-threaded, buffered path does', async () => {
    // The default: a writer thread with direct I/O for aligned tiles. The reference: everything
    // on this thread, buffered (direct I/O is per thread, so the writer thread keeps its own).
    setDirectIo(false);
    let single: ConvertResult;
    try {
      single = await writeConversion(plan, join(root, 'single.ms'), { writerThread: false });
    } finally {
      setDirectIo(true);
    }
    const files = readdirSync(result.path)
      .filter((n) => /^table\.f\d+(_TSM\d+|i)?$/.test(n))
      .sort();
    expect(files).toEqual(
      readdirSync(single.path)
        .filter((n) => /^table\.f\d+(_TSM\d+|i)?$/.test(n))
        .sort(),
    );
    expect(files).toContain('table.f1_TSM1');
    for (const f of files)
      expect(Buffer.compare(readFileSync(join(result.path, f)), readFileSync(join(single.path, f))), f).toBe(0);
    expect(single.flaggedFraction).toBe(result.flaggedFraction);
    expect([result.writerThread, single.writerThread]).toEqual([true, false]);
  });

  it('stops the writer when the conversion is cancelled, leaving no MS', async () => {
    const ac = new AbortController();
    const out = join(root, 'cancelled.ms');
    const run = writeConversion(plan, out, {
      signal: ac.signal,
      onProgress: (f) => {
        if (f >= 0.25) ac.abort(new Error('test cancel'));
      },
    });
    await expect(run).rejects.toThrow(/conversion cancelled/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((n) => n.startsWith('.cancelled.ms.partial-'))).toEqual([]);
  });

  it('reports a failure inside the writer thread with its message', async () => {
    // A description the writer refuses: a window whose channel count differs from the others'.
    const bad: ConversionPlan = {
      ...plan,
      spws: plan.spws.map((s, i) =>
        i === 3 ? { ...s, freqsHz: s.freqsHz.subarray(1), widthsHz: s.widthsHz.subarray(1) } : s,
      ),
    };
    await expect(writeConversion(bad, join(root, 'bad.ms'))).rejects.toThrow(
      /^conversion writer thread: .*spws\[3\] \(sb\d\d\) has 3 frequencies and 3 widths, expected 4/,
    );
  });
});
