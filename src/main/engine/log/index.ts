// Structured logging for the engine: the Logger interface and the pino-backed file logger.
export {
  createLogger,
  silentLogger,
  type AppLogger,
  type CreateLoggerOptions,
  type JobLogger,
  type Logger,
  type LogLevel,
  type LogMethod,
} from './logger';
export { formatLine } from './format';
