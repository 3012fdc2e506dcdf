// The app window and the hardening of every web contents and session: the renderer is served
// from app://renderer (or the dev server), may not navigate, open windows or ask for permissions.
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { BrowserWindow, protocol, shell, type Session, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY, devContentSecurityPolicy } from './csp';
import { originOf } from './trust';

export const APP_SCHEME = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://renderer`;

/** Must run before `app.ready`: app:// behaves like https (standard origin, secure context). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true } },
  ]);
}

/** Where the window loads from: the dev server under `electron-vite dev`, else app://. */
export function rendererEntry(): { url: string; origin: string; csp: string } {
  const dev = process.env.ELECTRON_RENDERER_URL;
  if (dev) return { url: dev, origin: originOf(dev) ?? dev, csp: devContentSecurityPolicy(dev) };
  return { url: `${APP_ORIGIN}/index.html`, origin: APP_ORIGIN, csp: CONTENT_SECURITY_POLICY };
}

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** Serves the built renderer folder on app://renderer/, with the CSP header, refusing escapes. */
export function serveRenderer(rendererDir: string, csp: string): void {
  const root = resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'renderer') return new Response('unknown host', { status: 404 });
    const path = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = resolve(join(root, path));
    if (file !== root && !file.startsWith(root + sep))
      return new Response('outside the renderer folder', { status: 403 });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: {
          'content-type': MIME[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': csp,
          'x-content-type-options': 'nosniff',
        },
      });
    } catch {
      return new Response(`not found: ${path}`, { status: 404 });
    }
  });
}

/** Adds the CSP to every http(s) response (the dev server) and refuses every permission request. */
export function hardenSession(session: Session, csp: string): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...details.responseHeaders };
    for (const key of Object.keys(headers)) if (key.toLowerCase() === 'content-security-policy') delete headers[key];
    headers['Content-Security-Policy'] = [csp];
    callback({ responseHeaders: headers });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * No navigation away from the app, no new windows, no <webview>. An https link the user
 * clicks (e.g. a catalog page) opens in the system browser instead.
 */
export function hardenWebContents(contents: WebContents, origin: string): void {
  contents.on('will-navigate', (event) => {
    if (originOf(event.url) !== origin) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (originOf(event.url) !== origin) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

export function createMainWindow(preloadPath: string, url: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'DSA-110 Continuum Imaging',
    backgroundColor: '#0f1419',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(url);
  return win;
}
