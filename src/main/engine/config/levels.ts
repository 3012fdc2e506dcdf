// The log levels the configuration accepts (pino's), in a module of their own without zod, so
// the CLI can offer them as --log-level choices without loading the configuration schema.
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
