// Image statistics: robust rms (1.4826 x the median absolute deviation from the median), peak.

/** The k-th smallest value (0-based) of a[0..n), by quickselect (Hoare partition; reorders it). */
function select(a: Float32Array | Float64Array, k: number, n = a.length): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** Median of a[0..n) in place (reorders it); NaN when n is 0. */
export function medianInPlace(a: Float32Array | Float64Array, n = a.length): number {
  if (n === 0) return Number.NaN;
  const hi = select(a, n >> 1, n);
  if (n % 2 === 1) return hi;
  // After selecting n/2 the lower half holds the smaller values: its maximum is the other middle.
  let lo = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i]! > lo) lo = a[i]!;
  return 0.5 * (lo + hi);
}

/** 1.4826 x MAD of the finite values (optionally only where mask != 0). */
export function robustRms(img: ArrayLike<number>, mask?: ArrayLike<number> | null): number {
  let n = 0;
  for (let i = 0; i < img.length; i++) if (Number.isFinite(img[i]!) && (!mask || mask[i])) n++;
  const a = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < img.length; i++) if (Number.isFinite(img[i]!) && (!mask || mask[i])) a[k++] = img[i]!;
  const med = medianInPlace(a);
  for (let i = 0; i < n; i++) a[i] = Math.abs(a[i]! - med);
  return 1.4826 * medianInPlace(a);
}

/** Plain rms of the finite values. */
export function rms(img: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < img.length; i++) {
    const v = img[i]!;
    if (Number.isFinite(v)) {
      s += v * v;
      n++;
    }
  }
  return n > 0 ? Math.sqrt(s / n) : Number.NaN;
}

/** The largest value and its pixel (x, y), or with `abs` the largest |value|. */
export function peak(
  img: ArrayLike<number>,
  nx: number,
  opts: { abs?: boolean; mask?: ArrayLike<number> | null } = {},
): { value: number; x: number; y: number } {
  let best = -Infinity;
  let at = -1;
  for (let i = 0; i < img.length; i++) {
    if (opts.mask && !opts.mask[i]) continue;
    const v = img[i]!;
    const s = opts.abs ? Math.abs(v) : v;
    if (s > best) {
      best = s;
      at = i;
    }
  }
  return at < 0 ? { value: Number.NaN, x: -1, y: -1 } : { value: img[at]!, x: at % nx, y: Math.floor(at / nx) };
}
