// The server's event stream: every contract event, validated, numbered and kept in a bounded
// replay buffer, so a client that reconnects with `Last-Event-ID` receives what it missed, in
// order. Ids are `<epoch>-<seq>`: the epoch changes with every server start, so an id from an
// earlier run (or one that fell out of the buffer) is recognised and answered with a resync.
import { randomBytes } from 'node:crypto';
import { validateEvent, type ApiEventSource, type EventName } from '../../shared/api';

export interface HubEvent {
  seq: number;
  id: string;
  event: EventName;
  /** The SSE frame, encoded once for every client. */
  frame: string;
}

export interface EventHubOptions {
  /** Most events kept for replay (default 10,000). */
  maxEvents?: number;
  /** Most bytes of encoded frames kept for replay (default 16 MiB). */
  maxBytes?: number;
  /** Told about payloads that fail the contract (they are dropped, never sent). */
  onInvalid?: (event: string, error: unknown) => void;
}

export type ReplayResult =
  | { kind: 'replay'; events: HubEvent[] }
  /** The id is from another server run or older than the buffer: the client must reload its state. */
  | { kind: 'resync'; reason: string };

type Subscriber = (e: HubEvent) => void;

export class EventHub {
  readonly epoch = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  private readonly buffer: HubEvent[] = [];
  private head = 0; // index of the oldest kept event in `buffer`
  private bytes = 0;
  private seq = 0;
  private readonly subscribers = new Set<Subscriber>();
  private readonly maxEvents: number;
  private readonly maxBytes: number;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: EventHubOptions = {}) {
    this.maxEvents = Math.max(1, opts.maxEvents ?? 10_000);
    this.maxBytes = Math.max(1024, opts.maxBytes ?? 16 * 1024 * 1024);
  }

  /** Start relaying an engine's events. */
  attach(source: ApiEventSource): void {
    this.unsubscribe?.();
    this.unsubscribe = source.subscribe((event, payload) => this.publish(event, payload));
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.subscribers.clear();
  }

  /** Validate, number, keep and send one event. Invalid payloads (engine bugs) are dropped. */
  publish(event: EventName, payload: unknown): HubEvent | null {
    let checked: unknown;
    try {
      checked = validateEvent(event, payload);
    } catch (error) {
      this.opts.onInvalid?.(event, error);
      return null;
    }
    this.seq += 1;
    const id = `${this.epoch}-${this.seq}`;
    const frame = `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(checked)}\n\n`;
    const e: HubEvent = { seq: this.seq, id, event, frame };
    this.buffer.push(e);
    this.bytes += frame.length;
    while (this.size > this.maxEvents || (this.bytes > this.maxBytes && this.size > 1)) {
      const old = this.buffer[this.head];
      if (old) this.bytes -= old.frame.length;
      this.head += 1;
    }
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer.splice(0, this.head);
      this.head = 0;
    }
    for (const s of this.subscribers) s(e);
    return e;
  }

  get size(): number {
    return this.buffer.length - this.head;
  }

  /** The id of the newest event, or null before the first. */
  get lastId(): string | null {
    return this.seq === 0 ? null : `${this.epoch}-${this.seq}`;
  }

  /** Events after `lastEventId`; none for a new client (null), which loads its state itself. */
  since(lastEventId: string | null): ReplayResult {
    if (lastEventId === null || lastEventId === '') return { kind: 'replay', events: [] };
    const m = /^([0-9a-z]+)-(\d+)$/.exec(lastEventId);
    if (!m) return { kind: 'resync', reason: `unrecognised Last-Event-ID "${lastEventId.slice(0, 60)}"` };
    if (m[1] !== this.epoch) return { kind: 'resync', reason: 'the server restarted since that event' };
    const last = Number(m[2]);
    if (last > this.seq) return { kind: 'resync', reason: `event ${lastEventId} was never sent` };
    const oldest = this.buffer[this.head];
    const oldestSeq = oldest ? oldest.seq : this.seq + 1;
    if (last + 1 < oldestSeq) {
      return {
        kind: 'resync',
        reason: `${oldestSeq - last - 1} event(s) after ${lastEventId} are no longer kept (replay buffer ${this.maxEvents} events)`,
      };
    }
    // Sequence numbers are contiguous in the buffer, so the start index is arithmetic.
    const start = this.head + (last + 1 - oldestSeq);
    return { kind: 'replay', events: this.buffer.slice(start) };
  }

  subscribe(fn: Subscriber): () => void {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  get clients(): number {
    return this.subscribers.size;
  }
}
