// Start-up recovery of the server: jobs left `running` inside a stage by a process that is gone
// (a SIGKILL, a power cut) are resumed here through the job runner, which cleans up the interrupted stages
// and skips the finished ones that still verify. A job whose stages another live process runs
// is left to it.
import type { Job } from '../../shared/model/jobs';
import type { Engine } from '../engine/engine';

export interface RecoveredJob {
  jobId: string;
  kind: string;
  /** The pids that had been running its stages. */
  previousPids: number[];
  /** Settles when the resumed run ends. */
  done: Promise<Job | null>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Find interrupted jobs and resume each in the background; returns what was resumed. */
export function recoverInterruptedJobs(engine: Engine, who = `dsa110 serve (pid ${process.pid})`): RecoveredJob[] {
  const out: RecoveredJob[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = engine.db.jobs.page({ states: ['running'], limit: 500, offset });
    for (const job of page.items) {
      if (engine.runner.isActive(job.id)) continue;
      const runningStages = engine.db.jobs.stageRuns(job.id).filter((s) => s.state === 'running');
      const pids = [...new Set(runningStages.map((s) => s.pid).filter((p): p is number => p !== null))];
      // Only a job killed inside a stage is taken over: with no running stage, a live process may
      // be between two of its stages (the CLI's rule too); such a job is left to `jobs retry`.
      if (pids.length === 0) continue;
      if (pids.some((p) => p !== process.pid && alive(p))) continue; // its process still runs it
      engine.db.jobs.appendLog({
        jobId: job.id,
        level: 'warn',
        message: `resumed by ${who}: the process running this job (pid ${pids.join(', ')}) is gone; interrupted stages are cleaned up and re-run, finished ones are kept`,
      });
      engine.log.warn({ jobId: job.id, previousPids: pids }, `resuming interrupted job ${job.id} (${job.kind})`);
      const done = engine.run(job.id).catch((err: unknown) => {
        engine.log.error(
          { jobId: job.id, err },
          `resuming job ${job.id} failed: ${err instanceof Error ? err.message : String(err)}`,
        );
        return null;
      });
      out.push({ jobId: job.id, kind: job.kind, previousPids: pids, done });
    }
    if (offset + page.items.length >= page.total || page.items.length === 0) break;
  }
  return out;
}
