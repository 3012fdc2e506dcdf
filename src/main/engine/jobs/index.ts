// The stage contract and the job runner: jobs are DAGs of stages, persisted and resumable.
export {
  JobRunner,
  JobConflictError,
  newJobId,
  isAlive,
  type JobRunnerOptions,
  type JobListener,
  type ClosableLogger,
  type SubmitOptions,
} from './runner';
export { JobRegistry, type JobKind } from './registry';
export { topoOrder, JobGraphError, type StageInstance } from './graph';
export { defineStage, withJobConfig, type Stage, type StageContext, type AnyStage } from './stage';
export { silentLogger, teeLogger, type Logger, type LogFn } from './logger';
export { writeFileAtomic, produceAtomic, removeOutputs, removePartials, tempSibling } from './fsutil';
export { jobLiveness, type JobLiveness } from './liveness';
