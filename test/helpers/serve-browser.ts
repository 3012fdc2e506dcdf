// The harness of the end-to-end UI tests: a temporary home and workspace, the `dsa110` CLI run on
// it, the renderer built fresh, `dsa110 serve` started on a free port with the printed token URL,
// Debian's Chromium launched headless (SwiftShader for deck.gl's WebGL), and what must stay empty
// while a page is used (console errors, page errors, failed requests).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { expect } from 'vitest';
import { rendererConfig } from '../../electron.vite.config';
import { CHROMIUM } from './interop';

export const BIN = path.resolve('bin/dsa110.mjs');
export const SHOTS = path.resolve('test-results/screenshots');

/** A temporary folder (the CLI's HOME and working directory) holding the workspace `ws`. */
export interface E2eWorkspace {
  tmp: string;
  ws: string;
}

/** A new temporary workspace; the screenshot folder is made too. */
export function makeWorkspace(prefix: string): E2eWorkspace {
  mkdirSync(SHOTS, { recursive: true });
  const tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { tmp, ws: path.join(tmp, 'ws') };
}

/** The test process's environment without DSA110_* settings, HOME in the temporary folder, 2 threads. */
export function cleanEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_'))),
    HOME: home,
    DSA110_THREADS: '2',
  };
}

/** Runs `dsa110 --workspace WS ARGS...`, expects exit 0, returns its stdout. */
export function runCli(w: E2eWorkspace, args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, '--workspace', w.ws, ...args], {
    cwd: w.tmp,
    encoding: 'utf8',
    env: cleanEnv(w.tmp),
    timeout: 600_000,
  });
  expect(r.status, `dsa110 ${args.join(' ')}\n${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
}

/** A running `dsa110 serve`: its process, base URL (no trailing slash), token URL and token. */
export interface Served {
  server: ChildProcess;
  base: string;
  loginUrl: string;
  token: string;
}

/** Builds the renderer into the temporary folder and serves it with the workspace's engine. */
export async function serveWorkspace(w: E2eWorkspace): Promise<Served> {
  const ui = path.join(w.tmp, 'renderer');
  await build({
    ...rendererConfig,
    configFile: false,
    logLevel: 'warn',
    build: { ...rendererConfig.build, outDir: ui, emptyOutDir: true },
  });
  const server = spawn(
    process.execPath,
    [BIN, '--workspace', w.ws, '--json', 'serve', '--port', '0', '--renderer', ui],
    {
      cwd: w.tmp,
      env: cleanEnv(w.tmp),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const started = await new Promise<{ url: string; loginUrl: string }>((resolve, reject) => {
    let out = '';
    let err = '';
    server.stderr.on('data', (d: Buffer) => (err += d.toString()));
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      try {
        resolve(JSON.parse(out) as { url: string; loginUrl: string });
      } catch {
        // incomplete
      }
    });
    server.on('exit', (code) => reject(new Error(`dsa110 serve exited (${code}): ${err}`)));
  });
  return {
    server,
    base: started.url.replace(/\/$/, ''),
    loginUrl: started.loginUrl,
    token: new URL(started.loginUrl).searchParams.get('token') ?? '',
  };
}

/** A contract request over HTTP with the server's token; throws the API's message on failure. */
export async function rpc<T>(s: Pick<Served, 'base' | 'token'>, name: string, input: unknown = {}): Promise<T> {
  const r = await fetch(`${s.base}/api/rpc/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  const body = (await r.json()) as { ok: boolean; value: T; error?: { message: string } };
  if (!body.ok) throw new Error(`${name}: ${body.error?.message}`);
  return body.value;
}

/** Debian's Chromium, headless, WebGL through SwiftShader, no background network. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--use-gl=swiftshader',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Console errors and page errors (and, unless `httpErrors` is false, responses of 400 and above)
 * while the page is used: must stay empty.
 */
export function watchProblems(page: Page, { httpErrors = true } = {}): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  if (httpErrors)
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
  return problems;
}

/** Closes the browser, stops the server (SIGTERM, waits for it) and removes the temporary folder. */
export async function tearDown(w: E2eWorkspace | null, s: Served | null, browser: Browser | null): Promise<void> {
  await browser?.close();
  if (s && s.server.exitCode === null) {
    s.server.kill('SIGTERM');
    await new Promise((r) => s.server.once('exit', r));
  }
  if (w) rmSync(w.tmp, { recursive: true, force: true });
}
