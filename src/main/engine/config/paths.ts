// Where the workspace lives by default on each platform, and the directories derived from it.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from './schema';

export const APP_DIR_NAME = 'dsa110-contimg';

export interface PlatformInfo {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  homedir: string;
}

/** The user's data directory for this app: XDG on Linux, Application Support on macOS, %APPDATA% on Windows. */
export function defaultWorkspace(
  info: PlatformInfo = { platform: process.platform, env: process.env, homedir: os.homedir() },
): string {
  const { platform, env, homedir } = info;
  if (platform === 'win32') {
    const appData =
      env.APPDATA && path.win32.isAbsolute(env.APPDATA) ? env.APPDATA : path.win32.join(homedir, 'AppData', 'Roaming');
    return path.win32.join(appData, APP_DIR_NAME);
  }
  if (platform === 'darwin') return path.posix.join(homedir, 'Library', 'Application Support', APP_DIR_NAME);
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const xdg =
    env.XDG_DATA_HOME && path.posix.isAbsolute(env.XDG_DATA_HOME)
      ? env.XDG_DATA_HOME
      : path.posix.join(homedir, '.local', 'share');
  return path.posix.join(xdg, APP_DIR_NAME);
}

export interface WorkspacePaths {
  root: string;
  /** `<workspace>/config.json`, read when no --config is given. */
  configFile: string;
  database: string;
  /** Files being converted or copied before they are complete. */
  staging: string;
  /** Published products. */
  products: string;
  logs: string;
  jobLogs: string;
  ms: string;
  caltables: string;
  images: string;
  mosaics: string;
  /** Where raw UVH5 files arrive (ingest.inputDir, or `<workspace>/incoming`). */
  incoming: string;
}

export function workspacePaths(config: Pick<Config, 'workspace' | 'ingest'>): WorkspacePaths {
  const root = config.workspace;
  const logs = path.join(root, 'logs');
  return {
    root,
    configFile: path.join(root, 'config.json'),
    database: path.join(root, 'dsa110.sqlite'),
    staging: path.join(root, 'staging'),
    products: path.join(root, 'products'),
    logs,
    jobLogs: path.join(logs, 'jobs'),
    ms: path.join(root, 'ms'),
    caltables: path.join(root, 'caltables'),
    images: path.join(root, 'images'),
    mosaics: path.join(root, 'mosaics'),
    incoming: config.ingest.inputDir ?? path.join(root, 'incoming'),
  };
}

/** Create the workspace and its directories (not the input directory, which belongs to the correlator side). */
export function ensureWorkspace(config: Pick<Config, 'workspace' | 'ingest'>): WorkspacePaths {
  const p = workspacePaths(config);
  for (const dir of [p.root, p.staging, p.products, p.logs, p.jobLogs, p.ms, p.caltables, p.images, p.mosaics]) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw new Error(`cannot create workspace directory ${dir}: ${(err as Error).message}`, { cause: err });
    }
  }
  if (config.ingest.inputDir === null) mkdirSync(p.incoming, { recursive: true });
  return p;
}
