// The app's single API client and event subscription, bound to the bridge found at start-up.
import type { ApiEvents, EventName } from '../../shared/api';
import { createApiClient, findBridge, subscribe } from './client';

export const bridge = findBridge();
export const api = createApiClient(bridge);

export function onEvent<E extends EventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
  return subscribe(bridge, event, listener);
}

/** A message for the user from any thrown value. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
