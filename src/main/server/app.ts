// The HTTP face of the engine (fastify): every contract request through the same dispatcher as
// the Electron IPC, the REST job API mapped onto the contract, the event stream (SSE with ids
// and replay), the OpenAPI document and the built renderer, all behind the workspace token.
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  ApiError,
  createDispatcher,
  isRequestName,
  type ApiErrorCode,
  type ApiErrorInfo,
  type ApiEventSource,
  type ApiHandlers,
  type ApiResult,
} from '../../shared/api';
import { CONTENT_SECURITY_POLICY } from '../electron/csp';
import { EventHub } from './event-hub';
import { buildOpenApi } from './openapi';
import { confinePaths } from './paths';
import { isReadRequest, REST_ROUTES, type RestRoute } from './routes';
import { coerceQuery, requestSchemas } from './schemas';
import { LOGIN_CSP, loginPage, markServed, StaticFiles } from './static';
import { tokenMatches } from './token';
import { registerTileRoutes } from './tiles';
import type { TileService } from '../engine/tiles/service';

export interface ServerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface ServerOptions {
  handlers: ApiHandlers;
  events?: ApiEventSource;
  /** The workspace root: client paths must resolve inside it. */
  workspace: string;
  token: string;
  /** The built renderer (out/renderer); null serves the API alone. */
  rendererDir: string | null;
  version: string;
  /** Bound to loopback only: then the Host header must name a loopback host (DNS rebinding). */
  loopbackOnly: boolean;
  /** Largest request body, bytes (default 256 KiB); larger gets 413. */
  bodyLimit?: number;
  /** Replay buffer of the event stream. */
  replay?: { maxEvents?: number; maxBytes?: number };
  /** SSE keep-alive comment interval, ms (default 15 s). */
  heartbeatMs?: number;
  /** A client whose unsent events exceed this many bytes is dropped (it reconnects and replays). */
  maxClientBacklog?: number;
  log?: ServerLog;
  /** The image viewer's tiles (routes under /api/view); absent: no viewer routes. */
  tiles?: TileService;
}

export interface DsaServer {
  app: FastifyInstance;
  hub: EventHub;
  /** Cookie name for a port (cookies are not port-scoped, so each server names its own). */
  cookieName(port: number): string;
}

const STATUS: Record<ApiErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  cancelled: 499,
  forbidden: 403,
  unavailable: 503,
  invalid_output: 500,
  internal: 500,
};

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};
const API_CSP = "default-src 'none'; frame-ancestors 'none'";
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const silentLog: ServerLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * HTTP status of a failure. A missing object is 404 when it is the one the request is about (its
 * `id` / `jobId`); one merely referenced by the input (a calibrator or group named in a job's
 * params) makes the request itself invalid: 400, the body still says `not_found` and the field.
 */
function statusOf(error: ApiErrorInfo): number {
  if (
    error.code === 'not_found' &&
    error.field !== undefined &&
    error.field !== 'id' &&
    error.field !== 'jobId' &&
    !error.field.startsWith('(')
  )
    return 400;
  return STATUS[error.code];
}

function failure(code: ApiErrorCode, channel: string, message: string, field?: string): ApiResult<never> {
  return { ok: false, error: { code, channel, message, ...(field !== undefined ? { field } : {}) } };
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1] ?? null;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** Cached replies of mutating requests that do not take an idempotency key themselves. */
class IdempotencyCache {
  private readonly entries = new Map<
    string,
    { bodyHash: string; at: number; reply: Promise<{ status: number; body: ApiResult<unknown> }> }
  >();
  constructor(
    private readonly max = 1000,
    private readonly ttlMs = 24 * 3600_000,
  ) {}

  run(
    channel: string,
    key: string,
    body: unknown,
    fn: () => Promise<{ status: number; body: ApiResult<unknown> }>,
  ): Promise<{ status: number; body: ApiResult<unknown> }> {
    const now = Date.now();
    const id = `${channel}\u0000${key}`;
    const bodyHash = createHash('sha256')
      .update(JSON.stringify(body ?? null))
      .digest('hex');
    const hit = this.entries.get(id);
    if (hit && now - hit.at < this.ttlMs) {
      if (hit.bodyHash !== bodyHash) {
        return Promise.resolve({
          status: 422,
          body: failure(
            'invalid_input',
            channel,
            `request "${channel}": Idempotency-Key ${JSON.stringify(key)} was used before with a different body`,
            'Idempotency-Key',
          ),
        });
      }
      return hit.reply;
    }
    const reply = fn();
    this.entries.set(id, { bodyHash, at: now, reply });
    // Failed (4xx/5xx) replies are not remembered: the client may fix the request and retry.
    void reply.then((r) => {
      if (r.status >= 400 && this.entries.get(id)?.reply === reply) this.entries.delete(id);
    });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return reply;
  }
}

export async function createServer(opts: ServerOptions): Promise<DsaServer> {
  const log = opts.log ?? silentLog;
  const hub = new EventHub({
    ...opts.replay,
    onInvalid: (event, error) => log.error(`dropped an invalid ${event} event`, error),
  });
  if (opts.events) hub.attach(opts.events);
  const dispatch = createDispatcher(opts.handlers, {
    onServerError: (channel, error) => log.error(`request ${channel} failed in the engine`, error),
  });
  const files = opts.rendererDir ? new StaticFiles(opts.rendererDir, markServed) : null;
  const schemas = requestSchemas();
  const idempotency = new IdempotencyCache();
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBacklog = opts.maxClientBacklog ?? 4 * 1024 * 1024;
  const cookieName = (port: number) => `dsa110_session_${port}`;
  const openapi = new Map<number, unknown>();

  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 256 * 1024,
    // Unknown query keys and odd shapes reach the contract's validation, which names them.
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  // JSON only: text/plain is what a cross-site form or no-cors fetch could send without a preflight.
  app.removeContentTypeParser('text/plain');

  const sendFailure = (reply: FastifyReply, status: number, body: ApiResult<never>) =>
    reply.code(status).header('cache-control', 'no-store').send(body);

  const isApi = (url: string) => url === '/api' || url.startsWith('/api/');

  const unauthorized = (request: FastifyRequest, reply: FastifyReply, why: string) => {
    const url = pathOf(request.url);
    reply.header('www-authenticate', 'Bearer realm="dsa110"');
    if (isApi(url) || request.method !== 'GET') {
      return sendFailure(
        reply,
        401,
        failure(
          'forbidden',
          url,
          `${why}: send the workspace token (Authorization: Bearer TOKEN), or open the URL dsa110 serve printed`,
        ),
      );
    }
    return reply
      .code(401)
      .header('content-security-policy', LOGIN_CSP)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(loginPage(why === 'no token' ? null : why));
  };

  const setSession = (reply: FastifyReply, port: number) =>
    reply.header('set-cookie', `${cookieName(port)}=${opts.token}; HttpOnly; SameSite=Strict; Path=/`);

  app.addHook('onRequest', async (request, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    reply.header('content-security-policy', API_CSP);
    const host = request.headers.host ?? '';
    if (opts.loopbackOnly) {
      const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
      if (!LOOPBACK_HOSTS.has(name.toLowerCase())) {
        return sendFailure(
          reply,
          403,
          failure(
            'forbidden',
            pathOf(request.url),
            `Host "${host.slice(0, 100)}" refused: this server answers only to localhost, 127.0.0.1 and [::1]`,
          ),
        );
      }
    }
    // No CORS: a request from another origin is refused outright.
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`) {
      return sendFailure(
        reply,
        403,
        failure(
          'forbidden',
          pathOf(request.url),
          `cross-origin request from ${origin.slice(0, 100)} refused (this server allows no CORS)`,
        ),
      );
    }
    const url = pathOf(request.url);
    if (url === '/login' && (request.method === 'GET' || request.method === 'POST')) return;
    const port = request.socket.localPort ?? 0;
    const query = request.query as Record<string, unknown> | undefined;
    const queryToken = typeof query?.token === 'string' ? query.token : undefined;
    if (queryToken !== undefined && request.method === 'GET' && !isApi(url)) {
      // Jupyter-style: the printed URL carries the token once; it becomes a cookie and leaves the address bar.
      if (!tokenMatches(opts.token, queryToken)) return unauthorized(request, reply, 'wrong token');
      setSession(reply, port);
      return reply.code(303).header('location', url).header('cache-control', 'no-store').send();
    }
    const presented =
      bearer(request.headers.authorization) ?? parseCookies(request.headers.cookie).get(cookieName(port)) ?? null;
    if (presented === null) return unauthorized(request, reply, 'no token');
    if (!tokenMatches(opts.token, presented)) return unauthorized(request, reply, 'wrong token');
  });

  // The login form posts application/x-www-form-urlencoded, parsed here only.
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_req, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(String(body))));
      },
    );
    scope.get('/login', async (_request, reply) =>
      reply
        .header('content-security-policy', LOGIN_CSP)
        .header('cache-control', 'no-store')
        .type('text/html; charset=utf-8')
        .send(loginPage(null)),
    );
    scope.post('/login', async (request, reply) => {
      const token = (request.body as Record<string, unknown> | undefined)?.token;
      if (typeof token !== 'string' || !tokenMatches(opts.token, token.trim())) {
        return reply
          .code(401)
          .header('content-security-policy', LOGIN_CSP)
          .header('cache-control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(loginPage('That is not the token of this workspace.'));
      }
      setSession(reply, request.socket.localPort ?? 0);
      return reply.code(303).header('location', '/').header('cache-control', 'no-store').send();
    });
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const url = pathOf(request.url);
    const status = error.statusCode ?? 500;
    if (status === 413)
      return sendFailure(
        reply,
        413,
        failure(
          'invalid_input',
          url,
          `request body larger than the server's limit of ${opts.bodyLimit ?? 256 * 1024} bytes`,
          '(body)',
        ),
      );
    if (status === 415)
      return sendFailure(
        reply,
        415,
        failure(
          'invalid_input',
          url,
          `unsupported content type "${String(request.headers['content-type'] ?? '')}": send application/json`,
          '(body)',
        ),
      );
    if (status >= 400 && status < 500)
      return sendFailure(reply, status, failure('invalid_input', url, `malformed request: ${error.message}`, '(body)'));
    log.error(`HTTP ${request.method} ${url} failed`, error);
    return sendFailure(reply, 500, failure('internal', url, `server error: ${error.message}`));
  });

  app.setNotFoundHandler(async (request, reply) => {
    const url = pathOf(request.url);
    if (isApi(url))
      return sendFailure(
        reply,
        404,
        failure('not_found', url, `no route ${request.method} ${url}; see /api/openapi.json`),
      );
    return reply.code(404).type('text/plain; charset=utf-8').send(`not found: ${url}\n`);
  });

  /** One contract request: paths confined, dispatched, the result mapped to an HTTP status. */
  async function call(
    channel: string,
    input: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    okStatus = 200,
  ): Promise<{ status: number; body: ApiResult<unknown> }> {
    if (!isRequestName(channel)) {
      return {
        status: 404,
        body: failure(
          'not_found',
          channel,
          `unknown request "${channel}": this engine does not offer it (see /api/openapi.json)`,
          '(channel)',
        ),
      };
    }
    let confined: unknown;
    try {
      confined = confinePaths(channel, input, opts.workspace);
    } catch (error) {
      const info: ApiErrorInfo =
        error instanceof ApiError ? error.toInfo() : { code: 'internal', channel, message: String(error) };
      return { status: statusOf(info), body: { ok: false, error: info } };
    }
    // A client that goes away cancels its request.
    const controller = new AbortController();
    const onClose = () => {
      if (!reply.raw.writableFinished) controller.abort();
    };
    reply.raw.once('close', onClose);
    const result = await dispatch(channel, { input: confined }, controller.signal);
    reply.raw.off('close', onClose);
    if (result.ok) return { status: okStatus, body: result };
    return { status: statusOf(result.error), body: result };
  }

  function idempotencyKey(
    request: FastifyRequest,
    channel: string,
  ): { key: string | null; error: ApiResult<never> | null } {
    const raw = request.headers['idempotency-key'];
    if (raw === undefined) return { key: null, error: null };
    const key = Array.isArray(raw) ? (raw[0] ?? '') : raw;
    if (!IDEMPOTENCY_KEY.test(key)) {
      return {
        key: null,
        error: failure(
          'invalid_input',
          channel,
          `header Idempotency-Key must be 1-200 printable ASCII characters without spaces`,
          'Idempotency-Key',
        ),
      };
    }
    return { key, error: null };
  }

  /** A mutating call: the contract's own idempotencyKey field when it has one, else the server's cache. */
  async function mutate(
    channel: string,
    input: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    okStatus = 200,
  ): Promise<{ status: number; body: ApiResult<unknown> }> {
    const { key, error } = idempotencyKey(request, channel);
    if (error) return { status: 400, body: error };
    let r: { status: number; body: ApiResult<unknown> };
    if (key !== null && isRequestName(channel) && schemas.get(channel)?.fields.has('idempotencyKey')) {
      const body =
        typeof input === 'object' && input !== null && !Array.isArray(input)
          ? (input as Record<string, unknown>)
          : null;
      if (body && body.idempotencyKey !== undefined && body.idempotencyKey !== key) {
        return {
          status: 400,
          body: failure(
            'invalid_input',
            channel,
            `request "${channel}": field "idempotencyKey" differs from the Idempotency-Key header`,
            'idempotencyKey',
          ),
        };
      }
      r = await call(channel, body ? { ...body, idempotencyKey: key } : input, request, reply, okStatus);
    } else if (key !== null) {
      r = await idempotency.run(channel, key, input, () => call(channel, input, request, reply, okStatus));
    } else {
      r = await call(channel, input, request, reply, okStatus);
    }
    return r;
  }

  const send = (reply: FastifyReply, r: { status: number; body: ApiResult<unknown> }) =>
    reply.code(r.status).header('cache-control', 'no-store').send(r.body);

  app.post('/api/rpc/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    return send(reply, await mutate(name, request.body ?? {}, request, reply));
  });
  app.get('/api/rpc/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    if (isRequestName(name) && !isReadRequest(name)) {
      return sendFailure(
        reply,
        405,
        failure('invalid_input', name, `request "${name}" changes state: send it with POST`, '(method)'),
      );
    }
    const input = isRequestName(name) ? coerceQuery(name, request.query as Record<string, unknown>) : {};
    const r = await call(name, input, request, reply);
    return reply.code(r.status).header('cache-control', 'no-store').send(r.body);
  });

  const restInput = (route: RestRoute, request: FastifyRequest): { input: unknown; error: ApiResult<never> | null } => {
    const channel = route.channel;
    const fields = isRequestName(channel) ? (schemas.get(channel)?.fields ?? new Set<string>()) : new Set<string>();
    const params = request.params as { id?: string };
    let input: Record<string, unknown>;
    if (route.method === 'GET') {
      const query: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(request.query as Record<string, unknown>)) {
        const field = route.aliases?.[k];
        query[field !== undefined && fields.has(field) && !fields.has(k) ? field : k] = v;
      }
      input = isRequestName(channel) ? coerceQuery(channel, query) : query;
    } else {
      const body = request.body ?? {};
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return {
          input: null,
          error: failure('invalid_input', channel, `request "${channel}": the body must be a JSON object`, '(body)'),
        };
      }
      input = { ...(body as Record<string, unknown>) };
    }
    if (params.id !== undefined) {
      const idField = fields.has('id') ? 'id' : 'jobId';
      if (input[idField] !== undefined && input[idField] !== params.id) {
        return {
          input: null,
          error: failure(
            'invalid_input',
            channel,
            `request "${channel}": field "${idField}" differs from the job id in the URL`,
            idField,
          ),
        };
      }
      input[idField] = params.id;
    }
    return { input, error: null };
  };

  for (const route of REST_ROUTES) {
    app.route({
      method: route.method,
      url: route.url,
      handler: async (request, reply) => {
        const { input, error } = restInput(route, request);
        if (error) return sendFailure(reply, 400, error);
        if (route.method === 'POST') {
          const dry = typeof input === 'object' && input !== null && (input as { dryRun?: unknown }).dryRun === true;
          const r = await mutate(route.channel, input, request, reply, dry ? 200 : (route.status ?? 200));
          if (r.body.ok) {
            // A submission answered from an earlier one (same key) created nothing: 200, not 202.
            const value = r.body.value as { created?: unknown; job?: { id?: unknown } | null } | null;
            if (value?.created === false) r.status = 200;
            if (typeof value?.job?.id === 'string' && route.url === '/api/jobs')
              reply.header('location', `/api/jobs/${encodeURIComponent(value.job.id)}`);
          }
          return send(reply, r);
        }
        const r = await call(route.channel, input, request, reply, route.status ?? 200);
        return reply.code(r.status).header('cache-control', 'no-store').send(r.body);
      },
    });
  }

  if (opts.tiles) registerTileRoutes(app, opts.tiles);

  app.get('/api/openapi.json', async (request, reply) => {
    const port = request.socket.localPort ?? 0;
    let doc = openapi.get(port);
    if (!doc) {
      doc = buildOpenApi({ version: opts.version, cookieName: cookieName(port) });
      openapi.set(port, doc);
    }
    return reply.header('cache-control', 'no-store').send(doc);
  });

  app.get('/api/events', (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const header = request.headers['last-event-id'];
    const last = typeof header === 'string' ? header : typeof query.lastEventId === 'string' ? query.lastEventId : null;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-security-policy': API_CSP,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    const position = () => hub.lastId ?? `${hub.epoch}-0`;
    const replay = hub.since(last);
    if (replay.kind === 'resync') {
      res.write(`id: ${position()}\nevent: resync\ndata: ${JSON.stringify({ reason: replay.reason })}\n\n`);
    } else if (last === null || last === '') {
      // A position even before the first event, so a client that drops early still replays.
      res.write(`id: ${position()}\nevent: ready\ndata: ${JSON.stringify({ lastEventId: position() })}\n\n`);
    } else {
      for (const e of replay.events) res.write(e.frame);
    }
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(ping);
      res.destroy();
    };
    const unsubscribe = hub.subscribe((e) => {
      // A client that cannot keep up is dropped; it reconnects with its last id and replays.
      if (res.writableLength > maxBacklog) close();
      else res.write(e.frame);
    });
    const ping = setInterval(() => res.write(': keep-alive\n\n'), heartbeatMs);
    ping.unref();
    res.on('close', close);
  });

  app.get('/*', async (request, reply) => {
    const url = pathOf(request.url);
    if (isApi(url))
      return sendFailure(reply, 404, failure('not_found', url, `no route GET ${url}; see /api/openapi.json`));
    if (!files)
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('this server runs without the user interface (no built renderer); the API is at /api/openapi.json\n');
    const file = files.get(url);
    if (!file) return reply.code(404).type('text/plain; charset=utf-8').send(`not found: ${url}\n`);
    reply
      .header('content-type', file.type)
      .header('cache-control', file.immutable ? 'private, max-age=31536000, immutable' : 'no-cache');
    if (file.type.startsWith('text/html')) reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    return reply.send(file.body);
  });

  return { app, hub, cookieName };
}
