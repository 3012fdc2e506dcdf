// `dsa110 serve`: the engine as an HTTP service. Opens nothing itself: give it an Engine; it
// runs the start-up job recovery, binds (loopback unless told otherwise), and prints nothing:
// the caller prints the returned URL.
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { appRoot } from '../cli/app-info';
import { createApiHandlers, engineEvents } from '../engine/api';
import type { Engine } from '../engine/engine';
import { createServer, type DsaServer, type ServerLog } from './app';
import { recoverInterruptedJobs, type RecoveredJob } from './recovery';
import { loadOrCreateToken } from './token';
import { registerStreamMetrics } from './stream-metrics';
import { TileService } from '../engine/tiles/service';

export { createServer, type DsaServer, type ServerOptions, type ServerLog } from './app';
export { EventHub } from './event-hub';
export { buildOpenApi } from './openapi';
export { loadOrCreateToken, tokenMatches, TOKEN_FILE } from './token';
export { recoverInterruptedJobs, type RecoveredJob } from './recovery';
export { confinePaths } from './paths';

export const DEFAULT_PORT = 8110;

/** The bind was refused before listening (a remote bind without --allow-remote). */
export class ServeRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServeRefused';
  }
}

/** localhost, 127.0.0.0/8 and ::1 (also as ::ffff:127.x). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}

/** The default renderer build of this checkout: <repo>/out/renderer. */
export function defaultRendererDir(): string {
  return path.join(appRoot, 'out', 'renderer');
}

export function rendererBuilt(dir: string): boolean {
  return existsSync(path.join(dir, 'index.html'));
}

export interface ServeOptions {
  engine: Engine;
  host?: string;
  port?: number;
  allowRemote?: boolean;
  /** The built renderer; null serves the API only. */
  rendererDir: string | null;
  bodyLimit?: number;
  replay?: { maxEvents?: number; maxBytes?: number };
  heartbeatMs?: number;
  /** Resume jobs interrupted by a dead process (default true). */
  recover?: boolean;
  log?: ServerLog;
}

export interface RunningServer {
  server: DsaServer;
  host: string;
  port: number;
  /** Base URL, e.g. http://127.0.0.1:8110/ */
  url: string;
  /** The URL to open, with the token (Jupyter-style). */
  loginUrl: string;
  token: string;
  tokenFile: string;
  recovered: RecoveredJob[];
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return os.hostname();
  return isIP(host) === 6 ? `[${host}]` : host;
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  const loopback = isLoopbackHost(host);
  if (!loopback && !opts.allowRemote) {
    throw new ServeRefused(
      `serve: refusing to listen on ${host}: it is reachable from other machines, and this server runs pipeline jobs and reads the workspace. ` +
        'Pass --allow-remote to do it anyway (traffic is plain HTTP: prefer an SSH tunnel to 127.0.0.1)',
    );
  }
  const { engine } = opts;
  const { token, file: tokenFile } = loadOrCreateToken(engine.paths.root);
  const tiles = new TileService(engine.db);
  const server = await createServer({
    handlers: createApiHandlers(engine),
    events: engineEvents(engine),
    workspace: engine.paths.root,
    token,
    rendererDir: opts.rendererDir,
    version: engine.app.version,
    loopbackOnly: loopback,
    tiles,
    ...(opts.bodyLimit !== undefined ? { bodyLimit: opts.bodyLimit } : {}),
    ...(opts.replay ? { replay: opts.replay } : {}),
    ...(opts.heartbeatMs !== undefined ? { heartbeatMs: opts.heartbeatMs } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  registerStreamMetrics(server.app, engine.db);
  await server.app.listen({ host, port: opts.port ?? DEFAULT_PORT });
  const address = server.app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (opts.port ?? DEFAULT_PORT);
  // Recovery after listening: its events reach clients that connect from now on.
  const recovered = opts.recover === false ? [] : recoverInterruptedJobs(engine);
  const url = `http://${urlHost(host)}:${port}/`;
  let closing: Promise<void> | null = null;
  return {
    server,
    host,
    port,
    url,
    loginUrl: `${url}?token=${token}`,
    token,
    tokenFile,
    recovered,
    close: () => {
      closing ??= (async () => {
        server.hub.detach();
        await server.app.close();
        tiles.close();
      })();
      return closing;
    },
  };
}
