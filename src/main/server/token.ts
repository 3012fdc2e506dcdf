// The per-workspace access token of `dsa110 serve`: random, kept in <workspace>/server-token with
// mode 0600, compared in constant time. Like Jupyter's, it is printed as a URL to open.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const TOKEN_FILE = 'server-token';
const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

export interface WorkspaceToken {
  token: string;
  file: string;
  /** True when this call created the file. */
  created: boolean;
  /** Set when the file had looser permissions than 0600 and was tightened. */
  tightened: boolean;
}

/** Read `<root>/server-token`, creating it (32 random bytes, hex, mode 0600) when missing or unreadable as a token. */
export function loadOrCreateToken(root: string): WorkspaceToken {
  const file = path.join(root, TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (TOKEN_PATTERN.test(token)) {
      const mode = statSync(file).mode & 0o777;
      let tightened = false;
      if (mode !== 0o600) {
        chmodSync(file, 0o600);
        tightened = true;
      }
      return { token, file, created: false, tightened };
    }
  }
  const token = randomBytes(32).toString('hex');
  // flag 'w' with mode only applies to a new file; chmod covers an existing malformed one.
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, file, created: true, tightened: false };
}

/** Constant-time comparison of a presented token with the expected one (hashing equalises lengths). */
export function tokenMatches(expected: string, presented: string | undefined | null): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || presented.length > 256) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}
