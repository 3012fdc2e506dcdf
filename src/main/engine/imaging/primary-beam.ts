// The primary beam on the image grid: the instrument's beam model at the band's mean frequency,
// averaged over the observation's drift (DSA-110 dishes point at the meridian while the sky
// drifts: at integration t the pointing is the phase centre's declination at RA = RA0 + the
// sidereal angle since mid-observation). Evaluated exactly on a coarse lattice of pixels and
// interpolated bilinearly (the beam varies on degree scales, the pixels are arcseconds).
import { beamModel, type PrimaryBeamModel } from '../../../shared/instrument';
import { lmToRaDec } from '../../../shared/astro';

const SIDEREAL_RAD_PER_S = (2 * Math.PI * 1.00273781191135448) / 86400;

export interface PrimaryBeamOptions {
  nx: number;
  ny: number;
  /** Pixel sizes, radians; pixel (x, y) is at l = -(x - floor(nx/2)) dl, m = (y - floor(ny/2)) dm. */
  dl: number;
  dm: number;
  /** Phase centre (J2000 radians) = the pointing at `midTimeS`. */
  raRad: number;
  decRad: number;
  freqHz: number;
  /** Beam model name (src/shared/instrument, e.g. 'airy'). */
  model: string;
  /** Integration times (s); the beam is averaged over the pointings at these times (default: none = the centre pointing only). */
  timesS?: readonly number[];
  /** Lattice step in pixels; default 8. */
  step?: number;
}

function responseAt(
  beam: PrimaryBeamModel,
  o: PrimaryBeamOptions,
  offsetsRad: readonly number[],
  x: number,
  y: number,
): number {
  const l = -(x - Math.floor(o.nx / 2)) * o.dl;
  const m = (y - Math.floor(o.ny / 2)) * o.dm;
  if (l * l + m * m >= 1) return 0;
  const dir = lmToRaDec(l, m, o.raRad, o.decRad);
  let s = 0;
  for (const d of offsetsRad) s += beam.responseToward({ raRad: o.raRad + d, decRad: o.decRad }, dir, o.freqHz);
  return s / offsetsRad.length;
}

/** The (drift-averaged) power beam, ny x nx, 1 at the pointing. */
export function primaryBeamImage(o: PrimaryBeamOptions): Float32Array {
  const beam = beamModel(o.model);
  const step = Math.max(1, Math.floor(o.step ?? 8));
  const times = o.timesS && o.timesS.length > 0 ? o.timesS : [0];
  const mid = 0.5 * (Math.min(...times) + Math.max(...times));
  const offsets = times.map((t) => (t - mid) * SIDEREAL_RAD_PER_S);
  const gx = Math.ceil((o.nx - 1) / step) + 1;
  const gy = Math.ceil((o.ny - 1) / step) + 1;
  const lattice = new Float64Array(gx * gy);
  for (let j = 0; j < gy; j++)
    for (let i = 0; i < gx; i++)
      lattice[j * gx + i] = responseAt(beam, o, offsets, Math.min(i * step, o.nx - 1), Math.min(j * step, o.ny - 1));
  const out = new Float32Array(o.nx * o.ny);
  for (let y = 0; y < o.ny; y++) {
    const j = Math.min(Math.floor(y / step), gy - 2 < 0 ? 0 : gy - 2);
    const y0 = j * step;
    const y1 = Math.min((j + 1) * step, o.ny - 1);
    const fy = gy < 2 || y1 === y0 ? 0 : (y - y0) / (y1 - y0);
    for (let x = 0; x < o.nx; x++) {
      const i = Math.min(Math.floor(x / step), gx - 2 < 0 ? 0 : gx - 2);
      const x0 = i * step;
      const x1 = Math.min((i + 1) * step, o.nx - 1);
      const fx = gx < 2 || x1 === x0 ? 0 : (x - x0) / (x1 - x0);
      const v00 = lattice[j * gx + i]!;
      const v10 = gx < 2 ? v00 : lattice[j * gx + i + 1]!;
      const v01 = gy < 2 ? v00 : lattice[(j + 1) * gx + i]!;
      const v11 = gx < 2 || gy < 2 ? v00 : lattice[(j + 1) * gx + i + 1]!;
      out[y * o.nx + x] = (1 - fy) * ((1 - fx) * v00 + fx * v10) + fy * ((1 - fx) * v01 + fx * v11);
    }
  }
  return out;
}

/** image / pb, NaN where pb < cut. */
export function pbCorrect(image: ArrayLike<number>, pb: ArrayLike<number>, cut: number): Float32Array {
  const out = new Float32Array(image.length);
  for (let i = 0; i < image.length; i++) {
    const b = pb[i]!;
    out[i] = b >= cut && b > 0 ? image[i]! / b : Number.NaN;
  }
  return out;
}
