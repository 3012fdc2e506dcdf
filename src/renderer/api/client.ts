// The renderer's API client, typed from the contract, over the `window.dsa110` bridge the
// preload provides. Without the bridge every call fails with a message saying why.
import {
  ApiError,
  REQUEST_NAMES,
  type ApiClient,
  type ApiEvents,
  type CallOptions,
  type Dsa110Bridge,
  type EventName,
  type RequestName,
} from '../../shared/api';

const MISSING_BRIDGE =
  'The pipeline engine is not reachable: window.dsa110 is missing. This page must run inside the DSA-110 desktop app, whose preload script provides the bridge.';

/** The bridge, or null when the page runs outside the desktop app (e.g. a plain browser). */
export function findBridge(): Dsa110Bridge | null {
  const candidate = (globalThis as { dsa110?: unknown }).dsa110;
  if (typeof candidate !== 'object' || candidate === null) return null;
  const b = candidate as Partial<Dsa110Bridge>;
  return typeof b.invoke === 'function' && typeof b.on === 'function' && typeof b.cancel === 'function'
    ? (candidate as Dsa110Bridge)
    : null;
}

let sequence = 0;
function nextRequestId(): string {
  sequence += 1;
  return `r${Date.now().toString(36)}-${sequence}`;
}

async function call(
  bridge: Dsa110Bridge | null,
  channel: RequestName,
  input: unknown,
  options?: CallOptions,
): Promise<unknown> {
  if (!bridge) throw new ApiError({ code: 'unavailable', channel, message: MISSING_BRIDGE });
  const signal = options?.signal;
  if (signal?.aborted)
    throw new ApiError({ code: 'cancelled', channel, message: `request "${channel}" was cancelled` });
  // Only cancellable calls carry an id; main keys cancellation on it.
  const requestId = signal ? nextRequestId() : undefined;
  const onAbort = () => {
    if (requestId) bridge.cancel(requestId);
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await bridge.invoke(channel, input ?? {}, requestId);
    if (result.ok) return result.value;
    throw new ApiError(result.error);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

export function createApiClient(bridge: Dsa110Bridge | null): ApiClient {
  const client: Record<string, (input: unknown, options?: CallOptions) => Promise<unknown>> = {};
  for (const name of REQUEST_NAMES) client[name] = (input, options) => call(bridge, name, input, options);
  // Built from REQUEST_NAMES, so every key of ApiClient is present with the contract's shape.
  return client as ApiClient;
}

/** Subscribes to an engine event; returns the unsubscribe function (a no-op without a bridge). */
export function subscribe<E extends EventName>(
  bridge: Dsa110Bridge | null,
  event: E,
  listener: (payload: ApiEvents[E]) => void,
): () => void {
  if (!bridge) return () => undefined;
  // Main validated the payload against the contract before sending it.
  return bridge.on(event, (payload) => listener(payload as ApiEvents[E]));
}

export { MISSING_BRIDGE };
