// The data registry's lifecycle operations: register a staged product with its checksum,
// publish it safely into the products root (journal, claim, retries, verify), publish
// automatically after QA when configured, and repair publishes interrupted by a crash. Whether a
// QA-passed product is published without review is always the caller's explicit decision.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject } from '../../../shared/model/common';
import type { Product, ProductKind } from '../../../shared/model/products';
import type { Config, WorkspacePaths } from '../config';
import type { Database } from '../db';
import type { AppLogger } from '../log';
import { checksumPath } from './checksum';
import { errnoCode, RegistryError } from './errors';
import { faultPoint } from '../jobs/faults';
import {
  claim,
  journalDir,
  journalIds,
  newOwner,
  readJournal,
  journalFile,
  releaseOwner,
  removeJournal,
  updateJournal,
  type JournalRecord,
} from './journal';
import { exists, moveProduct } from './move';
import { checkProductId, idFromPath, insideRoot, publishedPathFor, realRoot, stagedRealPath } from './paths';
import { rm } from 'node:fs/promises';

/** What the registry needs of the engine (an Engine has it; tests may pass a narrower object). */
export interface RegistryEngine {
  db: Database;
  paths: WorkspacePaths;
  config: Config;
  log: AppLogger;
}

export interface RegisterInput {
  kind: ProductKind;
  /** A file or directory inside the staging root (absolute, or relative to the staging root). */
  stagedPath: string;
  metadata?: JsonObject;
  /** Defaults to the staged base name without its extension; when given it must be that. */
  id?: string;
  /** Who registers it (default `pipeline`). */
  actor?: string;
}

/** Register a staged product: id from its file name, sha256 and size measured now, status `staging`. */
export async function registerProduct(engine: RegistryEngine, input: RegisterInput): Promise<Product> {
  const real = stagedRealPath(engine.paths.staging, input.stagedPath);
  const derived = idFromPath(real);
  const id = checkProductId(input.id ?? derived);
  if (id !== derived) {
    throw new RegistryError(
      'invalid',
      `product id ${JSON.stringify(id)} does not match its file name ${path.basename(real)} (expected id ${JSON.stringify(derived)})`,
    );
  }
  // Registry writes of one product take turns across processes; a second registration of the
  // same file with the same content is the same product.
  return engine.db.leases.hold(`registry:${id}`, `register product ${id}`, async () => {
    const sum = await checksumPath(real);
    const prior = engine.db.products.get(id);
    if (prior && prior.path === real && prior.sha256 === sum.sha256) return prior;
    const product = engine.db.products.register(
      {
        id,
        kind: input.kind,
        path: real,
        sha256: sum.sha256,
        sizeBytes: sum.sizeBytes,
        ...(input.metadata ? { metadata: input.metadata } : {}),
      },
      input.actor ?? 'pipeline',
    );
    engine.log.info(
      { productId: id, path: real, sha256: sum.sha256, sizeBytes: sum.sizeBytes },
      `registered product ${id} (${input.kind}, ${sum.files} file(s))`,
    );
    return product;
  });
}

/** Errors worth another attempt: the condition may clear (space freed, permissions fixed, a flaky disk). */
const TRANSIENT = new Set(['ENOSPC', 'EACCES', 'EIO', 'EAGAIN', 'EBUSY']);

export interface PublishOptions {
  /** Who publishes (recorded in the audit trail). */
  actor: string;
  /** Attempts of the move on transient errors (default 4). */
  attempts?: number;
  /** First backoff delay, doubled per attempt (default 250 ms). */
  backoffMs?: number;
  /** How long to wait for another process publishing the same product (default 10 min). */
  waitMs?: number;
  /**
   * Publish a QA-passed product that no reviewer approved (it is approved on the way, noted as
   * auto-publish). The caller's decision, never read from the engine here: `dsa110 publish` and
   * onQaPassed pass publishing.autoPublish, the mosaic job its own --review choice. Default false:
   * only approved products publish.
   */
  autoPublish?: boolean;
}

export interface PublishResult {
  product: Product;
  /** `published` by this call, or `already-published` (by an earlier call or another process). */
  outcome: 'published' | 'already-published';
  /** How the files moved (this call only). */
  method?: 'renamed' | 'copied';
  /** Attempts the move needed (this call only). */
  attempts?: number;
}

function requireProduct(engine: RegistryEngine, id: string): Product {
  const p = engine.db.products.get(id);
  if (!p) throw new RegistryError('not_found', `${engine.db.file}: no product with id ${JSON.stringify(id)}`);
  return p;
}

function alreadyPublished(p: Product): PublishResult {
  return { product: p, outcome: 'already-published' };
}

/** Only approved products publish, or QA-passed ones when the caller asked for auto-publish. */
function checkEligible(p: Product, opts: PublishOptions): void {
  if (p.status === 'approved') return;
  if (p.status === 'qa_passed' && opts.autoPublish === true) return;
  const why =
    p.status === 'qa_passed'
      ? "it passed QA but auto-publish is off (publishing.autoPublish, or the caller's choice): approve it first (dsa110 approve ID --reviewer NAME)"
      : `only approved products are published${p.status === 'staging' ? ' (it has not been through QA yet)' : ''}`;
  throw new RegistryError('conflict', `product ${p.id} is ${p.status}; ${why}`);
}

/**
 * Publish a product: validate both paths, claim it (journal), verify the staged checksum, move
 * it (retrying transient failures with backoff, the staged copy intact), then mark it published.
 * A concurrent publisher of the same product waits and reports `already-published`.
 */
export async function publish(engine: RegistryEngine, id: string, opts: PublishOptions): Promise<PublishResult> {
  checkProductId(id);
  if (!opts.actor.trim()) throw new RegistryError('invalid', `publish ${id}: actor must be a non-empty name`);
  const dir = journalDir(engine.paths.root);
  const deadline = Date.now() + (opts.waitMs ?? 600_000);
  let wait = 20;
  for (;;) {
    const p = requireProduct(engine, id);
    const pending = readJournal(journalFile(dir, id));
    if (p.status === 'published' && !pending) return alreadyPublished(p);
    if (p.status !== 'published') checkEligible(p, opts);
    const owner = newOwner();
    let record: JournalRecord;
    if (pending) {
      // An earlier publish is journaled (running, or interrupted): its paths are the truth now.
      record = { ...pending, owner };
    } else {
      const source = stagedRealPath(engine.paths.staging, p.path, `path of product ${id}`);
      record = {
        version: 1,
        productId: id,
        owner,
        phase: 'claimed',
        actor: opts.actor,
        source,
        destination: publishedPathFor(engine.paths.products, source),
        temp: null,
        sha256: p.sha256,
        sizeBytes: p.sizeBytes,
        startedAt: new Date().toISOString(),
      };
    }
    let result: ReturnType<typeof claim>;
    try {
      result = claim(engine.db, dir, record);
    } catch (err) {
      releaseOwner(owner);
      throw err;
    }
    if (result.kind === 'held') {
      releaseOwner(owner);
      if (Date.now() > deadline) {
        const h = result.holder.owner;
        throw new RegistryError(
          'conflict',
          `product ${id} is being published by pid ${h.pid} on ${h.host} since ${result.holder.startedAt} (journal ${journalFile(dir, id)}); gave up waiting`,
        );
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 500);
      continue;
    }
    try {
      if (result.kind === 'taken-over') {
        const outcome = await repair(engine, dir, result.record);
        engine.log.warn(
          { productId: id, outcome, previousOwner: result.previous.owner },
          `publish of ${id} was interrupted earlier (pid ${result.previous.owner.pid}); ${outcome}`,
        );
        continue;
      }
      if (pending) {
        // The journal we looked at vanished before our claim: drop our copy of it and look again.
        removeJournal(dir, result.record);
        continue;
      }
      return await publishClaimed(engine, dir, result.record, opts);
    } finally {
      releaseOwner(owner);
    }
  }
}

async function publishClaimed(
  engine: RegistryEngine,
  dir: string,
  claimed: JournalRecord,
  opts: PublishOptions,
): Promise<PublishResult> {
  const id = claimed.productId;
  let record = claimed;
  try {
    // Re-read under the claim: another process may have finished between our look and the claim.
    let p = requireProduct(engine, id);
    if (p.status === 'published') {
      removeJournal(dir, record);
      return alreadyPublished(p);
    }
    checkEligible(p, opts);
    const staged = await checksumPath(record.source);
    if (staged.sha256 !== p.sha256) {
      throw new RegistryError(
        'conflict',
        `${record.source}: staged product ${id} changed since it was registered (sha256 ${staged.sha256}, registered ${p.sha256}); it is not published: restore the file that was registered (and checked by QA), or reject it (dsa110 reject ${id} --reviewer NAME --comment "changed after registration") and produce it again`,
      );
    }
    if (p.status === 'qa_passed') {
      p = engine.db.products.transition(id, 'approved', {
        actor: opts.actor,
        note: "auto-publish: QA passed, published without review at the caller's request (publishing.autoPublish, or the job's choice)",
      });
    }
    if (await exists(record.destination)) {
      throw new RegistryError(
        'conflict',
        `${record.destination}: already exists in the products root; refusing to overwrite it with product ${id} (${record.source})`,
      );
    }
    record = { ...record, phase: 'moving' };
    updateJournal(dir, record);
    const attempts = Math.max(1, opts.attempts ?? 4);
    let delay = opts.backoffMs ?? 250;
    let method: 'renamed' | 'copied' | undefined;
    let used = 0;
    for (let attempt = 1; method === undefined; attempt++) {
      used = attempt;
      try {
        method = await moveProduct({
          source: record.source,
          destination: record.destination,
          sha256: record.sha256,
          temp: path.join(
            path.dirname(record.destination),
            `.${path.basename(record.destination)}.partial-${process.pid}`,
          ),
          onCopyStart: () => {
            record = {
              ...record,
              temp: path.join(
                path.dirname(record.destination),
                `.${path.basename(record.destination)}.partial-${process.pid}`,
              ),
            };
            updateJournal(dir, record);
          },
        });
      } catch (err) {
        const code = errnoCode(err);
        if (code === undefined || !TRANSIENT.has(code)) throw err;
        if (attempt >= attempts) {
          throw new RegistryError(
            'io',
            `publish ${id}: ${code} moving ${record.source} to ${record.destination} (${attempts} attempts): ${(err as Error).message}; the staged product is intact, retry later`,
            { cause: err },
          );
        }
        engine.log.warn(
          { productId: id, code, attempt, delayMs: delay },
          `publish ${id}: ${code}, retrying in ${delay} ms`,
        );
        await sleep(delay);
        delay *= 2;
      }
    }
    faultPoint('publish:before-db');
    const published = engine.db.products.transition(id, 'published', {
      actor: opts.actor,
      publishedPath: record.destination,
      note: `sha256 ${record.sha256} verified`,
    });
    faultPoint('publish:after-db');
    removeJournal(dir, record);
    engine.log.info(
      { productId: id, path: record.destination, method },
      `published product ${id} to ${record.destination}`,
    );
    return { product: published, outcome: 'published', method, attempts: used };
  } catch (err) {
    if (record.phase === 'claimed') {
      // Nothing has moved yet: just give the claim up.
      removeJournal(dir, record);
      throw err;
    }
    // Files may have moved: finish or roll back now so the claim does not outlive us.
    await repair(engine, dir, record).catch((repairErr: unknown) => {
      engine.log.error(
        { productId: id, err: repairErr },
        `publish ${id}: rollback after failure also failed; the journal stays for recovery`,
      );
    });
    throw err;
  }
}

export type RepairOutcome = 'rolled-forward' | 'rolled-back' | 'completed' | 'dropped';

/**
 * Bring one journaled product to a consistent state (we own its claim). The destination only
 * appears whole (by rename), so: destination verified -> finish (remove source leftovers, mark
 * published); destination absent -> roll back (remove a partial copy, the staged product stays).
 */
async function repair(engine: RegistryEngine, dir: string, record: JournalRecord): Promise<RepairOutcome> {
  const id = record.productId;
  const products = realRoot(engine.paths.products, 'products');
  const staging = realRoot(engine.paths.staging, 'staging');
  if (
    !insideRoot(products, record.destination) ||
    !insideRoot(staging, record.source) ||
    (record.temp !== null && !insideRoot(products, record.temp))
  ) {
    throw new RegistryError(
      'invalid',
      `${journalFile(dir, id)}: journal paths leave the staging or products root; not touching them`,
    );
  }
  if (record.temp) await rm(record.temp, { recursive: true, force: true });
  const p = engine.db.products.get(id);
  if (!p) {
    removeJournal(dir, record);
    return 'dropped';
  }
  const destPresent = await exists(record.destination);
  const destOk = destPresent && (await checksumPath(record.destination)).sha256 === record.sha256;
  if (destPresent && !destOk) {
    throw new RegistryError(
      'conflict',
      `${record.destination}: present but its checksum is not ${record.sha256} (product ${id}); needs an operator, journal kept at ${journalFile(dir, id)}`,
    );
  }
  if (destOk) {
    if (await exists(record.source)) await rm(record.source, { recursive: true, force: true });
    if (p.status === 'published') {
      removeJournal(dir, record);
      return 'completed';
    }
    if (p.status !== 'approved' && p.status !== 'qa_passed') {
      throw new RegistryError(
        'conflict',
        `product ${id} is ${p.status} but its files are already in ${record.destination}; needs an operator, journal kept at ${journalFile(dir, id)}`,
      );
    }
    if (p.status === 'qa_passed')
      engine.db.products.transition(id, 'approved', {
        actor: record.actor,
        note: 'auto-publish: QA passed (recovered)',
      });
    engine.db.products.transition(id, 'published', {
      actor: record.actor,
      publishedPath: record.destination,
      note: `recovered an interrupted publish; sha256 ${record.sha256} verified`,
    });
    removeJournal(dir, record);
    return 'rolled-forward';
  }
  if (!(await exists(record.source))) {
    throw new RegistryError(
      'io',
      `product ${id}: neither the staged copy ${record.source} nor the published ${record.destination} exists; journal kept at ${journalFile(dir, id)}`,
    );
  }
  removeJournal(dir, record);
  return 'rolled-back';
}

export interface RecoveryReport {
  productId: string;
  outcome: RepairOutcome | 'in-progress' | 'failed';
  message?: string;
}

/**
 * The startup scan: every journal whose owner process is gone is repaired (finished or rolled
 * back). Journals of live publishers are left alone.
 */
export async function recoverPublishing(engine: RegistryEngine): Promise<RecoveryReport[]> {
  const dir = journalDir(engine.paths.root);
  const reports: RecoveryReport[] = [];
  for (const id of journalIds(dir)) {
    const existing = readJournal(journalFile(dir, id));
    if (!existing) continue;
    const owner = newOwner();
    try {
      const r = claim(engine.db, dir, { ...existing, owner });
      if (r.kind === 'held') {
        reports.push({ productId: id, outcome: 'in-progress' });
        continue;
      }
      try {
        const outcome = await repair(engine, dir, r.record);
        engine.log.warn({ productId: id, outcome }, `publish recovery: product ${id} ${outcome}`);
        reports.push({ productId: id, outcome });
      } catch (err) {
        engine.log.error({ productId: id, err }, `publish recovery: product ${id} failed`);
        reports.push({ productId: id, outcome: 'failed', message: (err as Error).message });
      }
    } finally {
      releaseOwner(owner);
    }
  }
  return reports;
}

/**
 * The configured auto-publish, for a caller whose product just passed QA: publishes it when
 * publishing.autoPublish is on, else returns null (it waits for a reviewer).
 */
export async function onQaPassed(
  engine: RegistryEngine,
  id: string,
  opts: Omit<PublishOptions, 'actor' | 'autoPublish'> & { actor?: string } = {},
): Promise<PublishResult | null> {
  if (!engine.config.publishing.autoPublish) return null;
  return publish(engine, id, { ...opts, actor: opts.actor ?? 'pipeline', autoPublish: true });
}
