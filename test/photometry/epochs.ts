// Synthetic epochs for photometry tests: one field (one declination) observed on several days;
// point sources on a jittered grid (6 beams apart) with known light curves (src/main/engine/sim/
// variability.ts), multiplied by an Airy primary beam, plus noise correlated over the beam. Each
// epoch is an apparent (not PB-corrected) image with its PB map, as the imager writes them.
import path from 'node:path';
import { writeFitsImage, type FitsImageDescription } from '../../src/main/engine/fits';
import { addPointSource, correlatedNoise } from '../qa/synth';
import { Rng } from '../../src/main/engine/sim/rng';
import { assignVariability, fluxAtTime, type VariableSource } from '../../src/main/engine/sim/variability';
import { pixelToWorld } from '../../src/shared/astro/sin';
import { AiryBeam, angularSeparation } from '../../src/shared/instrument/beam';
import { celestialWcs, type SkyGrid } from '../../src/shared/model/sky-image';
import type { BeamShape } from '../../src/main/engine/qa/sources';

export interface FieldOptions {
  nx?: number;
  cellArcsec?: number;
  beam?: BeamShape;
  sigmaJy?: number;
  /** Peak SNR range on axis (log-uniform). */
  snrRange?: [number, number];
  epochs?: number;
  seed?: number;
  sinusoid?: number;
  modulation?: number;
}

export interface SynthEpoch {
  mjd: number;
  image: Float32Array;
  pb: Float32Array;
}

export interface SynthField {
  wcs: SkyGrid;
  beam: BeamShape;
  sigmaJy: number;
  freqHz: number;
  sources: VariableSource[];
  /** PB response at each source. */
  pbAt: number[];
  mjds: number[];
  epoch(k: number): SynthEpoch;
}

export function makeField(o: FieldOptions = {}): SynthField {
  const nx = o.nx ?? 512;
  const cell = o.cellArcsec ?? 10;
  const beam = o.beam ?? { majorArcsec: 36, minorArcsec: 28, paDeg: 20 };
  const sigma = o.sigmaJy ?? 1e-3;
  const freqHz = 1.4e9;
  const rng = new Rng(o.seed ?? 11, 'photometry-field');
  const wcs: SkyGrid = {
    ...celestialWcs({
      crval1: 150,
      crval2: 37.2,
      crpix1: nx / 2 + 1,
      crpix2: nx / 2 + 1,
      cdelt1: -cell / 3600,
      cdelt2: cell / 3600,
    }),
    nx,
    ny: nx,
  };
  const airy = new AiryBeam();
  const centre = { raRad: (150 * Math.PI) / 180, decRad: (37.2 * Math.PI) / 180 };
  const pbOf = (ra: number, dec: number) =>
    airy.responseToward(centre, { raRad: (ra * Math.PI) / 180, decRad: (dec * Math.PI) / 180 }, freqHz);
  const pb = new Float32Array(nx * nx);
  for (let y = 0; y < nx; y++)
    for (let x = 0; x < nx; x++) {
      const w = pixelToWorld(wcs, x, y)!;
      pb[y * nx + x] = pbOf(w.raDeg, w.decDeg);
    }
  const step = (6 * beam.majorArcsec) / cell;
  const margin = (3 * beam.majorArcsec) / cell;
  const [lo, hi] = o.snrRange ?? [8, 300];
  const base: { name: string; raDeg: number; decDeg: number; fluxJy: number }[] = [];
  for (let gy = margin; gy < nx - margin; gy += step)
    for (let gx = margin; gx < nx - margin; gx += step) {
      const x = gx + rng.range(-0.2, 0.2) * step;
      const y = gy + rng.range(-0.2, 0.2) * step;
      const w = pixelToWorld(wcs, x, y)!;
      base.push({
        name: `VAR${String(base.length + 1).padStart(4, '0')}`,
        raDeg: w.raDeg,
        decDeg: w.decDeg,
        fluxJy: sigma * lo * Math.pow(hi / lo, rng.uniform()),
      });
    }
  const n = o.epochs ?? 12;
  // Daily, at irregular times of day, so no period aliases onto the sampling.
  const mjds = Array.from({ length: n }, (_, k) => 61000 + k + rng.range(0, 0.6));
  const sources = assignVariability(base, rng.fork('variability'), {
    sinusoid: o.sinusoid ?? 0,
    modulation: o.modulation ?? 0.3,
    periodDays: [3.3, 17],
    startMjd: mjds[0]!,
    endMjd: mjds[n - 1]!,
  });
  const pbAt = sources.map((s) => pbOf(s.raDeg, s.decDeg));
  return {
    wcs,
    beam,
    sigmaJy: sigma,
    freqHz,
    sources,
    pbAt,
    mjds,
    epoch(k) {
      const mjd = mjds[k]!;
      const image = correlatedNoise(wcs, beam, sigma, new Rng((o.seed ?? 11) * 1000 + k, 'epoch-noise'));
      for (let i = 0; i < sources.length; i++) {
        const s = sources[i]!;
        addPointSource(image, wcs, beam, s.raDeg, s.decDeg, fluxAtTime(s, mjd) * pbAt[i]!);
      }
      return { mjd, image, pb };
    },
  };
}

export { angularSeparation };

/** Write every epoch as DIR/PREFIX{k}-image.fits with its PREFIX{k}-pb.fits (DATE-OBS the epoch); returns the image paths. */
export function writeEpochs(field: SynthField, dir: string, prefix: string): string[] {
  return field.mjds.map((_, k) => {
    const e = field.epoch(k);
    const desc: FitsImageDescription = {
      grid: field.wcs,
      freqHz: field.freqHz,
      bandwidthHz: 187.5e6,
      bunit: 'JY/BEAM',
      beam: field.beam,
      dateObs: new Date((e.mjd - 40587) * 86400000).toISOString().replace(/Z$/, ''),
    };
    const f = path.join(dir, `${prefix}${k}-image.fits`);
    writeFitsImage(f, desc, e.image);
    writeFitsImage(path.join(dir, `${prefix}${k}-pb.fits`), { ...desc, bunit: '' }, e.pb);
    return f;
  });
}
