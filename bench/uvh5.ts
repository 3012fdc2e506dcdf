// UVH5 throughput: write a full-size DSA-110 subband file (96 antennas with autos = 4656
// baselines x 24 times x 48 channels x 2 pols) and read its visibilities back, side by side
// with `cat FILE > /dev/null` on the same warm file; then write a whole 16-file chunk.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { correlatorFileName } from '../src/main/engine/uvh5/filename';
import { allocateBlock } from '../src/main/engine/uvh5/model';
import type { Uvh5Header, VisibilityBlock } from '../src/main/engine/uvh5/model';
import { openUvh5, readUvh5Metadata } from '../src/main/engine/uvh5/reader';
import { dsaLikeHeader } from '../test/uvh5/synthetic';
import { createUvh5Writer } from '../src/main/engine/uvh5/writer';

export const description = 'UVH5 writer and reader MB/s on a full-size subband file vs cat; 16-file chunk write';

interface Args {
  dir: string | null;
  files: number;
  repeats: number;
  nants: number;
  keep: boolean;
}

function parseArgs(args: string[]): Args {
  const a: Args = { dir: null, files: 16, repeats: 7, nants: 96, keep: false };
  for (let i = 0; i < args.length; i++) {
    const k = args[i];
    const v = args[i + 1];
    if (k === '--dir' && v) [a.dir, i] = [v, i + 1];
    else if (k === '--files' && v) [a.files, i] = [Number(v), i + 1];
    else if (k === '--repeats' && v) [a.repeats, i] = [Number(v), i + 1];
    else if (k === '--nants' && v) [a.nants, i] = [Number(v), i + 1];
    else if (k === '--keep') a.keep = true;
    else throw new Error(`bench uvh5: unknown argument ${k}; use --dir D --files N --repeats N --nants N --keep`);
  }
  return a;
}

/** One integration of noise-like values, reused for every time (generation is not timed). */
function integrationBlock(h: Uvh5Header): VisibilityBlock {
  const b = allocateBlock(h, h.Nbls);
  let s = 12345;
  for (let i = 0; i < b.vis.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    b.vis[i] = s / 4294967296 - 0.5;
  }
  for (let i = 0; i < b.flags.length; i++) {
    b.flags[i] = i % 97 === 0 ? 1 : 0;
    b.nsamples[i] = 1;
  }
  return b;
}

async function writeFile(path: string, h: Uvh5Header, block: VisibilityBlock): Promise<number> {
  const t0 = performance.now();
  const w = await createUvh5Writer(path, h, { overwrite: true });
  for (let t = 0; t < h.Ntimes; t++) w.writeRows(block);
  w.finish();
  return (performance.now() - t0) / 1000;
}

function catSeconds(path: string): number {
  const t0 = performance.now();
  const r = spawnSync('sh', ['-c', 'cat "$1" > /dev/null', 'sh', path]);
  if (r.status !== 0) throw new Error(`cat failed: ${r.stderr.toString()}`);
  return (performance.now() - t0) / 1000;
}

/** The zero-copy path: blocks are views on the wasm heap; touch one value per block. */
async function streamSeconds(path: string, h: Uvh5Header): Promise<number> {
  const t0 = performance.now();
  const f = await openUvh5(path);
  let sink = 0;
  try {
    f.forEachBlock({ blockRows: h.Nbls }, (b) => {
      sink += (b.vis[0] as number) + (b.flags[0] as number) + (b.nsamples[0] as number);
    });
  } finally {
    f.close();
  }
  if (Number.isNaN(sink)) throw new Error('unexpected NaN');
  return (performance.now() - t0) / 1000;
}

async function readSeconds(path: string, h: Uvh5Header): Promise<number> {
  const out = allocateBlock(h, h.Nbls);
  const t0 = performance.now();
  const f = await openUvh5(path);
  try {
    for (let r = 0; r < f.header.Nblts; r += h.Nbls)
      f.readVisibilities({ rowStart: r, rowCount: Math.min(h.Nbls, f.header.Nblts - r), out });
  } finally {
    f.close();
  }
  return (performance.now() - t0) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mb = (bytes: number): number => bytes / 1e6;

export async function run(args: string[]): Promise<void> {
  const a = parseArgs(args);
  const dir = mkdtempSync(join(a.dir ?? tmpdir(), 'bench-uvh5-'));
  try {
    const base = dsaLikeHeader({ nants: a.nants, ntimes: 24, nfreqs: 48, npols: 2, subband: 0 });
    const block = integrationBlock(base);
    const visBytes = base.Nblts * base.Nfreqs * base.Npols * 8;
    console.log(`UVH5 benchmark in ${dir}`);
    console.log(
      `file: ${a.nants} antennas, Nbls ${base.Nbls} x Ntimes ${base.Ntimes} = Nblts ${base.Nblts}, 48 channels x 2 pols; visdata ${mb(visBytes).toFixed(1)} MB complex64`,
    );

    // One subband file: write, then warm reads (cat and reader alternating).
    const path = join(dir, correlatorFileName('2025-10-02T14:03:07', 0));
    const wSec = await writeFile(path, base, block);
    const size = statSync(path).size;
    console.log(
      `write 1 file: ${wSec.toFixed(2)} s, ${mb(size).toFixed(1)} MB on disk, ${(mb(size) / wSec).toFixed(0)} MB/s`,
    );

    catSeconds(path); // warm the page cache for both readers
    const cats: number[] = [];
    const reads: number[] = [];
    const streams: number[] = [];
    for (let i = 0; i < a.repeats; i++) {
      cats.push(catSeconds(path));
      reads.push(await readSeconds(path, base));
      streams.push(await streamSeconds(path, base));
    }
    // The machine is shared: report the median and the best (least disturbed) run of each.
    const line = (what: string, xs: number[]): number => {
      const best = Math.min(...xs);
      console.log(
        `${what} (warm, ${a.repeats} runs): median ${median(xs).toFixed(3)} s = ${(mb(size) / median(xs)).toFixed(0)} MB/s, best ${best.toFixed(3)} s = ${(mb(size) / best).toFixed(0)} MB/s`,
      );
      return best;
    };
    const catBest = line('cat FILE > /dev/null', cats);
    const readBest = line('reader: open + all rows in blocks of one integration (visdata, flags, nsamples)', reads);
    console.log(
      `reader / cat: median ${((100 * median(cats)) / median(reads)).toFixed(0)} %, best ${((100 * catBest) / readBest).toFixed(0)} %`,
    );
    const streamBest = line('reader: open + forEachBlock (heap views, no copy out)', streams);
    console.log(
      `forEachBlock / cat: median ${((100 * median(cats)) / median(streams)).toFixed(0)} %, best ${((100 * catBest) / streamBest).toFixed(0)} %`,
    );

    const m0 = performance.now();
    const reps = 20;
    for (let i = 0; i < reps; i++) await readUvh5Metadata(path);
    console.log(`metadata-only scan (readUvh5Metadata): ${((performance.now() - m0) / reps).toFixed(1)} ms per file`);
    rmSync(path);

    // A whole chunk: 16 subband files written one after another.
    const c0 = performance.now();
    let total = 0;
    const per: number[] = [];
    for (let sb = 0; sb < a.files; sb++) {
      const h =
        sb === 0 ? base : { ...base, freq_array: dsaLikeHeader({ nants: 1, ntimes: 1, subband: sb }).freq_array };
      const p = join(dir, correlatorFileName('2025-10-02T14:03:07', sb));
      per.push(await writeFile(p, h, block));
      total += statSync(p).size;
    }
    const cSec = (performance.now() - c0) / 1000;
    console.log(
      `write ${a.files}-file chunk: ${cSec.toFixed(2)} s, ${mb(total).toFixed(0)} MB, ${(mb(total) / cSec).toFixed(0)} MB/s; per file median ${median(per).toFixed(2)} s, best ${Math.min(...per).toFixed(2)} s`,
    );
  } finally {
    if (!a.keep) rmSync(dir, { recursive: true, force: true });
  }
}
