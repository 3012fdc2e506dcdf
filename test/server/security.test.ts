// Security of `dsa110 serve`: the token on every route (API, event stream, static files; only
// the login page is open), the cookie exchange, client paths confined to the workspace, the
// body limit, no CORS, Host checks, and the refusal to bind beyond loopback without
// --allow-remote (through the real CLI).
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_NAMES } from '../../src/shared/api';
import { confinePaths, serve, ServeRefused, isLoopbackHost } from '../../src/main/server';
import { REST_ROUTES, isReadRequest } from '../../src/main/server/routes';
import { openEvents, startTestServer, type TestServer } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ bodyLimit: 64 * 1024 });
});
afterAll(async () => {
  await s?.stop();
});

/** Every route the server has, with a method and a concrete URL. */
function everyRoute(): [string, string][] {
  const routes: [string, string][] = [];
  for (const name of REQUEST_NAMES) {
    routes.push(['POST', `/api/rpc/${name}`]);
    if (isReadRequest(name)) routes.push(['GET', `/api/rpc/${name}`]);
  }
  for (const r of REST_ROUTES) routes.push([r.method, r.url.replace(':id', 'job-1')]);
  routes.push(
    ['GET', '/api/openapi.json'],
    ['GET', '/api/events'],
    ['GET', '/'],
    ['GET', '/index.html'],
    ['GET', '/assets/app.js'],
    ['GET', '/no-such-file.js'],
    ['GET', '/api/no-such-route'],
    ['POST', '/api/rpc/no.such'],
    ['DELETE', '/api/jobs/job-1'],
    ['OPTIONS', '/api/rpc/app.info'],
  );
  return routes;
}

describe('the access token', () => {
  it('is stored in the workspace with mode 0600 and is 256 random bits', () => {
    expect(statSync(s.server.tokenFile).mode & 0o777).toBe(0o600);
    expect(path.dirname(s.server.tokenFile)).toBe(s.workspace);
    expect(s.token).toMatch(/^[0-9a-f]{64}$/);
    expect(s.server.loginUrl).toBe(`http://127.0.0.1:${s.server.port}/?token=${s.token}`);
  });

  it('no token -> 401 on every route, including the event stream and static files', async () => {
    const routes = everyRoute();
    expect(routes.length).toBeGreaterThan(REQUEST_NAMES.length + 10);
    for (const [method, url] of routes) {
      const r = await s.req(method, url, method === 'POST' ? {} : undefined, {}, false);
      expect(r.status, `${method} ${url}`).toBe(401);
      expect(r.text, `${method} ${url}`).not.toContain('DSA-110 Continuum Imaging</title><script');
      expect(r.text).not.toContain('console.log("app")');
    }
  });

  it('a wrong token -> 401 on every route (as a header, a cookie or in the URL)', async () => {
    const wrong = 'f'.repeat(64);
    for (const [method, url] of everyRoute()) {
      const h = await s.req(
        method,
        url,
        method === 'POST' ? {} : undefined,
        { authorization: `Bearer ${wrong}` },
        false,
      );
      expect(h.status, `${method} ${url} (header)`).toBe(401);
      const c = await s.req(
        method,
        url,
        method === 'POST' ? {} : undefined,
        { cookie: `dsa110_session_${s.server.port}=${wrong}` },
        false,
      );
      expect(c.status, `${method} ${url} (cookie)`).toBe(401);
    }
    expect((await s.req('GET', `/?token=${wrong}`, undefined, {}, false)).status).toBe(401);
    expect((await s.req('GET', `/assets/app.js?token=${wrong}`, undefined, {}, false)).status).toBe(401);
  });

  it('the event stream refuses a client without the token before sending anything', async () => {
    const c = await openEvents(s.base, null);
    expect(c.status).toBe(401);
    c.close();
    const ok = await openEvents(s.base, s.token);
    expect(ok.status).toBe(200);
    await ok.waitFor(1);
    expect(ok.events[0]?.event).toBe('ready');
    ok.close();
  });

  it('only the login page is served without a token; the URL token becomes an HttpOnly SameSite=Strict cookie', async () => {
    const login = await s.req('GET', '/login', undefined, {}, false);
    expect(login.status).toBe(200);
    expect(login.text).toContain('Access token');
    expect(login.headers.get('content-security-policy')).toContain("default-src 'none'");
    const ex = await s.req('GET', `/?token=${s.token}`, undefined, {}, false);
    expect(ex.status).toBe(303);
    expect(ex.headers.get('location')).toBe('/'); // the token leaves the address bar
    const cookie = ex.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      new RegExp(`^dsa110_session_${s.server.port}=${s.token}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    const page = await s.req('GET', '/', undefined, { cookie: cookie.split(';')[0] ?? '' }, false);
    expect(page.status).toBe(200);
    // The renderer's CSP travels as a header, as strict as in Electron (connect-src same origin only).
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self';");
    const api = await s.req('GET', '/api/rpc/app.info', undefined, { cookie: cookie.split(';')[0] ?? '' }, false);
    expect(api.status).toBe(200);
    // The login form.
    const bad = await fetch(`${s.base}/login`, {
      method: 'POST',
      body: 'token=nope',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    expect(bad.status).toBe(401);
    const good = await fetch(`${s.base}/login`, {
      method: 'POST',
      body: `token=${s.token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    expect(good.status).toBe(303);
    expect(good.headers.get('set-cookie')).toContain('HttpOnly; SameSite=Strict');
  });
});

describe('requests from elsewhere', () => {
  it('sends no CORS headers and refuses another origin, text/plain bodies and foreign Host names', async () => {
    const pre = await s.req('OPTIONS', '/api/rpc/app.info', undefined, {
      origin: 'http://evil.example',
      'access-control-request-method': 'POST',
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.status).toBe(403);
    const cross = await s.req('POST', '/api/rpc/app.info', {}, { origin: 'http://evil.example' });
    expect(cross.status).toBe(403);
    expect(cross.headers.get('access-control-allow-origin')).toBeNull();
    const same = await s.req('POST', '/api/rpc/app.info', {}, { origin: s.base });
    expect(same.status).toBe(200);
    const plain = await s.req('POST', '/api/rpc/app.info', '{}', { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    // DNS rebinding: a loopback server answers only to loopback names.
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: s.server.port,
          path: '/api/rpc/app.info',
          headers: { host: 'evil.example', authorization: `Bearer ${s.token}` },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(rebound).toBe(403);
    expect((await s.req('GET', '/api/rpc/app.info', undefined, { host: `localhost:${s.server.port}` })).status).toBe(
      200,
    );
  });
});

describe('limits and paths', () => {
  it('an oversized body -> 413, and nothing runs', async () => {
    const big = { states: ['running'], kind: 'x'.repeat(100 * 1024) };
    const r = await s.req('POST', '/api/rpc/jobs.list', big);
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ ok: false, error: { field: '(body)' } });
  });

  it('a path outside the workspace -> 400 naming the field; inside it is resolved', () => {
    const ws = s.workspace;
    const refuse = (input: unknown, field: string) => {
      try {
        confinePaths('jobs.submit', input, ws);
      } catch (err) {
        expect(err).toMatchObject({ code: 'invalid_input', field });
        return;
      }
      throw new Error(`expected ${JSON.stringify(input)} to be refused`);
    };
    refuse({ params: { outputDir: '/etc' } }, 'params.outputDir');
    refuse({ params: { outputDir: '../outside' } }, 'params.outputDir');
    refuse({ params: { imagePaths: [`${ws}/a.fits`, `${ws}/../../b.fits`] } }, 'params.imagePaths[1]');
    refuse({ path: ['x', '..', '..', '..'].join('/') }, 'path');
    refuse({ params: { msPath: 'ok\0.ms' } }, 'params.msPath');
    expect(confinePaths('jobs.submit', { params: { outputDir: 'products/m1', name: '../not-a-path' } }, ws)).toEqual({
      params: { outputDir: path.join(ws, 'products/m1'), name: '../not-a-path' },
    });
  });

  it('a client path outside the workspace is refused over HTTP with 400 before the engine sees it', async () => {
    const r = await s.req('POST', '/api/rpc/jobs.list', { limit: 5, outputDir: '/etc' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'outputDir' } });
    expect((r.body as { error: { message: string } }).error.message).toContain('outside the workspace');
  });
});

describe('binding', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.3.4.5']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.4', 'example.org', '10.0.0.1'])
      expect(isLoopbackHost(h), h).toBe(false);
  });

  it('serve() refuses 0.0.0.0 without allowRemote, before listening', async () => {
    await expect(serve({ engine: s.engine, host: '0.0.0.0', port: 0, rendererDir: null })).rejects.toBeInstanceOf(
      ServeRefused,
    );
  });

  it('`dsa110 serve --host 0.0.0.0` without --allow-remote refuses to start (exit 2)', () => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_')));
    const r = spawnSync(
      process.execPath,
      [
        path.resolve('bin/dsa110.mjs'),
        '--workspace',
        s.workspace,
        'serve',
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--no-ui',
      ],
      { encoding: 'utf8', env: clean, timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('--allow-remote');
    expect(r.stdout).not.toContain('token=');
  });
});
