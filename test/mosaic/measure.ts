// Measurements on a mosaic: a point source's peak and centre from the log-parabola through the
// 3 x 3 pixels around its brightest pixel (exact for a noiseless Gaussian beam), and rms helpers.

/** Peak value and sub-pixel centre (0-based) near (x, y); null when a needed pixel is not finite. */
export function fitPeak(
  data: ArrayLike<number>,
  nx: number,
  ny: number,
  x: number,
  y: number,
  search = 2,
): { amp: number; x: number; y: number } | null {
  let bx = -1;
  let by = -1;
  let best = -Infinity;
  for (let j = Math.round(y) - search; j <= Math.round(y) + search; j++) {
    for (let i = Math.round(x) - search; i <= Math.round(x) + search; i++) {
      if (i < 1 || j < 1 || i >= nx - 1 || j >= ny - 1) continue;
      const v = data[j * nx + i]!;
      if (v > best) {
        best = v;
        bx = i;
        by = j;
      }
    }
  }
  if (bx < 0) return null;
  const at = (i: number, j: number) => data[j * nx + i]!;
  const l = [at(bx - 1, by), at(bx, by), at(bx + 1, by), at(bx, by - 1), at(bx, by + 1)].map((v) =>
    v > 0 ? Math.log(v) : Number.NaN,
  );
  if (l.some((v) => !Number.isFinite(v))) return null;
  const [xm, c, xp, ym, yp] = l as [number, number, number, number, number];
  const dx = (xm - xp) / (2 * (xm - 2 * c + xp));
  const dy = (ym - yp) / (2 * (ym - 2 * c + yp));
  const lnPeak = c - (xm - xp) ** 2 / (8 * (xm - 2 * c + xp)) - (ym - yp) ** 2 / (8 * (ym - 2 * c + yp));
  return { amp: Math.exp(lnPeak), x: bx + dx, y: by + dy };
}

export function std(values: readonly number[]): number {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / (values.length - 1));
}
