// The preload bridge with a mocked electron module: only contract names pass, envelopes are
// built as main expects, listeners get the payload alone, and ipcRenderer is never exposed.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CANCEL_CHANNEL, eventChannel, requestChannel, type Dsa110Bridge } from '../../src/shared/api/protocol';

const exposed = new Map<string, unknown>();
const invoked: Array<[string, unknown]> = [];
const sent: Array<[string, unknown]> = [];
const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
const ipcRenderer = {
  invoke: vi.fn(async (channel: string, envelope: unknown) => {
    invoked.push([channel, envelope]);
    return { ok: true, value: 'pong' };
  }),
  send: (channel: string, message: unknown) => sent.push([channel, message]),
  on: (channel: string, l: (event: unknown, payload: unknown) => void) => {
    const set = listeners.get(channel) ?? new Set();
    set.add(l);
    listeners.set(channel, set);
  },
  removeListener: (channel: string, l: (event: unknown, payload: unknown) => void) => listeners.get(channel)?.delete(l),
};

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer,
}));

let bridge: Dsa110Bridge;
beforeAll(async () => {
  await import('../../src/preload/index');
  bridge = exposed.get('dsa110') as Dsa110Bridge;
});

describe('preload bridge', () => {
  it('exposes exactly invoke, cancel and on under window.dsa110', () => {
    expect([...exposed.keys()]).toEqual(['dsa110']);
    expect(Object.keys(bridge).sort()).toEqual(['cancel', 'invoke', 'on']);
    expect(Object.values(bridge)).not.toContain(ipcRenderer);
  });

  it('sends contract requests on their channel in an envelope', async () => {
    expect(await bridge.invoke('jobs.list', { limit: 5 }, 'id-1')).toEqual({ ok: true, value: 'pong' });
    await bridge.invoke('app.info', {});
    expect(invoked).toEqual([
      [requestChannel('jobs.list'), { requestId: 'id-1', input: { limit: 5 } }],
      [requestChannel('app.info'), { input: {} }],
    ]);
  });

  it('refuses names outside the contract without touching IPC', async () => {
    const before = invoked.length;
    const r = await bridge.invoke('shell.openExternal' as never, {});
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', field: '(channel)' } });
    expect(invoked.length).toBe(before);
    expect(() => bridge.on('ipc.raw' as never, () => undefined)).toThrow(/unknown event "ipc.raw"/);
  });

  it('passes only the payload to listeners and unsubscribes', () => {
    const got: unknown[] = [];
    const off = bridge.on('job.progress', (p) => got.push(p));
    const channel = eventChannel('job.progress');
    for (const l of listeners.get(channel) ?? []) l({ sender: ipcRenderer }, { jobId: 'j', progress: 0.5 });
    expect(got).toEqual([{ jobId: 'j', progress: 0.5 }]);
    off();
    expect(listeners.get(channel)?.size).toBe(0);
  });

  it('sends cancels only for plausible request ids', () => {
    bridge.cancel('id-1');
    bridge.cancel('');
    bridge.cancel(42 as never);
    expect(sent).toEqual([[CANCEL_CHANNEL, { requestId: 'id-1' }]]);
  });
});
