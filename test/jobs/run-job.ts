// Child process for the crash/resume test: `submit <kind> <paramsJson>` submits and runs a job,
// `resume <jobId>` runs an existing one. Prints `job <id>` then `final <state>`.
import { openDatabase } from '../../src/main/engine/db';
import { JobRunner } from '../../src/main/engine/jobs';
import { testRegistry } from './stages';

const [dbFile, workspace, mode, arg, paramsJson] = process.argv.slice(2);
if (!dbFile || !workspace || !mode || !arg)
  throw new Error('usage: run-job <db> <workspace> submit <kind> <params> | resume <jobId>');
const db = openDatabase(dbFile);
const runner = new JobRunner({ db, registry: testRegistry(), workspace, persistLevel: 'debug' });
const id = mode === 'submit' ? runner.submit(arg, JSON.parse(paramsJson ?? '{}')) : arg;
process.stdout.write(`job ${id}\n`);
const job = await runner.run(id);
process.stdout.write(`final ${job.state}\n`);
db.close();
