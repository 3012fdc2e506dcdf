// The conversion's writer thread seen from the main thread: the main thread reads and rephases
// integrations into a ring of shared slots while a worker (write-worker.ts) writes earlier slots
// to the MS, so the writes (mostly kernel time copying into the page cache) overlap the reading
// and the kernel. Slots are handed over with Atomics (no copies, no message per integration).
// The writer, not the reader, is the thread: it loads only the table code, while h5wasm is
// costly to load a second time (~3 s CPU and ~700 MB under tsx).
import { Worker } from 'node:worker_threads';
import { alignedSharedBuffer } from '../casacore/direct-io';
import { workerEntry } from '../native/worker-entries';
import type { MsDescription } from '../ms/writer';
import type { KernelOutput } from './kernel';
import {
  CTRL_CANCEL,
  CTRL_ERROR,
  CTRL_SLOTS,
  SLOT_EMPTY,
  SLOT_FULL,
  SLOT_WORDS,
  rowsIn,
  slotBytesFor,
  slotWord,
} from './ring';
import type { RowsGeometry, SpotCheck } from './rows-writer';

/** What the writer thread is started with (structured-cloned; ctrl and ring are shared). */
export interface WriterData {
  dir: string;
  desc: MsDescription;
  geometry: RowsGeometry;
  ctrl: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  slots: number;
  slotBytes: number;
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
/** Atomics.waitAsync (Node >= 16; not in the ES2023 lib typings). */
const waitAsync = (
  Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number, timeoutMs?: number) => WaitAsyncResult }
).waitAsync;

export class WriterThread {
  private readonly ctrl: Int32Array;
  private readonly views: KernelOutput[];
  private readonly failed: Promise<never>;
  private readonly finished: Promise<SpotCheck[]>;
  private seq = 0;
  private closing = false;

  private constructor(
    private readonly worker: Worker,
    private readonly data: WriterData,
  ) {
    this.ctrl = new Int32Array(data.ctrl);
    const g = data.geometry;
    this.views = Array.from({ length: data.slots }, (_, k) =>
      rowsIn(data.ring, k * data.slotBytes, g.nbl, g.nchan, g.npol),
    );
    let resolveDone: (s: SpotCheck[]) => void = () => undefined;
    this.finished = new Promise<SpotCheck[]>((r) => {
      resolveDone = r;
    });
    let ended = false;
    this.failed = new Promise<never>((_, reject) => {
      worker.on('message', (m: { type: string; message?: string; stack?: string; spots?: SpotCheck[] }) => {
        if (m.type === 'done') {
          ended = true;
          resolveDone(m.spots ?? []);
        } else if (m.type === 'error') {
          reject(Object.assign(new Error(`conversion writer thread: ${m.message ?? 'failed'}`), { stack: m.stack }));
        }
      });
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (!ended && !this.closing)
          reject(new Error(`the conversion writer thread exited (code ${code}) before writing every integration`));
      });
    });
    // Nobody may be waiting when the thread fails late (e.g. after close()); keep that quiet.
    this.failed.catch(() => undefined);
  }

  /**
   * Start a writer creating the MS at `dir`, from the bundled entry convert-write-worker.js (see
   * worker-entries.ts); a missing entry file throws an error naming it.
   */
  static start(dir: string, desc: MsDescription, geometry: RowsGeometry, slots = 4): WriterThread {
    const script = workerEntry('convert-write-worker');
    const slotBytes = slotBytesFor(geometry.nbl, geometry.nchan, geometry.npol);
    const data: WriterData = {
      dir,
      desc,
      geometry,
      slots,
      slotBytes,
      ctrl: new SharedArrayBuffer(4 * (CTRL_SLOTS + SLOT_WORDS * slots)),
      ring: alignedSharedBuffer(slots * slotBytes),
    };
    return new WriterThread(new Worker(script, { workerData: data }), data);
  }

  /** The next slot to fill, once the writer has written what it held before. */
  async rows(): Promise<KernelOutput> {
    const k = this.seq % this.data.slots;
    const state = slotWord(k, 0);
    while (Atomics.load(this.ctrl, state) !== SLOT_EMPTY) {
      if (Atomics.load(this.ctrl, CTRL_ERROR) !== 0) await this.failed;
      const w = waitAsync(this.ctrl, state, SLOT_FULL, 1000);
      if (w.async) await Promise.race([w.value, this.failed]);
    }
    return this.views[k] as KernelOutput;
  }

  /** The slot rows() returned now holds integration t of window s: hand it to the writer. */
  done(t: number, s: number): void {
    const k = this.seq % this.data.slots;
    Atomics.store(this.ctrl, slotWord(k, 1), t);
    Atomics.store(this.ctrl, slotWord(k, 2), s);
    Atomics.store(this.ctrl, slotWord(k, 0), SLOT_FULL);
    Atomics.notify(this.ctrl, slotWord(k, 0));
    this.seq++;
  }

  /** Wait until every integration is written and the MS closed; the writer's spot checks. */
  finish(): Promise<SpotCheck[]> {
    return Promise.race([this.finished, this.failed]);
  }

  /** Stop the writer (finished or not) and wait for its thread to end. */
  async close(): Promise<void> {
    this.closing = true;
    Atomics.store(this.ctrl, CTRL_CANCEL, 1);
    for (let k = 0; k < this.data.slots; k++) Atomics.notify(this.ctrl, slotWord(k, 0));
    await this.worker.terminate();
  }
}
