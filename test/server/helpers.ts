// A `dsa110 serve` server in the test process on a temporary workspace (real engine, real
// socket on 127.0.0.1), a client for it, an SSE reader, and "nothing changed" snapshots.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/main/engine/engine';
import { serve, type RunningServer } from '../../src/main/server';

export interface TestServer {
  engine: Engine;
  server: RunningServer;
  base: string;
  token: string;
  workspace: string;
  tmp: string;
  /** fetch with the token (Bearer) unless `auth: false`. */
  req(
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
    auth?: boolean,
  ): Promise<{ status: number; body: unknown; headers: Headers; text: string }>;
  stop(): Promise<void>;
}

/** A tiny stand-in for the renderer build, for the static-file routes. */
export function fakeRenderer(dir: string): string {
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><title>DSA-110 Continuum Imaging</title><script type="module" src="./assets/app.js"></script>',
  );
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log("app");');
  return dir;
}

export async function startTestServer(
  opts: {
    bodyLimit?: number;
    replay?: { maxEvents?: number };
    renderer?: boolean;
    register?: (e: Engine) => void;
  } = {},
): Promise<TestServer> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-serve-'));
  const workspace = path.join(tmp, 'ws');
  const engine = await Engine.open({
    workspace,
    env: {},
    overrides: { threads: 1 },
    app: { name: 'dsa110-test', version: '0.0.0', runtime: 'http' },
  });
  opts.register?.(engine);
  const rendererDir = opts.renderer === false ? null : fakeRenderer(path.join(tmp, 'renderer'));
  const server = await serve({
    engine,
    port: 0,
    rendererDir,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    ...(opts.replay ? { replay: opts.replay } : {}),
  });
  const base = `http://127.0.0.1:${server.port}`;
  return {
    engine,
    server,
    base,
    token: server.token,
    workspace: engine.paths.root,
    tmp,
    async req(method, url, body, headers = {}, auth = true) {
      const res = await fetch(`${base}${url}`, {
        method,
        redirect: 'manual',
        headers: {
          ...(auth ? { authorization: `Bearer ${server.token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      return { status: res.status, body: parsed, headers: res.headers, text };
    },
    async stop() {
      await server.close();
      await engine.close();
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** A raw SSE connection: collects events; `close()` drops it like a network failure. */
export function openEvents(
  base: string,
  token: string | null,
  lastEventId?: string,
): Promise<{
  status: number;
  events: SseEvent[];
  close: () => void;
  waitFor: (n: number, ms?: number) => Promise<void>;
}> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const events: SseEvent[] = [];
    const req = http.get(`${base}/api/events`, { headers }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (;;) {
          const end = buf.indexOf('\n\n');
          if (end < 0) break;
          const block = buf.slice(0, end);
          buf = buf.slice(end + 2);
          let id: string | null = null;
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4);
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ id, event, data: data.join('\n') });
        }
      });
      res.on('error', () => undefined);
      resolve({
        status: res.statusCode ?? 0,
        events,
        close: () => req.destroy(),
        waitFor: async (n, ms = 10_000) => {
          const until = Date.now() + ms;
          while (events.length < n) {
            if (Date.now() > until) throw new Error(`expected ${n} events within ${ms} ms, got ${events.length}`);
            await new Promise((r) => setTimeout(r, 20));
          }
        },
      });
    });
    req.on('error', reject);
  });
}

/** Every file under `dir` with size and mtime (logs excluded), to prove nothing was written. */
export function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!p.includes(`${path.sep}logs${path.sep}`) && !/dsa110\.sqlite(-wal|-shm)?$/.test(p)) {
        const s = statSync(p);
        out.push(`${path.relative(dir, p)} ${s.size} ${s.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}
