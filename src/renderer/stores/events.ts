// Routes the engine's pushed events into the domain stores; returns the unsubscribe function.
import { onEvent } from '../api';
import { useData } from './data';
import { useJobs } from './jobs';

export function connectEvents(): () => void {
  const offs = [
    onEvent('job.state', ({ job }) => useJobs.getState().applyJob(job)),
    onEvent('job.progress', ({ jobId, progress, message }) =>
      useJobs.getState().applyProgress(jobId, progress, message),
    ),
    onEvent('job.stage', ({ stage }) => useJobs.getState().applyStage(stage)),
    onEvent('job.log', ({ line }) => useJobs.getState().applyLog(line)),
    onEvent('ingest.group', ({ group }) => useData.getState().applyGroup(group)),
  ];
  return () => {
    for (const off of offs) off();
  };
}
