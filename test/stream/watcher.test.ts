// The streaming watcher's pieces in process: which names it leaves alone and why, the HDF5
// completeness check (truncated, empty, not HDF5, complete), and the hand-over of a file only
// once its size and mtime held for the settle time (a file written in pieces is handed over once,
// complete; an rsync temporary never; a file rewritten later again).
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hdf5Incomplete } from '../../src/main/engine/stream/hdf5-check';
import { DirectoryWatcher, ignoreReason } from '../../src/main/engine/stream/watcher';
import { writeObservation } from '../integrity/fixtures';

let tmp: string;
let files: string[];

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'stream-watch-'));
  files = await writeObservation(path.join(tmp, 'src'), {
    startJd: 2461055.625,
    decDeg: 55.57,
    stamp: '2026-01-15T03:00:00',
    subbands: [0, 1],
  });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ignoreReason', () => {
  it('names why a file is left alone, and takes correlator names', () => {
    expect(ignoreReason('2026-01-15T03:00:00_sb07.hdf5')).toBeNull();
    expect(ignoreReason('2026-01-15T03:00:00_sb07_incomplete.hdf5')).toMatch(/_incomplete/);
    expect(ignoreReason('.2026-01-15T03:00:00_sb07.hdf5.a1B2c3')).toMatch(/rsync temporary/);
    expect(ignoreReason('.hidden')).toMatch(/hidden/);
    expect(ignoreReason('notes.txt')).toMatch(/not a correlator file name/);
    expect(ignoreReason('2026-01-15T03:00:00_sb16.hdf5')).toMatch(/00\.\.15/);
    expect(ignoreReason('2026-02-30T03:00:00_sb01.hdf5')).not.toBeNull();
  });
});

describe('hdf5Incomplete', () => {
  it('accepts a complete file and names what is wrong with the others', () => {
    const good = files[0]!;
    expect(hdf5Incomplete(good)).toBeNull();
    const bytes = readFileSync(good);
    const cut = path.join(tmp, 'cut.hdf5');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
    expect(hdf5Incomplete(cut)).toBe(
      `truncated: ${bytes.length - 100} bytes, but its HDF5 superblock says the file ends at byte ${bytes.length} (still being written, or cut short)`,
    );
    const empty = path.join(tmp, 'empty.hdf5');
    writeFileSync(empty, '');
    expect(hdf5Incomplete(empty)).toBe('empty file (0 bytes)');
    const text = path.join(tmp, 'text.hdf5');
    writeFileSync(text, 'x'.repeat(3000));
    expect(hdf5Incomplete(text)).toMatch(/^not an HDF5 file/);
    const head = path.join(tmp, 'head.hdf5');
    writeFileSync(head, bytes.subarray(0, 20));
    expect(hdf5Incomplete(head)).toMatch(/superblock at byte 0 is cut short/);
  });
});

describe('DirectoryWatcher', () => {
  it('hands over a file once, after it held still for the settle time', async () => {
    const dir = mkdtempSync(path.join(tmp, 'watch-'));
    const handed: { name: string; size: number }[] = [];
    const ignored: string[] = [];
    const w = new DirectoryWatcher({
      dir,
      pollMs: 50,
      settleMs: 300,
      pollOnly: true,
      onStable: async (name, sig) => {
        handed.push({ name, size: sig.size });
      },
      onIgnored: (name) => ignored.push(name),
      onError: (e) => {
        throw e;
      },
    });
    const bytes = readFileSync(files[0]!);
    const name = path.basename(files[0]!);
    w.start();
    try {
      // Written in place in 4 pieces 100 ms apart (less than the settle time): one hand-over, complete.
      const target = path.join(dir, name);
      const step = Math.ceil(bytes.length / 4);
      for (let off = 0; off < bytes.length; off += step) {
        appendFileSync(target, bytes.subarray(off, off + step));
        await sleep(100);
      }
      // An rsync temporary renamed into place.
      const other = path.basename(files[1]!);
      const temp = path.join(dir, `.${other}.Xy12Ab`);
      writeFileSync(temp, readFileSync(files[1]!));
      await sleep(150);
      renameSync(temp, path.join(dir, other));
      writeFileSync(path.join(dir, 'README.txt'), 'not data');
      await sleep(900);
      expect(handed).toEqual([
        { name, size: bytes.length },
        { name: other, size: readFileSync(files[1]!).length },
      ]);
      expect(ignored).toEqual(expect.arrayContaining([`.${other}.Xy12Ab`, 'README.txt']));
      // Unchanged: not handed over again; changed: handed over again.
      await sleep(400);
      expect(handed).toHaveLength(2);
      appendFileSync(target, Buffer.alloc(10));
      await sleep(700);
      expect(handed).toHaveLength(3);
      expect(handed[2]).toEqual({ name, size: bytes.length + 10 });
    } finally {
      await w.stop();
    }
  });
});
