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
    const first = await s.req(
      'POST',
      `/api/jobs/${id}/cancel`,
      { reason: 'operator request' },
      { 'idempotency-key': 'cancel-1' },
    );
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ ok: true, value: { accepted: true, job: { state: 'cancelled' } } });
    const retry = await s.req(
      'POST',
      `/api/jobs/${id}/cancel`,
      { reason: 'operator request' },
      { 'idempotency-key': 'cancel-1' },
    );
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    // One "cancel requested" line: the retry did not reach the engine.
    expect(s.engine.db.jobs.logs(id).length).toBe(logsBefore + 1);
    // Without the key, the same request reaches the engine, which says it had finished.
    const plain = await s.req('POST', `/api/jobs/${id}/cancel`, { reason: 'operator request' });
    expect(plain.body).toMatchObject({ ok: true, value: { accepted: false } });
    // The same key with another body is an error, not a silent replay.
    const other = await s.req(
      'POST',
      `/api/jobs/${id}/cancel`,
      { reason: 'something else' },
      { 'idempotency-key': 'cancel-1' },
    );
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ ok: false, error: { field: 'Idempotency-Key' } });
  });

  it('concurrent submissions with one key start one job', async () => {
    if (!isRequestName('jobs.submit')) throw new Error('this engine has no jobs.submit');
    // A registered group (its files are not there: the job starts, then fails at conversion).
    s.engine.db.ingest.ensureGroup({ id: '2026-01-15T08:43:00', startMjd: 61055.36319 });
    const request = { type: 'convert', params: { groupId: '2026-01-15T08:43:00' } };
    const before = s.engine.db.jobs.page({ kind: 'convert' }).total;
    const replies = await Promise.all(
      Array.from({ length: 5 }, () => s.req('POST', '/api/jobs', request, { 'idempotency-key': 'submit-1' })),
    );
    const jobIds = replies.map((r) => (r.body as { value?: { job?: { id: string } } }).value?.job?.id);
    expect(jobIds[0], JSON.stringify(replies[0]?.body)).toMatch(/^convert-/);
    expect(new Set(jobIds)).toEqual(new Set([jobIds[0]]));
    // One 202 (created), the others 200 (answered from the first).
    expect(
      replies.map((r) => r.status).sort(),
      JSON.stringify(replies.map((r) => (r.body as { value: { created: boolean } }).value.created)),
    ).toEqual([200, 200, 200, 200, 202]);
    expect(replies.find((r) => r.status === 202)?.headers.get('location')).toBe(`/api/jobs/${jobIds[0]}`);
    expect(s.engine.db.jobs.page({ kind: 'convert' }).total).toBe(before + 1);
    // A later retry, after the job ran, still gets the same job, and nothing new starts.
    const later = await s.req('POST', '/api/jobs', request, { 'idempotency-key': 'submit-1' });
    expect((later.body as { value: { job: { id: string }; created: boolean } }).value).toMatchObject({
      job: { id: jobIds[0] },
      created: false,
    });
    expect(s.engine.db.jobs.page({ kind: 'convert' }).total).toBe(before + 1);
    // Another key starts another job.
    const other = await s.req('POST', '/api/jobs', request, { 'idempotency-key': 'submit-2' });
    expect(other.status).toBe(202);
    expect(s.engine.db.jobs.page({ kind: 'convert' }).total).toBe(before + 2);
  });
});
