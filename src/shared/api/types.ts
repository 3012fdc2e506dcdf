// Types derived from the contract: what a client sends and receives, what the engine implements.
import type { z } from 'zod';
import type { Events, Requests } from './contract';
import type { AbortSignalLike, EventName, RequestName } from './protocol';

/** Per request: `input` as a client may send it (defaults optional), `output` as it arrives. */
export type ApiRequests = {
  [K in RequestName]: {
    input: z.input<Requests[K]['input']>;
    output: z.output<Requests[K]['output']>;
  };
};

/** The input a handler receives: validated, defaults filled in. */
export type RequestInput<K extends RequestName> = z.output<Requests[K]['input']>;
/** The input a client sends. */
export type RequestArgs<K extends RequestName> = z.input<Requests[K]['input']>;
/** The reply a client receives. */
export type RequestOutput<K extends RequestName> = z.output<Requests[K]['output']>;

/** Given to every handler: the caller's request id (if any) and a signal aborted on cancel. */
export interface RequestContext {
  requestId: string | undefined;
  signal: AbortSignalLike;
}

/**
 * The main-side implementation of the API (the engine facade provides it). A handler throws
 * an `ApiError` for domain failures (`not_found`, `conflict`); anything else becomes `internal`.
 */
export type ApiHandlers = {
  [K in RequestName]: (input: RequestInput<K>, ctx: RequestContext) => Promise<z.input<Requests[K]['output']>>;
};

export interface CallOptions {
  /** Aborting sends a cancel for this request; the promise rejects with code `cancelled`. */
  signal?: AbortSignalLike;
}

/** The renderer-side (and later HTTP-client-side) API: one async method per request. */
export type ApiClient = {
  [K in RequestName]: (input: RequestArgs<K>, options?: CallOptions) => Promise<RequestOutput<K>>;
};

/** Event payloads as received. */
export type ApiEvents = { [E in EventName]: z.output<Events[E]> };

export type ApiEventListener = <E extends EventName>(event: E, payload: ApiEvents[E]) => void;

/** Where the engine publishes its events; the Electron shell and the HTTP server subscribe. */
export interface ApiEventSource {
  subscribe(listener: ApiEventListener): () => void;
}
