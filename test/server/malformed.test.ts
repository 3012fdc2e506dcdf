// Bad input over HTTP: each malformed request gets 400 with the offending field named (in the
// reply's `field` and in its message), and nothing is written: the database and the workspace
// are byte-for-byte as before.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRequestName } from '../../src/shared/api';
import { startTestServer, tree, type TestServer } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ renderer: false });
});
afterAll(async () => {
  await s?.stop();
});

/** Every row of every table, hashed: a write anywhere changes it. */
function dbDigest(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const h = createHash('sha256');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      h.update(name);
      for (const row of db.prepare(`SELECT * FROM "${name}" ORDER BY rowid`).iterate()) h.update(JSON.stringify(row));
    }
    return h.digest('hex');
  } finally {
    db.close();
  }
}

interface Bad {
  what: string;
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  field: string;
  needs?: string;
  code?: string;
}

const BAD: Bad[] = [
  {
    what: 'wrong type (string for a number)',
    method: 'POST',
    url: '/api/rpc/jobs.list',
    body: { limit: 'ten' },
    field: 'limit',
  },
  { what: 'negative page size', method: 'POST', url: '/api/rpc/jobs.list', body: { limit: -5 }, field: 'limit' },
  { what: 'fractional page size', method: 'POST', url: '/api/rpc/ms.list', body: { limit: 1.5 }, field: 'limit' },
  { what: 'negative offset', method: 'POST', url: '/api/rpc/products.list', body: { offset: -1 }, field: 'offset' },
  {
    what: 'unknown field',
    method: 'POST',
    url: '/api/rpc/jobs.list',
    body: { limit: 5, colour: 'red' },
    field: 'colour',
  },
  {
    what: 'unknown job state',
    method: 'POST',
    url: '/api/rpc/jobs.list',
    body: { states: ['exploded'] },
    field: 'states[0]',
  },
  {
    what: 'unknown job state in a query string',
    method: 'GET',
    url: '/api/jobs?state=running,exploded',
    field: 'states[1]',
  },
  {
    what: 'declination beyond the pole',
    method: 'POST',
    url: '/api/rpc/groups.list',
    body: { decMinDeg: 100 },
    field: 'decMinDeg',
  },
  {
    what: 'inverted declination range',
    method: 'POST',
    url: '/api/rpc/groups.list',
    body: { decMinDeg: 50, decMaxDeg: 40 },
    field: 'decMinDeg',
  },
  {
    what: 'time as text instead of MJD',
    method: 'POST',
    url: '/api/rpc/ms.list',
    body: { startMjd: '2026-01-15T08:00:00' },
    field: 'startMjd',
  },
  { what: 'missing required field', method: 'POST', url: '/api/rpc/calibrators.search', body: {}, field: 'decDeg' },
  {
    what: 'zero search radius',
    method: 'POST',
    url: '/api/rpc/calibrators.search',
    body: { decDeg: 55, radiusDeg: 0 },
    field: 'radiusDeg',
  },
  {
    what: 'empty reviewer',
    method: 'POST',
    url: '/api/rpc/products.approve',
    body: { id: 'm1', reviewer: '  ' },
    field: 'reviewer',
  },
  {
    what: 'rejection without a reason',
    method: 'POST',
    url: '/api/rpc/products.reject',
    body: { id: 'm1', reviewer: 'ana', comment: '' },
    field: 'comment',
  },
  { what: 'job id of the wrong type', method: 'POST', url: '/api/rpc/jobs.cancel', body: { id: 5 }, field: 'id' },
  { what: 'job id with a path in it', method: 'POST', url: '/api/jobs/..%2F..%2Fetc/cancel', body: {}, field: 'id' },
  { what: 'unknown log level', method: 'GET', url: '/api/jobs/job-1/logs?level=loud', field: 'minLevel' },
  { what: 'log page too large', method: 'GET', url: '/api/jobs/job-1/logs?limit=100000', field: 'limit' },
  {
    what: 'unknown image tier',
    method: 'POST',
    url: '/api/rpc/images.list',
    body: { tier: 'platinum' },
    field: 'tier',
  },
  { what: 'a number that is not one', method: 'GET', url: '/api/rpc/jobs.list?limit=12abc', field: 'limit' },
  { what: 'body not an object', method: 'POST', url: '/api/rpc/jobs.list', body: [1, 2], field: '(root)' },
  { what: 'invalid JSON', method: 'POST', url: '/api/rpc/jobs.list', raw: '{"limit": 5', field: '(body)' },
  {
    what: 'malformed Idempotency-Key',
    method: 'POST',
    url: '/api/rpc/jobs.cancel',
    body: { id: 'job-1' },
    headers: { 'idempotency-key': 'has spaces in it' },
    field: 'Idempotency-Key',
  },
  {
    what: 'body id differs from the URL',
    method: 'POST',
    url: '/api/jobs/job-1/cancel',
    body: { id: 'job-2' },
    field: 'id',
  },
  // The job API (contract requests of the jobs engineer): skipped while the engine lacks them.
  {
    what: 'unknown job type',
    method: 'POST',
    url: '/api/jobs',
    body: { type: 'warp-drive', params: {} },
    field: 'type',
    needs: 'jobs.submit',
  },
  {
    what: 'job params of the wrong type',
    method: 'POST',
    url: '/api/jobs',
    body: { type: 'convert', params: 'all' },
    field: 'params',
    needs: 'jobs.submit',
  },
  {
    what: 'job without params',
    method: 'POST',
    url: '/api/jobs',
    body: { type: 'convert' },
    field: 'params',
    needs: 'jobs.submit',
  },
  {
    what: 'unknown calibrator',
    method: 'POST',
    url: '/api/jobs',
    body: { type: 'mosaic.centered', params: { calibrator: 'NOPE+000' } },
    field: 'params.calibrator',
    needs: 'jobs.submit',
    code: 'not_found',
  },
  {
    what: 'bad ISO time',
    method: 'POST',
    url: '/api/jobs',
    body: { type: 'mosaic.range', params: { name: 'm1', since: '2026-13-45T99:00:00', until: '2026-01-15T10:00:00' } },
    field: 'params.since',
    needs: 'jobs.submit',
  },
  {
    what: 'output outside the workspace',
    method: 'POST',
    url: '/api/jobs',
    body: { type: 'convert', params: { groupId: '2026-01-15T08:43:00', outputDir: '/tmp/elsewhere' } },
    field: 'params.outputDir',
    needs: 'jobs.submit',
  },
];

describe('malformed requests', () => {
  it('each gets 400 naming the field, and nothing is written', async () => {
    const available = BAD.filter((b) => b.needs === undefined || isRequestName(b.needs));
    expect(available.length).toBeGreaterThanOrEqual(15);
    const dbBefore = dbDigest(s.engine.db.file);
    const filesBefore = tree(s.workspace);
    for (const b of available) {
      const r =
        b.raw !== undefined
          ? await s.req(b.method, b.url, b.raw, b.headers)
          : await s.req(b.method, b.url, b.body, b.headers);
      expect(r.status, `${b.what}: ${r.text}`).toBe(400);
      const error = (r.body as { ok: boolean; error: { field?: string; message: string; code: string } }).error;
      // A referenced object that does not exist (unknown calibrator) keeps its code, not_found.
      expect(error.code, b.what).toBe(b.code ?? 'invalid_input');
      expect(error.field, `${b.what}: ${error.message}`).toBe(b.field);
      // The message names the field too (a person reads it, not only a program).
      if (!b.field.startsWith('('))
        expect(error.message, b.what).toContain(
          b.field
            .split('.')
            .at(-1)
            ?.replace(/\[\d+\]$/, '') ?? b.field,
        );
    }
    expect(dbDigest(s.engine.db.file)).toBe(dbBefore);
    expect(tree(s.workspace)).toEqual(filesBefore);
  });
});
