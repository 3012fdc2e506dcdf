// Acceptance of the calibrate stage on simulated data: a 0834+555 transit chunk and, 5 minutes
// later with the same slowly drifting gains, bandpass and noise, a target field with three
// bright sources; both indexed and converted to Measurement Sets. Solve on the transit, apply
// to both: python-casacore reads the tables; the calibrator's CORRECTED_DATA has the model
// amplitude to 1 % and zero phase to 1 degree; WSClean 3.1 images the target's CORRECTED_DATA
// and the sources' fluxes come back within 3 %.
//
// Flux measurement: natural-weighted dirty image (5" pixels, beam ~20"), value at each source's
// astropy pixel (quadratic fit to the 3 x 3 pixels around it); the other sources' PSF sidelobes
// are removed by solving the 3 x 3 system D_i = sum_j S_j PSF(x_i - x_j) with WSClean's PSF,
// and S_j is compared with the truth's beam-attenuated flux averaged over the integrations and
// channels (the dirty peak of a source drifting through the primary beam).
import { mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_S } from '../../src/shared/instrument';
import { driftPhaseCentreJ2000, formatIsoUtc, lmToRaDec, transitMjd } from '../../src/shared/astro';
import { Engine } from '../../src/main/engine/engine';
import { indexDirectory } from '../../src/main/engine/ingest/indexer';
import { convertGroup } from '../../src/main/engine/convert';
import { simulate } from '../../src/main/engine/sim/simulate';
import { MeasurementSet } from '../../src/main/engine/ms';
import { msLayout, pointModel, readSpwBlock, rotateToSource } from '../../src/main/engine/calibration/ms-block';
import { applyMs, solveMs } from '../../src/main/engine/calibration/stage';
import type { ApplyResult, SolveResult } from '../../src/main/engine/calibration/stage';
import { beamAveragedFlux } from '../helpers/apparent-flux';
import { executable, pythonModules, runPython, skipInterop } from '../helpers/interop';

const DEC_DEG = 55.57;
const ANTENNAS = 24;
const NCH = 4;
const SEED = 11;
const root = mkdtempSync(join(tmpdir(), 'calibrate-accept-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let engine: Engine;
let transitMs: string;
let targetMs: string;
let solve: SolveResult;
let applyCal: ApplyResult;
let applyTarget: ApplyResult;
const targets: { name: string; raDeg: number; decDeg: number; fluxJy: number; spectralIndex: number; kind: 'field' }[] =
  [];

beforeAll(async () => {
  engine = await Engine.open({ workspace: join(root, 'ws'), env: {}, overrides: { threads: 2 } });
  const cal = engine.db.calibration.requireCalibrator('0834+555');
  const tr = transitMjd((cal.raDeg * Math.PI) / 180, (cal.decDeg * Math.PI) / 180, 61055.4);
  const start = formatIsoUtc(tr - CHUNK_S / 2 / 86400, 0).slice(0, 19);
  const corruptions = {
    gains: true,
    bandpass: true,
    noise: true,
    deadAntennas: 1,
    flaggedChannelFraction: 0,
    rfi: false,
  };
  const common = {
    start,
    decDeg: DEC_DEG,
    seed: SEED,
    antennas: ANTENNAS,
    channelsPerSubband: NCH,
    corruptions,
    minApparentJy: 0,
    jitterS: 0,
  };
  // Target sources around the phase centre the converter will pick for the second chunk.
  const startMjd = tr - CHUNK_S / 2 / 86400;
  const pc = driftPhaseCentreJ2000(startMjd + (1.5 * CHUNK_S) / 86400, (DEC_DEG * Math.PI) / 180);
  for (const [name, l, m, s] of [
    ['T1', 0.003, 0.0015, 4],
    ['T2', -0.0045, 0.0035, 3],
    ['T3', 0.0012, -0.0055, 5],
  ] as const) {
    const p = lmToRaDec(l, m, pc.raRad, pc.decRad);
    targets.push({
      name,
      raDeg: (p.raRad * 180) / Math.PI,
      decDeg: (p.decRad * 180) / Math.PI,
      fluxJy: s,
      spectralIndex: 0,
      kind: 'field',
    });
  }
  const pool = engine.native();
  // Same seed and start: the same gains (continuing in time), bandpass and dead antenna.
  const a = await simulate(
    {
      ...common,
      outDir: join(root, 'raw-cal'),
      minutes: 5,
      sources: [
        {
          name: cal.name,
          raDeg: cal.raDeg,
          decDeg: cal.decDeg,
          fluxJy: cal.flux1400Jy,
          spectralIndex: cal.spectralIndex,
          kind: 'calibrator',
        },
      ],
    },
    pool,
  );
  const b = await simulate({ ...common, outDir: join(root, 'raw-target'), minutes: 10, sources: targets }, pool);
  const conv = async (dir: string, groupId: string): Promise<string> => {
    await indexDirectory(engine.db, dir, { toleranceS: engine.config.ingest.groupToleranceS, expectedSubbands: 16 });
    return (await convertGroup(engine.db, groupId, engine.paths.ms)).path;
  };
  transitMs = await conv(join(root, 'raw-cal'), a.chunks[0]!.groupId);
  targetMs = await conv(join(root, 'raw-target'), b.chunks[1]!.groupId);
  solve = await solveMs(engine, { msPath: transitMs });
  applyCal = await applyMs(engine, { msPath: transitMs });
  applyTarget = await applyMs(engine, { msPath: targetMs });
}, 600_000);

afterAll(async () => {
  await engine?.close();
});

describe('solve on the transit', () => {
  it('detects 0834+555, writes and registers B, Gp and Gap tables with their QA', () => {
    expect(solve.calibrator).toBe('0834+555');
    expect(solve.tables.map((t) => t.kind)).toEqual(['B', 'Gp', 'Gap']);
    expect(solve.failedSpws).toEqual([]);
    for (const t of solve.tables) {
      expect(t.path.startsWith(engine.paths.caltables)).toBe(true);
      expect(t.qa.medianSnr).toBeGreaterThan(20);
      expect(t.qa.flaggedFraction).toBeLessThan(0.1);
      expect(engine.db.calibration.requireTable(t.id)).toMatchObject({
        status: 'valid',
        calibrator: '0834+555',
        refAnt: solve.refAnt,
      });
    }
    expect(solve.deadAntennas).toHaveLength(1);
  });

  it.skipIf(skipInterop(pythonModules('casacore.tables', 'numpy')))(
    'python-casacore reads the tables: rows per (spw, antenna), [npol, nchan] cells',
    () => {
      const out = JSON.parse(
        runPython(
          String.raw`
import sys, json, casacore.tables as pt
res = {}
for p in sys.argv[1:]:
    t = pt.table(p, ack=False)
    c = t.getcol('CPARAM')
    res[p] = {'nrows': t.nrows(), 'shape': list(c.shape), 'viscal': t.getkeyword('VisCal'), 'type': t.info()['type'],
              'spws': int(t.getcol('SPECTRAL_WINDOW_ID').max()) + 1, 'nspw': pt.table(p + '/SPECTRAL_WINDOW', ack=False).nrows()}
print(json.dumps(res))`,
          solve.tables.map((t) => t.path),
        ),
      ) as Record<string, { nrows: number; shape: number[]; viscal: string; type: string; spws: number; nspw: number }>;
      const [b, gp, gap] = solve.tables.map((t) => out[t.path]!);
      // One row per antenna of the MS's ANTENNA table (all 117 stations; those without data flagged), as CASA does.
      const ms = MeasurementSet.open(transitMs);
      const nant = msLayout(ms).nant;
      ms.close();
      expect(b).toMatchObject({
        nrows: 16 * nant,
        shape: [16 * nant, NCH, 2],
        viscal: 'B Jones',
        type: 'Calibration',
        spws: 16,
        nspw: 16,
      });
      for (const g of [gp!, gap!]) {
        expect(g.viscal).toBe('G Jones');
        expect(g.shape.slice(1)).toEqual([1, 2]);
        expect(g.nrows % (16 * nant)).toBe(0);
        expect(g.nrows).toBeGreaterThan(0);
      }
    },
  );
});

describe('apply', () => {
  it('gives the calibrator its model amplitude (1 %) and zero phase (1 deg) in every window', () => {
    expect(applyCal.skipped).toBe(false);
    const ms = MeasurementSet.open(transitMs);
    try {
      const layout = msLayout(ms);
      const cal = engine.db.calibration.requireCalibrator('0834+555');
      const src = {
        name: cal.name,
        raDeg: cal.raDeg,
        decDeg: cal.decDeg,
        fluxJy: cal.flux1400Jy,
        spectralIndex: cal.spectralIndex,
      };
      for (const sp of layout.spws) {
        const b = readSpwBlock(ms, layout, sp.id, 'CORRECTED_DATA');
        rotateToSource(b, layout, src);
        const model = pointModel(b.block, layout, src, engine.config.imaging.beamModel);
        const nchan = sp.freqsHz.length;
        let re = 0;
        let im = 0;
        let mm = 0;
        for (let r = 0; r < b.rows.length; r++) {
          if (b.block.ant1[r] === b.block.ant2[r]) continue;
          for (let c = 0; c < nchan; c++) {
            const m = model[(b.block.rowTime[r] as number) * nchan + c] as number;
            for (let p = 0; p < 2; p++) {
              const k = (r * nchan + c) * 2 + p;
              if (b.block.flags[k]) continue;
              re += m * (b.block.vis[2 * k] as number);
              im += m * (b.block.vis[2 * k + 1] as number);
              mm += m * m;
            }
          }
        }
        expect(Math.hypot(re, im) / mm, `spw ${sp.id} amplitude ratio`).toBeCloseTo(1, 2);
        expect(Math.abs(Math.hypot(re, im) / mm - 1), `spw ${sp.id} amplitude`).toBeLessThan(0.01);
        expect(Math.abs((Math.atan2(im, re) * 180) / Math.PI), `spw ${sp.id} phase (deg)`).toBeLessThan(1);
      }
    } finally {
      ms.close();
    }
  });

  it('applies the transit solutions to the later target, fresh, and a second apply writes nothing', async () => {
    expect(applyTarget.skipped).toBe(false);
    expect(applyTarget.bandpass.path).toBe(solve.tables[0]!.path);
    expect(applyTarget.gains.path).toBe(solve.tables[2]!.path);
    expect(applyTarget.gains.staleness).toBe('fresh');
    expect(applyTarget.gains.offsetH).toBeGreaterThan(0);
    const again = await applyMs(engine, { msPath: targetMs });
    expect(again.skipped).toBe(true);
    expect(engine.db.ms.getByPath(targetMs)?.status).toBe('calibrated');
  });
});

const PIX_ARCSEC = 5;
const SIZE = 1024;

const MEASURE = String.raw`
import sys, json
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
img, psf_path, srcs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
h = fits.open(img)[0]
data = h.data[0, 0].astype(float)
psf = fits.open(psf_path)[0].data[0, 0].astype(float)
psf /= psf.max()
w = WCS(h.header).celestial
def at(a, px, py):
    ix, iy = int(round(px)), int(round(py))
    cut = a[iy - 1:iy + 2, ix - 1:ix + 2]
    yy, xx = np.mgrid[-1:2, -1:2]
    A = np.stack([np.ones(9), xx.ravel(), yy.ravel(), xx.ravel()**2, yy.ravel()**2, (xx*yy).ravel()], 1)
    c = np.linalg.lstsq(A, cut.ravel(), rcond=None)[0]
    dx, dy = px - ix, py - iy
    return float(c[0] + c[1]*dx + c[2]*dy + c[3]*dx*dx + c[4]*dy*dy + c[5]*dx*dy)
pix = [tuple(float(v) for v in w.world_to_pixel_values(s['raDeg'], s['decDeg'])) for s in srcs]
cy, cx = np.unravel_index(np.argmax(psf), psf.shape)
D = np.array([at(data, px, py) for px, py in pix])
M = np.array([[at(psf, cx + pix[i][0] - pix[j][0], cy + pix[i][1] - pix[j][1]) for j in range(len(pix))] for i in range(len(pix))])
S = np.linalg.solve(M, D)
print(json.dumps({'dirty': D.tolist(), 'fit': S.tolist(), 'psf': M.tolist()}))
`;

describe.skipIf(skipInterop(executable('wsclean'), pythonModules('astropy', 'numpy')))(
  'WSClean 3.1 image of the calibrated target',
  () => {
    it('recovers the simulated beam-attenuated fluxes within 3 %', () => {
      const name = join(root, 'target');
      const r = spawnSync(
        'wsclean',
        [
          '-quiet',
          '-size',
          String(SIZE),
          String(SIZE),
          '-scale',
          `${PIX_ARCSEC}asec`,
          '-weight',
          'natural',
          '-niter',
          '0',
          '-make-psf',
          '-reorder',
          '-data-column',
          'CORRECTED_DATA',
          '-j',
          '2',
          '-name',
          name,
          targetMs,
        ],
        { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } },
      );
      expect(r.status, r.stderr + r.stdout).toBe(0);
      const ms = MeasurementSet.open(targetMs);
      let times: Float64Array;
      let freqs: number[];
      try {
        const layout = msLayout(ms);
        times = readSpwBlock(ms, layout, 0).block.timesMjd;
        freqs = layout.spws.flatMap((s) => Array.from(s.freqsHz));
      } finally {
        ms.close();
      }
      const m = JSON.parse(runPython(MEASURE, [`${name}-dirty.fits`, `${name}-psf.fits`, JSON.stringify(targets)])) as {
        dirty: number[];
        fit: number[];
      };
      targets.forEach((s, i) => {
        const want = beamAveragedFlux(s, times, freqs, DEC_DEG, engine.config.imaging.beamModel);
        expect(
          Math.abs(m.fit[i]! / want - 1),
          `${s.name}: fitted ${m.fit[i]!.toFixed(3)} Jy (dirty ${m.dirty[i]!.toFixed(3)}), expected ${want.toFixed(3)} Jy`,
        ).toBeLessThan(0.03);
      });
    });
  },
);
