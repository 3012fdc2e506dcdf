// Variability of a light curve, as the VAST pipeline defines it (Murphy et al. 2021; Mooley et al.
// 2016 for the two-epoch metrics):
//   weighted mean  S_w = sum(w S) / sum(w),  w = 1 / sigma^2
//   eta            = N / (N - 1) (<w S^2> - <w S>^2 / <w>)   (the reduced chi^2 about S_w)
//   V              = std(S) / mean(S)                        (sample std, N - 1)
//   Vs (pair a, b) = (S_a - S_b) / sqrt(sigma_a^2 + sigma_b^2)
//   m  (pair a, b) = 2 (S_a - S_b) / (S_a + S_b)
// A constant source with honest errors has (N - 1) eta ~ chi^2 with N - 1 degrees of freedom, so
// an eta threshold follows from a false-alarm probability; that probability is the false-positive
// rate the threshold implies for constant sources.

export interface VariabilityThresholds {
  /** Two-epoch thresholds (VAST's defaults 4.3 and 0.26). */
  minVs: number;
  minM: number;
  /** False-alarm probability per source for eta (default 1e-3): eta >= chi^2_{N-1} quantile / (N-1). */
  etaFalseAlarm: number;
  /** Minimum V (fractional modulation) for an eta/V candidate (default 0.1). */
  minV: number;
}

export const DEFAULT_THRESHOLDS: VariabilityThresholds = { minVs: 4.3, minM: 0.26, etaFalseAlarm: 1e-3, minV: 0.1 };

export interface VariabilityStats {
  n: number;
  weightedMean: number;
  weightedMeanErr: number;
  eta: number;
  v: number;
  /** The pair with the largest |Vs| among those with |m| >= minM (or the largest |Vs| if none): its Vs and m. */
  vsMax: number;
  mAtVsMax: number;
  /** Pairs passing both two-epoch thresholds. */
  significantPairs: number;
  /** eta's threshold for this N and its exceedance: true when eta >= threshold and V >= minV. */
  etaThreshold: number;
  etaVCandidate: boolean;
  pairCandidate: boolean;
  /** -log10 of the chi^2 tail probability of eta (ranking: larger is more significant). */
  significance: number;
}

export interface PairMetric {
  a: number;
  b: number;
  vs: number;
  m: number;
}

/** Vs and m for every pair of epochs (i < j). */
export function pairMetrics(flux: ArrayLike<number>, err: ArrayLike<number>): PairMetric[] {
  const out: PairMetric[] = [];
  for (let i = 0; i < flux.length; i++)
    for (let j = i + 1; j < flux.length; j++) {
      const a = flux[i]!;
      const b = flux[j]!;
      out.push({ a: i, b: j, vs: (a - b) / Math.hypot(err[i]!, err[j]!), m: (2 * (a - b)) / (a + b) });
    }
  return out;
}

// --- the regularized incomplete gamma function (series and continued fraction) ---

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Q(a, x) = Gamma(a, x) / Gamma(a): the upper tail. */
export function gammaQ(a: number, x: number): number {
  if (!(x > 0)) return 1;
  const lg = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    let sum = 1 / a;
    let term = sum;
    for (let k = 1; k < 1000; k++) {
      term *= x / (a + k);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(lg));
  }
  // Lentz's continued fraction for Q.
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.exp(lg) * h;
}

/** P(chi^2_k >= x). */
export function chi2Sf(x: number, k: number): number {
  return gammaQ(k / 2, x / 2);
}

/** The x with P(chi^2_k >= x) = p (bisection on the log tail). */
export function chi2Isf(p: number, k: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`chi2Isf: p must be in (0, 1), got ${p}`);
  let lo = 0;
  let hi = Math.max(1, k);
  while (chi2Sf(hi, k) > p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (chi2Sf(mid, k) > p) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

const etaThresholdCache = new Map<string, number>();

/** eta above which a constant source appears with probability p, for N epochs. */
export function etaThreshold(n: number, p: number): number {
  const key = `${n}:${p}`;
  let t = etaThresholdCache.get(key);
  if (t === undefined) {
    t = n > 1 ? chi2Isf(p, n - 1) / (n - 1) : Number.POSITIVE_INFINITY;
    etaThresholdCache.set(key, t);
  }
  return t;
}

/** The variability statistics of one light curve (fluxes and 1-sigma errors; non-finite epochs skipped). */
export function variability(
  fluxIn: ArrayLike<number>,
  errIn: ArrayLike<number>,
  thresholds: VariabilityThresholds = DEFAULT_THRESHOLDS,
): VariabilityStats {
  const flux: number[] = [];
  const err: number[] = [];
  for (let i = 0; i < fluxIn.length; i++) {
    const f = fluxIn[i]!;
    const e = errIn[i]!;
    if (Number.isFinite(f) && e > 0) {
      flux.push(f);
      err.push(e);
    }
  }
  const n = flux.length;
  let sw = 0;
  let swf = 0;
  let swf2 = 0;
  let sf = 0;
  for (let i = 0; i < n; i++) {
    const w = 1 / (err[i]! * err[i]!);
    sw += w;
    swf += w * flux[i]!;
    swf2 += w * flux[i]! * flux[i]!;
    sf += flux[i]!;
  }
  const mean = sf / n;
  let ss = 0;
  for (const f of flux) ss += (f - mean) ** 2;
  const eta = n > 1 ? (n / (n - 1)) * (swf2 / n - (swf / n) ** 2 / (sw / n)) : 0;
  const v = n > 1 ? Math.sqrt(ss / (n - 1)) / mean : 0;
  let vsMax = 0;
  let mAt = 0;
  let best = -1;
  let significant = 0;
  for (const pr of pairMetrics(flux, err)) {
    const passM = Math.abs(pr.m) >= thresholds.minM;
    if (passM && Math.abs(pr.vs) >= thresholds.minVs) significant++;
    // Prefer pairs that pass |m|; among them, the largest |Vs|.
    const score = Math.abs(pr.vs) + (passM ? 1e9 : 0);
    if (score > best) {
      best = score;
      vsMax = pr.vs;
      mAt = pr.m;
    }
  }
  const thr = etaThreshold(n, thresholds.etaFalseAlarm);
  const tail = n > 1 ? chi2Sf(Math.max(0, eta) * (n - 1), n - 1) : 1;
  return {
    n,
    weightedMean: n > 0 ? swf / sw : Number.NaN,
    weightedMeanErr: n > 0 ? 1 / Math.sqrt(sw) : Number.NaN,
    eta,
    v,
    vsMax,
    mAtVsMax: mAt,
    significantPairs: significant,
    etaThreshold: thr,
    etaVCandidate: n > 1 && eta >= thr && Math.abs(v) >= thresholds.minV,
    pairCandidate: significant > 0,
    significance: tail > 0 ? -Math.log10(tail) : 300,
  };
}
