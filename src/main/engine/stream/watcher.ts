// The incoming-directory watcher of the streaming daemon: Node's fs.watch for prompt notice where
// the platform supports it, and a periodic scan that is the source of truth (network and FUSE
// file systems send no events). A correlator file is handed over only once it is complete: its
// size and mtime unchanged across two looks at least `settleMs` apart (the reader, the indexer,
// then checks the HDF5 superblock and header). Names that are not correlator files, files still
// being written (`*_incomplete*`) and rsync's temporaries (`.NAME.XXXXXX`) are reported once and
// left alone.
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { parseCorrelatorFileName } from '../uvh5';

export interface FileSignature {
  size: number;
  mtimeMs: number;
}

export interface WatcherOptions {
  dir: string;
  /** Interval of the scan (ms). */
  pollMs: number;
  /** How long size and mtime must stay unchanged before a file counts as complete (ms). */
  settleMs: number;
  /** Scan only (no fs.watch): for file systems whose events are missing or unreliable. */
  pollOnly?: boolean;
  /** A complete correlator file (new, or changed since it was last handed over). */
  onStable(name: string, sig: FileSignature): Promise<void>;
  /** A name left alone, with why (reported once per name). */
  onIgnored(name: string, reason: string): void;
  /** A file seen before is gone. */
  onRemoved?(name: string): void;
  /** A scan failed (the directory vanished, permissions): reported, the watcher keeps going. */
  onError(err: Error): void;
}

interface Seen {
  sig: FileSignature;
  /** When this signature was first observed (ms since epoch). */
  sinceMs: number;
  /** The signature last handed over. */
  handed: FileSignature | null;
}

/** Why a name is not a correlator file to take, or null when it is one. */
export function ignoreReason(name: string): string | null {
  if (name.includes('_incomplete')) return 'still being written (_incomplete)';
  if (/^\..+\.[A-Za-z0-9]{6}$/.test(name)) return 'an rsync temporary (.NAME.XXXXXX), still being copied';
  if (name.startsWith('.')) return 'a hidden file';
  if (!name.endsWith('.hdf5')) return 'not a correlator file name (expected YYYY-MM-DDTHH:MM:SS_sbNN.hdf5)';
  try {
    parseCorrelatorFileName(name);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

export class DirectoryWatcher {
  private readonly seen = new Map<string, Seen>();
  private readonly reported = new Set<string>();
  private fsWatcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private soon: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Scans done (for status and tests). */
  scans = 0;
  /** Whether fs.watch is in use (false: polling only). */
  events = false;

  constructor(private readonly o: WatcherOptions) {}

  start(): void {
    if (!this.o.pollOnly) {
      try {
        this.fsWatcher = watch(this.o.dir, { persistent: false }, () => this.scanSoon());
        this.fsWatcher.on('error', (err) => {
          this.o.onError(new Error(`fs.watch of ${this.o.dir} failed (${err.message}); polling only`));
          this.fsWatcher?.close();
          this.fsWatcher = null;
          this.events = false;
        });
        this.events = true;
      } catch (err) {
        this.o.onError(new Error(`fs.watch unavailable for ${this.o.dir} (${(err as Error).message}); polling only`));
      }
    }
    this.timer = setInterval(() => this.scanSoon(0), this.o.pollMs);
    this.scanSoon(0);
  }

  /** Stop watching; resolves once a scan in flight (and its hand-overs) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.fsWatcher?.close();
    this.fsWatcher = null;
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    await this.scanning;
  }

  /** Run one scan now (waits for one in flight first); the daemon's tests drive it directly. */
  async scanNow(): Promise<void> {
    while (this.scanning) await this.scanning;
    await this.runScan();
  }

  private scanSoon(delayMs = 50): void {
    if (this.stopped) return;
    if (this.scanning) {
      this.again = true;
      return;
    }
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.runScan();
    }, delayMs);
  }

  private runScan(): Promise<void> {
    if (this.scanning) return this.scanning;
    this.scanning = this.scan()
      .catch((err: unknown) => this.o.onError(err instanceof Error ? err : new Error(String(err))))
      .finally(() => {
        this.scanning = null;
        if (this.again && !this.stopped) {
          this.again = false;
          // Events during the scan: look again once the files had time to settle.
          this.scanSoon(Math.min(this.o.settleMs, this.o.pollMs));
        }
      });
    return this.scanning;
  }

  private async scan(): Promise<void> {
    this.scans++;
    const names = readdirSync(this.o.dir);
    const present = new Set(names);
    const now = Date.now();
    const ready: { name: string; sig: FileSignature }[] = [];
    for (const name of names) {
      const why = ignoreReason(name);
      if (why !== null) {
        if (!this.reported.has(name)) {
          this.reported.add(name);
          this.o.onIgnored(name, why);
        }
        continue;
      }
      let sig: FileSignature;
      try {
        const st = statSync(path.join(this.o.dir, name));
        if (!st.isFile()) continue;
        sig = { size: st.size, mtimeMs: st.mtimeMs };
      } catch {
        continue; // renamed or removed between the listing and the stat
      }
      const prev = this.seen.get(name);
      if (!prev || prev.sig.size !== sig.size || prev.sig.mtimeMs !== sig.mtimeMs) {
        this.seen.set(name, { sig, sinceMs: now, handed: prev?.handed ?? null });
        continue;
      }
      if (now - prev.sinceMs < this.o.settleMs) continue;
      if (prev.handed && prev.handed.size === sig.size && prev.handed.mtimeMs === sig.mtimeMs) continue;
      ready.push({ name, sig });
    }
    for (const name of [...this.seen.keys()]) {
      if (!present.has(name)) {
        this.seen.delete(name);
        this.o.onRemoved?.(name);
      }
    }
    for (const name of [...this.reported]) if (!present.has(name)) this.reported.delete(name);
    // Oldest observation first: names sort by timestamp, then subband.
    ready.sort((a, b) => a.name.localeCompare(b.name));
    for (const r of ready) {
      if (this.stopped) return;
      const s = this.seen.get(r.name);
      if (s) s.handed = r.sig;
      await this.o.onStable(r.name, r.sig);
    }
  }
}
