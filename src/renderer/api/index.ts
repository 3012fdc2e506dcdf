// The app's single API client and event subscription, bound at start-up to a transport: the
// Electron preload's IPC bridge when present, else HTTP/SSE to `dsa110 serve` when that server
// served the page (it marks it). Everything above this module is the same for both.
import type { ApiEvents, EventName } from '../../shared/api';
import { createApiClient, findBridge, subscribe } from './client';
import { createHttpBridge, servedByEngineServer } from './http';

// A resync means events were lost (the server restarted, or this page was away longer than the
// server keeps events): reloading the page is the one way to be sure every view is current.
export const bridge =
  findBridge() ?? (servedByEngineServer() ? createHttpBridge({ onResync: () => window.location.reload() }) : null);
export const transport: 'ipc' | 'http' | 'none' = findBridge() ? 'ipc' : bridge ? 'http' : 'none';
export const api = createApiClient(bridge);

export function onEvent<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
  return subscribe(bridge, event, listener);
}

/** A message for the user from any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
