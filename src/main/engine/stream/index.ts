// Streaming: the incoming-directory watcher, the persistent group queue and its daemon, and its status.
export {
  StreamDaemon,
  defaultStreamOptions,
  freeBytes,
  type StreamEngine,
  type StreamEvent,
  type StreamOptions,
} from './daemon';
export { DirectoryWatcher, ignoreReason, type FileSignature, type WatcherOptions } from './watcher';
export {
  STREAM_JOB,
  StreamJobParams,
  chooseCalibration,
  groupStem,
  registerStreamJob,
  streamGraph,
  streamImagePath,
  streamMsPath,
} from './job';
export { quantile, streamMetrics, streamStatus, type StreamStatus } from './status';
