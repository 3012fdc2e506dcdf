// Paths sent by an HTTP client are resolved inside the workspace or refused: any string field
// whose name says it is a path (outputDir, msPath, imagePaths, file...) at any depth of a
// request's input is resolved against the workspace root, symbolic links included, and must
// stay inside it. The IPC bridge serves the local user only; the server may serve others.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../shared/api';

/** Field names that carry file-system paths (an output prefix is one too). */
const PATH_FIELD =
  /^(path|paths|dir|dirs|directory|file|files|folder|root|prefix)$|(_(path|paths|dir|dirs|directory|file|files|folder|root|prefix)|[a-z0-9](Path|Paths|Dir|Dirs|Directory|File|Files|Folder|Root|Prefix))$/;

export function isPathField(key: string): boolean {
  return PATH_FIELD.test(key);
}

/** The real path of `p`, following symbolic links through the deepest part that exists. */
function realish(p: string): string {
  let existing = p;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = path.dirname(existing);
    if (parent === existing) break;
    rest.unshift(path.basename(existing));
    existing = parent;
  }
  let real = existing;
  try {
    real = realpathSync(existing);
  } catch {
    // unreadable: judge the path as written
  }
  return path.join(real, ...rest);
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function fieldName(parts: (string | number)[]): string {
  let out = '';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/**
 * A copy of `input` whose path fields are absolute paths inside `workspace`; throws an
 * `invalid_input` ApiError naming the field when one resolves outside it.
 */
export function confinePaths(channel: string, input: unknown, workspace: string): unknown {
  const root = realish(path.resolve(workspace));
  const check = (value: string, at: (string | number)[]): string => {
    if (value.includes('\0')) {
      throw new ApiError({
        code: 'invalid_input',
        channel,
        field: fieldName(at),
        message: `invalid input for request "${channel}": field "${fieldName(at)}": a path may not contain NUL`,
      });
    }
    const resolved = realish(path.resolve(root, value));
    if (!inside(root, resolved)) {
      throw new ApiError({
        code: 'invalid_input',
        channel,
        field: fieldName(at),
        message: `invalid input for request "${channel}": field "${fieldName(at)}": path ${JSON.stringify(value)} resolves outside the workspace ${root}; paths sent to the server must stay inside it`,
      });
    }
    return resolved;
  };
  const walk = (value: unknown, at: (string | number)[], pathy: boolean): unknown => {
    if (typeof value === 'string') return pathy ? check(value, at) : value;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...at, i], pathy));
    if (typeof value === 'object' && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = walk(v, [...at, k], isPathField(k));
      return out;
    }
    return value;
  };
  return walk(input, [], false);
}
