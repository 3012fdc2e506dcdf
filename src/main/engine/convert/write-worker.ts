// The conversion's writer thread (started by pipeline.ts): creates the MS, then writes each slot
// of the shared ring to MAIN as the main thread fills it, and hands the slot back. The main
// thread meanwhile reads and rephases the next integrations. Failures are posted back.
import { parentPort, workerData } from 'node:worker_threads';
import { createMeasurementSet } from '../ms/writer';
import type { MsWriter } from '../ms/writer';
import { CTRL_CANCEL, CTRL_ERROR, SLOT_EMPTY, SLOT_FULL, rowsIn, slotWord } from './ring';
import { IntegrationWriter } from './rows-writer';
import type { WriterData } from './pipeline';

class Cancelled extends Error {}

function run(d: WriterData): void {
  const g = d.geometry;
  const ctrl = new Int32Array(d.ctrl);
  const views = Array.from({ length: d.slots }, (_, k) => rowsIn(d.ring, k * d.slotBytes, g.nbl, g.nchan, g.npol));
  let ms: MsWriter | null = createMeasurementSet(d.dir, d.desc);
  try {
    const w = new IntegrationWriter(ms, g);
    for (let seq = 0; seq < g.ntimes * g.nspw; seq++) {
      const k = seq % d.slots;
      const state = slotWord(k, 0);
      // Wait (1 s at a time, to notice cancellation) until the main thread has filled the slot.
      while (Atomics.load(ctrl, state) !== SLOT_FULL) {
        if (Atomics.load(ctrl, CTRL_CANCEL) !== 0) throw new Cancelled('cancelled');
        Atomics.wait(ctrl, state, SLOT_EMPTY, 1000);
      }
      w.write(Atomics.load(ctrl, slotWord(k, 1)), Atomics.load(ctrl, slotWord(k, 2)), views[k]!);
      Atomics.store(ctrl, state, SLOT_EMPTY);
      Atomics.notify(ctrl, state);
    }
    const done = ms;
    ms = null;
    done.close();
    parentPort?.postMessage({ type: 'done', spots: w.spots });
  } finally {
    ms?.close();
  }
}

const data = workerData as WriterData;
try {
  run(data);
} catch (e) {
  if (!(e instanceof Cancelled)) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort?.postMessage({ type: 'error', message: err.message, stack: err.stack });
    const ctrl = new Int32Array(data.ctrl);
    Atomics.store(ctrl, CTRL_ERROR, 1);
    for (let k = 0; k < data.slots; k++) Atomics.notify(ctrl, slotWord(k, 0));
  }
}
