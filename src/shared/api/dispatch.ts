// Transport-independent request dispatch: envelope in, result envelope out. The Electron IPC
// layer and a future HTTP server both use it, so validation and error mapping exist once.
import {
  ApiError,
  isRequestName,
  type AbortSignalLike,
  type ApiErrorInfo,
  type ApiResult,
  type RequestEnvelope,
} from './protocol';
import type { ApiHandlers, RequestContext } from './types';
import { validateInput, validateOutput } from './validate';

// Both runtimes have AbortController; src/shared compiles without their type libraries.
interface AbortControllerLike {
  readonly signal: AbortSignalLike;
  abort(): void;
}
declare const AbortController: new () => AbortControllerLike;

/** Longest request id accepted; ids are opaque strings chosen by the client. */
export const MAX_REQUEST_ID_LENGTH = 100;

export interface DispatchOptions {
  /** Validate handler replies against the contract (default true: catches engine bugs early). */
  validateOutputs?: boolean;
  /** Told about `internal` and `invalid_output` failures, with the original error (for the log). */
  onServerError?: (channel: string, error: unknown) => void;
}

export type Dispatch = (channel: string, envelope: unknown, signal?: AbortSignalLike) => Promise<ApiResult<unknown>>;

/** Reads `{ requestId?, input }`; throws an `ApiError` naming the bad part. */
export function parseEnvelope(channel: string, envelope: unknown): RequestEnvelope {
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    throw new ApiError({
      code: 'invalid_input',
      channel,
      field: '(envelope)',
      message: `request "${channel}": expected an envelope object { requestId?, input }`,
    });
  }
  const { requestId, input } = envelope as Record<string, unknown>;
  if (
    requestId !== undefined &&
    (typeof requestId !== 'string' || requestId.length === 0 || requestId.length > MAX_REQUEST_ID_LENGTH)
  ) {
    throw new ApiError({
      code: 'invalid_input',
      channel,
      field: 'requestId',
      message: `request "${channel}": requestId must be a non-empty string of at most ${MAX_REQUEST_ID_LENGTH} characters`,
    });
  }
  return requestId === undefined ? { input } : { requestId, input };
}

function errorInfo(channel: string, error: unknown): ApiErrorInfo {
  if (error instanceof ApiError) return { ...error.toInfo(), channel: error.channel || channel };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', channel, message: `request "${channel}" failed: ${message}` };
}

/** Resolves when the signal aborts, so a handler that ignores its signal cannot hold a caller. */
function aborted(signal: AbortSignalLike, channel: string): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () =>
      reject(new ApiError({ code: 'cancelled', channel, message: `request "${channel}" was cancelled` }));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

export function createDispatcher(handlers: ApiHandlers, options: DispatchOptions = {}): Dispatch {
  const checkOutputs = options.validateOutputs ?? true;
  return async (channel, envelope, signal = new AbortController().signal) => {
    try {
      if (!isRequestName(channel)) {
        throw new ApiError({
          code: 'invalid_input',
          channel,
          field: '(channel)',
          message: `unknown request "${channel}"`,
        });
      }
      const { requestId, input } = parseEnvelope(channel, envelope);
      const parsed = validateInput(channel, input);
      const ctx: RequestContext = { requestId, signal };
      // The union of handlers cannot be narrowed by TypeScript per channel; the contract
      // guarantees `parsed` is this channel's input.
      const handler = handlers[channel] as (i: unknown, c: RequestContext) => Promise<unknown>;
      const value = await Promise.race([handler(parsed, ctx), aborted(signal, channel)]);
      return { ok: true, value: checkOutputs ? validateOutput(channel, value) : value };
    } catch (error) {
      const info = errorInfo(channel, error);
      if (info.code === 'internal' || info.code === 'invalid_output') options.onServerError?.(channel, error);
      return { ok: false, error: info };
    }
  };
}

/**
 * In-flight requests that may be cancelled, keyed by the caller (e.g. the IPC sender id) and
 * the request id, so one window cannot cancel another's request.
 */
export class CancelRegistry {
  private readonly inflight = new Map<string, AbortControllerLike>();

  private static key(caller: string, requestId: string): string {
    return `${caller}\u0000${requestId}`;
  }

  /** A signal for this request; without a request id it can never be cancelled. */
  begin(caller: string, requestId: string | undefined): { signal: AbortSignalLike; end: () => void } {
    const controller = new AbortController();
    if (requestId === undefined) return { signal: controller.signal, end: () => undefined };
    const key = CancelRegistry.key(caller, requestId);
    this.inflight.get(key)?.abort(); // a reused id supersedes the old request
    this.inflight.set(key, controller);
    return {
      signal: controller.signal,
      end: () => {
        if (this.inflight.get(key) === controller) this.inflight.delete(key);
      },
    };
  }

  /** Aborts the request; returns false when no such request is in flight. */
  cancel(caller: string, requestId: string): boolean {
    const key = CancelRegistry.key(caller, requestId);
    const controller = this.inflight.get(key);
    if (!controller) return false;
    this.inflight.delete(key);
    controller.abort();
    return true;
  }

  /** Aborts every request of a caller (its window closed). */
  cancelAll(caller: string): void {
    const prefix = `${caller}\u0000`;
    for (const [key, controller] of this.inflight) {
      if (key.startsWith(prefix)) {
        this.inflight.delete(key);
        controller.abort();
      }
    }
  }

  get size(): number {
    return this.inflight.size;
  }
}
