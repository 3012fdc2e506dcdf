// The seam between the Electron shell and the engine. `app.info` and `config.get` are answered
// here from the typed config; every other request needs the engine facade, which the lead wires
// in `connectEngine` (until then they fail with `unavailable`, naming this file).
import os from 'node:os';
import { ApiError, type ApiEventSource, type ApiHandlers, type RequestName } from '../../shared/api';
import type { JsonObject } from '../../shared/model';
import { describeOrigin, loadConfig } from '../engine/config';

export interface EngineConnection {
  handlers: ApiHandlers;
  events?: ApiEventSource;
  close(): Promise<void>;
}

export interface ShellInfo {
  appName: string;
  version: string;
}

const MJD_UNIX_EPOCH = 40587;
const mjdNow = () => MJD_UNIX_EPOCH + Date.now() / 86_400_000;

function unavailable(channel: RequestName): () => Promise<never> {
  return () =>
    Promise.reject(new ApiError({
      code: 'unavailable', channel,
      message: `request "${channel}" needs the pipeline engine, which is not connected to the desktop shell yet (src/main/electron/engine-binding.ts)`,
    }));
}

export async function connectEngine(shell: ShellInfo): Promise<EngineConnection> {
  const loaded = loadConfig();
  const startedMjd = mjdNow();
  const origins: Record<string, string> = {};
  for (const [key, origin] of Object.entries(loaded.origins)) origins[key] = describeOrigin(origin);
  const handlers: ApiHandlers = {
    'app.info': async () => ({
      appName: shell.appName,
      version: shell.version,
      runtime: 'electron',
      platform: `${os.platform()} ${os.arch()}`,
      versions: Object.fromEntries(Object.entries(process.versions).filter((e): e is [string, string] => typeof e[1] === 'string')),
      workspace: loaded.config.workspace,
      startedMjd,
    }),
    'config.get': async () => ({
      path: loaded.configFile,
      values: JSON.parse(JSON.stringify(loaded.config)) as JsonObject,
      origins,
    }),
    'jobs.list': unavailable('jobs.list'),
    'jobs.get': unavailable('jobs.get'),
    'jobs.logs': unavailable('jobs.logs'),
    'jobs.cancel': unavailable('jobs.cancel'),
    'groups.list': unavailable('groups.list'),
    'ms.list': unavailable('ms.list'),
    'calibrators.search': unavailable('calibrators.search'),
    'products.list': unavailable('products.list'),
    'products.get': unavailable('products.get'),
    'products.approve': unavailable('products.approve'),
    'products.reject': unavailable('products.reject'),
    'images.list': unavailable('images.list'),
  };
  return { handlers, close: async () => undefined };
}
