// The transport-independent dispatcher: validated inputs reach the handler, errors become typed
// results, cancellation aborts, invalid replies are caught; and the cancel registry's scoping.
import { describe, expect, it } from 'vitest';
import { CancelRegistry, createDispatcher, type ApiResult } from '../../src/shared/api';
import { job } from './fixtures';
import { fakeHandlers } from './handlers';

function failed(r: ApiResult<unknown>) {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.value)}`);
  return r.error;
}

describe('createDispatcher', () => {
  it('passes the parsed input (defaults filled) and the request id to the handler', async () => {
    const { handlers, calls } = fakeHandlers();
    const dispatch = createDispatcher(handlers);
    const r = await dispatch('jobs.list', { requestId: 'abc', input: { states: ['running'] } });
    expect(r).toMatchObject({ ok: true, value: { total: 1, offset: 0, limit: 100 } });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.input).toEqual({ states: ['running'], limit: 100, offset: 0 });
    expect(calls[0]?.ctx.requestId).toBe('abc');
  });

  it('rejects bad input before the handler runs, naming channel and field', async () => {
    const { handlers, calls } = fakeHandlers();
    const e = failed(await createDispatcher(handlers)('products.approve', { input: { id: 'p1', reviewer: '' } }));
    expect(e).toMatchObject({ code: 'invalid_input', channel: 'products.approve', field: 'reviewer' });
    expect(calls).toHaveLength(0);
  });

  it('rejects unknown channels and malformed envelopes', async () => {
    const dispatch = createDispatcher(fakeHandlers().handlers);
    expect(failed(await dispatch('jobs.delete', { input: {} }))).toMatchObject({
      code: 'invalid_input',
      field: '(channel)',
    });
    expect(failed(await dispatch('jobs.list', 'x'))).toMatchObject({ field: '(envelope)' });
    expect(failed(await dispatch('jobs.list', { requestId: 7, input: {} }))).toMatchObject({ field: 'requestId' });
    expect(failed(await dispatch('jobs.list', { requestId: 'x'.repeat(101), input: {} }))).toMatchObject({
      field: 'requestId',
    });
  });

  it('keeps domain errors thrown by handlers (not_found, conflict)', async () => {
    const dispatch = createDispatcher(fakeHandlers().handlers);
    expect(failed(await dispatch('products.approve', { input: { id: 'nope', reviewer: 'r' } }))).toMatchObject({
      code: 'not_found',
      field: 'id',
    });
    expect(failed(await dispatch('products.approve', { input: { id: 'p2', reviewer: 'r' } }))).toMatchObject({
      code: 'conflict',
    });
  });

  it('reports a crashing handler as internal, naming the channel, and tells the server log', async () => {
    const seen: string[] = [];
    const { handlers } = fakeHandlers({
      'jobs.get': async () => {
        throw new TypeError('db closed');
      },
    });
    const dispatch = createDispatcher(handlers, { onServerError: (channel) => seen.push(channel) });
    const e = failed(await dispatch('jobs.get', { input: { id: 'j1' } }));
    expect(e.code).toBe('internal');
    expect(e.message).toContain('jobs.get');
    expect(e.message).toContain('db closed');
    expect(seen).toEqual(['jobs.get']);
  });

  it('catches a reply that breaks the contract (an engine bug) as invalid_output', async () => {
    const bad = { ...job('j1', 'running'), progress: 2 };
    const { handlers } = fakeHandlers({ 'jobs.get': async () => ({ job: bad, stages: [] }) });
    const e = failed(await createDispatcher(handlers)('jobs.get', { input: { id: 'j1' } }));
    expect(e).toMatchObject({ code: 'invalid_output', channel: 'jobs.get', field: 'job.progress' });
  });

  it('returns cancelled as soon as the signal aborts, even if the handler ignores it', async () => {
    let release: () => void = () => undefined;
    const { handlers } = fakeHandlers({
      'jobs.logs': (_input, ctx) =>
        new Promise((resolve) => {
          expect(ctx.signal.aborted).toBe(false);
          release = () => resolve({ items: [], hasMore: false });
        }),
    });
    const controller = new AbortController();
    const pending = createDispatcher(handlers)(
      'jobs.logs',
      { requestId: 'r1', input: { jobId: 'j1' } },
      controller.signal,
    );
    controller.abort();
    expect(failed(await pending)).toMatchObject({ code: 'cancelled', channel: 'jobs.logs' });
    release();
  });
});

describe('CancelRegistry', () => {
  it('cancels only the named request of the named caller', () => {
    const reg = new CancelRegistry();
    const a = reg.begin('win1', 'r1');
    const b = reg.begin('win2', 'r1');
    expect(reg.cancel('win1', 'r1')).toBe(true);
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
    expect(reg.cancel('win1', 'r1')).toBe(false);
    b.end();
    expect(reg.size).toBe(0);
  });

  it('never registers requests without an id, and cancels all of a closed window', () => {
    const reg = new CancelRegistry();
    reg.begin('w', undefined);
    expect(reg.size).toBe(0);
    const x = reg.begin('w', 'a');
    const y = reg.begin('w', 'b');
    const z = reg.begin('other', 'a');
    reg.cancelAll('w');
    expect([x.signal.aborted, y.signal.aborted, z.signal.aborted]).toEqual([true, true, false]);
  });

  it('a reused id supersedes (aborts) the older request', () => {
    const reg = new CancelRegistry();
    const first = reg.begin('w', 'same');
    const second = reg.begin('w', 'same');
    expect(first.signal.aborted).toBe(true);
    first.end(); // must not unregister the newer request
    expect(reg.cancel('w', 'same')).toBe(true);
    expect(second.signal.aborted).toBe(true);
  });
});
