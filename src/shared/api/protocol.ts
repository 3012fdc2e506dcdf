// The wire protocol of the API, free of zod so that the sandboxed preload can bundle it cheaply:
// channel names, the request envelope, the result envelope and the error codes.

/** Every IPC channel of the app starts with this prefix; anything else is refused. */
export const CHANNEL_PREFIX = 'dsa110:';

/** Request names, in the order they are documented in the contract (contract.ts). */
export const REQUEST_NAMES = [
  'app.info',
  'config.get',
  'jobs.list',
  'jobs.get',
  'jobs.logs',
  'jobs.cancel',
  'groups.list',
  'ms.list',
  'calibrators.search',
  'calibrators.get',
  'products.list',
  'products.get',
  'products.approve',
  'products.reject',
  'images.list',
  'jobs.submit',
  'jobs.status',
  'jobs.retry',
  'mosaics.plan',
  'mosaics.list',
  'products.publish',
  'qa.get',
  'config.setUser',
  'calibrators.transits',
  'coverage.summary',
  'timeline.summary',
] as const;

/** Event names pushed from the engine to every window. */
export const EVENT_NAMES = ['job.state', 'job.stage', 'job.progress', 'job.log', 'ingest.group'] as const;

export type RequestName = (typeof REQUEST_NAMES)[number];
export type EventName = (typeof EVENT_NAMES)[number];

const requestNameSet: ReadonlySet<string> = new Set(REQUEST_NAMES);
const eventNameSet: ReadonlySet<string> = new Set(EVENT_NAMES);

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && requestNameSet.has(name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && eventNameSet.has(name);
}

/** IPC channel carrying one request: `dsa110:req:jobs.list`. */
export function requestChannel(name: RequestName): string {
  return `${CHANNEL_PREFIX}req:${name}`;
}

/** IPC channel carrying one event: `dsa110:event:job.state`. */
export function eventChannel(name: EventName): string {
  return `${CHANNEL_PREFIX}event:${name}`;
}

/** One-way channel asking main to abort an in-flight request, payload {@link CancelMessage}. */
export const CANCEL_CHANNEL = `${CHANNEL_PREFIX}cancel`;

/** What travels on a request channel. `requestId` lets the caller cancel a long request. */
export interface RequestEnvelope {
  requestId?: string;
  input: unknown;
}

export interface CancelMessage {
  requestId: string;
}

/**
 * Why a request failed. `invalid_input`: the caller sent something the contract rejects;
 * `invalid_output`: the engine produced something the contract rejects (a bug in main);
 * `not_found`, `conflict` (e.g. approving a product that has not passed QA): domain errors;
 * `cancelled`: aborted through the cancel channel; `forbidden`: the sender is not the app;
 * `unavailable`: no engine behind the bridge; `internal`: anything else.
 */
export const API_ERROR_CODES = [
  'invalid_input',
  'invalid_output',
  'not_found',
  'conflict',
  'cancelled',
  'forbidden',
  'unavailable',
  'internal',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** A failure as it crosses the process boundary (plain data: IPC or JSON). */
export interface ApiErrorInfo {
  code: ApiErrorCode;
  /** The request name the error belongs to. */
  channel: string;
  message: string;
  /** Dotted path of the offending field for validation errors, e.g. `status` or `filter.dec`. */
  field?: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiErrorInfo };

/** An error carrying an {@link ApiErrorInfo}; engine handlers throw it for domain errors. */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly channel: string;
  readonly field: string | undefined;

  constructor(info: ApiErrorInfo) {
    super(info.message);
    this.name = 'ApiError';
    this.code = info.code;
    this.channel = info.channel;
    this.field = info.field;
  }

  toInfo(): ApiErrorInfo {
    const info: ApiErrorInfo = { code: this.code, channel: this.channel, message: this.message };
    if (this.field !== undefined) info.field = this.field;
    return info;
  }
}

/**
 * The part of the platform's AbortSignal the API uses. src/shared has neither DOM nor Node
 * types; both runtimes' AbortSignal satisfies this.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/**
 * The object the preload puts on `window.dsa110`. Only names from the contract pass; the
 * listener receives the payload alone, never the IPC event (which would leak ipcRenderer).
 */
export interface Dsa110Bridge {
  invoke(channel: RequestName, input: unknown, requestId?: string): Promise<ApiResult<unknown>>;
  cancel(requestId: string): void;
  on(event: EventName, listener: (payload: unknown) => void): () => void;
}
