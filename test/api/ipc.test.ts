// The Electron IPC layer with a fake ipcMain and fake web contents (Electron itself is not
// installed here): one handler per request, sender checks, cancellation, event forwarding.
import { EventEmitter } from 'node:events';
import type { IpcMain, WebContents, WebFrameMain } from 'electron';
import { describe, expect, it } from 'vitest';
import { registerIpc } from '../../src/main/electron/ipc';
import { isAppFrame, originOf } from '../../src/main/electron/trust';
import {
  CANCEL_CHANNEL,
  REQUEST_NAMES,
  eventChannel,
  requestChannel,
  type ApiEventListener,
  type ApiEventSource,
  type ApiResult,
} from '../../src/shared/api';
import { job } from './fixtures';
import { fakeHandlers } from './handlers';

type Invoke = (event: unknown, envelope: unknown) => Promise<ApiResult<unknown>>;
type On = (event: unknown, message: unknown) => void;

class FakeIpcMain {
  handlers = new Map<string, Invoke>();
  listeners = new Map<string, On>();
  handle(channel: string, fn: Invoke) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }
  on(channel: string, fn: On) {
    this.listeners.set(channel, fn);
    return this;
  }
  removeListener(channel: string) {
    this.listeners.delete(channel);
    return this;
  }
}

class FakeContents extends EventEmitter {
  sent: Array<[string, unknown]> = [];
  destroyed = false;
  readonly mainFrame: { url: string };
  constructor(
    readonly id: number,
    url = 'app://renderer/index.html',
  ) {
    super();
    this.mainFrame = { url };
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return this.destroyed;
  }
}

class FakeEvents implements ApiEventSource {
  listener: ApiEventListener | null = null;
  subscribe(l: ApiEventListener) {
    this.listener = l;
    return () => {
      this.listener = null;
    };
  }
}

function setup(overrides: Parameters<typeof fakeHandlers>[0] = {}) {
  const ipc = new FakeIpcMain();
  const win = new FakeContents(1);
  const events = new FakeEvents();
  const logged: string[] = [];
  const { handlers, calls } = fakeHandlers(overrides);
  const dispose = registerIpc({
    ipcMain: ipc as unknown as IpcMain,
    handlers,
    events,
    isTrustedSender: (frame, sender) => isAppFrame(frame, sender, 'app://renderer'),
    targets: () => [win as unknown as WebContents],
    log: { warn: (m) => logged.push(m), error: (m) => logged.push(m) },
  });
  const invoke = (
    channel: string,
    envelope: unknown,
    sender: FakeContents = win,
    frame: unknown = sender.mainFrame,
  ) => {
    const fn = ipc.handlers.get(channel);
    if (!fn) throw new Error(`no handler for ${channel}`);
    return fn({ sender, senderFrame: frame as WebFrameMain }, envelope);
  };
  return { ipc, win, events, logged, calls, dispose, invoke };
}

describe('registerIpc', () => {
  it('registers exactly one handler per contract request, plus the cancel channel, and removes them', () => {
    const { ipc, dispose, events } = setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(REQUEST_NAMES.map(requestChannel).sort());
    expect([...ipc.listeners.keys()]).toEqual([CANCEL_CHANNEL]);
    dispose();
    expect(ipc.handlers.size).toBe(0);
    expect(ipc.listeners.size).toBe(0);
    expect(events.listener).toBeNull();
  });

  it('answers the app frame with a validated result', async () => {
    const { invoke, calls } = setup();
    const r = await invoke(requestChannel('products.approve'), { input: { id: 'p1', reviewer: ' ann ' } });
    expect(r).toMatchObject({ ok: true, value: { product: { id: 'p1', status: 'approved', reviewer: 'ann' } } });
    expect(calls[0]?.input).toEqual({ id: 'p1', reviewer: 'ann' });
  });

  it('refuses subframes and foreign origins without calling the engine', async () => {
    const { invoke, calls, logged } = setup();
    const iframe = { url: 'app://renderer/index.html' };
    const fromIframe = await invoke(requestChannel('app.info'), { input: {} }, undefined, iframe);
    const foreign = new FakeContents(2, 'https://example.org/');
    const fromForeign = await invoke(requestChannel('app.info'), { input: {} }, foreign);
    for (const r of [fromIframe, fromForeign])
      expect(r).toMatchObject({ ok: false, error: { code: 'forbidden', channel: 'app.info' } });
    expect(calls).toHaveLength(0);
    expect(logged.filter((m) => m.includes('untrusted'))).toHaveLength(2);
  });

  it('cancels an in-flight request by id from the same window only', async () => {
    let seen: AbortSignal | null = null;
    const { invoke, ipc, win } = setup({
      'jobs.logs': (_i, ctx) =>
        new Promise(() => {
          seen = ctx.signal as AbortSignal;
        }),
    });
    const pending = invoke(requestChannel('jobs.logs'), { requestId: 'q1', input: { jobId: 'j1' } });
    const cancel = ipc.listeners.get(CANCEL_CHANNEL);
    const other = new FakeContents(9);
    cancel?.({ sender: other, senderFrame: other.mainFrame }, { requestId: 'q1' });
    expect(seen).not.toBeNull();
    expect((seen as AbortSignal | null)?.aborted).toBe(false);
    cancel?.({ sender: win, senderFrame: win.mainFrame }, { requestId: 'q1' });
    expect(await pending).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  it("aborts a window's requests when its web contents are destroyed", async () => {
    const { invoke, win } = setup({ 'jobs.logs': () => new Promise(() => undefined) });
    const pending = invoke(requestChannel('jobs.logs'), { requestId: 'q2', input: { jobId: 'j1' } });
    win.emit('destroyed');
    expect(await pending).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  it('forwards valid engine events to live windows and drops invalid ones loudly', () => {
    const { events, win, logged } = setup();
    events.listener?.('job.state', { job: job('j1', 'running', 0.25) });
    expect(win.sent).toEqual([[eventChannel('job.state'), { job: job('j1', 'running', 0.25) }]]);
    events.listener?.('job.progress', { jobId: 'j1', stageId: null, progress: 3, message: null }); // an engine bug: progress > 1
    expect(win.sent).toHaveLength(1);
    expect(logged).toContain('dropped invalid job.progress event');
    win.destroyed = true;
    events.listener?.('job.state', { job: job('j1', 'succeeded', 1) });
    expect(win.sent).toHaveLength(1);
  });
});

describe('originOf', () => {
  it('gives the app:// origin that Node\'s URL reports as "null"', () => {
    expect(new URL('app://renderer/index.html').origin).toBe('null');
    expect(originOf('app://renderer/index.html')).toBe('app://renderer');
    expect(originOf('http://localhost:5173/src/index.html')).toBe('http://localhost:5173');
    expect(originOf('app://evil/index.html')).not.toBe('app://renderer');
    expect(originOf('not a url')).toBeNull();
    expect(originOf('data:text/html,hi')).toBeNull();
  });
});
