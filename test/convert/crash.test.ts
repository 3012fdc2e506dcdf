// Crash safety: a conversion killed (SIGKILL) in the middle leaves no MS at the final path, only
// a temporary sibling; a rerun clears it and completes.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planConversion, removeStalePartials, writeConversion } from '../../src/main/engine/convert';
import { MeasurementSet } from '../../src/main/engine/ms';
import { simulateGroup } from './sim-group';

const root = mkdtempSync(join(tmpdir(), 'convert-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a conversion killed halfway', () => {
  it('leaves no MS at the final path; a rerun completes', async () => {
    const sim = await simulateGroup({
      antennas: 10,
      channelsPerSubband: 4,
      outDir: join(root, 'raw'),
      offsets: [{ name: 'a', lRad: 0.001, mRad: 0, fluxJy: 1 }],
    });
    const c = sim.chunks[0]!;
    const out = join(root, 'group.ms');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', resolve('test/convert/crash-child.ts'), c.groupId, out, ...c.files],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const said = await new Promise<string>((res) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('HALF') || buf.includes('DONE')) res(buf);
      });
      child.on('exit', () => res(buf));
    });
    expect(said, stderr).toContain('HALF');
    const exited = new Promise((res) => child.on('exit', (code, signal) => res(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    expect(existsSync(out)).toBe(false);
    const partials = readdirSync(root).filter((n) => n.startsWith('.group.ms.partial-'));
    expect(partials).toHaveLength(1);

    expect(removeStalePartials(out)).toHaveLength(1);
    const r = await writeConversion(await planConversion(c.groupId, c.files), out);
    expect(readdirSync(root).filter((n) => n.includes('.partial-'))).toEqual([]);
    const ms = MeasurementSet.open(out);
    expect(ms.nrows).toBe(r.rows);
    expect(ms.nrows).toBe(24 * 16 * 55);
    ms.close();
  });
});
