// The registry in process: registration (ids, checksums of files and trees), the lifecycle
// gates of publishing, path escapes refused, a full disk (injected ENOSPC) leaving the staged
// copy intact, and the cross-file-system copy path.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/main/engine/engine';
import {
  checksumPath,
  onQaPassed,
  publish,
  registerProduct,
  RegistryError,
  journalDir,
} from '../../src/main/engine/registry';
import { approved, entries, openEngine, stageDir, stageFile, tempDir } from './fixtures';

let tmp: string;
let engine: Engine;
beforeEach(async () => {
  tmp = tempDir('unit');
  engine = await openEngine(path.join(tmp, 'ws'));
});
afterEach(async () => {
  delete process.env.DSA110_FAULT;
  await engine.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  expect((err as RegistryError).code).toBe(code);
  expect((err as Error).message).toMatch(message);
}

describe('registerProduct', () => {
  it('a file: id from its name, sha256 and size of the content, status staging', async () => {
    const file = stageFile(engine, 'img-60950.5.fits', 1000);
    const p = await registerProduct(engine, { kind: 'image', stagedPath: file, metadata: { rmsJy: 1e-4 } });
    expect(p).toMatchObject({
      id: 'img-60950.5',
      kind: 'image',
      status: 'staging',
      sizeBytes: 1000,
      metadata: { rmsJy: 1e-4 },
    });
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    expect(p.sha256).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    expect(engine.db.products.events(p.id).map((e) => e.toStatus)).toEqual(['staging']);
  });

  it('a directory: checksum over the sorted manifest, sensitive to content, names and empty directories', async () => {
    const dir = stageDir(engine, 'obs-1.ms');
    const a = await checksumPath(dir);
    expect(a.files).toBe(3);
    expect((await checksumPath(dir)).sha256).toBe(a.sha256);
    writeFileSync(path.join(dir, 'ANTENNA', 'table.dat'), 'changed');
    const b = await checksumPath(dir);
    expect(b.sha256).not.toBe(a.sha256);
    renameSync(path.join(dir, 'EMPTY_SUBTABLE'), path.join(dir, 'EMPTY2'));
    expect((await checksumPath(dir)).sha256).not.toBe(b.sha256);
    const p = await registerProduct(engine, { kind: 'ms', stagedPath: dir });
    expect(p.id).toBe('obs-1');
    expect(p.sizeBytes).toBe(4096 + 2 * 1024 * 1024 + 5 + 'changed'.length);
  });

  it('refuses an id that does not match the file name, and paths outside staging', async () => {
    const file = stageFile(engine, 'a.fits', 10);
    await rejects(
      registerProduct(engine, { kind: 'image', stagedPath: file, id: 'b' }),
      'invalid',
      /id "b" does not match its file name a\.fits \(expected id "a"\)/,
    );
    await rejects(
      registerProduct(engine, { kind: 'image', stagedPath: '../../etc/passwd' }),
      'invalid',
      /outside the staging root/,
    );
    await rejects(
      registerProduct(engine, { kind: 'image', stagedPath: '/etc/passwd' }),
      'invalid',
      /stagedPath \/etc\/passwd: outside the staging root/,
    );
  });

  it('refuses a symlink in staging pointing outside, and a symlink inside a product directory', async () => {
    const outside = path.join(tmp, 'secret.fits');
    writeFileSync(outside, 'x');
    symlinkSync(outside, path.join(engine.paths.staging, 'link.fits'));
    await rejects(
      registerProduct(engine, { kind: 'image', stagedPath: path.join(engine.paths.staging, 'link.fits') }),
      'invalid',
      /link\.fits: is a symbolic link \(to .*secret\.fits\)/,
    );
    const dir = stageDir(engine, 'obs-2.ms');
    symlinkSync(outside, path.join(dir, 'ANTENNA', 'escape'));
    await rejects(
      registerProduct(engine, { kind: 'ms', stagedPath: dir }),
      'invalid',
      /ANTENNA\/escape: is a symbolic link/,
    );
    // A symlinked directory in the path: the real path leaves the root.
    mkdirSync(path.join(tmp, 'elsewhere'));
    writeFileSync(path.join(tmp, 'elsewhere', 'x.fits'), 'x');
    symlinkSync(path.join(tmp, 'elsewhere'), path.join(engine.paths.staging, 'sub'));
    await rejects(
      registerProduct(engine, { kind: 'image', stagedPath: path.join(engine.paths.staging, 'sub', 'x.fits') }),
      'invalid',
      /resolves to .*elsewhere\/x\.fits, outside the staging root/,
    );
  });
});

describe('publish', () => {
  it('moves an approved file by rename, verifies, records published once', async () => {
    const file = stageFile(engine, 'img-1.fits');
    const id = await approved(engine, file);
    const sha = engine.db.products.require(id).sha256;
    const r = await publish(engine, id, { actor: 'bob' });
    expect(r).toMatchObject({ outcome: 'published', method: 'renamed', attempts: 1 });
    const dest = path.join(engine.paths.products, 'img-1.fits');
    expect(r.product).toMatchObject({ status: 'published', publishedPath: dest });
    expect((await checksumPath(dest)).sha256).toBe(sha);
    expect(entries(engine.paths.staging)).toEqual([]);
    expect(entries(journalDir(engine.paths.root))).toEqual([]);
    const again = await publish(engine, id, { actor: 'bob' });
    expect(again.outcome).toBe('already-published');
    expect(engine.db.products.events(id).filter((e) => e.toStatus === 'published')).toHaveLength(1);
  });

  it('refuses ids and stored paths that escape the roots', async () => {
    await rejects(
      publish(engine, '../x', { actor: 'bob' }),
      'invalid',
      /product id "\.\.\/x": must be a plain file name/,
    );
    await rejects(
      publish(engine, '/etc/passwd', { actor: 'bob' }),
      'invalid',
      /product id "\/etc\/passwd": must be a plain file name/,
    );
    // A row whose path was never in staging (written directly to the database).
    engine.db.products.register(
      { id: 'passwd', kind: 'image', path: '/etc/passwd', sha256: 'a'.repeat(64), sizeBytes: 1 },
      'x',
    );
    engine.db.products.transition('passwd', 'qa_passed', { actor: 'pipeline' });
    engine.db.products.transition('passwd', 'approved', { actor: 'alice' });
    await rejects(
      publish(engine, 'passwd', { actor: 'bob' }),
      'invalid',
      /path of product passwd \/etc\/passwd: outside the staging root/,
    );
    // A staged file swapped for a symlink to outside after approval.
    const file = stageFile(engine, 'img-2.fits', 100);
    const id = await approved(engine, file);
    rmSync(file);
    writeFileSync(path.join(tmp, 'outside.fits'), 'y');
    symlinkSync(path.join(tmp, 'outside.fits'), file);
    await rejects(publish(engine, id, { actor: 'bob' }), 'invalid', /img-2\.fits: is a symbolic link/);
    expect(entries(engine.paths.products)).toEqual([]);
  });

  it('only approved products publish; staged changes are caught; an existing destination is not overwritten', async () => {
    const file = stageFile(engine, 'img-3.fits', 100);
    const p = await registerProduct(engine, { kind: 'image', stagedPath: file });
    await rejects(
      publish(engine, p.id, { actor: 'bob' }),
      'conflict',
      /product img-3 is staging; only approved products are published \(it has not been through QA yet\)/,
    );
    engine.db.products.transition(p.id, 'qa_passed', { actor: 'pipeline' });
    await rejects(
      publish(engine, p.id, { actor: 'bob' }),
      'conflict',
      /img-3 is qa_passed; it passed QA but auto-publish is off \(publishing.autoPublish, or the caller's choice\): approve it first/,
    );
    expect(await onQaPassed(engine, p.id)).toBeNull();
    engine.db.products.transition(p.id, 'approved', { actor: 'alice' });
    writeFileSync(file, 'tampered');
    await rejects(
      publish(engine, p.id, { actor: 'bob' }),
      'conflict',
      /img-3\.fits: staged product img-3 changed since it was registered/,
    );
    const file4 = stageFile(engine, 'img-4.fits', 100);
    const id4 = await approved(engine, file4);
    writeFileSync(path.join(engine.paths.products, 'img-4.fits'), 'someone else');
    await rejects(
      publish(engine, id4, { actor: 'bob' }),
      'conflict',
      /img-4\.fits: already exists in the products root; refusing to overwrite/,
    );
    expect(entries(journalDir(engine.paths.root))).toEqual([]);
    expect(engine.db.products.require(id4).status).toBe('approved');
  });

  it('full disk: ENOSPC on every copy write leaves the staged product intact; a later retry publishes', async () => {
    const dir = stageDir(engine, 'obs-3.ms');
    const id = await approved(engine, dir, 'ms');
    const sha = engine.db.products.require(id).sha256;
    process.env.DSA110_FAULT = 'publish:rename=EXDEV,publish:copy-write=ENOSPC';
    await rejects(
      publish(engine, id, { actor: 'bob', attempts: 3, backoffMs: 1 }),
      'io',
      /publish obs-3: ENOSPC moving .*obs-3\.ms to .*obs-3\.ms \(3 attempts\).*the staged product is intact/,
    );
    expect((await checksumPath(dir)).sha256).toBe(sha);
    expect(entries(engine.paths.products)).toEqual([]);
    expect(entries(journalDir(engine.paths.root))).toEqual([]);
    expect(engine.db.products.require(id).status).toBe('approved');
    // Space freed: the copy path (still across "file systems") completes and verifies.
    process.env.DSA110_FAULT = 'publish:rename=EXDEV';
    const r = await publish(engine, id, { actor: 'bob' });
    expect(r).toMatchObject({ outcome: 'published', method: 'copied' });
    expect((await checksumPath(path.join(engine.paths.products, 'obs-3.ms'))).sha256).toBe(sha);
    expect(entries(engine.paths.staging)).toEqual([]);
    expect(entries(engine.paths.products)).toEqual(['obs-3.ms']);
  });

  it('a transient ENOSPC that clears is retried with backoff inside one call', async () => {
    const id = await approved(engine, stageFile(engine, 'img-5.fits'));
    process.env.DSA110_FAULT = 'publish:rename=EXDEV,publish:copy-write=ENOSPC*2';
    const r = await publish(engine, id, { actor: 'bob', attempts: 4, backoffMs: 1 });
    expect(r).toMatchObject({ outcome: 'published', method: 'copied', attempts: 3 });
    expect(entries(engine.paths.products)).toEqual(['img-5.fits']);
  });
});

describe('auto-publish', () => {
  it('onQaPassed publishes a QA-passed product when publishing.autoPublish is on', async () => {
    await engine.close();
    engine = await openEngine(path.join(tmp, 'ws'), true);
    const p = await registerProduct(engine, { kind: 'image', stagedPath: stageFile(engine, 'img-6.fits', 100) });
    engine.db.products.transition(p.id, 'qa_passed', { actor: 'pipeline' });
    const r = await onQaPassed(engine, p.id);
    expect(r?.outcome).toBe('published');
    expect(engine.db.products.events(p.id).map((e) => `${e.toStatus}:${e.actor}`)).toEqual([
      'staging:pipeline',
      'qa_passed:pipeline',
      'approved:pipeline',
      'published:pipeline',
    ]);
  });

  it("is the caller's explicit decision: publish() never reads publishing.autoPublish", async () => {
    // On in the configuration, but not asked for: a QA-passed product is refused.
    await engine.close();
    engine = await openEngine(path.join(tmp, 'ws'), true);
    const a = await registerProduct(engine, { kind: 'image', stagedPath: stageFile(engine, 'img-10.fits', 100) });
    engine.db.products.transition(a.id, 'qa_passed', { actor: 'pipeline' });
    await rejects(
      publish(engine, a.id, { actor: 'pipeline' }),
      'conflict',
      /img-10 is qa_passed; it passed QA but auto-publish is off/,
    );
    // Off in the configuration, but asked for (the mosaic job does): published, approved on the way.
    await engine.close();
    engine = await openEngine(path.join(tmp, 'ws'), false);
    const r = await publish(engine, a.id, { actor: 'pipeline', autoPublish: true });
    expect(r.outcome).toBe('published');
    expect(engine.db.products.events(a.id).map((e) => e.toStatus)).toEqual([
      'staging',
      'qa_passed',
      'approved',
      'published',
    ]);
    expect(await onQaPassed(engine, a.id)).toBeNull();
  });
});

describe('review validation', () => {
  it('a rejection needs a comment and a transition a non-blank actor', async () => {
    const p = await registerProduct(engine, { kind: 'image', stagedPath: stageFile(engine, 'img-7.fits', 10) });
    engine.db.products.transition(p.id, 'qa_failed', { actor: 'pipeline' });
    expect(() => engine.db.products.transition(p.id, 'rejected', { actor: 'alice' })).toThrow(
      /product img-7: a rejection needs a comment/,
    );
    expect(() => engine.db.products.transition(p.id, 'approved', { actor: '  ' })).toThrow(/needs an actor/);
  });
});

describe('concurrent publishes in one process', () => {
  it('the second call waits on the live claim and reports already-published', async () => {
    const id = await approved(engine, stageDir(engine, 'obs-9.ms'), 'ms');
    process.env.DSA110_FAULT = 'publish:rename=EXDEV';
    const results = await Promise.all([publish(engine, id, { actor: 'a' }), publish(engine, id, { actor: 'b' })]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['already-published', 'published']);
    expect(engine.db.products.events(id).filter((e) => e.toStatus === 'published')).toHaveLength(1);
    expect(entries(engine.paths.products)).toEqual(['obs-9.ms']);
  });
});

describe('a products root on another file system', () => {
  // /dev/shm is a tmpfs: rename(2) from the disk to it fails with a real EXDEV.
  const shm = '/dev/shm';
  it('copies, verifies and renames into place, then removes the staged copy', async (ctx) => {
    if (!existsSync(shm)) ctx.skip(`${shm} (a tmpfs, for a real EXDEV) does not exist here`);
    const target = mkdtempSync(path.join(shm, 'dsa110-products-'));
    try {
      rmSync(engine.paths.products, { recursive: true });
      symlinkSync(target, engine.paths.products);
      const dir = stageDir(engine, 'obs-x.ms');
      const id = await approved(engine, dir, 'ms');
      const r = await publish(engine, id, { actor: 'bob' });
      expect(r).toMatchObject({ outcome: 'published', method: 'copied' });
      expect(r.product.publishedPath).toBe(path.join(target, 'obs-x.ms'));
      expect((await checksumPath(path.join(target, 'obs-x.ms'))).sha256).toBe(r.product.sha256);
      expect(entries(engine.paths.staging)).toEqual([]);
      expect(entries(target)).toEqual(['obs-x.ms']);
    } finally {
      rmSync(target, { recursive: true, force: true });
    }
  });
});
