// The per-integration inner loop of the conversion: one subband's rows of one integration, in
// the correlator's order and channel order, become MS rows (CASA baseline order, ascending
// channels) rephased to the MS phase centre, with flags, weights and sigmas.
//
// WEIGHT CONVENTION (CASA's initweights wtmode='nyq', uncalibrated data):
//   WEIGHT_SPECTRUM[pol, chan] = 2 |channel width| x integration time x nsamples   (0 if nsamples <= 0)
//   WEIGHT[pol] = sum over channels of WEIGHT_SPECTRUM[pol, :]   (the channel-averaged visibility's)
//   SIGMA[pol]  = 1 / sqrt(WEIGHT[pol])   (0 where WEIGHT is 0)
// so weights are proportional to the radiometer 1/sigma^2 (sigma ~ SEFD / sqrt(2 dnu dt)) in
// units of SEFD^-2. Flags are not folded into weights; FLAG carries them. Autocorrelations and
// values with nsamples <= 0 are flagged; FLAG_ROW is set when every value of a row is flagged.
import { C_M_S } from '../../../shared/astro/phase';
import { loadAddon, type NativeAddon } from '../native/addon';

export interface KernelInput {
  /** One integration of one subband file: nbl rows x nchan x npol, file order (complex interleaved). */
  vis: Float32Array;
  flags: Uint8Array;
  nsamples: Float32Array;
  /** Row offset inside `vis` of the integration's first row (in rows). */
  rowOffset: number;
  /** For MS baseline b, the row inside the integration (file order) and whether to conjugate. */
  perm: Int32Array;
  conj: Uint8Array;
  /** Offset into perm/conj of this integration (t * nbl). */
  permOffset: number;
  /** 1 for autocorrelation baselines (MS order). */
  auto: Uint8Array;
  /** w_new - w_old per MS baseline (m). */
  dw: Float64Array;
  /** MS channel frequencies (ascending), Hz. */
  freqsHz: Float64Array;
  /** MS channel k is file channel nchan-1-k. */
  reverse: boolean;
  nchan: number;
  npol: number;
  /** 2 |dnu| dt per channel (s Hz), MS channel order. */
  weightScale: Float64Array;
}

export interface KernelOutput {
  data: Float32Array;
  flag: Uint8Array;
  weightSpectrum: Float32Array;
  weight: Float32Array;
  sigma: Float32Array;
  flagRow: Uint8Array;
}

/** Are the frequencies equally spaced (relative 1e-9), so a phasor recurrence is exact enough? */
export function uniformSpacing(f: Float64Array): boolean {
  if (f.length < 3) return true;
  const d = (f[1] as number) - (f[0] as number);
  for (let k = 2; k < f.length; k++)
    if (Math.abs((f[k] as number) - (f[k - 1] as number) - d) > 1e-9 * Math.abs(f[k] as number)) return false;
  return true;
}

/** The native twin of the loop (native/src/convert), as the addon exports it. */
type ConvertRowsAddon = Pick<NativeAddon, 'convertRows'>;

let nativeKernel: ConvertRowsAddon | null | undefined;

/**
 * The addon's convertRows, or null after useNativeKernel(false). An addon that is absent or
 * lacks the kernel is an error naming it (loadAddon checks every declared kernel), never a
 * silent switch to the JS loop.
 */
function nativeConvertRows(): ConvertRowsAddon | null {
  if (nativeKernel === undefined) nativeKernel = loadAddon();
  return nativeKernel;
}

/** Use the native loop (default), or always the JS loop (an explicit choice: tests compare them). */
export function useNativeKernel(on: boolean): void {
  nativeKernel = on ? undefined : null;
}

let phasorBuf = new Float64Array(0);

/**
 * Fill nbl MS rows. The phase rotation is exp(-2 pi i dw nu / c) (shared/astro/phase.ts
 * convention); across equally spaced channels it advances by a phasor recurrence in float64,
 * restarted from sin/cos for each row (48 steps: error ~1e-14 rad). Returns the flagged count.
 * With equal spacing the loop runs natively (unless useNativeKernel(false)), on phasors computed here
 * (Math.cos/sin), so both loops write the same bytes.
 */
export function convertIntegration(inp: KernelInput, out: KernelOutput): number {
  const native = uniformSpacing(inp.freqsHz) ? nativeConvertRows() : null;
  if (!native) return convertIntegrationJs(inp, out);
  const { freqsHz, dw, nchan, permOffset } = inp;
  const nbl = dw.length;
  const f0 = freqsHz[0] as number;
  const df = nchan > 1 ? (freqsHz[1] as number) - f0 : 0;
  if (phasorBuf.length < 4 * nbl) phasorBuf = new Float64Array(4 * nbl);
  const ph = phasorBuf.subarray(0, 4 * nbl);
  for (let b = 0; b < nbl; b++) {
    const k0 = (-2 * Math.PI * (dw[b] as number)) / C_M_S;
    ph[4 * b] = Math.cos(k0 * f0);
    ph[4 * b + 1] = Math.sin(k0 * f0);
    ph[4 * b + 2] = Math.cos(k0 * df);
    ph[4 * b + 3] = Math.sin(k0 * df);
  }
  return native.convertRows(
    {
      vis: inp.vis,
      flags: inp.flags,
      nsamples: inp.nsamples,
      rowOffset: inp.rowOffset,
      perm: inp.perm.subarray(permOffset, permOffset + nbl),
      conj: inp.conj.subarray(permOffset, permOffset + nbl),
      autos: inp.auto,
      phasors: ph,
      weightScale: inp.weightScale,
      reverse: inp.reverse,
      nchan,
      npol: inp.npol,
    },
    out,
  );
}

/** The loop in JS (any channel spacing). */
export function convertIntegrationJs(inp: KernelInput, out: KernelOutput): number {
  const {
    vis,
    flags,
    nsamples,
    perm,
    conj,
    auto,
    dw,
    freqsHz,
    reverse,
    nchan,
    npol,
    weightScale,
    rowOffset,
    permOffset,
  } = inp;
  // Locals, not property loads, in the loop over ~10^8 values per group.
  const data = out.data;
  const wspec = out.weightSpectrum;
  const flag = out.flag;
  const nbl = dw.length;
  const per = nchan * npol;
  const uniform = uniformSpacing(freqsHz);
  const f0 = freqsHz[0] as number;
  const df = nchan > 1 ? (freqsHz[1] as number) - f0 : 0;
  // File channel of MS channel k: first + k * step (in values).
  const first = reverse ? (nchan - 1) * npol : 0;
  const step = reverse ? -npol : npol;
  const wsum = new Float64Array(npol);
  let flagged = 0;
  for (let b = 0; b < nbl; b++) {
    const src = (rowOffset + (perm[permOffset + b] as number)) * per;
    const sgn = conj[permOffset + b] ? -1 : 1;
    const rowFlag = auto[b] === 1 ? 1 : 0;
    const k0 = (-2 * Math.PI * (dw[b] as number)) / C_M_S;
    let cr = Math.cos(k0 * f0);
    let ci = Math.sin(k0 * f0);
    const sr = Math.cos(k0 * df);
    const si = Math.sin(k0 * df);
    let d = b * per;
    let c = src + first;
    let nflag = 0;
    wsum.fill(0);
    for (let k = 0; k < nchan; k++, c += step) {
      if (!uniform && k > 0) {
        const ph = k0 * (freqsHz[k] as number);
        cr = Math.cos(ph);
        ci = Math.sin(ph);
      }
      const scale = weightScale[k] as number;
      for (let p = 0; p < npol; p++, d++) {
        const s = c + p;
        const re = vis[2 * s] as number;
        const im = sgn * (vis[2 * s + 1] as number);
        data[2 * d] = re * cr - im * ci;
        data[2 * d + 1] = re * ci + im * cr;
        const ns = nsamples[s] as number;
        const good = ns > 0;
        const w = good ? scale * ns : 0;
        wspec[d] = w;
        wsum[p] = (wsum[p] as number) + w;
        const fl = rowFlag | (flags[s] !== 0 ? 1 : 0) | (good ? 0 : 1);
        flag[d] = fl;
        nflag += fl;
      }
      if (uniform) {
        const t = cr * sr - ci * si;
        ci = cr * si + ci * sr;
        cr = t;
      }
    }
    for (let p = 0; p < npol; p++) {
      const w = wsum[p] as number;
      out.weight[b * npol + p] = w;
      out.sigma[b * npol + p] = w > 0 ? 1 / Math.sqrt(w) : 0;
    }
    out.flagRow[b] = nflag === per ? 1 : 0;
    flagged += nflag;
  }
  return flagged;
}
