// The typed API contract between the engine and its clients (renderer, CLI, later HTTP).
export * from './protocol';
export * from './contract';
export * from './types';
export * from './validate';
export * from './dispatch';
export * from './job-events';
export * from './job-types';
export * from './requests-timeline';
