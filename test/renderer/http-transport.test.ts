// The renderer's HTTP/SSE transport: replies and failures become the same ApiResults the IPC
// bridge gives (so the client above is unchanged), a 401 says how to sign in, a dead server says
// so, cancel aborts the fetch, and events arrive from one EventSource by name.
import { describe, expect, it } from 'vitest';
import { createApiClient } from '../../src/renderer/api/client';
import { createHttpBridge, type EventSourceCtor, type FetchLike } from '../../src/renderer/api/http';
import { ApiError } from '../../src/shared/api';

type Listener = (e: { data: string }) => void;
class FakeEventSource {
  static last: FakeEventSource | null = null;
  readonly listeners = new Map<string, Listener[]>();
  constructor(readonly url: string) {
    FakeEventSource.last = this;
  }
  addEventListener(name: string, l: Listener) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), l]);
  }
  emit(name: string, data: unknown) {
    for (const l of this.listeners.get(name) ?? []) l({ data: JSON.stringify(data) });
  }
}

function reply(status: number, body: unknown): Awaited<ReturnType<FetchLike>> {
  return { ok: status >= 200 && status < 300, status, json: async () => body };
}

describe('createHttpBridge', () => {
  it('posts the input to /api/rpc/NAME and unwraps the reply through the unchanged client', async () => {
    const seen: [string, RequestInit | undefined][] = [];
    const bridge = createHttpBridge({
      baseUrl: 'http://127.0.0.1:9/',
      EventSource: FakeEventSource as unknown as EventSourceCtor,
      fetch: async (url, init) => {
        seen.push([String(url), init]);
        return reply(200, { ok: true, value: { items: [], total: 0, offset: 0, limit: 5 } });
      },
    });
    const api = createApiClient(bridge);
    expect(await api['jobs.list']({ limit: 5 })).toEqual({ items: [], total: 0, offset: 0, limit: 5 });
    expect(seen[0]?.[0]).toBe('http://127.0.0.1:9/api/rpc/jobs.list');
    expect(seen[0]?.[1]?.method).toBe('POST');
    expect(seen[0]?.[1]?.body).toBe('{"limit":5}');
    expect(seen[0]?.[1]?.credentials).toBe('same-origin');
  });

  it('turns 400, 401 and an unreachable server into typed errors', async () => {
    let next: () => ReturnType<FetchLike> = async () =>
      reply(400, {
        ok: false,
        error: { code: 'invalid_input', channel: 'jobs.list', field: 'limit', message: 'limit too big' },
      });
    const api = createApiClient(
      createHttpBridge({
        baseUrl: 'http://x',
        EventSource: FakeEventSource as unknown as EventSourceCtor,
        fetch: () => next(),
      }),
    );
    await expect(api['jobs.list']({ limit: 5 })).rejects.toMatchObject({ code: 'invalid_input', field: 'limit' });
    next = async () => ({
      ok: false,
      status: 401,
      json: async () => {
        throw new SyntaxError('empty');
      },
    });
    const e401 = await api['app.info']({}).catch((e: unknown) => e);
    expect(e401).toBeInstanceOf(ApiError);
    expect(e401).toMatchObject({ code: 'forbidden' });
    expect((e401 as Error).message).toContain('token');
    next = async () => {
      throw new TypeError('fetch failed');
    };
    await expect(api['app.info']({})).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('cancels by aborting the fetch', async () => {
    const bridge = createHttpBridge({
      baseUrl: 'http://x',
      EventSource: FakeEventSource as unknown as EventSourceCtor,
      fetch: (_url, init) =>
        new Promise((_, reject) =>
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        ),
    });
    const controller = new AbortController();
    const p = createApiClient(bridge)['jobs.list']({}, { signal: controller.signal });
    controller.abort();
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
  });

  it('delivers events by name from one EventSource on /api/events, and reports a resync', async () => {
    const resyncs: string[] = [];
    const bridge = createHttpBridge({
      baseUrl: 'http://x',
      EventSource: FakeEventSource as unknown as EventSourceCtor,
      fetch: async () => reply(200, {}),
      onResync: (r) => resyncs.push(r),
    });
    const got: unknown[] = [];
    const off = bridge.on('job.progress', (p) => got.push(p));
    bridge.on('job.state', () => undefined);
    const es = FakeEventSource.last;
    expect(es?.url).toBe('http://x/api/events');
    es?.emit('job.progress', { jobId: 'j', stageId: null, progress: 0.5, message: null });
    es?.emit('resync', { reason: 'the server restarted since that event' });
    off();
    es?.emit('job.progress', { jobId: 'j', stageId: null, progress: 0.6, message: null });
    expect(got).toEqual([{ jobId: 'j', stageId: null, progress: 0.5, message: null }]);
    expect(resyncs).toEqual(['the server restarted since that event']);
    expect(FakeEventSource.last).toBe(es); // one stream for every event
  });
});
