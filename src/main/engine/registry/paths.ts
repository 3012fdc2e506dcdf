// Where products live: ids that are safe file names, staged paths that stay inside the staging
// root and published paths inside the products root, checked on real paths (no `..`, no
// absolute ids, no symbolic link leading out of a root).
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ProductId } from '../../../shared/model/products';
import { errnoCode, RegistryError } from './errors';

/** A product id: a file-name-safe name (no separators, no `..`, not absolute). */
export function checkProductId(id: string, field = 'id'): string {
  if (
    path.isAbsolute(id) ||
    id.includes('/') ||
    id.includes('\\') ||
    id.split(/[/\\]/).includes('..') ||
    id.includes('..')
  ) {
    throw new RegistryError(
      'invalid',
      `product ${field} ${JSON.stringify(id)}: must be a plain file name (no "/", no "..", not absolute)`,
    );
  }
  if (!ProductId.safeParse(id).success) {
    throw new RegistryError(
      'invalid',
      `product ${field} ${JSON.stringify(id)}: expected a file-name-safe id ([A-Za-z0-9][A-Za-z0-9._+-]*, at most 200 characters)`,
    );
  }
  return id;
}

/** The id a staged file or directory gets: its base name without the last extension. */
export function idFromPath(stagedPath: string): string {
  const base = path.basename(stagedPath);
  const ext = path.extname(base);
  return ext && ext !== base ? base.slice(0, -ext.length) : base;
}

/** The real path of a root directory, with an error naming which root is missing. */
export function realRoot(root: string, label: string): string {
  try {
    return realpathSync(root);
  } catch (err) {
    throw new RegistryError(
      'io',
      `${label} root ${root}: cannot resolve (${errnoCode(err) ?? String(err)}); expected an existing directory`,
      { cause: err },
    );
  }
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).includes('..');
}

/**
 * A staged product's path, checked to be a direct or deeper child of the staging root on its real
 * path, and not itself a symbolic link. Returns the real path.
 */
export function stagedRealPath(stagingRoot: string, stagedPath: string, field = 'stagedPath'): string {
  const root = realRoot(stagingRoot, 'staging');
  const abs = path.resolve(root, stagedPath);
  if (!isInside(root, abs) && !isInside(stagingRoot, abs)) {
    throw new RegistryError('invalid', `${field} ${stagedPath}: outside the staging root ${stagingRoot}`);
  }
  let st;
  try {
    st = lstatSync(abs);
  } catch (err) {
    throw new RegistryError(
      'not_found',
      `${field} ${abs}: ${errnoCode(err) === 'ENOENT' ? 'does not exist' : `cannot be read (${errnoCode(err) ?? String(err)})`}`,
      { cause: err },
    );
  }
  if (st.isSymbolicLink()) {
    throw new RegistryError(
      'invalid',
      `${field} ${abs}: is a symbolic link (to ${safeRealpath(abs)}); a staged product must be a regular file or directory inside ${root}`,
    );
  }
  const real = realpathSync(abs);
  if (!isInside(root, real)) {
    throw new RegistryError(
      'invalid',
      `${field} ${abs}: resolves to ${real}, outside the staging root ${root} (a symbolic link in its path?)`,
    );
  }
  return real;
}

function safeRealpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return 'a missing target';
  }
}

/** Where a staged product is published: the products root's real path plus the staged base name. */
export function publishedPathFor(productsRoot: string, stagedReal: string): string {
  const root = realRoot(productsRoot, 'products');
  const dest = path.join(root, path.basename(stagedReal));
  if (!isInside(root, dest) || path.dirname(dest) !== root) {
    throw new RegistryError('invalid', `published path ${dest}: outside the products root ${root}`);
  }
  return dest;
}

/** Is `p` inside `root` (both already real paths)? */
export function insideRoot(root: string, p: string): boolean {
  return isInside(root, p);
}
