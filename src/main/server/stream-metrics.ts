// Prometheus metrics of the streaming daemon, served by `dsa110 serve` at /metrics and
// /api/metrics (text exposition format 0.0.4), behind the workspace token like every route
// (a scraper sends it as `Authorization: Bearer TOKEN`). Computed from the database on each
// scrape, so they are right whichever process runs the daemon.
import type { FastifyInstance } from 'fastify';
import type { Database } from '../engine/db';
import { streamMetrics } from '../engine/stream';

export function registerStreamMetrics(app: FastifyInstance, db: Database): void {
  const handler = async (_req: unknown, reply: { type(t: string): { send(b: string): unknown } }) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(streamMetrics(db));
  app.get('/metrics', handler);
  app.get('/api/metrics', handler);
}
