// Child process for the crash-safety test: converts a group and, halfway through (after 8 of the
// 16 spectral windows are written), says HALF and blocks until the parent kills it (SIGKILL).
import { planConversion, writeConversion } from '../../src/main/engine/convert';

const [groupId, out, ...files] = process.argv.slice(2);
const plan = await planConversion(groupId!, files);
await writeConversion(plan, out!, {
  onProgress: (fraction) => {
    if (fraction >= 0.5 && fraction < 1) {
      process.stdout.write('HALF\n');
      // Block this thread (no event loop) so the kill lands mid-conversion.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);
    }
  },
});
process.stdout.write('DONE\n');
