// Phase rotation of visibilities between phase centres, and the point-source model, on blocks
// of Float32Array interleaved complex (re, im) with layout [baseline][channel][pol][re|im]
// (UVH5's (Nblts, Nfreqs, Npols) order).
// CONVENTION: DATA = S exp(+2 pi i (u l + v m + w (n - 1)) / lambda) = S exp(+2 pi i b.(s - c) / lambda),
// uvw = uvw(ant2) - uvw(ant1), c the phase centre. Moving the phase centre from c to c' multiplies
// by exp(-2 pi i b.(c' - c) / lambda) = exp(-2 pi i (w' - w) / lambda): w and w' must be the
// projections of the same baseline on the two (apparent) centres, as uvw.ts computes them.
// Phases are computed in float64; only the stored values are float32.

/** Speed of light (m/s). */
export const C_M_S = 299792458;

export interface VisShape {
  /** Rows (baseline-times). */
  nbl: number;
  nchan: number;
  npol: number;
}

function checkBlock(vis: Float32Array, shape: VisShape, freqsHz: ArrayLike<number>, what: string): void {
  const { nbl, nchan, npol } = shape;
  for (const [k, v] of Object.entries(shape)) {
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`${what}: shape.${k}: expected a non-negative integer, got ${v}`);
  }
  if (vis.length !== nbl * nchan * npol * 2) {
    throw new RangeError(
      `${what}: vis: expected ${nbl} x ${nchan} x ${npol} complex = ${nbl * nchan * npol * 2} floats, got ${vis.length}`,
    );
  }
  if (freqsHz.length !== nchan)
    throw new RangeError(`${what}: freqsHz: expected ${nchan} frequencies, got ${freqsHz.length}`);
}

/**
 * Multiply every visibility of row r by exp(-2 pi i dw[r] nu / c): the rotation for a change of
 * phase centre with dw = w_new - w_old (m) per row. Writes to `out` (default: in place).
 */
export function rotatePhases(
  vis: Float32Array,
  shape: VisShape,
  deltaWM: ArrayLike<number>,
  freqsHz: ArrayLike<number>,
  out: Float32Array = vis,
): Float32Array {
  checkBlock(vis, shape, freqsHz, 'rotatePhases');
  if (out.length !== vis.length)
    throw new RangeError(`rotatePhases: out: expected ${vis.length} floats, got ${out.length}`);
  if (deltaWM.length !== shape.nbl)
    throw new RangeError(`rotatePhases: deltaWM: expected ${shape.nbl} values (one per row), got ${deltaWM.length}`);
  const { nbl, nchan, npol } = shape;
  for (let r = 0; r < nbl; r++) {
    const k = (-2 * Math.PI * (deltaWM[r] as number)) / C_M_S;
    for (let c = 0; c < nchan; c++) {
      const ph = k * (freqsHz[c] as number);
      const cr = Math.cos(ph);
      const ci = Math.sin(ph);
      let i = (r * nchan + c) * npol * 2;
      for (let p = 0; p < npol; p++, i += 2) {
        const re = vis[i] as number;
        const im = vis[i + 1] as number;
        out[i] = re * cr - im * ci;
        out[i + 1] = re * ci + im * cr;
      }
    }
  }
  return out;
}

/** dw = w_new - w_old per row from two uvw arrays (row-major n x 3, metres) of the same baselines. */
export function deltaW(uvwOld: ArrayLike<number>, uvwNew: ArrayLike<number>): Float64Array {
  if (uvwOld.length !== uvwNew.length || uvwOld.length % 3 !== 0) {
    throw new RangeError(
      `deltaW: expected two n x 3 uvw arrays of equal length, got ${uvwOld.length} and ${uvwNew.length}`,
    );
  }
  const n = uvwOld.length / 3;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) out[r] = (uvwNew[3 * r + 2] as number) - (uvwOld[3 * r + 2] as number);
  return out;
}

/**
 * dw per row for a new centre at direction cosines (l, m, n) in the OLD centre's frame:
 * b.c' - b.c = u l + v m + w (n - 1).
 */
export function deltaWFromLmn(uvwOld: ArrayLike<number>, lmn: readonly [number, number, number]): Float64Array {
  if (uvwOld.length % 3 !== 0)
    throw new RangeError(`deltaWFromLmn: uvwOld: expected an n x 3 array, got length ${uvwOld.length}`);
  const [l, m, n] = lmn;
  const out = new Float64Array(uvwOld.length / 3);
  for (let r = 0; r < out.length; r++) {
    out[r] =
      (uvwOld[3 * r] as number) * l + (uvwOld[3 * r + 1] as number) * m + (uvwOld[3 * r + 2] as number) * (n - 1);
  }
  return out;
}

/**
 * Add a point source of flux S (Jy, the same in every pol given in `polFlux`, default [S, S]
 * for XX, YY of an unpolarised source of Stokes I = S with the XX = I convention) at direction
 * cosines (l, m, n) relative to the phase centre of `uvw` (n x 3, m) into `vis`.
 */
export function addPointSource(
  vis: Float32Array,
  shape: VisShape,
  uvw: ArrayLike<number>,
  freqsHz: ArrayLike<number>,
  lmn: readonly [number, number, number],
  polFlux: ArrayLike<number>,
): Float32Array {
  checkBlock(vis, shape, freqsHz, 'addPointSource');
  const { nbl, nchan, npol } = shape;
  if (uvw.length !== nbl * 3)
    throw new RangeError(`addPointSource: uvw: expected ${nbl} x 3 values, got ${uvw.length}`);
  if (polFlux.length !== npol)
    throw new RangeError(`addPointSource: polFlux: expected ${npol} values (one per pol), got ${polFlux.length}`);
  const [l, m, n] = lmn;
  for (let r = 0; r < nbl; r++) {
    const path = (uvw[3 * r] as number) * l + (uvw[3 * r + 1] as number) * m + (uvw[3 * r + 2] as number) * (n - 1);
    const k = (2 * Math.PI * path) / C_M_S;
    for (let c = 0; c < nchan; c++) {
      const ph = k * (freqsHz[c] as number);
      const cr = Math.cos(ph);
      const ci = Math.sin(ph);
      let i = (r * nchan + c) * npol * 2;
      for (let p = 0; p < npol; p++, i += 2) {
        const s = polFlux[p] as number;
        vis[i] = (vis[i] as number) + s * cr;
        vis[i + 1] = (vis[i + 1] as number) + s * ci;
      }
    }
  }
  return vis;
}
