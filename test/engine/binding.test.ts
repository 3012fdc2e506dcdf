// The Electron shell's engine binding, without Electron: connectEngine opens the engine from the
// environment (DSA110_WORKSPACE here) and serves every request through the shared dispatcher.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectEngine } from '../../src/main/electron/engine-binding';
import { createDispatcher, REQUEST_NAMES } from '../../src/shared/api';
import { tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
const saved = { workspace: process.env.DSA110_WORKSPACE, threads: process.env.DSA110_THREADS };
beforeEach(() => {
  tmp = tempDir('dsa110-binding-');
  process.env.DSA110_WORKSPACE = tmp.dir;
  process.env.DSA110_THREADS = '1';
});
afterEach(() => {
  for (const [key, value] of [
    ['DSA110_WORKSPACE', saved.workspace],
    ['DSA110_THREADS', saved.threads],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  tmp.remove();
});

describe('connectEngine', () => {
  it('answers requests from the engine with the shell identity, and closes', async () => {
    const conn = await connectEngine({ appName: 'dsa110-test', version: '9.9.9' });
    try {
      expect(conn.events).toBeDefined();
      const dispatch = createDispatcher(conn.handlers);
      const info = await dispatch('app.info', { input: {} });
      expect(info).toMatchObject({
        ok: true,
        value: { appName: 'dsa110-test', version: '9.9.9', runtime: 'electron', workspace: tmp.dir },
      });
      const jobs = await dispatch('jobs.list', { input: {} });
      expect(jobs).toEqual({ ok: true, value: { items: [], total: 0, offset: 0, limit: 100 } });
      const cal = await dispatch('calibrators.search', { input: { decDeg: 54.57 } });
      expect(cal.ok && (cal.value as { items: unknown[] }).items.length).toBeGreaterThan(0);
      const missing = await dispatch('products.get', { input: { id: 'nope' } });
      expect(missing).toMatchObject({ ok: false, error: { code: 'not_found', channel: 'products.get' } });
      // Every request reaches the engine: none answers "unavailable" as the unconnected shell did.
      for (const name of REQUEST_NAMES) {
        const r = await dispatch(name, { input: {} });
        if (!r.ok) expect(r.error.code, `${name}: ${r.error.message}`).toBe('invalid_input');
      }
    } finally {
      await conn.close();
    }
  });
});
