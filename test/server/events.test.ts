// The event stream: a client that drops its connection for 10 s and reconnects with its last
// event id receives every event it missed, in order (compared with a client that stayed
// connected), then the live ones; an id from before the replay buffer or from another server
// run gets a `resync` instead of a silent gap. Events come from real jobs run by the engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from '../../src/main/server';
import { registerTestJobs } from '../engine/helpers';
import { openEvents, startTestServer, type SseEvent, type TestServer } from './helpers';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ renderer: false, register: registerTestJobs });
});
afterAll(async () => {
  await s?.stop();
});

const after = (events: SseEvent[], id: string) => events.slice(events.findIndex((e) => e.id === id) + 1);
const ids = (events: SseEvent[]) => events.map((e) => `${e.id} ${e.event}`);

describe('event replay after a drop', () => {
  it('a client away for 10 s receives every missed event in order, then live events', async () => {
    const control = await openEvents(s.base, s.token);
    const client = await openEvents(s.base, s.token);
    await client.waitFor(1);
    expect(client.events[0]?.event).toBe('ready');

    // Some events while both are connected: a real job.
    await s.engine.run(s.engine.submit('test.two', {}));
    await client.waitFor(5);
    const lastSeen = client.events.at(-1)?.id ?? '';
    expect(lastSeen).toMatch(/^[0-9a-z]+-\d+$/);
    client.close();

    // 10 s away: jobs run and progress events flow meanwhile.
    const t0 = Date.now();
    let n = 0;
    while (Date.now() - t0 < 10_000) {
      if (n % 10 === 0) await s.engine.run(s.engine.submit('test.two', {}));
      s.server.server.hub.publish('job.progress', {
        jobId: 'progress-probe',
        stageId: null,
        progress: (n % 100) / 100,
        message: `tick ${n}`,
      });
      n += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
    const missed = after(control.events, lastSeen);
    expect(missed.length).toBeGreaterThan(80);
    expect(new Set(missed.map((e) => e.event))).toEqual(new Set(['job.state', 'job.stage', 'job.log', 'job.progress']));

    const back = await openEvents(s.base, s.token, lastSeen);
    expect(back.status).toBe(200);
    await back.waitFor(missed.length);
    // Exactly the missed events, in order, with the same ids and payloads; no `ready`, no resync.
    expect(ids(back.events)).toEqual(ids(missed));
    expect(back.events.map((e) => e.data)).toEqual(missed.map((e) => e.data));
    // Ids strictly increase.
    const seqs = back.events.map((e) => Number(e.id?.split('-')[1]));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[i - 1] ?? 0) + 1);

    // Live events continue on the resumed connection.
    s.server.server.hub.publish('job.progress', {
      jobId: 'progress-probe',
      stageId: null,
      progress: 1,
      message: 'live',
    });
    await back.waitFor(missed.length + 1);
    expect(back.events.at(-1)?.data).toContain('"live"');
    back.close();
    control.close();
  }, 60_000);

  it('an id older than the replay buffer or from another server run gets a resync, never a silent gap', async () => {
    const hub = new EventHub({ maxEvents: 5 });
    for (let i = 0; i < 8; i++)
      hub.publish('job.progress', { jobId: 'j', stageId: null, progress: i / 10, message: null });
    const since2 = hub.since(`${hub.epoch}-2`);
    expect(since2.kind).toBe('resync');
    const since3 = hub.since(`${hub.epoch}-3`); // events 4..8 kept: nothing lost
    expect(since3.kind === 'replay' && since3.events.map((e) => e.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(hub.since('zzzz-3').kind).toBe('resync');
    expect(hub.since(`${hub.epoch}-99`).kind).toBe('resync');
    expect(hub.since('garbage').kind).toBe('resync');
    // An invalid payload is dropped (an engine bug), never numbered or sent.
    expect(hub.publish('job.progress', { jobId: 'j', progress: 7 })).toBeNull();
    expect(hub.lastId).toBe(`${hub.epoch}-8`);

    // Over HTTP: an id from another run.
    const c = await openEvents(s.base, s.token, 'abc123-5');
    await c.waitFor(1);
    expect(c.events[0]?.event).toBe('resync');
    expect(c.events[0]?.data).toContain('restarted');
    // The resync carries the current position, so the next reconnect replays normally.
    expect(c.events[0]?.id).toMatch(new RegExp(`^${s.server.server.hub.epoch}-\\d+$`));
    c.close();
  });
});
