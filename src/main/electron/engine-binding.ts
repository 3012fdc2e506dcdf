// The seam between the Electron shell and the engine: opens the same Engine the CLI uses (config
// from defaults, <workspace>/config.json and DSA110_* variables) and exposes its API handlers
// and job events to the IPC layer.
import { createApiHandlers, engineEvents } from '../engine/api';
import { Engine } from '../engine/engine';
import type { ApiEventSource, ApiHandlers } from '../../shared/api';

export interface EngineConnection {
  handlers: ApiHandlers;
  events?: ApiEventSource;
  /** Cancels the engine's running jobs, waits for their cleanup, closes the database. */
  close(): Promise<void>;
}

export interface ShellInfo {
  appName: string;
  version: string;
}

export async function connectEngine(shell: ShellInfo): Promise<EngineConnection> {
  const engine = await Engine.open({ app: { name: shell.appName, version: shell.version, runtime: 'electron' } });
  return { handlers: createApiHandlers(engine), events: engineEvents(engine), close: () => engine.close() };
}
