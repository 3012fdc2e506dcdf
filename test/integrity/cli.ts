// The CLI driven in process (main() with captured streams): exit code, stdout, stderr. Much
// cheaper than a child process per call; the child-process tests keep what only they can see
// (signals, raw writes to file descriptor 2).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { main } from '../../src/main/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(cwd: string, workspace: string, ...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const env = { HOME: cwd, PATH: process.env.PATH, DSA110_THREADS: '1' };
  const code = await main(['node', 'dsa110', '--workspace', workspace, ...args], {
    stdout: {
      write: (s: string) => {
        stdout += s;
        return true;
      },
    },
    stderr: {
      write: (s: string) => {
        stderr += s;
        return true;
      },
    },
    env,
    cwd,
  });
  return { code, stdout, stderr };
}

export const BIN = path.resolve('bin/dsa110.mjs');

/** The environment of a child dsa110: none of the caller's DSA110_* settings, one thread. */
export function childEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_')));
  return { ...clean, HOME: home, DSA110_THREADS: '1', ...extra };
}

/** Run dsa110 as a child process to its end. */
export function runChild(cwd: string, workspace: string, ...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [BIN, '--workspace', workspace, ...args], {
    cwd,
    encoding: 'utf8',
    env: childEnv(cwd),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Start dsa110 as a child process; resolves with its result. */
export function startChild(
  cwd: string,
  workspace: string,
  args: string[],
  env: Record<string, string> = {},
): {
  pid: number;
  done: Promise<CliRun & { signal: NodeJS.Signals | null }>;
  kill: (s: NodeJS.Signals) => void;
  output: () => string;
} {
  const child = spawn(process.execPath, [BIN, '--workspace', workspace, ...args], { cwd, env: childEnv(cwd, env) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<CliRun & { signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr }));
  });
  return { pid: child.pid ?? -1, done, kill: (s) => child.kill(s), output: () => stdout + stderr };
}
