// The HTTP/SSE transport of the renderer's client: the same `Dsa110Bridge` the Electron
// preload provides, over `dsa110 serve` (same origin; the session cookie authenticates). One
// EventSource carries every event; it reconnects by itself with Last-Event-ID, and the server
// replays what was missed.
import {
  EVENT_NAMES,
  type ApiErrorInfo,
  type ApiResult,
  type Dsa110Bridge,
  type EventName,
  type RequestName,
} from '../../shared/api';

// The parts of fetch and EventSource used here, typed locally so this module also compiles
// (and is unit-tested) without the DOM library.
interface FetchInit {
  method: string;
  headers: Record<string, string>;
  body: string;
  credentials: 'same-origin';
  signal: AbortSignal;
}
interface FetchResponse {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}
export type FetchLike = (url: string, init: FetchInit) => Promise<FetchResponse>;
interface EventSourceLike {
  addEventListener(name: string, listener: (e: { data?: unknown }) => void): void;
}
export type EventSourceCtor = new (url: string) => EventSourceLike;

export interface HttpBridgeOptions {
  /** Base URL of the server (default: this page's origin). */
  baseUrl?: string;
  fetch?: FetchLike;
  EventSource?: EventSourceCtor;
  /** Told when the server could not replay missed events: the caller reloads its state. */
  onResync?: (reason: string) => void;
}

function failureFrom(channel: string, status: number, body: unknown): ApiResult<never> {
  const error = (body as { error?: Partial<ApiErrorInfo> } | null)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return { ok: false, error: { ...error, channel: error.channel ?? channel } as ApiErrorInfo };
  }
  if (status === 401) {
    return {
      ok: false,
      error: {
        code: 'forbidden',
        channel,
        message:
          'The server refused this session (HTTP 401): open the URL that "dsa110 serve" printed, with its token.',
      },
    };
  }
  return {
    ok: false,
    error: {
      code: status >= 500 ? 'internal' : 'invalid_input',
      channel,
      message: `request "${channel}": HTTP ${status}`,
    },
  };
}

export function createHttpBridge(options: HttpBridgeOptions = {}): Dsa110Bridge {
  const g = globalThis as unknown as {
    location?: { origin: string };
    fetch?: FetchLike;
    EventSource?: EventSourceCtor;
  };
  const base = (options.baseUrl ?? g.location?.origin ?? '').replace(/\/$/, '');
  const doFetch: FetchLike =
    options.fetch ??
    ((url, init) => {
      if (!g.fetch) throw new Error('fetch is not available');
      return g.fetch(url, init);
    });
  const ES = options.EventSource ?? g.EventSource;
  const inflight = new Map<string, AbortController>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let source: EventSourceLike | null = null;

  const connect = () => {
    if (source || !ES) return;
    // Same origin: the session cookie goes along; the browser reconnects with Last-Event-ID.
    source = new ES(`${base}/api/events`);
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (e) => {
        let payload: unknown;
        try {
          payload = JSON.parse(String(e.data));
        } catch {
          return;
        }
        for (const l of listeners.get(name) ?? []) l(payload);
      });
    }
    source.addEventListener('resync', (e) => {
      let reason = 'events were missed';
      try {
        reason = (JSON.parse(String(e.data)) as { reason?: string }).reason ?? reason;
      } catch {
        // keep the generic reason
      }
      options.onResync?.(reason);
    });
  };

  return {
    async invoke(channel: RequestName, input: unknown, requestId?: string): Promise<ApiResult<unknown>> {
      const controller = new AbortController();
      if (requestId) inflight.set(requestId, controller);
      try {
        const res = await doFetch(`${base}/api/rpc/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
          signal: controller.signal,
        });
        let body: unknown = null;
        try {
          body = await res.json();
        } catch {
          body = null;
        }
        if (res.ok && (body as { ok?: unknown } | null)?.ok === true) return body as ApiResult<unknown>;
        return failureFrom(channel, res.status, body);
      } catch (err) {
        if (controller.signal.aborted)
          return { ok: false, error: { code: 'cancelled', channel, message: `request "${channel}" was cancelled` } };
        return {
          ok: false,
          error: {
            code: 'unavailable',
            channel,
            message: `The engine server is not reachable (${err instanceof Error ? err.message : String(err)}); is "dsa110 serve" still running?`,
          },
        };
      } finally {
        if (requestId) inflight.delete(requestId);
      }
    },
    cancel(requestId: string): void {
      inflight.get(requestId)?.abort();
      inflight.delete(requestId);
    },
    on(event: EventName, listener: (payload: unknown) => void): () => void {
      connect();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
  };
}

/** True when `dsa110 serve` served this page: it marks its pages with `<meta name="dsa110-transport" content="http">`. */
export function servedByEngineServer(): boolean {
  const doc = (
    globalThis as {
      document?: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };
    }
  ).document;
  return doc?.querySelector('meta[name="dsa110-transport"]')?.getAttribute('content') === 'http';
}
