// Checksums of products: a file's sha256, or for a directory (a Measurement Set, a calibration
// table) the sha256 of a sorted manifest listing every sub-directory and every file's sha256,
// size and relative path. Symbolic links are refused: a product is plain files and directories.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { RegistryError } from './errors';

export interface Checksum {
  sha256: string;
  sizeBytes: number;
  /** Regular files counted (1 for a single file). */
  files: number;
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every entry under `dir` as posix relative paths, sorted, symlinks and special files refused. */
async function walk(root: string, rel: string, out: { dirs: string[]; files: string[] }): Promise<void> {
  const dir = path.join(root, rel);
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink())
      throw new RegistryError(
        'invalid',
        `${path.join(root, r)}: is a symbolic link; a product must consist of regular files and directories`,
      );
    if (e.isDirectory()) {
      out.dirs.push(r);
      await walk(root, r, out);
    } else if (e.isFile()) out.files.push(r);
    else throw new RegistryError('invalid', `${path.join(root, r)}: is not a regular file or directory`);
  }
}

/** The checksum of a file or of a directory tree (see the file comment for the manifest). */
export async function checksumPath(target: string): Promise<Checksum> {
  const st = await lstat(target);
  if (st.isSymbolicLink())
    throw new RegistryError('invalid', `${target}: is a symbolic link; a product must be a regular file or directory`);
  if (st.isFile()) return { sha256: await fileSha256(target), sizeBytes: st.size, files: 1 };
  if (!st.isDirectory()) throw new RegistryError('invalid', `${target}: is not a regular file or directory`);
  const tree = { dirs: [] as string[], files: [] as string[] };
  await walk(target, '', tree);
  const entries = tree.dirs.map((d) => ({ key: `${d}/`, line: `dir ${d}/` }));
  let size = 0;
  for (const f of tree.files) {
    const full = path.join(target, f);
    const s = await lstat(full);
    size += s.size;
    entries.push({ key: f, line: `file ${await fileSha256(full)} ${s.size} ${f}` });
  }
  // Sorted by path (code units) so the manifest does not depend on readdir's order.
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const lines = entries.map((e) => e.line);
  const manifest = `dsa110-manifest-v1\n${lines.join('\n')}\n`;
  return { sha256: createHash('sha256').update(manifest).digest('hex'), sizeBytes: size, files: tree.files.length };
}
