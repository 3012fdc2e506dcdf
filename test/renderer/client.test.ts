// The renderer API client over a bridge: unwraps results, throws typed errors, cancels by id,
// and explains clearly when the bridge is missing. Also: the CSP meta tag equals the header policy.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createApiClient, subscribe } from '../../src/renderer/api/client';
import { META_CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY } from '../../src/main/electron/csp';
import { ApiError, type ApiResult, type Dsa110Bridge } from '../../src/shared/api';

function bridgeWith(reply: (channel: string, input: unknown, id?: string) => Promise<ApiResult<unknown>>) {
  const cancels: string[] = [];
  const bridge: Dsa110Bridge = {
    invoke: (c, i, id) => reply(c, i, id),
    cancel: (id) => cancels.push(id),
    on: () => () => undefined,
  };
  return { bridge, cancels };
}

describe('createApiClient', () => {
  it('returns the value of a successful result and sends no request id for plain calls', async () => {
    const seen: unknown[] = [];
    const { bridge } = bridgeWith(async (c, i, id) => {
      seen.push([c, i, id]);
      return { ok: true, value: { items: [], total: 0, offset: 0, limit: 10 } };
    });
    const api = createApiClient(bridge);
    expect(await api['jobs.list']({ limit: 10 })).toEqual({ items: [], total: 0, offset: 0, limit: 10 });
    expect(seen).toEqual([['jobs.list', { limit: 10 }, undefined]]);
  });

  it('throws an ApiError carrying code, channel and field', async () => {
    const { bridge } = bridgeWith(async () => ({
      ok: false,
      error: { code: 'invalid_input', channel: 'products.reject', field: 'comment', message: 'comment required' },
    }));
    const error = await createApiClient(bridge)
      ['products.reject']({ id: 'p', reviewer: 'r', comment: '' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'invalid_input', channel: 'products.reject', field: 'comment' });
  });

  it('cancels through the bridge with the id it sent when the signal aborts', async () => {
    let sentId: string | undefined;
    let finish: (r: ApiResult<unknown>) => void = () => undefined;
    const { bridge, cancels } = bridgeWith((_c, _i, id) => {
      sentId = id;
      return new Promise((ok) => {
        finish = ok;
      });
    });
    const controller = new AbortController();
    const pending = createApiClient(bridge)
      ['jobs.logs']({ jobId: 'j1' }, { signal: controller.signal })
      .catch((e: unknown) => e);
    controller.abort();
    expect(sentId).toMatch(/^r/);
    expect(cancels).toEqual([sentId]);
    finish({ ok: false, error: { code: 'cancelled', channel: 'jobs.logs', message: 'cancelled' } });
    expect(await pending).toMatchObject({ code: 'cancelled' });
  });

  it('says the bridge is missing, naming window.dsa110, without one', async () => {
    const error = await createApiClient(null)
      ['app.info']({})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', channel: 'app.info' });
    expect((error as Error).message).toContain('window.dsa110 is missing');
    expect(subscribe(null, 'job.state', () => undefined)).toBeTypeOf('function');
  });
});

describe('content security policy', () => {
  it('is the same in index.html and in the header (which adds frame-ancestors), with no eval or remote origin', () => {
    const html = readFileSync(new URL('../../src/renderer/index.html', import.meta.url), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
    expect(meta).toBe(META_CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toBe(`${META_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|unsafe-inline|https?:|\*/);
  });
});
