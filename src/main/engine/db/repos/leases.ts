// Workspace leases: named locks shared by every process using this database (index, convert of a
// group, a calibration solve, registry writes). A lease records its owner (pid, host, process
// start time, token); it is taken over only when that owner is proven gone (db/owner).
import { setTimeout as sleep } from 'node:timers/promises';
import { nowMjd } from '../../../../shared/model/common';
import type { Connection } from '../connection';
import { DbError } from '../errors';
import { newOwner, ownerAlive, releaseOwner, type Owner } from '../owner';

export interface Lease {
  name: string;
  purpose: string;
  owner: Owner;
  acquiredMjd: number;
}

interface LeaseRow {
  name: string;
  purpose: string;
  pid: number;
  host: string;
  start: number | null;
  token: string;
  acquired_mjd: number;
}

const toLease = (r: LeaseRow): Lease => ({
  name: r.name,
  purpose: r.purpose,
  owner: { pid: r.pid, host: r.host, start: r.start, token: r.token },
  acquiredMjd: r.acquired_mjd,
});

/** A lease is held by a live process and could not be had within the wait. */
export class LeaseHeldError extends DbError {
  constructor(
    readonly lease: Lease,
    file: string,
    waitedMs: number,
  ) {
    super(
      `${file}: ${lease.name} is held by pid ${lease.owner.pid} on ${lease.owner.host} (${lease.purpose}) since MJD ${lease.acquiredMjd.toFixed(6)}; waited ${(waitedMs / 1000).toFixed(1)} s`,
    );
    this.name = 'LeaseHeldError';
  }
}

export interface HoldOptions {
  /** How long to wait for a live holder (ms). Default 10 min; 0 fails at once. */
  waitMs?: number;
  /** Called once when the lease is found held by another live process. */
  onWait?: (holder: Lease) => void;
  /** Stop waiting when aborted. */
  signal?: AbortSignal;
}

export class LeasesRepo {
  constructor(private readonly conn: Connection) {}

  get(name: string): Lease | undefined {
    const r = this.conn.stmt('SELECT * FROM leases WHERE name = ?').get(name) as LeaseRow | undefined;
    return r ? toLease(r) : undefined;
  }

  list(): Lease[] {
    return (this.conn.stmt('SELECT * FROM leases ORDER BY name').all() as LeaseRow[]).map(toLease);
  }

  /**
   * Take the lease for `owner` if it is free or its holder is proven gone (then `previous` is the
   * dead holder); otherwise return the live holder. Check-and-set in one write transaction.
   */
  tryAcquire(
    name: string,
    purpose: string,
    owner: Owner,
  ): { acquired: true; previous: Lease | null } | { acquired: false; holder: Lease } {
    return this.conn.write(() => {
      const cur = this.get(name);
      if (cur && cur.owner.token !== owner.token && ownerAlive(cur.owner))
        return { acquired: false as const, holder: cur };
      this.conn
        .stmt(
          `INSERT INTO leases (name, purpose, pid, host, start, token, acquired_mjd) VALUES (@name, @purpose, @pid, @host, @start, @token, @now)
        ON CONFLICT (name) DO UPDATE SET purpose = excluded.purpose, pid = excluded.pid, host = excluded.host, start = excluded.start,
          token = excluded.token, acquired_mjd = excluded.acquired_mjd`,
        )
        .run({ name, purpose, ...owner, now: nowMjd() });
      return { acquired: true as const, previous: cur && cur.owner.token !== owner.token ? cur : null };
    });
  }

  /** Give the lease back (only ours). */
  release(name: string, owner: Owner): void {
    this.conn.write(() => this.conn.stmt('DELETE FROM leases WHERE name = ? AND token = ?').run(name, owner.token));
  }

  /** Remove leases whose holders are proven gone; returns them. */
  reapDead(): Lease[] {
    return this.conn.write(() => {
      const dead = this.list().filter((l) => !ownerAlive(l.owner));
      for (const l of dead)
        this.conn.stmt('DELETE FROM leases WHERE name = ? AND token = ?').run(l.name, l.owner.token);
      return dead;
    });
  }

  /**
   * Run `fn` holding the lease `name`: waits (polling with backoff) while a live process holds
   * it, takes it over from a dead one, and releases it when `fn` settles.
   */
  async hold<T>(
    name: string,
    purpose: string,
    fn: (info: { previous: Lease | null }) => Promise<T> | T,
    opts: HoldOptions = {},
  ): Promise<T> {
    const owner = newOwner();
    const t0 = Date.now();
    const waitMs = opts.waitMs ?? 600_000;
    let delay = 20;
    let told = false;
    try {
      for (;;) {
        const r = this.tryAcquire(name, purpose, owner);
        if (r.acquired) {
          try {
            return await fn({ previous: r.previous });
          } finally {
            this.release(name, owner);
          }
        }
        if (!told) {
          opts.onWait?.(r.holder);
          told = true;
        }
        const waited = Date.now() - t0;
        if (waited >= waitMs || opts.signal?.aborted) throw new LeaseHeldError(r.holder, this.conn.file, waited);
        await sleep(Math.min(delay, Math.max(1, waitMs - waited)));
        delay = Math.min(delay * 2, 250);
      }
    } finally {
      releaseOwner(owner);
    }
  }
}
