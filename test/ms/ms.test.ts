// The Measurement Set layer: what it writes reads back through the project's reader and through
// python-casacore cell by cell (MAIN and every subtable), its columns and measure keywords match
// casacore's own MS definition (default_ms), TaQL runs on it, and columns can be added in place.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MeasurementSet, SUBTABLES, addVisibilityColumn, readMsSummary } from '../../src/main/engine/ms';
import { openTable } from '../../src/main/engine/casacore';
import { pythonModules, runPython, skipInterop } from '../helpers/interop';
import { expectSameAsPython } from '../casacore/pydump';
import { DT, NANT, NBL, NCHAN, NPOL, NROWS, NTIME, T0, writeFixtureMs } from './fixture';

const root = mkdtempSync(join(tmpdir(), 'ms-layer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ms = join(root, 'fixture.ms');
const want = writeFixtureMs(ms);

describe('the project reads back the MS it wrote', () => {
  it('summarises rows, times, windows, correlations, field, antennas and flags', () => {
    const s = readMsSummary(ms);
    expect(s.rows).toBe(NROWS);
    expect(s.ntimes).toBe(NTIME);
    expect(s.firstTimeS).toBeCloseTo(T0 + 0.5 * DT, 4); // 5e9 s: doubles resolve ~1e-6 s
    expect(s.endS).toBeCloseTo(T0 + NTIME * DT, 4);
    expect(s.spws.map((w) => w.name)).toEqual(['sb15', 'sb14']);
    expect(s.spws.every((w) => w.ascending && w.nchan === NCHAN && w.chanWidthHz > 0)).toBe(true);
    expect(s.correlations).toEqual(['XX', 'YY']);
    expect(s.fields).toHaveLength(1);
    expect(s.fields[0]!.raDeg).toBeCloseTo((2.1 * 180) / Math.PI, 10);
    expect(s.antennas.map((a) => a.name)).toEqual(['DSA-001', 'DSA-002', 'DSA-003', 'DSA-004']);
    expect(s.antennasWithData).toBe(NANT);
    expect(s.baselines).toBe(NBL);
    expect(s.telescope).toBe('DSA_110');
    const flagged = Array.from(want.flag).reduce((a, b) => a + b, 0) / want.flag.length;
    expect(s.flaggedFraction).toBeCloseTo(flagged, 12);
    expect(s.columns).toEqual(expect.arrayContaining(['DATA', 'FLAG', 'WEIGHT_SPECTRUM', 'UVW', 'FLAG_CATEGORY']));
  });

  it('reads one spectral window as rows x channels x correlations, and channel slices', () => {
    const m = MeasurementSet.open(ms);
    try {
      const { rows, data } = m.readSpw('DATA', 1);
      const expRows = Array.from({ length: NROWS }, (_, r) => r).filter((r) => want.dataDescId[r] === 1);
      expect(Array.from(rows)).toEqual(expRows);
      const per = 2 * NCHAN * NPOL;
      const exp = expRows.flatMap((r) => Array.from(want.data.subarray(r * per, (r + 1) * per)));
      expect(Array.from(data as Float32Array)).toEqual(exp);
      const cut = m.readSpw('FLAG', 0, { channels: [1, 3] });
      const r0 = cut.rows[0]!;
      expect(Array.from((cut.data as Uint8Array).subarray(0, 2 * NPOL))).toEqual(
        Array.from(want.flag.subarray(r0 * NCHAN * NPOL + NPOL, (r0 + 1) * NCHAN * NPOL)),
      );
    } finally {
      m.close();
    }
  });

  it('adds CORRECTED_DATA (a copy of DATA) and MODEL_DATA (zeros) in place', () => {
    const copy = join(root, 'addcol.ms');
    writeFixtureMs(copy);
    addVisibilityColumn(copy, 'CORRECTED_DATA', 'data', 7);
    addVisibilityColumn(copy, 'MODEL_DATA', 'zero');
    const t = openTable(copy);
    expect(Array.from(t.getColumn('CORRECTED_DATA') as Float32Array)).toEqual(Array.from(want.data));
    expect((t.getColumn('MODEL_DATA') as Float32Array).every((x) => x === 0)).toBe(true);
    expect(t.dataManagerOf('CORRECTED_DATA').type).toBe('TiledShapeStMan');
    t.close();
    expect(() => addVisibilityColumn(copy, 'MODEL_DATA')).toThrow(/MODEL_DATA already exists/);
  });

  it('refuses a directory that is not a Measurement Set, naming what is missing', () => {
    expect(() => MeasurementSet.open(join(root, 'nothing'))).toThrow(/not a Measurement Set \(no table\.dat\)/);
    expect(() => MeasurementSet.open(join(ms, 'ANTENNA'))).toThrow(/subtable keyword is missing/);
  });
});

describe.skipIf(skipInterop(pythonModules('casacore.tables', 'numpy')))('python-casacore reads the MS', () => {
  it('MAIN and every subtable cell by cell as the project does', () => {
    expectSameAsPython(ms);
    for (const s of SUBTABLES) expectSameAsPython(join(ms, s));
  });

  it('getcol gives the written DATA, FLAG, UVW, WEIGHT_SPECTRUM; TaQL selects and aggregates', () => {
    const out = JSON.parse(
      runPython(
        String.raw`
import sys, json
import numpy as np
import casacore.tables as pt
t = pt.table(sys.argv[1], ack=False)
d = t.getcol('DATA'); f = t.getcol('FLAG'); u = t.getcol('UVW'); w = t.getcol('WEIGHT_SPECTRUM')
cross = pt.taql('select from $t where ANTENNA1 != ANTENNA2 && DATA_DESC_ID == 1').nrows()
nflag = pt.taql('calc ntrue([select FLAG from $t])')[0]
spw = pt.table(t.getkeyword('SPECTRAL_WINDOW'), ack=False)
print(json.dumps({'dshape': list(d.shape), 're': d.real.ravel().tolist(), 'im': d.imag.ravel().tolist(),
  'flag': f.astype(int).ravel().tolist(), 'uvw': u.ravel().tolist(), 'w': w.ravel().tolist(), 'cross': cross,
  'nflag': int(nflag), 'freq': spw.getcol('CHAN_FREQ').tolist(), 'info': t.info()['type'],
  'dm': sorted(set(v['TYPE'] for v in t.getdminfo().values()))}))
`,
        [ms],
      ),
    ) as Record<string, unknown>;
    expect(out.dshape).toEqual([NROWS, NCHAN, NPOL]);
    expect(out.re).toEqual(Array.from(want.data.filter((_, i) => i % 2 === 0)));
    expect(out.im).toEqual(Array.from(want.data.filter((_, i) => i % 2 === 1)));
    expect(out.flag).toEqual(Array.from(want.flag));
    expect(out.uvw).toEqual(Array.from(want.uvw));
    expect(out.w).toEqual(Array.from(want.weightSpectrum));
    expect(out.cross).toBe(NTIME * (NBL - NANT));
    expect(out.nflag).toBe(Array.from(want.flag).reduce((a, b) => a + b, 0));
    expect((out.freq as number[][]).map((r) => r.length)).toEqual([NCHAN, NCHAN]);
    expect(out.info).toBe('Measurement Set');
    expect(out.dm).toEqual(['StandardStMan', 'TiledShapeStMan']);
  });

  it("has casacore's MS columns with their types and measure keywords (default_ms as reference)", () => {
    const out = JSON.parse(
      runPython(
        String.raw`
import sys, json, os, tempfile
import numpy as np
import casacore.tables as pt
def norm(v):
    if isinstance(v, dict): return {k: norm(x) for k, x in v.items()}
    if isinstance(v, np.ndarray): return v.tolist()
    return v
ours = sys.argv[1]
ref = os.path.join(tempfile.mkdtemp(), 'ref.ms')
pt.default_ms(ref).close()
res = {'diffs': [], 'missing': []}
def compare(a, b, label):
    ta = pt.table(a, ack=False); tb = pt.table(b, ack=False)
    for c in tb.colnames():
        if c not in ta.colnames():
            res['missing'].append(label + '.' + c); continue
        da = ta.getcoldesc(c); db = tb.getcoldesc(c)
        if da['valueType'] != db['valueType']: res['diffs'].append([label + '.' + c, 'type', da['valueType'], db['valueType']])
        if da.get('ndim', 0) != db.get('ndim', 0) and db.get('ndim', 0) > 0: res['diffs'].append([label + '.' + c, 'ndim', da.get('ndim'), db.get('ndim')])
        ka = norm(ta.getcolkeywords(c)); kb = norm(tb.getcolkeywords(c))
        if ka != kb: res['diffs'].append([label + '.' + c, 'keywords', ka, kb])
compare(ours, ref, 'MAIN')
for s in pt.table(ref, ack=False).getkeywords():
    if s == 'MS_VERSION': continue
    compare(os.path.join(ours, s), os.path.join(ref, s), s)
res['version'] = pt.table(ours, ack=False).getkeyword('MS_VERSION')
print(json.dumps(res))
`,
        [ms],
      ),
    ) as { diffs: unknown[][]; missing: string[]; version: number };
    expect(out.missing).toEqual([]);
    // The one intended difference: UVW of a J2000 phase centre (casacore's default is ITRF).
    expect(out.diffs).toEqual([
      [
        'MAIN.UVW',
        'keywords',
        { QuantumUnits: ['m', 'm', 'm'], MEASINFO: { type: 'uvw', Ref: 'J2000' } },
        { QuantumUnits: ['m', 'm', 'm'], MEASINFO: { type: 'uvw', Ref: 'ITRF' } },
      ],
    ]);
    expect(out.version).toBe(2);
  });

  it('python-casacore can add a column and write to the MS, and the project reads it', () => {
    const copy = join(root, 'pyedit.ms');
    writeFixtureMs(copy);
    runPython(
      String.raw`
import sys
import numpy as np
import casacore.tables as pt
t = pt.table(sys.argv[1], readonly=False, ack=False)
f = t.getcol('FLAG'); f[3, 1, 0] = True; t.putcol('FLAG', f)
t.close()
`,
      [copy],
    );
    const t = openTable(copy);
    expect((t.getColumn('FLAG', 3, 1) as Uint8Array)[1 * NPOL + 0]).toBe(1);
    t.close();
  });
});
