// Real faults through the real binary (node bin/dsa110.mjs): a publisher killed with SIGKILL at
// every step of a publish, then run again (its startup recovery repairs the interrupted publish);
// ten publisher processes racing for one product; escaping ids refused; review commands.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksumPath, journalDir } from '../../src/main/engine/registry';
import { approved, entries, openEngine, stageDir, stageFile, tempDir } from './fixtures';

const BIN = path.resolve('bin/dsa110.mjs');
let tmp: string;
beforeAll(() => {
  tmp = tempDir('crash');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function cleanEnv(fault?: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DSA110_')),
  );
  if (fault) env.DSA110_FAULT = fault;
  return { ...env, HOME: tmp };
}

function run(ws: string, args: string[], fault?: string): Run {
  const r = spawnSync(process.execPath, [BIN, '--workspace', ws, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    env: cleanEnv(fault),
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function runAsync(ws: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, '--workspace', ws, ...args], {
      cwd: tmp,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    p.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** A fresh workspace with one approved product (a file, or an MS-like directory). */
async function setup(label: string, dir: boolean): Promise<{ ws: string; id: string; sha: string; name: string }> {
  const ws = path.join(tmp, label);
  const engine = await openEngine(ws);
  try {
    const staged = dir ? stageDir(engine, `${label}.ms`) : stageFile(engine, `${label}.fits`);
    const id = await approved(engine, staged, dir ? 'ms' : 'image');
    return { ws, id, sha: engine.db.products.require(id).sha256, name: path.basename(staged) };
  } finally {
    await engine.close();
  }
}

/** Published exactly once, checksum verified, nothing left in staging, products or the journal. */
async function expectPublishedOnce(ws: string, id: string, sha: string, name: string): Promise<void> {
  const engine = await openEngine(ws);
  try {
    const p = engine.db.products.require(id);
    expect(p.status).toBe('published');
    expect(p.publishedPath).toBe(path.join(engine.paths.products, name));
    expect(engine.db.products.events(id).filter((e) => e.toStatus === 'published')).toHaveLength(1);
    expect((await checksumPath(path.join(engine.paths.products, name))).sha256).toBe(sha);
    expect(entries(engine.paths.staging)).toEqual([]);
    expect(entries(engine.paths.products)).toEqual([name]);
    expect(entries(journalDir(engine.paths.root))).toEqual([]);
  } finally {
    await engine.close();
  }
}

// Same file system: one rename. Forced EXDEV: the copy path (copy, fsync, verify, rename, remove source).
const CASES: { fault: string; dir: boolean }[] = [
  { fault: 'publish:before-copy', dir: false },
  { fault: 'publish:after-rename', dir: false },
  { fault: 'publish:before-db', dir: false },
  { fault: 'publish:after-db', dir: false },
  { fault: 'publish:rename=EXDEV,publish:before-copy', dir: true },
  { fault: 'publish:rename=EXDEV,publish:after-copy', dir: true },
  { fault: 'publish:rename=EXDEV,publish:after-rename', dir: true },
  { fault: 'publish:rename=EXDEV,publish:before-db', dir: true },
];

describe('publisher killed (SIGKILL) at each step, then run again', () => {
  CASES.forEach(({ fault, dir }, i) => {
    it(`${fault} (${dir ? 'directory' : 'file'})`, async () => {
      const { ws, id, sha, name } = await setup(`kill${i}`, dir);
      const killed = run(ws, ['publish', id, '--json'], fault);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      // The kill left a journal behind (its owner is dead), except when it fired before anything.
      expect(entries(journalDir(ws))).toEqual([`${id}.json`]);
      const again = run(ws, ['publish', id, '--json']);
      expect(again.status, again.stderr).toBe(0);
      const out = JSON.parse(again.stdout) as { outcome: string; recovered: { productId: string; outcome: string }[] };
      expect(out.recovered).toHaveLength(1);
      expect(out.recovered[0]?.productId).toBe(id);
      // Before the destination exists the recovery rolls back and this run publishes; after, it finishes.
      const rolledForward = /after-rename|before-db|after-db/.test(fault);
      expect(out.recovered[0]?.outcome).toBe(
        fault.includes('after-db') ? 'completed' : rolledForward ? 'rolled-forward' : 'rolled-back',
      );
      expect(out.outcome).toBe(rolledForward ? 'already-published' : 'published');
      await expectPublishedOnce(ws, id, sha, name);
    });
  });
});

describe('ten concurrent publishers of one product', () => {
  it('exactly one publishes, the nine others see it done', async () => {
    const { ws, id, sha, name } = await setup('race', false);
    const runs = await Promise.all(Array.from({ length: 10 }, () => runAsync(ws, ['publish', id, '--json'])));
    for (const r of runs) expect(r.status, r.stderr).toBe(0);
    const outcomes = runs.map((r) => (JSON.parse(r.stdout) as { outcome: string }).outcome).sort();
    expect(outcomes).toEqual([...Array<string>(9).fill('already-published'), 'published']);
    await expectPublishedOnce(ws, id, sha, name);
  }, 300_000); // ten Node processes on a shared 2-core machine
});

describe('CLI: refusals, review, list', () => {
  it('escaping ids are usage errors (2); unknown ids and unapproved products fail (1)', async () => {
    const { ws, id } = await setup('cli', false);
    for (const bad of ['../x', '/etc/passwd']) {
      const r = run(ws, ['publish', bad]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(
        `publish: product id ${JSON.stringify(bad)}: must be a plain file name (no "/", no "..", not absolute)`,
      );
    }
    const missing = run(ws, ['publish', 'nope']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/publish: .*dsa110\.sqlite: no product with id "nope"/);
    const rej = run(ws, ['reject', id, '--reviewer', 'carol']);
    expect(rej.status).toBe(2);
    expect(rej.stderr).toMatch(/required option '--comment <text>' not specified/);
    const blank = run(ws, ['reject', id, '--reviewer', ' ', '--comment', 'x']);
    expect(blank.status).toBe(2);
    expect(blank.stderr).toMatch(/reject: --reviewer/);
    const ok = run(ws, ['reject', id, '--reviewer', 'carol', '--comment', 'sidelobes', '--json']);
    expect(ok.status, ok.stderr).toBe(0);
    expect(
      (JSON.parse(ok.stdout) as { product: { status: string; reviewer: string; comment: string } }).product,
    ).toMatchObject({ status: 'rejected', reviewer: 'carol', comment: 'sidelobes' });
    const notApproved = run(ws, ['publish', id]);
    expect(notApproved.status).toBe(1);
    expect(notApproved.stderr).toContain(`publish: product ${id} is rejected; only approved products are published`);
    const again = run(ws, ['approve', id, '--reviewer', 'dave']);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(
      /approve: product cli is rejected and cannot become approved \(allowed from rejected: staging\)/,
    );
    const list = run(ws, ['products', 'list', '--status', 'rejected']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^cli +image +rejected +3\.1 MB .* carol /m);
    expect(run(ws, ['products', 'list', '--status', 'published']).stdout.trim()).toBe('no products');
    expect(run(ws, ['products', 'list', '--status', 'done']).status).toBe(2);
  }, 300_000); // a dozen CLI runs

  it.each([['products list'], ['products recover'], ['publish'], ['approve'], ['reject']])('%s --help', (cmd) => {
    const r = run(path.join(tmp, 'help'), [...cmd.split(' '), '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: dsa110 ${cmd}`);
    expect(r.stdout).toContain('--json');
  });
});
