// CASA calibration tables written by the project: the same table description (columns, value
// types, options, dimensionality, storage manager, keywords), table info and subtables as the
// CASA-written fixture; CPARAM [npol, nchan] per row; python-casacore reads every cell; the
// project reads them back; solver tables survive the round trip through rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { jonesToRows, readCalTable, rowsToJones, writeCalTable } from '../../src/main/engine/calibration/caltable';
import type { CalTableContents, VisCal } from '../../src/main/engine/calibration/caltable';
import type { JonesTable } from '../../src/main/engine/calibration/solve';
import { fixture } from '../helpers/fixtures';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';
import { expectSameAsPython } from '../casacore/pydump';

const FIXTURE = fixture('casa_gaincal_template');
const root = mkdtempSync(join(tmpdir(), 'caltable-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NANT = 5;
const NPOL = 2;
const NCHAN = 6;
const NSPW = 2;

/** A solver-shaped table with distinct, recognisable values per cell. */
function jones(type: 'B' | 'G', nslot: number): JonesTable {
  const ngroup = type === 'B' ? NCHAN : 1;
  const nsol = nslot * ngroup * NANT * NPOL;
  const gains = Float64Array.from({ length: 2 * nsol }, (_, k) => (k % 2 === 0 ? 1 + k / 1000 : -k / 2000));
  const flags = Uint8Array.from({ length: nsol }, (_, k) => (k % 7 === 3 ? 1 : 0));
  const snr = Float32Array.from({ length: nsol }, (_, k) => (flags[k] ? 0 : 10 + k));
  return {
    type,
    phaseOnly: false,
    nslot,
    chanGroup: type === 'B' ? 1 : NCHAN,
    ngroup,
    nant: NANT,
    npol: NPOL,
    slotTimesMjd: Float64Array.from({ length: nslot }, (_, s) => 61055.4 + s / 1440),
    groupFreqsHz: new Float64Array(ngroup),
    gains,
    flags,
    snr,
    iterations: new Int32Array(nslot * ngroup * NPOL),
    refant: new Int32Array(nslot * ngroup * NPOL).fill(3),
    sigma: new Float64Array(nslot * ngroup * NPOL),
    antennas: [0, 1, 2, 3, 4],
    flaggedFraction: 0,
  };
}

function contents(visCal: VisCal, tables: JonesTable[]): CalTableContents {
  const bandpass = visCal === 'B Jones';
  return {
    visCal,
    msName: '2026-01-15T03:00:00.ms',
    npol: NPOL,
    rows: tables.flatMap((t, spw) => jonesToRows(t, spw, { fieldId: 0, scan: 1, intervalS: 60 })),
    antennas: Array.from({ length: NANT }, (_, i) => ({
      name: `DSA-${101 + i}`,
      station: `DSA-${101 + i}`,
      positionM: [-2409000 - i, -4478000 + i, 3838000 + 2 * i] as const,
      diameterM: 4.65,
    })),
    fields: [{ name: '0834+555', raRad: 2.2467, decRad: 0.9699, timeS: 61055.4 * 86400 }],
    spws: Array.from({ length: NSPW }, (_, s) => {
      const f = Float64Array.from({ length: NCHAN }, (_, c) => 1.3e9 + s * 1.2e7 + c * 2e6);
      return bandpass
        ? { name: `sb${s}`, freqsHz: f, widthsHz: new Float64Array(NCHAN).fill(2e6), refFreqHz: f[0]! }
        : {
            name: `sb${s}`,
            freqsHz: Float64Array.of(f.reduce((a, x) => a + x) / NCHAN),
            widthsHz: Float64Array.of(1.2e7),
            refFreqHz: f[0]!,
          };
    }),
    observation: {
      telescope: 'DSA_110',
      observer: 'dsa110-contimg',
      project: 'dsa110-continuum',
      startS: 61055.39 * 86400,
      endS: 61055.41 * 86400,
    },
    writer: 'dsa110-contimg test',
  };
}

const bDir = join(root, 'cal.B');
const gDir = join(root, 'cal.G');
writeCalTable(bDir, contents('B Jones', [jones('B', 1), jones('B', 1)]));
writeCalTable(gDir, contents('G Jones', [jones('G', 3), jones('G', 3)]));

describe('writing and reading back', () => {
  it('writes one row per (time, spw, antenna) with [npol, nchan] cells', () => {
    const b = readCalTable(bDir);
    expect(b.rows.length).toBe(NSPW * NANT);
    expect(b.rows.every((r) => r.nchan === NCHAN && r.param.length === 2 * NPOL * NCHAN)).toBe(true);
    const g = readCalTable(gDir);
    expect(g.rows.length).toBe(3 * NSPW * NANT);
    expect(g.rows.every((r) => r.nchan === 1 && r.refant === 3)).toBe(true);
    expect(g.visCal).toBe('G Jones');
    expect(g.spws.map((s) => s.freqsHz.length)).toEqual([1, 1]);
  });

  it('gives the solver table back from the rows (gains, flags, SNR, slot times)', () => {
    for (const [dir, src] of [
      [bDir, jones('B', 1)],
      [gDir, jones('G', 3)],
    ] as const) {
      const back = rowsToJones(readCalTable(dir), 1, NANT, NCHAN);
      expect(back.nslot).toBe(src.nslot);
      expect(back.ngroup).toBe(src.ngroup);
      expect(Array.from(back.gains)).toEqual(Array.from(Float32Array.from(src.gains)));
      expect(Array.from(back.flags)).toEqual(Array.from(src.flags));
      expect(Array.from(back.snr)).toEqual(Array.from(src.snr));
      back.slotTimesMjd.forEach((t, i) => expect(t).toBeCloseTo(src.slotTimesMjd[i]!, 9));
    }
  });

  it('refuses rows whose cells do not match npol x nchan, naming the row and column', () => {
    const c = contents('B Jones', [jones('B', 1)]);
    c.spws = c.spws.slice(0, 1);
    c.rows[2]!.snr = new Float32Array(3);
    expect(() => writeCalTable(join(root, 'bad.B'), c)).toThrow(
      /row 2 \(spw 0, antenna 2\): SNR: expected 12 values for \[2, 6\], got 3/,
    );
    expect(() => rowsToJones(readCalTable(bDir), 1, NANT, NCHAN - 1)).toThrow(
      /spectral window 1 has 6 solution channels, the MS 5/,
    );
  });
});

const DESC = String.raw`
import sys, json, os
import casacore.tables as pt
def desc(path):
    t = pt.table(path, ack=False)
    d = t.getdesc()
    cols = {}
    for c in t.colnames():
        x = d[c]
        cols[c] = {k: x.get(k) for k in ('valueType', 'option', 'ndim', 'dataManagerType', 'dataManagerGroup', 'maxlen')}
        cols[c]['keywords'] = json.loads(json.dumps(x['keywords'], default=lambda v: v.tolist()))
    kw = {k: (v if not str(v).startswith('Table: ') else 'Table: ' + os.path.basename(v[7:])) for k, v in t.getkeywords().items()}
    dm = [{'TYPE': v['TYPE'], 'NAME': v['NAME'], 'COLUMNS': sorted(v['COLUMNS'])} for v in t.getdminfo().values()]
    return {'columns': cols, 'order': t.colnames(), 'keywords': kw, 'info': t.info(), 'dminfo': dm}
out = {'main': desc(sys.argv[1])}
for s in ['ANTENNA', 'FIELD', 'SPECTRAL_WINDOW', 'OBSERVATION', 'HISTORY']:
    out[s] = desc(os.path.join(sys.argv[1], s))
print(json.dumps(out))
`;

const SHAPES = String.raw`
import sys, json, casacore.tables as pt
t = pt.table(sys.argv[1], ack=False)
print(json.dumps({c: [list(t.getcell(c, r).shape) for r in range(t.nrows())] for c in ['CPARAM', 'PARAMERR', 'FLAG', 'SNR']}))
`;

interface Desc {
  columns: Record<string, Record<string, unknown>>;
  order: string[];
  keywords: Record<string, unknown>;
  info: Record<string, string>;
  dminfo: unknown[];
}
type Dump = Record<'main' | 'ANTENNA' | 'FIELD' | 'SPECTRAL_WINDOW' | 'OBSERVATION' | 'HISTORY', Desc>;

describe.skipIf(skipInterop(pythonModules('casacore.tables', 'numpy')))('against CASA and python-casacore', () => {
  it('has the CASA fixture table description: columns, options, ndim, manager, keywords, info, subtables', () => {
    const want = JSON.parse(runPython(DESC, [FIXTURE])) as Dump;
    for (const dir of [bDir, gDir]) {
      const got = JSON.parse(runPython(DESC, [dir])) as Dump;
      for (const part of ['main', 'ANTENNA', 'FIELD', 'SPECTRAL_WINDOW', 'OBSERVATION', 'HISTORY'] as const) {
        expect(got[part].order, `${part} column order`).toEqual(want[part].order);
        expect(got[part].columns, `${part} columns`).toEqual(want[part].columns);
        expect(got[part].dminfo, `${part} data managers`).toEqual(want[part].dminfo);
      }
      expect(Object.keys(got.main.keywords).sort()).toEqual(Object.keys(want.main.keywords).sort());
      for (const s of ['ANTENNA', 'FIELD', 'SPECTRAL_WINDOW', 'OBSERVATION', 'HISTORY'])
        expect(got.main.keywords[s]).toBe(`Table: ${s}`);
      expect(got.main.keywords.ParType).toBe('Complex');
      expect(got.main.keywords.PolBasis).toBe('unknown');
      expect(got.main.info.type).toBe('Calibration');
    }
    const g = JSON.parse(runPython(DESC, [gDir])) as Dump;
    expect(g.main.keywords.VisCal).toBe('G Jones');
    expect(g.main.info.subType).toBe('G Jones');
    expect(g.main.keywords.MSName).toBe('2026-01-15T03:00:00.ms');
  });

  it('python-casacore reads [npol, nchan] cells (numpy [nchan, npol]) and every value as the project does', () => {
    const b = JSON.parse(runPython(SHAPES, [bDir])) as Record<string, number[][]>;
    const g = JSON.parse(runPython(SHAPES, [gDir])) as Record<string, number[][]>;
    for (const c of ['CPARAM', 'PARAMERR', 'FLAG', 'SNR']) {
      expect(
        b[c]!.every((s) => s[0] === NCHAN && s[1] === NPOL),
        c,
      ).toBe(true);
      expect(
        g[c]!.every((s) => s[0] === 1 && s[1] === NPOL),
        c,
      ).toBe(true);
    }
    for (const dir of [bDir, gDir]) {
      expectSameAsPython(dir);
      for (const s of ['ANTENNA', 'FIELD', 'SPECTRAL_WINDOW', 'OBSERVATION', 'HISTORY'])
        expectSameAsPython(join(dir, s));
    }
  });
});
