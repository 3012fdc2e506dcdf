// The ring of row slots shared by the converting (main) thread and the writer thread: each slot
// holds one integration of one subband as the kernel writes it; a control array of Int32 words
// hands slots over with Atomics. No heavy imports: the writer thread loads this module.
import type { KernelOutput } from './kernel';

/** The ring shared with the writer thread. ctrl words: cancel, error; then per slot state, t, s. */
export const CTRL_CANCEL = 0;
export const CTRL_ERROR = 1;
export const CTRL_SLOTS = 4;
export const SLOT_WORDS = 3;
export const SLOT_EMPTY = 0;
export const SLOT_FULL = 1;
export const slotWord = (k: number, field: 0 | 1 | 2): number => CTRL_SLOTS + SLOT_WORDS * k + field;

/** Bytes of one integration's kernel output (nbl rows). */
export function rowsBytes(nbl: number, nchan: number, npol: number): number {
  const per = nchan * npol;
  return nbl * (8 * per + 4 * per + per + 8 * npol + 1);
}

/** Views of one integration's kernel output laid out in `buf` from byte `at` (see rowsBytes). */
export function rowsIn(buf: ArrayBufferLike, at: number, nbl: number, nchan: number, npol: number): KernelOutput {
  const per = nchan * npol;
  let o = at;
  const take = <T>(make: (b: ArrayBufferLike, off: number, n: number) => T, n: number, size: number): T => {
    const v = make(buf, o, n);
    o += n * size;
    return v;
  };
  const f32 = (b: ArrayBufferLike, off: number, n: number): Float32Array => new Float32Array(b, off, n);
  const u8 = (b: ArrayBufferLike, off: number, n: number): Uint8Array => new Uint8Array(b, off, n);
  // 4-byte arrays first, so every view stays aligned whatever nbl is.
  const data = take(f32, 2 * nbl * per, 4);
  const weightSpectrum = take(f32, nbl * per, 4);
  const weight = take(f32, nbl * npol, 4);
  const sigma = take(f32, nbl * npol, 4);
  const flag = take(u8, nbl * per, 1);
  const flagRow = take(u8, nbl, 1);
  return { data, weightSpectrum, weight, sigma, flag, flagRow };
}

/**
 * Bytes of one slot, a multiple of 4096: in a page-aligned ring every slot starts on a page, so
 * its DATA (first) goes to disk with direct I/O straight from the ring (casacore/direct-io.ts).
 */
export function slotBytesFor(nbl: number, nchan: number, npol: number): number {
  return Math.ceil(rowsBytes(nbl, nchan, npol) / 4096) * 4096;
}
