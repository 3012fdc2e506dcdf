// Is an HDF5 file complete? Its superblock (at 0, or 512, 1024, ... after a user block) records
// the end-of-file address the writer reached; a file shorter than that is truncated or still
// being written. Read from the first bytes only, before the header is parsed.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

function readUInt(buf: Buffer, off: number, size: number): number | null {
  if (off + size > buf.length) return null;
  if (size === 8) {
    const v = buf.readBigUInt64LE(off);
    return v === 0xffffffffffffffffn ? null : Number(v);
  }
  if (size === 4) return buf.readUInt32LE(off);
  if (size === 2) return buf.readUInt16LE(off);
  return null;
}

/** Null when the file's superblock is readable and the file is as long as it says; else why not. */
export function hdf5Incomplete(file: string): string | null {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return 'empty file (0 bytes)';
    const block = Buffer.alloc(128);
    for (let at = 0; at === 0 || at + 8 <= size; at = at === 0 ? 512 : at * 2) {
      const n = readSync(fd, block, 0, block.length, at);
      // Only the bytes read: a superblock cut short must not be completed by zeros.
      const buf = block.subarray(0, n);
      if (n < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) {
        if (at >= 1 << 20) break;
        continue;
      }
      const version = buf[8] ?? -1;
      let base: number | null;
      let eof: number | null;
      if (version === 0 || version === 1) {
        const o = buf[13] ?? 0;
        const first = version === 0 ? 24 : 28;
        base = readUInt(buf, first, o);
        eof = readUInt(buf, first + 2 * o, o);
      } else if (version === 2 || version === 3) {
        const o = buf[9] ?? 0;
        base = readUInt(buf, 12, o);
        eof = readUInt(buf, 12 + 2 * o, o);
      } else return `HDF5 superblock version ${version} at byte ${at} is not one this reader knows (0-3)`;
      if (base === null || eof === null) return `HDF5 superblock at byte ${at} is cut short`;
      const need = base + eof;
      if (size < need)
        return `truncated: ${size} bytes, but its HDF5 superblock says the file ends at byte ${need} (still being written, or cut short)`;
      return null;
    }
    return 'not an HDF5 file (no HDF5 signature at byte 0 or at a user-block boundary)';
  } finally {
    closeSync(fd);
  }
}
