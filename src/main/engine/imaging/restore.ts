// The restoring beam, fitted to the PSF's main lobe, and the restored image: model (x) beam +
// residual. The fit is a weighted linear least-squares fit of -ln(psf) = A e^2 + B e n + C n^2
// (e east, n north, arcsec; the peak fixed at 1) over the main lobe: the pixels connected to the
// centre whose value exceeds `floor` (0.35 by default, above the first sidelobes of the
// elongated 5-minute PSF). Weights psf^2 turn the log residuals back into value residuals.
import type { RestoringBeam } from '../../../shared/model/sky-image';

/** The fitted beam (src/shared/model/sky-image.ts); the position angle here is in (-90, 90]. */
export type { RestoringBeam };

export interface BeamFitOptions {
  /** Lowest PSF value of the main lobe pixels used; default 0.35. */
  floor?: number;
  /** At most this many pixels from the centre along either axis; default 64. */
  maxRadius?: number;
}

const FWHM_PER_SIGMA = 2 * Math.sqrt(2 * Math.LN2);

/**
 * Fit the restoring beam to a PSF image (ny x nx, x fastest, peak at (floor(nx/2), floor(ny/2)),
 * RA growing to the left: pixel x offset -1 is one pixel east). Pixel sizes in arcsec.
 */
export function fitRestoringBeam(
  psf: ArrayLike<number>,
  nx: number,
  ny: number,
  dlArcsec: number,
  dmArcsec: number,
  opts: BeamFitOptions = {},
): RestoringBeam {
  const floor = opts.floor ?? 0.35;
  const R = opts.maxRadius ?? 64;
  const cx = Math.floor(nx / 2);
  const cy = Math.floor(ny / 2);
  const peak = psf[cy * nx + cx]!;
  if (!(peak > 0)) throw new Error(`fitRestoringBeam: the PSF's centre pixel is ${peak}, expected its positive peak`);
  // Flood fill of the main lobe from the centre.
  const seen = new Set<number>();
  const stack: [number, number][] = [[cx, cy]];
  const pts: { e: number; n: number; p: number }[] = [];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (x < 0 || y < 0 || x >= nx || y >= ny || Math.abs(x - cx) > R || Math.abs(y - cy) > R) continue;
    const key = y * nx + x;
    if (seen.has(key)) continue;
    seen.add(key);
    const p = psf[key]! / peak;
    if (!(p > floor)) continue;
    pts.push({ e: -(x - cx) * dlArcsec, n: (y - cy) * dmArcsec, p });
    stack.push([x + 1, y], [x - 1, y], [x, y + 1], [x, y - 1]);
  }
  // Normal equations of the 3-parameter fit (the centre pixel has ln p = 0 and carries no information on its own).
  const M = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const b = [0, 0, 0];
  let used = 0;
  for (const { e, n, p } of pts) {
    if (e === 0 && n === 0) continue;
    const f = [e * e, e * n, n * n];
    const y = -Math.log(p);
    const w = p * p;
    for (let i = 0; i < 3; i++) {
      b[i]! += w * f[i]! * y;
      for (let j = 0; j < 3; j++) M[3 * i + j]! += w * f[i]! * f[j]!;
    }
    used++;
  }
  if (used < 3)
    throw new Error(
      `fitRestoringBeam: only ${used} PSF pixels above ${floor} around the peak: the PSF is undersampled (use smaller pixels)`,
    );
  const [A, B, Cc] = solve3(M, b);
  // Q(e, n) = [e n] [[A, B/2], [B/2, C]] [e n]^T; eigenvalues give the axes' 1/(2 sigma^2).
  const tr = A + Cc;
  const det = A * Cc - (B * B) / 4;
  const disc = Math.sqrt(Math.max(0, (tr * tr) / 4 - det));
  const lmin = tr / 2 - disc;
  const lmax = tr / 2 + disc;
  if (!(lmin > 0))
    throw new Error('fitRestoringBeam: the fitted main lobe is not a closed ellipse (PSF not peaked at the centre?)');
  const major = FWHM_PER_SIGMA / Math.sqrt(2 * lmin);
  const minor = FWHM_PER_SIGMA / Math.sqrt(2 * lmax);
  // Major-axis direction: eigenvector of lmin, (e, n) = (B/2, lmin - A) or (lmin - C, B/2).
  let ve = B / 2;
  let vn = lmin - A;
  if (Math.abs(ve) + Math.abs(vn) < 1e-12 * (Math.abs(A) + Math.abs(Cc))) {
    ve = lmin - Cc;
    vn = B / 2;
  }
  if (Math.abs(ve) + Math.abs(vn) === 0) {
    ve = A <= Cc ? 1 : 0;
    vn = A <= Cc ? 0 : 1;
  }
  let pa = (Math.atan2(ve, vn) * 180) / Math.PI;
  while (pa <= -90) pa += 180;
  while (pa > 90) pa -= 180;
  return { majorArcsec: major, minorArcsec: minor, paDeg: pa };
}

function solve3(M: number[], b: number[]): [number, number, number] {
  const a = M.slice();
  const x = b.slice();
  for (let c = 0; c < 3; c++) {
    let p = c;
    for (let r = c + 1; r < 3; r++) if (Math.abs(a[3 * r + c]!) > Math.abs(a[3 * p + c]!)) p = r;
    if (a[3 * p + c] === 0) throw new Error('fitRestoringBeam: singular fit (the main lobe pixels are degenerate)');
    for (let j = 0; j < 3; j++) [a[3 * c + j], a[3 * p + j]] = [a[3 * p + j]!, a[3 * c + j]!];
    [x[c], x[p]] = [x[p]!, x[c]!];
    for (let r = 0; r < 3; r++) {
      if (r === c) continue;
      const f = a[3 * r + c]! / a[3 * c + c]!;
      for (let j = 0; j < 3; j++) a[3 * r + j]! -= f * a[3 * c + j]!;
      x[r]! -= f * x[c]!;
    }
  }
  return [x[0]! / a[0]!, x[1]! / a[4]!, x[2]! / a[8]!];
}

/** The beam's value (peak 1) at an offset of (dx, dy) pixels (x growing west, y north). */
export function beamKernel(
  beam: RestoringBeam,
  dlArcsec: number,
  dmArcsec: number,
): (dx: number, dy: number) => number {
  const pa = (beam.paDeg * Math.PI) / 180;
  const sMaj = beam.majorArcsec / FWHM_PER_SIGMA;
  const sMin = beam.minorArcsec / FWHM_PER_SIGMA;
  const c = Math.cos(pa);
  const s = Math.sin(pa);
  return (dx, dy) => {
    const e = -dx * dlArcsec;
    const n = dy * dmArcsec;
    const along = e * s + n * c; // along the major axis (PA from north through east)
    const across = e * c - n * s;
    return Math.exp(-0.5 * ((along / sMaj) ** 2 + (across / sMin) ** 2));
  };
}

/**
 * restored = model (x) beam + residual (Jy/beam), for a sparse model (Jy/pixel components): each
 * component adds its beam out to 5 sigma of the major axis.
 */
export function restore(
  model: ArrayLike<number>,
  residual: ArrayLike<number>,
  nx: number,
  ny: number,
  beam: RestoringBeam,
  dlArcsec: number,
  dmArcsec: number,
): Float32Array {
  const out = Float32Array.from(residual as ArrayLike<number>);
  const kern = beamKernel(beam, dlArcsec, dmArcsec);
  const rad = Math.ceil((5 * beam.majorArcsec) / FWHM_PER_SIGMA / Math.min(dlArcsec, dmArcsec));
  const size = 2 * rad + 1;
  const patch = new Float64Array(size * size);
  for (let j = -rad; j <= rad; j++) for (let i = -rad; i <= rad; i++) patch[(j + rad) * size + i + rad] = kern(i, j);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const f = model[y * nx + x]!;
      if (f === 0) continue;
      const y0 = Math.max(0, y - rad);
      const y1 = Math.min(ny - 1, y + rad);
      const x0 = Math.max(0, x - rad);
      const x1 = Math.min(nx - 1, x + rad);
      for (let yy = y0; yy <= y1; yy++) {
        const prow = (yy - y + rad) * size - x + rad;
        const orow = yy * nx;
        for (let xx = x0; xx <= x1; xx++) out[orow + xx] = out[orow + xx]! + f * patch[prow + xx]!;
      }
    }
  }
  return out;
}
