// Is a job's owner alive? A job recorded `running` whose process is gone (killed, crashed, the
// machine rebooted) is interrupted, not running; so is a job stopped by SIGINT/SIGTERM (recorded
// `queued` after it had started). Both resume with `dsa110 jobs resume ID`.
import type { Job } from '../../../shared/model/jobs';
import type { Database } from '../db';
import { ownerAlive, pidExists } from '../db/owner';

export interface JobLiveness {
  /** The state to show: the recorded one, or `interrupted`. */
  shown: Job['state'] | 'interrupted';
  /** Why it is interrupted and how to resume it; null when not interrupted. */
  note: string | null;
}

export function jobLiveness(db: Database, job: Job): JobLiveness {
  const resume = `resume with: dsa110 jobs resume ${job.id}`;
  if (job.state === 'queued' && job.startedMjd !== null) {
    return {
      shown: 'interrupted',
      note: `${job.message?.replace(/; resume with: .*$/, '') ?? 'interrupted'}; ${resume}`,
    };
  }
  if (job.state !== 'running') return { shown: job.state, note: null };
  const lease = db.leases.get(`job:${job.id}`);
  if (lease && ownerAlive(lease.owner)) return { shown: 'running', note: null };
  const stages = db.jobs.stageRuns(job.id).filter((s) => s.state === 'running');
  if (!lease && stages.some((s) => s.pid !== null && pidExists(s.pid))) return { shown: 'running', note: null };
  const who = lease ? `pid ${lease.owner.pid}` : stages[0]?.pid ? `pid ${stages[0].pid}` : 'its process';
  return { shown: 'interrupted', note: `${who} is gone (killed or crashed); ${resume}` };
}
