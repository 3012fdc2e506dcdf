// The bundled CLI (out/cli, what bin/dsa110.mjs runs) on plain Node: no tsx and no TypeScript
// module anywhere, in the main thread or in the conversion's writer thread (an import hook refuses
// them and records every module); `--help` imports no engine code; a missing worker entry file
// fails the command with an error naming the worker and the file.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateGroup } from '../convert/sim-group';

const root = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(root, 'bin', 'dsa110.mjs');
const TRACE = path.join(import.meta.dirname, 'fixtures', 'trace-imports.mjs');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-cli-bundle-'));
const raw = path.join(tmp, 'raw');

beforeAll(async () => {
  await simulateGroup({
    antennas: 6,
    channelsPerSubband: 2,
    outDir: raw,
    offsets: [{ name: 'a', lRad: 0, mRad: 0, fluxJy: 1 }],
  });
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Every module URL the run resolved, in any thread. */
  modules: string[];
}

let runs = 0;
/** `node --import trace-imports.mjs ARGS` from tmp, with no NODE_OPTIONS and no DSA110_* variables. */
function node(args: string[]): Run {
  const log = path.join(tmp, `modules-${++runs}.txt`);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('DSA110_') && k !== 'NODE_OPTIONS' && !k.startsWith('VITEST'),
    ),
  );
  const r = spawnSync(process.execPath, ['--import', TRACE, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...env, HOME: tmp, TRACE_IMPORTS_LOG: log },
    timeout: 300_000,
  });
  let modules: string[] = [];
  try {
    modules = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } catch {
    // nothing resolved
  }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, modules };
}

const packagesIn = (modules: string[]) =>
  new Set(modules.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));

describe('the bundled CLI', () => {
  it('--help runs from out/cli and imports no engine, configuration, logging, SQLite or HDF5 code', () => {
    const r = node([BIN, '--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^  mosaic\s/m);
    expect(r.modules.some((u) => u.endsWith('/out/cli/main.js'))).toBe(true);
    expect([...packagesIn(r.modules)]).toEqual(['commander']);
  });

  it('<command> --help, for every command and subcommand, imports no engine, SQLite or HDF5 code', () => {
    const specs = JSON.parse(readFileSync(path.join(root, 'out', 'cli', 'commands.json'), 'utf8')) as {
      name: string;
      commands: { name: string }[];
    }[];
    const paths = specs.flatMap((s) => [[s.name], ...s.commands.map((c) => [s.name, c.name])]);
    expect(paths.length).toBeGreaterThan(30);
    const top = new Set(node([BIN, '--help']).modules);
    for (const p of paths) {
      const r = node([BIN, ...p, '--help']);
      expect(r.status, `${p.join(' ')}: ${r.stderr}`).toBe(0);
      expect(r.stdout, p.join(' ')).toMatch(new RegExp(`^Usage: dsa110 ${p.join(' ')} `));
      expect([...packagesIn(r.modules)], p.join(' ')).toEqual(['commander']);
      // The modules `dsa110 --help` loads and no others: no command module, no engine chunk.
      expect(
        r.modules.filter((u) => !top.has(u)),
        p.join(' '),
      ).toEqual([]);
    }
  });

  it('version loads the addon status but no configuration, logging, SQLite or HDF5 code', () => {
    const r = node([BIN, '--json', 'version']);
    expect(r.status, r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as { version: string; native: { status: string } };
    expect(v.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(['loaded', 'not built', 'failed']).toContain(v.native.status);
    expect([...packagesIn(r.modules)]).toEqual(['commander']);
  });

  it('converts on plain Node with the writer thread started from out/cli/convert-write-worker.js', () => {
    const ws = path.join(tmp, 'ws');
    const r = node([
      BIN,
      '--workspace',
      ws,
      '--json',
      'convert',
      '--input-dir',
      raw,
      '--output-dir',
      path.join(tmp, 'ms'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { converted: { writerThread: boolean; skipped: boolean }[]; failed: unknown[] };
    expect(res.failed).toEqual([]);
    expect(res.converted.map((c) => [c.skipped, c.writerThread])).toEqual([[false, true]]);
    expect(r.modules.some((u) => u.endsWith('/out/cli/convert-write-worker.js'))).toBe(true);
    expect(r.modules.filter((u) => /\.[cm]?ts$/.test(u))).toEqual([]);
    expect(packagesIn(r.modules).has('tsx')).toBe(false);
  });

  it('names the worker entry file when it is missing, and converts nothing', () => {
    // A copy of the installed bundle without convert-write-worker.js.
    const app = path.join(tmp, 'app');
    mkdirSync(path.join(app, 'out'), { recursive: true });
    cpSync(path.join(root, 'out', 'cli'), path.join(app, 'out', 'cli'), { recursive: true });
    rmSync(path.join(app, 'out', 'cli', 'convert-write-worker.js'));
    writeFileSync(path.join(app, 'package.json'), readFileSync(path.join(root, 'package.json')));
    symlinkSync(path.join(root, 'node_modules'), path.join(app, 'node_modules'));
    symlinkSync(path.join(root, 'native'), path.join(app, 'native'));
    const main = path.join(app, 'out', 'cli', 'main.js');
    const script =
      'const { main } = await import(process.argv[1]); process.exitCode = await main(["node", "dsa110", ...process.argv.slice(2)]);';
    const ws = path.join(tmp, 'ws-missing');
    const out = path.join(tmp, 'ms-missing');
    const r = node([
      '--input-type=module',
      '-e',
      script,
      main,
      '--workspace',
      ws,
      'convert',
      '--input-dir',
      raw,
      '--output-dir',
      out,
    ]);
    expect(r.status).toBe(1);
    // The failed group is listed on stdout, the summary on stderr.
    expect(r.stdout + r.stderr).toContain(
      `the convert-write-worker worker thread cannot start: its entry file ${path.join(app, 'out', 'cli', 'convert-write-worker.js')} does not exist`,
    );
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
