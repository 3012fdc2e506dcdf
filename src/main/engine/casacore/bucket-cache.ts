// Write-back cache of StandardStMan data buckets: column writes change bucket images in memory
// and the images go to the file in sorted, coalesced writes, instead of one small pwrite per
// column and bucket (a time-major MS wrote ~140,000 writes of 1.5 KiB to MAIN's table.f0).
import type { PFile } from './dataman';

/** Largest number of buffers in one writev (Linux IOV_MAX is 1024). */
const MAX_IOV = 1024;

export class BucketCache {
  private readonly images = new Map<number, Uint8Array>();
  /** Images written back, reused for later buckets (no fresh memory, no page faults). */
  private readonly spare: Uint8Array[] = [];
  /** 1 for buckets known to hold only zeros on disk (a new manager's unwritten buckets). */
  private knownZero: Uint8Array | null = null;

  constructor(
    private readonly file: PFile,
    private readonly bucketSize: () => number,
    private readonly bucketOffset: (b: number) => number,
    /** Cached bytes above which a write-back happens after a column write. */
    private readonly limitBytes = 64 * 1024 * 1024,
  ) {}

  /** Buckets [0, n) of a new file are zeros until written: no need to read them. */
  markZero(n: number): void {
    this.knownZero = new Uint8Array(n).fill(1);
  }

  /** The cached image of bucket b, loaded from the file on first use; changes are written back later. */
  image(b: number): Uint8Array {
    let img = this.images.get(b);
    if (img) return img;
    const size = this.bucketSize();
    img = this.spare.pop() ?? new Uint8Array(size);
    if (this.knownZero && this.knownZero[b] === 1) img.fill(0);
    else this.file.readInto(this.bucketOffset(b), img, `bucket ${b}`, true);
    this.images.set(b, img);
    return img;
  }

  /** A copy of len bytes at `at` inside bucket b, from the cache when the bucket is cached. */
  read(b: number, at: number, len: number, what: string): Uint8Array {
    const img = this.images.get(b);
    if (img) return img.slice(at, at + len);
    return this.file.read(this.bucketOffset(b) + at, len, what);
  }

  /** Write back when the cache has grown past its limit (call after each column write). */
  maybeWriteBack(): void {
    if (this.images.size * this.bucketSize() > this.limitBytes) this.writeBack();
  }

  /** Write every cached bucket to the file (consecutive buckets in one writev) and empty the cache. */
  writeBack(): void {
    if (this.images.size === 0) return;
    const nums = [...this.images.keys()].sort((a, b) => a - b);
    let i = 0;
    while (i < nums.length) {
      let j = i + 1;
      while (j < nums.length && nums[j] === (nums[j - 1] as number) + 1 && j - i < MAX_IOV) j++;
      const first = nums[i] as number;
      this.file.writev(
        this.bucketOffset(first),
        nums.slice(i, j).map((b) => this.images.get(b) as Uint8Array),
      );
      i = j;
    }
    for (const b of nums) {
      if (this.knownZero && b < this.knownZero.length) this.knownZero[b] = 0;
      this.spare.push(this.images.get(b) as Uint8Array);
    }
    this.images.clear();
    // Keep spare images for at most one cache's worth of buckets.
    const keep = Math.ceil(this.limitBytes / Math.max(1, this.bucketSize())) + 1;
    if (this.spare.length > keep) this.spare.length = keep;
  }
}
