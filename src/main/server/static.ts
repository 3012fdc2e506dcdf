// The built renderer (electron-vite's out/renderer) served as static files, and the login page:
// the one page served without a token, where a user pastes the token `dsa110 serve` printed.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticFile {
  body: Buffer;
  type: string;
  /** Vite's hashed assets never change under one name. */
  immutable: boolean;
}

/** The renderer's files, read on demand and kept (the build is a few megabytes at most). */
export class StaticFiles {
  private readonly root: string;
  private readonly cache = new Map<string, StaticFile | null>();

  /** `transformHtml` rewrites HTML pages once when read (the server marks its pages). */
  constructor(
    root: string,
    private readonly transformHtml: (html: string) => string = (h) => h,
  ) {
    this.root = path.resolve(root);
  }

  /** The file for a URL path, or null (missing, a directory, or outside the root). */
  get(urlPath: string): StaticFile | null {
    let rel: string;
    try {
      rel = decodeURIComponent(urlPath);
    } catch {
      return null;
    }
    if (rel.includes('\0')) return null;
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(this.root, `.${rel}`);
    if (file !== this.root && !file.startsWith(this.root + path.sep)) return null;
    const hit = this.cache.get(file);
    if (hit !== undefined) return hit;
    const st = statSync(file, { throwIfNoEntry: false });
    const ext = path.extname(file).toLowerCase();
    const found: StaticFile | null = st?.isFile()
      ? {
          body: ext === '.html' ? Buffer.from(this.transformHtml(readFileSync(file, 'utf8'))) : readFileSync(file),
          type: MIME[ext] ?? 'application/octet-stream',
          immutable: rel.startsWith('/assets/'),
        }
      : null;
    if (this.cache.size < 500) this.cache.set(file, found);
    return found;
  }
}

/** The marker by which the renderer knows it was served by `dsa110 serve` (and talks HTTP/SSE). */
export const SERVER_MARKER = '<meta name="dsa110-transport" content="http">';

/** Adds the marker to a page's head. */
export function markServed(html: string): string {
  return html.includes('<head>') ? html.replace('<head>', `<head>\n    ${SERVER_MARKER}`) : `${SERVER_MARKER}\n${html}`;
}

const LOGIN_STYLE = `body{font:15px system-ui,sans-serif;background:#0f141a;color:#dde3ea;display:flex;min-height:100vh;margin:0;align-items:center;justify-content:center}
main{max-width:34em;padding:2em;border:1px solid #2c3642;border-radius:8px;background:#161d25}
h1{font-size:1.3em;margin-top:0}code{background:#222c37;padding:0 .3em;border-radius:3px}
input{width:100%;box-sizing:border-box;font:inherit;padding:.5em;margin:.5em 0 1em;background:#0f141a;color:inherit;border:1px solid #3a4654;border-radius:4px}
button{font:inherit;padding:.5em 1.2em;border-radius:4px;border:0;background:#3b82c4;color:#fff;cursor:pointer}.err{color:#f29c9c}`;

/** The login page's policy: no script at all, its one style block by hash, the form posts to itself. */
export const LOGIN_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(LOGIN_STYLE).digest('base64')}'`,
  "img-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function loginPage(error: string | null): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DSA-110 Continuum Imaging: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${LOGIN_STYLE}</style></head>
<body><main>
<h1>DSA-110 Continuum Imaging</h1>
<p>This server needs its access token. Open the URL that <code>dsa110 serve</code> printed
(<code>http://HOST:PORT/?token=...</code>), or paste the token here. It is stored in the workspace
as <code>server-token</code>, readable only by its owner.</p>
${error ? `<p class="err" role="alert">${error.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`)}</p>` : ''}
<form method="post" action="/login"><label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button></form>
</main></body></html>
`;
}
