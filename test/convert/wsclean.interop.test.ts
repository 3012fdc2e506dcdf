// WSClean 3.1 images an MS converted from simulated data: every source appears at the pixel
// astropy computes from the WCS WSClean wrote (within 0.1 pixel), with its primary-beam
// attenuated flux (within 2 %, dirty image, natural weighting), and the position mirrored through
// the phase centre is empty. A sign or ordering error in UVW, rephasing or channels fails this.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planConversion, writeConversion } from '../../src/main/engine/convert';
import type { ConvertResult } from '../../src/main/engine/convert';
import { MeasurementSet } from '../../src/main/engine/ms';
import { beamAveragedFlux } from '../helpers/apparent-flux';
import { executable, pythonModules, runPython, skipInterop } from '../helpers/interop';
import { DEC_DEG, simulateGroup, sourcesAt } from './sim-group';
import type { Offset } from './sim-group';

const PIX_ARCSEC = 5; // outriggers reach ~2.7 km: a ~15" beam needs pixels of 5" or less
const SIZE = 1024;
const PIX = (PIX_ARCSEC / 3600) * (Math.PI / 180);
// One source per simulated group, at exact pixel offsets (l east, m north) from the phase centre
// the converter picks: a 20-antenna snapshot has PSF sidelobes of ~10 %, so sources imaged
// together would bias each other's peaks and mirrors by more than the tolerances under test.
const OFFSETS: Offset[] = [
  { name: 'B', lRad: 100 * PIX, mRad: 60 * PIX, fluxJy: 3 },
  { name: 'C', lRad: -140 * PIX, mRad: 110 * PIX, fluxJy: 5 },
  { name: 'D', lRad: 400 * PIX, mRad: -300 * PIX, fluxJy: 6 },
];

const MEASURE = String.raw`
import sys, json
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
img, srcs = sys.argv[1], json.loads(sys.argv[2])
h = fits.open(img)[0]
data = h.data[0, 0].astype(float)
w = WCS(h.header).celestial
out = []
for s in srcs:
    px, py = w.world_to_pixel_values(s['raDeg'], s['decDeg'])
    px, py = float(px), float(py)
    ix, iy = int(round(px)), int(round(py))
    cut = data[iy - 1:iy + 2, ix - 1:ix + 2]
    # Peak by a 2-D quadratic fit to the 3 x 3 pixels around the expected pixel.
    yy, xx = np.mgrid[-1:2, -1:2]
    A = np.stack([np.ones(9), xx.ravel(), yy.ravel(), xx.ravel()**2, yy.ravel()**2, (xx*yy).ravel()], 1)
    c = np.linalg.lstsq(A, cut.ravel(), rcond=None)[0]
    M = np.array([[2*c[3], c[5]], [c[5], 2*c[4]]])
    d = np.linalg.solve(M, -c[1:3])
    peak = c[0] + c[1]*d[0] + c[2]*d[1] + c[3]*d[0]**2 + c[4]*d[1]**2 + c[5]*d[0]*d[1]
    # The reflection through the phase centre (CRPIX): the image of a sign error in uvw.
    crx, cry = h.header['CRPIX1'] - 1, h.header['CRPIX2'] - 1
    mx, my = int(round(2*crx - px)), int(round(2*cry - py))
    mirror = float(np.abs(data[my - 2:my + 3, mx - 2:mx + 3]).max())
    # The brightest pixel within 20 pixels of the expected one.
    win = data[iy - 20:iy + 21, ix - 20:ix + 21]
    j = np.unravel_index(np.argmax(win), win.shape)
    out.append({'name': s['name'], 'px': px, 'py': py, 'fitx': ix + d[0], 'fity': iy + d[1], 'peak': float(peak),
                'pixel': float(data[iy, ix]), 'mirror': mirror, 'maxAt': [int(ix - 20 + j[1]), int(iy - 20 + j[0])]})
print(json.dumps({'sources': out, 'crval': [h.header['CRVAL1'], h.header['CRVAL2']], 'cdelt': [h.header['CDELT1'], h.header['CDELT2']]}))
`;

interface Measured {
  name: string;
  px: number;
  py: number;
  fitx: number;
  fity: number;
  peak: number;
  pixel: number;
  mirror: number;
  maxAt: [number, number];
}

describe.skipIf(skipInterop(executable('wsclean'), pythonModules('astropy', 'numpy')))(
  'WSClean images a converted MS',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'convert-wsclean-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const sources = sourcesAt(OFFSETS);
    const runs: {
      result: ConvertResult;
      measured: Measured;
      crval: [number, number];
      expected: number;
      name: string;
    }[] = [];

    beforeAll(async () => {
      for (const [k, off] of OFFSETS.entries()) {
        const sub = join(dir, off.name);
        const sim = await simulateGroup({
          antennas: 20,
          channelsPerSubband: 4,
          offsets: [off],
          outDir: join(sub, 'raw'),
        });
        const chunk = sim.chunks[0]!;
        const plan = await planConversion(chunk.groupId, chunk.files);
        const result = await writeConversion(plan, join(sub, 'group.ms'));
        const ms = MeasurementSet.open(result.path);
        const freqs = ms.spectralWindows().flatMap((s) => Array.from(s.freqsHz));
        ms.close();
        const name = join(sub, 'img');
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
            '-reorder',
            '-use-wgridder',
            '-wgridder-accuracy',
            '1e-6',
            '-j',
            '2',
            '-name',
            name,
            result.path,
          ],
          { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 64 * 1024 * 1024 },
        );
        if (r.status !== 0) throw new Error(`wsclean failed (exit ${r.status}): ${r.stderr}\n${r.stdout.slice(-2000)}`);
        const src = sources[k]!;
        const out = JSON.parse(runPython(MEASURE, [`${name}-dirty.fits`, JSON.stringify([src])])) as {
          sources: Measured[];
          crval: [number, number];
        };
        runs.push({
          result,
          measured: out.sources[0]!,
          crval: out.crval,
          expected: beamAveragedFlux(src, plan.timesMjd, freqs, DEC_DEG),
          name: off.name,
        });
        rmSync(join(sub, 'raw'), { recursive: true, force: true });
      }
    }, 600_000);

    it('centres the image on the MS phase centre', () => {
      for (const r of runs) {
        expect(r.crval[0]).toBeCloseTo(r.result.phaseCentreRaDeg, 6);
        expect(r.crval[1]).toBeCloseTo(r.result.phaseCentreDecDeg, 6);
      }
    });

    it('puts every source at the pixel of its true position (within 0.1 pixel)', () => {
      expect(runs).toHaveLength(OFFSETS.length);
      for (const { measured: m } of runs) {
        expect(Math.abs(m.fitx - m.px), `${m.name} x`).toBeLessThan(0.1);
        expect(Math.abs(m.fity - m.py), `${m.name} y`).toBeLessThan(0.1);
        expect(m.maxAt, `${m.name} brightest pixel`).toEqual([Math.round(m.px), Math.round(m.py)]);
      }
    });

    it('gives each source its primary-beam attenuated flux within 2 %', () => {
      for (const { measured: m, expected } of runs) {
        expect(
          Math.abs(m.peak / expected - 1),
          `${m.name}: peak ${m.peak.toFixed(4)} Jy vs ${expected.toFixed(4)} Jy`,
        ).toBeLessThan(0.02);
      }
      // The offset source D is visibly attenuated: the test would notice a missing beam.
      const d = runs.find((r) => r.name === 'D')!;
      expect(d.expected / 6).toBeLessThan(0.97);
    });

    it('leaves the mirrored positions empty (below 5 % of the source)', () => {
      for (const { measured: m } of runs) expect(m.mirror / m.peak, `${m.name} mirror`).toBeLessThan(0.05);
    });
  },
);
