// The real binary (node bin/dsa110.mjs), spawned from another working directory with a temp
// workspace: help, exit codes 0/1/2, --json output, config precedence and error messages.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/dsa110.mjs');
let tmp: string;
let ws: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-cli-'));
  ws = path.join(tmp, 'ws');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI in `tmp` (not the repository) with no DSA110_* variables but those given. */
function run(args: string[], env: Record<string, string> = {}): Run {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_')));
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: { ...clean, HOME: tmp, XDG_DATA_HOME: path.join(tmp, 'xdg'), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function json<T>(r: Run): T {
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('help', () => {
  it('lists every command and the global options', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    for (const cmd of ['demo', 'config', 'version']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    for (const opt of ['--workspace <dir>', '--config <file>', '--json', '--log-level <level>', '--quiet'])
      expect(r.stdout).toContain(opt);
  });

  it.each([['demo'], ['config'], ['config show'], ['config path'], ['version']])('%s --help', (cmd) => {
    const r = run([...cmd.split(' '), '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: dsa110 ${cmd}`);
    // Global options are shown in every command's help.
    expect(r.stdout).toContain('Global Options:');
    expect(r.stdout).toContain('--json');
  });
});

describe('exit codes', () => {
  it.each<[string[], RegExp]>([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['version', '--frob'], /unknown option '--frob'/],
    [['config', 'show', '--config'], /argument missing/],
    [['--log-level', 'loud', 'version'], /argument 'loud' is invalid.*choices/s],
    [['--threads', '0', 'version'], /expected a whole number >= 1, got "0"/],
    [['--set', 'imaging.niter', 'config', 'show'], /expected KEY=VALUE/],
    [['config'], /Usage: dsa110 config/],
    [['config', 'show', 'nosuchsection'], /no configuration key "nosuchsection"/],
  ])('2 for usage errors: %j', (args, message) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
  });

  it('1 for a failure, with the failing file named on stderr', () => {
    const missing = path.join(tmp, 'missing.json');
    const r = run(['config', 'show', '--config', missing]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`config file ${missing} does not exist`);
    const broken = path.join(tmp, 'broken.json');
    writeFileSync(broken, '{"imaging": {"niter": 5,}}');
    const b = run(['--config', broken, 'config', 'show']);
    expect(b.status).toBe(1);
    expect(b.stderr).toContain(`config file ${broken} is not valid JSON`);
  });

  it('0 for success, with the version on stdout', () => {
    const r = run(['version']);
    expect(r.status).toBe(0);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(r.stdout).toContain(`dsa110-contimg-desktop ${pkg.version}`);
    expect(r.stdout).toContain(`node      ${process.versions.node}`);
    expect(run(['--version']).stdout.trim()).toBe(pkg.version);
  });
});

describe('--json', () => {
  it('version reports app, node, platform and the native addon status', () => {
    const v = json<{ app: string; node: string; platform: string; native: { status: string; path: string } }>(
      run(['version', '--json']),
    );
    expect(v).toMatchObject({
      app: 'dsa110-contimg-desktop',
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
    });
    expect(v.native.status, 'the addon is built for the tests').toBe('loaded');
    expect(v.native.status === 'not built').toBe(!existsSync(v.native.path));
  });

  it('demo creates the workspace, logs to a file and prints only JSON on stdout', () => {
    const r = run(['--workspace', ws, 'demo', '--checks-only', '--json']);
    const d = json<{ workspace: string; ok: boolean; steps: { name: string; status: string }[] }>(r);
    expect(d.workspace).toBe(ws);
    expect(d.steps.map((s) => s.name)).toEqual(expect.arrayContaining(['configuration', 'workspace', 'logging']));
    expect(d.steps.find((s) => s.name === 'logging')?.status).toBe('ok');
    for (const dir of ['ms', 'caltables', 'images', 'mosaics', 'staging', 'products', 'logs'])
      expect(existsSync(path.join(ws, dir))).toBe(true);
    const log = readFileSync(path.join(ws, 'logs', 'dsa110.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; level: string });
    expect(log.some((l) => l.msg.startsWith('demo check') && l.level === 'info')).toBe(true);
    // No progress under --json.
    expect(r.stderr).not.toMatch(/demo: (done|\d+%)/);
  });

  it('reports errors as JSON on stderr', () => {
    const r = run(['config', 'show', '--json'], { DSA110_IMAGING__NITER: 'many' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const e = JSON.parse(r.stderr) as {
      error: { exitCode: number; details: { key: string; origin: { kind: string; detail: string } }[] };
    };
    expect(e.error.exitCode).toBe(1);
    expect(e.error.details[0]).toMatchObject({
      key: 'imaging.niter',
      origin: { kind: 'env', detail: 'DSA110_IMAGING__NITER' },
    });
  });
});

describe('configuration through the CLI', () => {
  it('applies file < environment < flag, and config show says where each value came from', () => {
    const dir = path.join(tmp, 'prec');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ imaging: { niter: 100, robust: -1, mgain: 0.5 }, mosaic: { method: 'weighted' } }),
    );
    const r = run(['--workspace', dir, 'config', 'show', '--json', '--set', 'imaging.niter=300', '--threads', '1'], {
      DSA110_IMAGING__NITER: '200',
      DSA110_IMAGING__ROBUST: '0.5',
      DSA110_THREADS: '4',
    });
    const c = json<{
      configFile: string;
      config: { threads: number; imaging: { niter: number; robust: number; mgain: number; pbCut: number } };
      origins: Record<string, { kind: string; detail: string }>;
    }>(r);
    expect(c.configFile).toBe(file);
    expect(c.config.imaging).toMatchObject({ niter: 300, robust: 0.5, mgain: 0.5, pbCut: 0.2 });
    expect(c.config.threads).toBe(1);
    expect(c.origins['imaging.niter']).toEqual({ kind: 'flag', detail: '--set imaging.niter' });
    expect(c.origins['imaging.robust']).toEqual({ kind: 'env', detail: 'DSA110_IMAGING__ROBUST' });
    expect(c.origins['imaging.mgain']).toEqual({ kind: 'file', detail: file });
    expect(c.origins['imaging.pbCut']).toEqual({ kind: 'default', detail: 'default' });
    expect(c.origins.threads).toEqual({ kind: 'flag', detail: '--threads' });

    // The human table shows the same origins.
    const h = run(['--workspace', dir, 'config', 'show', 'mosaic.method']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(new RegExp(`^mosaic\\.method\\s+weighted\\s+config file ${escape(file)}$`, 'm'));
  });

  it('takes the workspace from DSA110_WORKSPACE, and config path does not create it', () => {
    const other = path.join(tmp, 'env-ws');
    const r = run(['config', 'path'], { DSA110_WORKSPACE: other });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(other, 'config.json'));
    expect(existsSync(other)).toBe(false);
    // Without any setting the workspace is under the user's data directory.
    expect(run(['config', 'path']).stdout.trim()).toBe(path.join(tmp, 'xdg', 'dsa110-contimg', 'config.json'));
  });

  it('names the key, the source and the expectation in validation errors', () => {
    const env = run(['config', 'show'], { DSA110_CALIBRATION__MIN_SNR: '-3' });
    expect(env.status).toBe(1);
    expect(env.stderr).toMatch(
      /calibration\.minSnr: .*expected number to be >0, got -3 \(from environment variable DSA110_CALIBRATION__MIN_SNR\)/,
    );

    const flag = run(['config', 'show', '--set', 'imaging.weighting=robust']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(
      /imaging\.weighting: .*"briggs"\|"natural"\|"uniform".*got "robust" \(from command-line flag --set imaging\.weighting\)/,
    );

    const file = path.join(tmp, 'bad.json');
    writeFileSync(
      file,
      JSON.stringify({ mosaic: { overlap: 20 }, qa: { science: { imagePeakSnr: { warn: 2, fail: 5 } } } }),
    );
    const f = run(['--config', file, 'config', 'show']);
    expect(f.status).toBe(1);
    expect(f.stderr).toContain(
      `mosaic.overlap: must be smaller than the 10 images of a 50-min mosaic, got 20 (from config file ${file})`,
    );
    expect(f.stderr).toContain('qa.science.imagePeakSnr: warn must be >= fail');

    const typo = run(['--workspace', ws, 'config', 'show', 'threads'], { DSA110_THREAD: '3' });
    expect(typo.status).toBe(0);
    expect(typo.stderr).toContain('warning: environment variable DSA110_THREAD is not a configuration key');
    expect(run(['--quiet', '--workspace', ws, 'config', 'show', 'threads'], { DSA110_THREAD: '3' }).stderr).toBe('');
  });
});
