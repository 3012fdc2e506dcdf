// Child process for the concurrency test: waits for the go file, then performs many small
// write transactions against the shared database and reports its retry count as JSON.
import { existsSync } from 'node:fs';
import { openDatabase } from '../../src/main/engine/db';

const [file, label, nArg, busyArg, goFile] = process.argv.slice(2);
if (!file || !label || !nArg || !busyArg || !goFile)
  throw new Error('usage: concurrent-writer <db> <label> <n> <busyTimeoutMs> <goFile>');
const n = Number(nArg);
const db = openDatabase(file, { busyTimeoutMs: Number(busyArg) });
process.stdout.write('ready\n');
const spin = new Int32Array(new SharedArrayBuffer(4));
while (!existsSync(goFile)) Atomics.wait(spin, 0, 0, 5);

for (let i = 0; i < n; i++) {
  switch (i % 3) {
    case 0:
      db.jobs.appendLog({ jobId: 'shared-job', level: 'info', message: `${label} ${i}` });
      break;
    case 1:
      db.products.register(
        { id: `${label}-${i}`, kind: 'image', path: `/p/${label}-${i}.fits`, sha256: 'ef'.repeat(32), sizeBytes: i },
        label,
      );
      break;
    default:
      // A multi-statement transaction: both rows or neither.
      db.transaction(() => {
        db.jobs.appendLog({ jobId: 'shared-job', level: 'debug', message: `${label} ${i} pair` });
        db.jobs.update('shared-job', { message: `${label} ${i}` });
      });
  }
}
process.stdout.write(`${JSON.stringify({ label, busyRetries: db.stats.busyRetries })}\n`);
db.close();
