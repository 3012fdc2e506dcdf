// Elliptical Gaussians: shapes (FWHM, PA) <-> covariance matrices through a pixel-to-sky
// Jacobian, and a Levenberg-Marquardt fit of one 2-D Gaussian to the pixels of an island.

/** 2x2 symmetric matrix [a, b; b, c]. */
export interface Sym2 {
  a: number;
  b: number;
  c: number;
}

/** FWHM = FWHM_PER_SIGMA x sigma. */
export const FWHM_PER_SIGMA = Math.sqrt(8 * Math.LN2);
const D2R = Math.PI / 180;

/** Sky covariance (arcsec^2, axes east, north) of an ellipse with FWHM major/minor (arcsec) at PA (deg east of north). */
export function skyCov(majArcsec: number, minArcsec: number, paDeg: number): Sym2 {
  const sM = majArcsec / FWHM_PER_SIGMA;
  const sm = minArcsec / FWHM_PER_SIGMA;
  const s = Math.sin(paDeg * D2R);
  const c = Math.cos(paDeg * D2R);
  // Major axis along (sin PA, cos PA) in (east, north); minor along (cos PA, -sin PA).
  return { a: sM * sM * s * s + sm * sm * c * c, b: (sM * sM - sm * sm) * s * c, c: sM * sM * c * c + sm * sm * s * s };
}

/** FWHM major/minor (arcsec) and PA (deg east of north, 0..180) of a sky covariance. */
export function shapeOfSkyCov(m: Sym2): { majArcsec: number; minArcsec: number; paDeg: number } {
  const tr = m.a + m.c;
  const disc = Math.sqrt(Math.max(0, ((m.a - m.c) / 2) ** 2 + m.b * m.b));
  const l1 = tr / 2 + disc;
  const l2 = Math.max(0, tr / 2 - disc);
  // Eigenvector of l1: (b, l1 - a) or (l1 - c, b); in (east, north).
  let e = m.b;
  let n = l1 - m.a;
  if (Math.abs(e) + Math.abs(n) < 1e-300) {
    e = l1 - m.c;
    n = m.b;
  }
  if (Math.abs(e) + Math.abs(n) < 1e-300) {
    e = 0;
    n = 1;
  }
  let pa = Math.atan2(e, n) / D2R;
  pa = ((pa % 180) + 180) % 180;
  return { majArcsec: Math.sqrt(l1) * FWHM_PER_SIGMA, minArcsec: Math.sqrt(l2) * FWHM_PER_SIGMA, paDeg: pa };
}

/** J M J^T for a 2x2 J given row-major [j00, j01, j10, j11]. */
export function transform(j: readonly [number, number, number, number], m: Sym2): Sym2 {
  const [p, q, r, s] = j;
  // (J M)
  const a1 = p * m.a + q * m.b;
  const b1 = p * m.b + q * m.c;
  const c1 = r * m.a + s * m.b;
  const d1 = r * m.b + s * m.c;
  return { a: a1 * p + b1 * q, b: a1 * r + b1 * s, c: c1 * r + d1 * s };
}

export function invert2(j: readonly [number, number, number, number]): [number, number, number, number] {
  const det = j[0] * j[3] - j[1] * j[2];
  return [j[3] / det, -j[1] / det, -j[2] / det, j[0] / det];
}

export function det(m: Sym2): number {
  return m.a * m.c - m.b * m.b;
}

export function inverse(m: Sym2): Sym2 {
  const d = det(m);
  return { a: m.c / d, b: -m.b / d, c: m.a / d };
}

export interface GaussFit {
  amp: number;
  x0: number;
  y0: number;
  /** Pixel covariance of the Gaussian (pixels^2). */
  cov: Sym2;
  iterations: number;
}

/** Solve the n x n system A x = y (row-major A, destroyed) by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, y: Float64Array, n: number): Float64Array | null {
  const x = Float64Array.from(y);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]!) > Math.abs(a[p * n + k]!)) p = i;
    const piv = a[p * n + k]!;
    if (!Number.isFinite(piv) || Math.abs(piv) < 1e-300) return null;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j]!;
        a[k * n + j] = a[p * n + j]!;
        a[p * n + j] = t;
      }
      const t = x[k]!;
      x[k] = x[p]!;
      x[p] = t;
    }
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k]! / piv;
      if (f === 0) continue;
      for (let j = k; j < n; j++) a[i * n + j] = a[i * n + j]! - f * a[k * n + j]!;
      x[i] = x[i]! - f * x[k]!;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = x[k]!;
    for (let j = k + 1; j < n; j++) s -= a[k * n + j]! * x[j]!;
    x[k] = s / a[k * n + k]!;
  }
  return x;
}

/**
 * Least-squares fit of a sum of K Gaussians A_k exp(-Q_k/2), Q_k = [dx dy] P_k [dx dy]^T (P the
 * inverse covariance), to the samples (xs, ys, vs), by Levenberg-Marquardt on (A, x0, y0, Paa, Pab,
 * Pbb) per component. Returns null when it does not converge to positive-definite, positive Gaussians.
 */
export function fitGaussians(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  vs: ArrayLike<number>,
  inits: readonly GaussFit[],
  maxIter = 60,
): GaussFit[] | null {
  const n = vs.length;
  const K = inits.length;
  const np = 6 * K;
  if (K === 0 || n < np + 1) return null;
  let p = new Float64Array(np);
  inits.forEach((g, k) => {
    const q = inverse(g.cov);
    p.set([g.amp, g.x0, g.y0, q.a, q.b, q.c], 6 * k);
  });
  const valid = (q: Float64Array): boolean => {
    for (let k = 0; k < K; k++) {
      const o = 6 * k;
      if (!(q[o + 3]! > 0 && q[o + 5]! > 0 && q[o + 3]! * q[o + 5]! - q[o + 4]! ** 2 > 0)) return false;
    }
    return true;
  };
  const cost = (q: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) {
      let f = 0;
      for (let k = 0; k < K; k++) {
        const o = 6 * k;
        const dx = xs[i]! - q[o + 1]!;
        const dy = ys[i]! - q[o + 2]!;
        f += q[o]! * Math.exp(-0.5 * (q[o + 3]! * dx * dx + 2 * q[o + 4]! * dx * dy + q[o + 5]! * dy * dy));
      }
      const r = vs[i]! - f;
      s += r * r;
    }
    return s;
  };
  let c0 = cost(p);
  let lambda = 1e-3;
  const jtj = new Float64Array(np * np);
  const jtr = new Float64Array(np);
  const g = new Float64Array(np);
  const e = new Float64Array(K);
  let it = 0;
  for (; it < maxIter; it++) {
    jtj.fill(0);
    jtr.fill(0);
    for (let i = 0; i < n; i++) {
      let f = 0;
      for (let k = 0; k < K; k++) {
        const o = 6 * k;
        const dx = xs[i]! - p[o + 1]!;
        const dy = ys[i]! - p[o + 2]!;
        e[k] = Math.exp(-0.5 * (p[o + 3]! * dx * dx + 2 * p[o + 4]! * dx * dy + p[o + 5]! * dy * dy));
        f += p[o]! * e[k]!;
      }
      const r = vs[i]! - f;
      for (let k = 0; k < K; k++) {
        const o = 6 * k;
        const dx = xs[i]! - p[o + 1]!;
        const dy = ys[i]! - p[o + 2]!;
        const fk = p[o]! * e[k]!;
        g[o] = e[k]!;
        g[o + 1] = fk * (p[o + 3]! * dx + p[o + 4]! * dy);
        g[o + 2] = fk * (p[o + 4]! * dx + p[o + 5]! * dy);
        g[o + 3] = -0.5 * fk * dx * dx;
        g[o + 4] = -fk * dx * dy;
        g[o + 5] = -0.5 * fk * dy * dy;
      }
      for (let a = 0; a < np; a++) {
        jtr[a] = jtr[a]! + g[a]! * r;
        for (let b = a; b < np; b++) jtj[a * np + b] = jtj[a * np + b]! + g[a]! * g[b]!;
      }
    }
    for (let a = 0; a < np; a++) for (let b = 0; b < a; b++) jtj[a * np + b] = jtj[b * np + a]!;
    let improved = false;
    for (let tries = 0; tries < 12; tries++) {
      const m = Float64Array.from(jtj);
      for (let a = 0; a < np; a++) m[a * np + a] = m[a * np + a]! * (1 + lambda) + 1e-30;
      const step = solve(m, jtr, np);
      if (!step) {
        lambda *= 10;
        continue;
      }
      const q = p.map((v, k) => v + step[k]!);
      const c1 = valid(q) ? cost(q) : Infinity;
      if (c1 < c0) {
        const rel = (c0 - c1) / Math.max(c0, 1e-300);
        p = q;
        c0 = c1;
        lambda = Math.max(lambda / 10, 1e-9);
        improved = true;
        if (rel < 1e-10) it = maxIter;
        break;
      }
      lambda *= 10;
    }
    if (!improved) break;
  }
  const out: GaussFit[] = [];
  for (let k = 0; k < K; k++) {
    const o = 6 * k;
    const P = { a: p[o + 3]!, b: p[o + 4]!, c: p[o + 5]! };
    if (!(P.a > 0 && P.c > 0 && det(P) > 0) || !Number.isFinite(p[o]!) || p[o]! <= 0) return null;
    out.push({ amp: p[o]!, x0: p[o + 1]!, y0: p[o + 2]!, cov: inverse(P), iterations: it });
  }
  return out;
}

/** One Gaussian (see fitGaussians). */
export function fitGaussian(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  vs: ArrayLike<number>,
  init: GaussFit,
  maxIter = 60,
): GaussFit | null {
  return fitGaussians(xs, ys, vs, [init], maxIter)?.[0] ?? null;
}
