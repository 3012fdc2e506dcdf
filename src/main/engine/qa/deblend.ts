// Deblending: the significant local maxima of an island (blended sources), so the finder can fit
// one Gaussian per source instead of one smeared Gaussian over a pair.

export interface Island {
  xs: readonly number[];
  ys: readonly number[];
  /** Background-subtracted values and the local noise at each pixel. */
  vs: readonly number[];
  sigmas: readonly number[];
}

/**
 * Indices (into the island's arrays) of its peaks, brightest first: local maxima (8-connected)
 * at least `seedSigma` above the background, each separated from every brighter peak kept by a
 * dip of at least `dipSigma` along the straight line between them (a line leaving the island dips
 * below the growth threshold, so it separates). At most `maxPeaks`.
 */
export function islandPeaks(
  island: Island,
  nx: number,
  opts: { seedSigma: number; dipSigma: number; maxPeaks: number },
): number[] {
  const { xs, ys, vs, sigmas } = island;
  const at = new Map<number, number>();
  for (let k = 0; k < xs.length; k++) at.set(ys[k]! * nx + xs[k]!, k);
  const candidates: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    const v = vs[k]!;
    if (v < opts.seedSigma * sigmas[k]!) continue;
    let isMax = true;
    for (let dy = -1; dy <= 1 && isMax; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        if (dx === 0 && dy === 0) continue;
        const j = at.get((ys[k]! + dy) * nx + xs[k]! + dx);
        // Ties go to the earlier pixel, so a flat top gives one peak.
        if (j !== undefined && (vs[j]! > v || (vs[j]! === v && j < k))) {
          isMax = false;
          break;
        }
      }
    }
    if (isMax) candidates.push(k);
  }
  candidates.sort((a, b) => vs[b]! - vs[a]!);
  const kept: number[] = [];
  for (const c of candidates) {
    if (kept.length >= opts.maxPeaks) break;
    const separated = kept.every((p) => {
      const steps = Math.max(2, Math.ceil(2 * Math.hypot(xs[c]! - xs[p]!, ys[c]! - ys[p]!)));
      let low = Infinity;
      for (let s = 1; s < steps; s++) {
        const t = s / steps;
        const x = Math.round(xs[p]! + t * (xs[c]! - xs[p]!));
        const y = Math.round(ys[p]! + t * (ys[c]! - ys[p]!));
        const j = at.get(y * nx + x);
        low = Math.min(low, j === undefined ? -Infinity : vs[j]!);
      }
      return vs[c]! - low >= opts.dipSigma * sigmas[c]!;
    });
    if (kept.length === 0 || separated) kept.push(c);
  }
  return kept;
}
