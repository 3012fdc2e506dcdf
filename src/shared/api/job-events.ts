// Maps the job runner's event stream (model JobEvent) onto the API's pushed events, so the
// engine facade can forward runner events to any client with one call.
import type { JobEvent } from '../model';
import type { EventName } from './protocol';
import type { ApiEvents } from './types';

export type ApiEventMessage = { [E in EventName]: { event: E; payload: ApiEvents[E] } }[EventName];

export function apiEventFromJobEvent(e: JobEvent): ApiEventMessage {
  switch (e.type) {
    case 'job':
      return { event: 'job.state', payload: { job: e.job } };
    case 'stage':
      return { event: 'job.stage', payload: { stage: e.stage } };
    case 'progress':
      // Clients show the whole job's progress; the stage's own fraction is in the stage row.
      return {
        event: 'job.progress',
        payload: { jobId: e.jobId, stageId: e.stageId, progress: e.jobProgress, message: e.message },
      };
    case 'log':
      return { event: 'job.log', payload: { line: e.line } };
  }
}
