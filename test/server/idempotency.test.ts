// Idempotency over HTTP: a retried mutating request with the same Idempotency-Key changes
// nothing again and gets the first reply (requests without their own key field are answered
// from the server's memory); the same key with a different body is refused; concurrent retries
// of a job submission start one job (the contract's idempotencyKey, when the engine has it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRequestName } from '../../src/shared/api';
import { registerTestJobs } from '../engine/helpers';
import { startTestServer, type TestServer } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ renderer: false, register: registerTestJobs });
});
afterAll(async () => {
  await s?.stop();
});

describe('Idempotency-Key', () => {
  it('a retried cancel gets the first reply and writes nothing more', async () => {
    const id = s.engine.submit('test.two', {});
    const logsBefore = s.engine.db.jobs.logs(id).length;
    const first = await s.req('POST', `/api/jobs/${id}/cancel`, { reason: 'operator request' }, { 'idempotency-key': 'cancel-1' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, value: { accepted: true, job: { state: 'cancelled' } } });
    const retry = await s.req('POST', `/api/jobs/${id}/cancel`, { reason: 'operator request' }, { 'idempotency-key': 'cancel-1' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    // One "cancel requested" line: the retry did not reach the engine.
    expect(s.engine.db.jobs.logs(id).length).toBe(logsBefore + 1);
    // Without the key, the same request reaches the engine, which says it had finished.
    const plain = await s.req('POST', `/api/jobs/${id}/cancel`, { reason: 'operator request' });
    expect(plain.body).toMatchObject({ ok: true, value: { accepted: false } });
    // The same key with another body is an error, not a silent replay.
    const other = await s.req('POST', `/api/jobs/${id}/cancel`, { reason: 'something else' }, { 'idempotency-key': 'cancel-1' });
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ ok: false, error: { field: 'Idempotency-Key' } });
  });

  it('concurrent submissions with one key start one job', async () => {
    if (!isRequestName('jobs.submit')) return; // the job API is the jobs engineer's; checked once merged
    const request = { type: 'convert', params: { groupId: '2026-01-15T08:43:00' } };
    const replies = await Promise.all(Array.from({ length: 5 }, () => s.req('POST', '/api/jobs', request, { 'idempotency-key': 'submit-1' })));
    const ids = new Set(replies.map((r) => JSON.stringify(r.body)));
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => replies[0]?.status));
    expect(ids.size).toBe(1);
  });
});
