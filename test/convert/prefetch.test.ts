// prefetchFile: reads a file in the background without throwing (a missing file is left to the
// real read) and closes its descriptor once every queued chunk is read.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prefetchFile } from '../../src/main/engine/convert/produce';

const dir = mkdtempSync(join(tmpdir(), 'convert-prefetch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const openFds = (): number => readdirSync('/proc/self/fd').length;

describe.skipIf(process.platform !== 'linux')('prefetchFile', () => {
  it('reads a file of several chunks, then closes it; ignores a missing file', async () => {
    const file = join(dir, 'big.bin');
    writeFileSync(file, Buffer.alloc(9 * 1024 * 1024 + 123, 1));
    const before = openFds();
    prefetchFile(file);
    expect(openFds()).toBe(before + 1);
    for (let i = 0; i < 200 && openFds() > before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(openFds()).toBe(before);
    expect(() => prefetchFile(join(dir, 'missing.bin'))).not.toThrow();
    expect(openFds()).toBe(before);
    // An empty file: nothing queued, closed at once.
    writeFileSync(join(dir, 'empty.bin'), '');
    prefetchFile(join(dir, 'empty.bin'));
    for (let i = 0; i < 200 && openFds() > before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(openFds()).toBe(before);
  });
});
