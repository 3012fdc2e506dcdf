// Benchmark: forced photometry of 100,000 catalog positions on a full-size mosaic (6000 x 3000
// pixels of 5", beam 18" x 14", an effective-noise map), side by side with a straightforward
// reference (the projection rebuilt per position, every error by a direct double sum over the
// pixels) on a subset; and the association of 1,000 epochs of 5,000 detections each (de Ruiter,
// 1" errors, 2 % of detections missing per epoch). Wall time, throughput and peak RSS.
// `npm run bench -- photometry [--positions N] [--epochs N] [--sources N] [--nx N] [--ny N]`
import { parseArgs } from 'node:util';
import { Associator, type Detection } from '../src/main/engine/photometry/associate';
import { forcedPhotometry } from '../src/main/engine/photometry/forced';
import { inverse } from '../src/main/engine/qa/gaussian';
import { beamPixelCov } from '../src/main/engine/qa/sources';
import { Rng } from '../src/main/engine/sim/rng';
import { pixelToWorld, worldToPixel } from '../src/shared/astro/sin';
import { celestialWcs, type SkyGrid } from '../src/shared/model/sky-image';

export const description =
  'forced photometry of 100k positions on a 6000x3000 mosaic (vs a direct reference) and association of 1000 epochs x 5000 sources: time, peak RSS';

let peakRss = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const mib = (b: number) => (b / 2 ** 20).toFixed(0);

/** The straightforward forced photometry of one position: what the kernel's results are checked against. */
function reference(
  img: Float32Array,
  noise: Float32Array,
  wcs: SkyGrid,
  beam: { majorArcsec: number; minorArcsec: number; paDeg: number },
  ra: number,
  dec: number,
): number {
  const p = worldToPixel(wcs, ra, dec);
  if (!p) return Number.NaN;
  const P = inverse(beamPixelCov(wcs, beam, p.x, p.y));
  const ix = Math.round(p.x);
  const iy = Math.round(p.y);
  const pix: [number, number][] = [];
  for (let dy = -6; dy <= 6; dy++)
    for (let dx = -6; dx <= 6; dx++) if (P.a * dx * dx + 2 * P.b * dx * dy + P.c * dy * dy <= 2) pix.push([dx, dy]);
  let skd = 0;
  let skk = 0;
  let quad = 0;
  const k = pix.map(([dx, dy]) => {
    const x = ix + dx - p.x;
    const y = iy + dy - p.y;
    return Math.exp(-0.5 * (P.a * x * x + 2 * P.b * x * y + P.c * y * y));
  });
  for (let i = 0; i < pix.length; i++) {
    skd += k[i]! * img[(iy + pix[i]![1]) * wcs.nx + ix + pix[i]![0]]!;
    skk += k[i]! ** 2;
    for (let j = 0; j < pix.length; j++) {
      const dx = pix[i]![0] - pix[j]![0];
      const dy = pix[i]![1] - pix[j]![1];
      quad += k[i]! * k[j]! * Math.exp(-0.5 * (P.a * dx * dx + 2 * P.b * dx * dy + P.c * dy * dy));
    }
  }
  const sigma = noise[iy * wcs.nx + ix]!;
  return skd / skk + (sigma * Math.sqrt(quad)) / skk;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      positions: { type: 'string', default: '100000' },
      epochs: { type: 'string', default: '1000' },
      sources: { type: 'string', default: '5000' },
      nx: { type: 'string', default: '6000' },
      ny: { type: 'string', default: '3000' },
      reference: { type: 'string', default: '5000' },
    },
  });
  const nPos = Number(values.positions);
  const nx = Number(values.nx);
  const ny = Number(values.ny);
  const rng = new Rng(1, 'bench-photometry');
  const wcs: SkyGrid = {
    ...celestialWcs({
      crval1: 150,
      crval2: 37.2,
      crpix1: nx / 2 + 1,
      crpix2: ny / 2 + 1,
      cdelt1: -5 / 3600,
      cdelt2: 5 / 3600,
    }),
    nx,
    ny,
  };
  const beam = { majorArcsec: 18, minorArcsec: 14, paDeg: 20 };
  const img = new Float32Array(nx * ny);
  for (let i = 0; i < img.length; i++) img[i] = 1e-3 * rng.normal();
  const noise = new Float32Array(nx * ny).fill(1e-3);
  const ra = new Float64Array(nPos);
  const dec = new Float64Array(nPos);
  for (let k = 0; k < nPos; k++) {
    const w = pixelToWorld(wcs, rng.range(10, nx - 11), rng.range(10, ny - 11))!;
    ra[k] = w.raDeg;
    dec[k] = w.decDeg;
  }
  sample();
  console.log(`forced photometry: ${nPos} positions on a ${nx} x ${ny} mosaic (5", beam 18" x 14", noise map)`);
  const t0 = performance.now();
  const r = forcedPhotometry(img, wcs, ra, dec, { beam, noise, pbCorrected: true });
  const tKernel = (performance.now() - t0) / 1000;
  sample();
  const nRef = Math.min(nPos, Number(values.reference));
  const t1 = performance.now();
  let checksum = 0;
  for (let k = 0; k < nRef; k++) checksum += reference(img, noise, wcs, beam, ra[k]!, dec[k]!);
  const tRef = ((performance.now() - t1) / 1000) * (nPos / nRef);
  let ours = 0;
  for (let k = 0; k < nRef; k++) ours += r.peakJy[k]! + r.peakErrJy[k]!;
  console.log(
    `  ours ${tKernel.toFixed(2)} s (${(nPos / tKernel / 1e3).toFixed(0)} k positions/s); ` +
      `reference (direct sums) ${tRef.toFixed(2)} s extrapolated from ${nRef}; ratio ${(tRef / tKernel).toFixed(1)}x; ` +
      `agreement on the subset ${Math.abs(ours - checksum).toExponential(2)} (sum of peak + error)`,
  );

  const nEp = Number(values.epochs);
  const nSrc = Number(values.sources);
  console.log(`association: ${nEp} epochs x ${nSrc} sources (1" errors, 2 % missing per epoch)`);
  const truth: { ra: number; dec: number }[] = [];
  for (let s = 0; s < nSrc; s++) {
    const w = pixelToWorld(wcs, rng.range(0, nx), rng.range(0, ny))!;
    truth.push({ ra: w.raDeg, dec: w.decDeg });
  }
  const assoc = new Associator();
  let wrong = 0;
  let total = 0;
  const firstId = new Int32Array(nSrc).fill(-1);
  const t2 = performance.now();
  let tAssoc = 0;
  for (let e = 0; e < nEp; e++) {
    const dets: Detection[] = [];
    const truthOf: number[] = [];
    for (let s = 0; s < nSrc; s++) {
      if (rng.uniform() < 0.02) continue;
      const t = truth[s]!;
      dets.push({
        raDeg: t.ra + rng.normal() / 3600 / Math.cos((t.dec * Math.PI) / 180),
        decDeg: t.dec + rng.normal() / 3600,
        raErrArcsec: 1,
        decErrArcsec: 1,
        peakJy: 0.01,
      });
      truthOf.push(s);
    }
    const a0 = performance.now();
    const res = assoc.addEpoch({ beamMajArcsec: beam.majorArcsec, detections: dets });
    tAssoc += performance.now() - a0;
    for (let d = 0; d < dets.length; d++) {
      const s = truthOf[d]!;
      if (firstId[s]! < 0) firstId[s] = res.sourceOf[d]!;
      else if (firstId[s] !== res.sourceOf[d]) wrong++;
      total++;
    }
    if (e % 50 === 0) sample();
  }
  sample();
  const tAll = (performance.now() - t2) / 1000;
  console.log(
    `  ${(tAssoc / 1000).toFixed(2)} s in addEpoch (${((tAssoc / nEp) | 0).toFixed(0)} ms per epoch; ${tAll.toFixed(1)} s with generating the detections); ` +
      `${assoc.list().length} sources for ${nSrc} true; ${wrong} of ${total} detections not with their source's first id`,
  );
  console.log(`peak RSS ${mib(peakRss)} MiB (the mosaic and noise map are ${mib(nx * ny * 8)} MiB)`);
}
