// The REST job API of the seeds mapped onto contract requests, and which requests are reads
// (also answered to GET with query parameters).
import type { RequestName } from '../../shared/api';

export interface RestRoute {
  method: 'GET' | 'POST';
  url: string;
  /** A contract request name; a route whose request the engine lacks answers 404. */
  channel: string;
  /** HTTP status of success (default 200). */
  status?: number;
  /** Query parameter -> input field, e.g. `level` -> `minLevel`. */
  aliases?: Record<string, string>;
}

export const REST_ROUTES: readonly RestRoute[] = [
  { method: 'POST', url: '/api/jobs', channel: 'jobs.submit', status: 202 },
  { method: 'GET', url: '/api/jobs', channel: 'jobs.list', aliases: { state: 'states' } },
  { method: 'GET', url: '/api/jobs/:id', channel: 'jobs.get' },
  { method: 'GET', url: '/api/jobs/:id/status', channel: 'jobs.status' },
  {
    method: 'GET',
    url: '/api/jobs/:id/logs',
    channel: 'jobs.logs',
    aliases: { stage: 'stageId', level: 'minLevel', after: 'afterId' },
  },
  { method: 'POST', url: '/api/jobs/:id/cancel', channel: 'jobs.cancel' },
  { method: 'POST', url: '/api/jobs/:id/retry', channel: 'jobs.retry', status: 202 },
];

const READ = /\.(info|get|list|logs|status|search|transits|summary)$/;

/** Requests that change nothing, by their name; they are also served to GET. */
export function isReadRequest(name: RequestName | string): boolean {
  return READ.test(name) || name === 'config.get';
}
