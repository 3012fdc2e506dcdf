// An in-memory ApiHandlers implementation for the dispatch and IPC tests, recording its calls.
import { ApiError, type ApiHandlers, type RequestContext } from '../../src/shared/api';
import type { Product } from '../../src/shared/model';
import { job, product } from './fixtures';

export interface Recorded {
  channel: string;
  input: unknown;
  ctx: RequestContext;
}

export function fakeHandlers(overrides: Partial<ApiHandlers> = {}): { handlers: ApiHandlers; calls: Recorded[] } {
  const calls: Recorded[] = [];
  const products = new Map<string, Product>([
    ['p1', product('p1', 'qa_passed')],
    ['p2', product('p2', 'published')],
  ]);
  const rec = (channel: string, input: unknown, ctx: RequestContext) => calls.push({ channel, input, ctx });
  const notImplemented = (channel: string) => async () => {
    throw new Error(`${channel} is not used by these tests`);
  };
  const handlers: ApiHandlers = {
    'app.info': async (input, ctx) => {
      rec('app.info', input, ctx);
      return {
        appName: 't',
        version: '0',
        runtime: 'node',
        platform: 'linux',
        versions: {},
        workspace: null,
        startedMjd: 60000,
      };
    },
    'config.get': notImplemented('config.get'),
    'jobs.list': async (input, ctx) => {
      rec('jobs.list', input, ctx);
      const items = [job('j1', 'running', 0.5), job('j2', 'queued')].filter(
        (j) => !input.states || input.states.includes(j.state),
      );
      return {
        items: items.slice(input.offset, input.offset + input.limit),
        total: items.length,
        offset: input.offset,
        limit: input.limit,
      };
    },
    'jobs.get': notImplemented('jobs.get'),
    'jobs.logs': notImplemented('jobs.logs'),
    'jobs.cancel': notImplemented('jobs.cancel'),
    'groups.list': notImplemented('groups.list'),
    'ms.list': notImplemented('ms.list'),
    'calibrators.search': notImplemented('calibrators.search'),
    'calibrators.get': notImplemented('calibrators.get'),
    'products.list': notImplemented('products.list'),
    'products.get': notImplemented('products.get'),
    'products.approve': async (input, ctx) => {
      rec('products.approve', input, ctx);
      const p = products.get(input.id);
      if (!p)
        throw new ApiError({
          code: 'not_found',
          channel: 'products.approve',
          field: 'id',
          message: `no product "${input.id}"`,
        });
      if (p.status === 'published')
        throw new ApiError({
          code: 'conflict',
          channel: 'products.approve',
          message: `product "${input.id}" is published`,
        });
      return { product: { ...p, status: 'approved', reviewer: input.reviewer, comment: input.comment ?? null } };
    },
    'products.reject': notImplemented('products.reject'),
    'images.list': notImplemented('images.list'),
    'jobs.submit': notImplemented('jobs.submit'),
    'jobs.status': notImplemented('jobs.status'),
    'jobs.retry': notImplemented('jobs.retry'),
    'mosaics.plan': notImplemented('mosaics.plan'),
    'mosaics.list': notImplemented('mosaics.list'),
    'products.publish': notImplemented('products.publish'),
    'qa.get': notImplemented('qa.get'),
    'config.setUser': notImplemented('config.setUser'),
    'calibrators.transits': notImplemented('calibrators.transits'),
    'coverage.summary': notImplemented('coverage.summary'),
    'timeline.summary': notImplemented('timeline.summary'),
    ...overrides,
  };
  return { handlers, calls };
}
