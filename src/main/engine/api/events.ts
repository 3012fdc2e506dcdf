// The engine's pushed events for API clients: the job runner's events mapped onto the contract.
import { apiEventFromJobEvent, type ApiEventListener, type ApiEventSource } from '../../../shared/api';
import type { Engine } from '../engine';

export function engineEvents(engine: Engine): ApiEventSource {
  return {
    subscribe(listener: ApiEventListener) {
      return engine.onJobEvent((e) => {
        const m = apiEventFromJobEvent(e);
        // ApiEventMessage pairs each event name with its own payload; the listener's generic
        // signature cannot see that correlation through the union.
        (listener as (event: typeof m.event, payload: typeof m.payload) => void)(m.event, m.payload);
      });
    },
  };
}
