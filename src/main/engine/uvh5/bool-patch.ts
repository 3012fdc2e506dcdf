// h5wasm cannot create HDF5 enum types, but UVH5 flags must be h5py's boolean enum
// {FALSE=0, TRUE=1} over int8. The writer creates Data/flags as a 1-byte compound with a unique
// member name; this rewrites that datatype message, in place, into the boolean enum.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { Uvh5Error } from './errors';

/** Member name of the placeholder compound; unique enough never to occur elsewhere in a file. */
export const BOOL_PLACEHOLDER = 'dsa110_contimg_bool_placeholder';

/**
 * The boolean enum as h5py encodes it (datatype message version 1, as written with the
 * 'earliest' format bounds): class 8, 2 members, 1 byte; base int8; names padded to 8 bytes.
 */
function boolEnumMessage(): Buffer {
  const b = Buffer.alloc(40);
  b.set([0x18, 2, 0, 0, 1, 0, 0, 0], 0); // enum v1, 2 members, size 1
  b.set([0x10, 0x08, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0], 8); // base: fixed-point v1, signed, size 1, offset 0, precision 8
  b.write('FALSE', 20, 'latin1');
  b.write('TRUE', 28, 'latin1');
  b.set([0, 1], 36); // values FALSE = 0, TRUE = 1
  return b;
}

/** Find the placeholder's datatype message (version-1 object header) and patch it. */
export function patchBoolPlaceholder(path: string, field: string): void {
  const needle = Buffer.from(BOOL_PLACEHOLDER, 'latin1');
  const fd = openSync(path, 'r+');
  try {
    const window = 1 << 20;
    const buf = Buffer.alloc(window + needle.length + 16);
    let found = -1;
    // Object headers precede the data they describe, so the match is near the start.
    for (let pos = 0; found < 0; pos += window) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      const i = buf.subarray(0, n).indexOf(needle);
      if (i >= 0) found = pos + i;
      if (n < buf.length) break;
    }
    if (found < 24) throw new Uvh5Error(path, field, 'internal: boolean placeholder datatype not found after writing');
    // Layout: [msg header 8 bytes: type u16, size u16, flags u8, reserved 3][compound v1 header 8][name ...]
    const head = Buffer.alloc(16);
    readSync(fd, head, 0, 16, found - 16);
    const type = head.readUInt16LE(0);
    const size = head.readUInt16LE(2);
    const classVersion = head[8];
    if (type !== 3 || classVersion !== 0x16 || size < 40 || size % 8 !== 0) {
      throw new Uvh5Error(
        path,
        field,
        `internal: unexpected placeholder datatype message (type ${type}, size ${size}, class/version 0x${(classVersion ?? 0).toString(16)})`,
      );
    }
    // The enum takes 40 of the message's bytes; the rest stay zero. (Splitting off a NIL message
    // would change the header's message count, which HDF5 2.x checks.)
    const msg = Buffer.alloc(size);
    boolEnumMessage().copy(msg, 0);
    writeSync(fd, msg, 0, size, found - 8);
  } finally {
    closeSync(fd);
  }
}
