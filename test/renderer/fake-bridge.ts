// A fake `window.dsa110` for the browser, serving canned data the way the engine would (filters,
// pages, review transitions), recording every call and letting the test push events.
// Runs inside the page via addInitScript: it must not use anything from its module scope.
import type { FakeData } from './fake-data';

export interface RecordedCall {
  channel: string;
  input: unknown;
  requestId: string | undefined;
}

export function installFakeBridge(data: FakeData): void {
  // Everything below runs in the browser page.
  type Listener = (payload: unknown) => void;
  type Input = Record<string, unknown>;
  // This file is type-checked without DOM types (tsconfig.node.json): reach the page's globals structurally.
  const w = globalThis as unknown as Record<string, unknown>;
  const doc = (
    globalThis as unknown as {
      document: {
        addEventListener(
          type: 'securitypolicyviolation',
          l: (e: { violatedDirective: string; blockedURI: string }) => void,
        ): void;
      };
    }
  ).document;
  const calls: RecordedCall[] = [];
  const listeners = new Map<string, Set<Listener>>();
  const violations: string[] = [];
  w.__dsa110Calls = calls;
  w.__cspViolations = violations;
  doc.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
  w.__dsa110Emit = (event: string, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };

  const nowMjd = () => 40587 + Date.now() / 86_400_000;
  function page<T>(rows: T[], input: Input) {
    const offset = typeof input.offset === 'number' ? input.offset : 0;
    const limit = typeof input.limit === 'number' ? input.limit : 100;
    return { items: rows.slice(offset, offset + limit), total: rows.length, offset, limit };
  }
  function inSet<T extends Record<string, unknown>>(rows: T[], key: string, wanted: unknown): T[] {
    return Array.isArray(wanted) && wanted.length > 0 ? rows.filter((r) => wanted.includes(r[key])) : rows;
  }
  function notFound(what: string, id: unknown): never {
    throw Object.assign(new Error(`${what} "${String(id)}" not found`), { code: 'not_found' });
  }
  function review(input: Input, to: 'approved' | 'rejected') {
    const p = data.products.find((x) => x.id === input.id) ?? notFound('product', input.id);
    p.status = to;
    p.reviewer = String(input.reviewer);
    p.comment = typeof input.comment === 'string' ? input.comment : null;
    p.updatedMjd = nowMjd();
    return { product: p };
  }

  const handlers: Record<string, (input: Input) => unknown> = {
    'app.info': () => data.appInfo,
    'config.get': () => ({ path: null, values: {}, origins: {} }),
    'jobs.list': (i) => page(inSet(data.jobs, 'state', i.states), i),
    'jobs.get': (i) => ({
      job: data.jobs.find((j) => j.id === i.id) ?? notFound('job', i.id),
      stages: data.stages.filter((s) => s.jobId === i.id),
    }),
    'jobs.logs': (i) => ({ items: data.logs.filter((l) => l.jobId === i.jobId), hasMore: false }),
    'jobs.cancel': (i) => {
      const job = data.jobs.find((j) => j.id === i.id) ?? notFound('job', i.id);
      job.state = 'cancelled';
      return { accepted: true, job };
    },
    'groups.list': (i) => page(inSet(data.groups, 'state', i.states), i),
    'ms.list': (i) => page(inSet(data.ms, 'status', i.statuses), i),
    'images.list': (i) => page(data.images, i),
    'calibrators.search': (i) => ({
      items: data.calibrators.filter(
        (m) =>
          Math.abs(m.calibrator.decDeg - Number(i.decDeg)) <= Number(i.radiusDeg ?? 2.5) &&
          m.calibrator.flux1400Jy >= Number(i.minFluxJy ?? 1),
      ),
    }),
    'calibrators.get': (i) => {
      const m = data.calibrators.find((c) => c.calibrator.name === i.name);
      return m ? { calibrator: m.calibrator, matchedAs: 'J2000' } : notFound('calibrator', i.name);
    },
    'products.list': (i) => page(inSet(data.products, 'status', i.statuses), i),
    'products.get': (i) => ({
      product: data.products.find((p) => p.id === i.id) ?? notFound('product', i.id),
      events: data.productEvents.filter((e) => e.productId === i.id),
    }),
    'products.approve': (i) => review(i, 'approved'),
    'products.reject': (i) => review(i, 'rejected'),
  };

  w.dsa110 = {
    async invoke(channel: string, input: unknown, requestId?: string) {
      calls.push({ channel, input: JSON.parse(JSON.stringify(input ?? {})), requestId });
      const handler = handlers[channel];
      if (!handler)
        return {
          ok: false,
          error: { code: 'invalid_input', channel, field: '(channel)', message: `unknown request "${channel}"` },
        };
      try {
        // Structured clone, as IPC does: the renderer must not share objects with the engine.
        return { ok: true, value: JSON.parse(JSON.stringify(handler((input ?? {}) as Input))) };
      } catch (e) {
        const err = e as Error & { code?: string };
        return { ok: false, error: { code: err.code ?? 'internal', channel, message: err.message } };
      }
    },
    cancel() {},
    on(event: string, listener: Listener) {
      const set = listeners.get(event) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
  };
}
