// An MS after WSClean has cleaned it with major cycles: WSClean adds MODEL_DATA to the MS's
// StandardStMan, which gives that manager a second bucket index. The project must still read
// every column, the new one included, exactly as python-casacore does.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planConversion, writeConversion } from '../../src/main/engine/convert';
import { openTable } from '../../src/main/engine/casacore';
import { readMsSummary } from '../../src/main/engine/ms';
import { executable, pythonModules, runPython, skipInterop } from '../helpers/interop';
import { simulateGroup } from '../convert/sim-group';

describe.skipIf(skipInterop(executable('wsclean'), pythonModules('casacore', 'numpy')))(
  'an MS WSClean has written MODEL_DATA into',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'ms-wsclean-model-'));
    let msPath = '';
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    beforeAll(async () => {
      const sim = await simulateGroup({
        antennas: 12,
        channelsPerSubband: 2,
        offsets: [{ name: 'A', lRad: 0.004, mRad: -0.003, fluxJy: 2 }],
        outDir: join(dir, 'raw'),
      });
      const chunk = sim.chunks[0]!;
      msPath = (await writeConversion(await planConversion(chunk.groupId, chunk.files), join(dir, 'group.ms'))).path;
      const r = spawnSync(
        'wsclean',
        [
          '-quiet',
          '-size',
          '256',
          '256',
          '-scale',
          '30asec',
          '-niter',
          '50',
          '-mgain',
          '0.8',
          '-reorder',
          '-j',
          '2',
          '-name',
          join(dir, 'img'),
          msPath,
        ],
        {
          encoding: 'utf8',
          env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      if (r.status !== 0) throw new Error(`wsclean failed (exit ${r.status}): ${r.stderr}`);
    }, 300_000);

    it('still opens, and reads MODEL_DATA and the older columns as python-casacore does', () => {
      const indices = Number(
        runPython(
          `import sys, casacore.tables as t
tb = t.table(sys.argv[1], ack=False)
dm = [v for v in tb.getdminfo().values() if 'MODEL_DATA' in v['COLUMNS']][0]
print(dm['TYPE'], file=sys.stderr)
print(1 if dm['TYPE'] == 'StandardStMan' else 0)`,
          [msPath],
        ).trim(),
      );
      // The point of the test: MODEL_DATA went into the existing StandardStMan.
      expect(indices).toBe(1);
      const summary = readMsSummary(msPath);
      expect(summary.columns).toContain('MODEL_DATA');
      const t = openTable(msPath);
      // Cross-correlations at the start, middle and end (autocorrelations are flagged, model 0).
      const py = JSON.parse(
        runPython(
          `import sys, json, numpy as np, casacore.tables as t
tb = t.table(sys.argv[1], ack=False)
a1, a2 = tb.getcol('ANTENNA1'), tb.getcol('ANTENNA2')
cross = np.nonzero(a1 != a2)[0]
out = []
for r in [int(cross[0]), int(cross[len(cross) // 2]), int(cross[-1])]:
    m = tb.getcell('MODEL_DATA', r)
    out.append({'row': r, 'model': np.stack([m.real, m.imag], -1).ravel().tolist(), 'time': tb.getcell('TIME', r), 'a2': int(tb.getcell('ANTENNA2', r))})
print(json.dumps(out))`,
          [msPath],
        ),
      ) as { row: number; model: number[]; time: number; a2: number }[];
      let nonzero = 0;
      py.map((p) => p.row).forEach((r, i) => {
        const ours = t.getCell('MODEL_DATA', r) as { data: Float32Array } | Float32Array;
        const data = Array.from('data' in ours ? ours.data : ours);
        expect(data).toEqual(py[i]!.model.map((v) => Math.fround(v)));
        nonzero += data.filter((v) => v !== 0).length;
        expect((t.getColumn('TIME', r, 1) as Float64Array)[0]).toBe(py[i]!.time);
        expect((t.getColumn('ANTENNA2', r, 1) as Int32Array)[0]).toBe(py[i]!.a2);
      });
      // WSClean predicted the cleaned source into MODEL_DATA: not all zeros.
      expect(nonzero).toBeGreaterThan(0);
      t.close();
    });
  },
);
