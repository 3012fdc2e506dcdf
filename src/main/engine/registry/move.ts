// Moving a product from the staging root to the products root: one rename on the same file
// system; across file systems a copy next to the destination (every file and directory
// fsynced), a checksum check of the copy, an atomic rename into place, then the source removed.
// At every instant a complete copy exists at the source or at the destination.
import { lstat, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { checksumPath } from './checksum';
import { errnoCode, RegistryError } from './errors';
import { faultPoint, injectedError } from '../jobs/faults';
import { fsyncDir } from './journal';

const CHUNK = 1 << 20;

async function copyFile(src: string, dst: string): Promise<void> {
  const input = await open(src, 'r');
  try {
    const output = await open(dst, 'wx');
    try {
      const buf = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        const { bytesRead } = await input.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const injected = injectedError('publish:copy-write', dst, 'write');
        if (injected) throw injected;
        let off = 0;
        while (off < bytesRead) off += (await output.write(buf, off, bytesRead - off)).bytesWritten;
      }
      await output.sync();
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}

/** Copy a file or tree, fsyncing each file and, after its entries, each directory. */
async function copyTree(src: string, dst: string): Promise<void> {
  const st = await lstat(src);
  if (st.isFile()) return copyFile(src, dst);
  if (!st.isDirectory())
    throw new RegistryError('invalid', `${src}: is not a regular file or directory; cannot publish it`);
  await mkdir(dst);
  for (const e of await readdir(src, { withFileTypes: true }))
    await copyTree(path.join(src, e.name), path.join(dst, e.name));
  fsyncDir(dst);
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return false;
    throw err;
  }
}

export interface MovePlan {
  source: string;
  destination: string;
  /** Where a cross-file-system copy is assembled (same directory as the destination). */
  temp: string;
  sha256: string;
  /** Called once the copy path is chosen, before the first byte is written (journals the temp path). */
  onCopyStart(): void;
}

/** Rename, or copy + fsync + verify + rename when the roots are on different file systems. */
export async function moveProduct(plan: MovePlan): Promise<'renamed' | 'copied'> {
  const { source, destination, temp, sha256 } = plan;
  if (await exists(destination)) {
    throw new RegistryError(
      'conflict',
      `${destination}: already exists in the products root; refusing to overwrite it with ${source}`,
    );
  }
  faultPoint('publish:before-copy');
  let crossDevice = false;
  try {
    const injected = injectedError('publish:rename', source, 'rename');
    if (injected) throw injected;
    await rename(source, destination);
  } catch (err) {
    if (errnoCode(err) !== 'EXDEV') throw err;
    crossDevice = true;
  }
  if (!crossDevice) {
    fsyncDir(path.dirname(destination));
    fsyncDir(path.dirname(source));
    faultPoint('publish:after-rename');
    return 'renamed';
  }
  plan.onCopyStart();
  await rm(temp, { recursive: true, force: true });
  try {
    await copyTree(source, temp);
    fsyncDir(path.dirname(temp));
    faultPoint('publish:after-copy');
    const copied = await checksumPath(temp);
    if (copied.sha256 !== sha256) {
      throw new RegistryError(
        'io',
        `${temp}: checksum of the copy is ${copied.sha256}, expected ${sha256} (the source ${source}); copy discarded`,
      );
    }
    await rename(temp, destination);
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
  fsyncDir(path.dirname(destination));
  faultPoint('publish:after-rename');
  await rm(source, { recursive: true, force: true });
  fsyncDir(path.dirname(source));
  return 'copied';
}

export { exists };
