// Paged listings as the API requests them: filters, newest first, totals, offsets, hasMore.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/main/engine/db';
import { T0 } from './populate';

let dir: string;
let db: Database;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dsa-pages-'));
  db = openDatabase(join(dir, 'state.sqlite'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const FIVE_MIN = 309 / 86400;

describe('paged listings', () => {
  it('measurement sets: status and declination filters, newest first, total counts the whole match', () => {
    // 12 MS, 5 minutes apart, alternating declinations 16.3 / 54.57, every third one calibrated.
    for (let i = 0; i < 12; i++) {
      const start = T0 + i * FIVE_MIN;
      db.ms.insert({
        path: `/ms/${i}.ms`,
        startMjd: start,
        endMjd: start + FIVE_MIN,
        midMjd: start + FIVE_MIN / 2,
        decDeg: i % 2 ? 54.57 : 16.3,
        status: i % 3 === 0 ? 'calibrated' : 'converted',
      });
    }
    const p = db.ms.page({ decMinDeg: 50, limit: 4, offset: 1 });
    expect(p.total).toBe(6);
    expect([p.offset, p.limit]).toEqual([1, 4]);
    expect(p.items.map((m) => m.path)).toEqual(['/ms/9.ms', '/ms/7.ms', '/ms/5.ms', '/ms/3.ms']);
    const cal = db.ms.page({ statuses: ['calibrated'], startMjd: T0 + 2 * FIVE_MIN, endMjd: T0 + 10 * FIVE_MIN });
    expect(cal.items.map((m) => m.path)).toEqual(['/ms/9.ms', '/ms/6.ms', '/ms/3.ms']);
    expect(db.ms.page({ statuses: [] }).total).toBe(0);
  });

  it('groups, products, images and jobs page with their filters', () => {
    for (let i = 0; i < 5; i++) {
      const id = `2025-10-02T14:${String(10 + 5 * i).padStart(2, '0')}:00`;
      db.ingest.ensureGroup({
        id,
        startMjd: T0 + i * FIVE_MIN,
        decDeg: 54.57,
        state: i < 2 ? 'completed' : 'collecting',
      });
    }
    const groups = db.ingest.pageGroups({ states: ['collecting'], limit: 2 });
    expect([groups.total, groups.items.map((g) => g.id)]).toEqual([3, ['2025-10-02T14:30:00', '2025-10-02T14:25:00']]);

    for (let i = 0; i < 4; i++) {
      db.products.register(
        { id: `p${i}`, kind: i % 2 ? 'image' : 'mosaic', path: `/p/p${i}.fits`, sha256: 'aa'.repeat(32), sizeBytes: i },
        'pipeline',
      );
    }
    db.products.transition('p1', 'qa_failed', { actor: 'pipeline', note: 'dynamic range 3.2 < 5' });
    expect(db.products.page({ kinds: ['image'] }).items.map((p) => p.id)).toEqual(['p3', 'p1']);
    expect(db.products.page({ statuses: ['staging'], kinds: ['image', 'mosaic'] }).total).toBe(3);

    const ms = db.ms.insert({
      path: '/ms/x.ms',
      startMjd: T0,
      endMjd: T0 + FIVE_MIN,
      midMjd: T0 + FIVE_MIN / 2,
      decDeg: 54.57,
    });
    for (const kind of ['dirty', 'clean', 'residual'] as const) {
      db.images.insertImage({
        path: `/img/${kind}.fits`,
        msId: ms.id,
        kind,
        centerRaDeg: 10,
        centerDecDeg: 54.57,
        widthPx: 64,
        heightPx: 64,
        cellArcsec: 5,
        freqHz: 1.405e9,
        tier: kind === 'dirty' ? 'quicklook' : 'science',
      });
    }
    expect(db.images.pageImages({ msId: ms.id, tier: 'science' }).items.map((i) => i.kind)).toEqual([
      'residual',
      'clean',
    ]);

    for (let i = 0; i < 3; i++)
      db.jobs.create({ id: `job-${i}`, kind: i ? 'image' : 'convert', params: {}, stages: [] });
    db.jobs.update('job-2', { state: 'running' });
    expect(db.jobs.page({ states: ['queued'], kind: 'image' }).items.map((j) => j.id)).toEqual(['job-1']);
    expect(db.jobs.page({ limit: 1 }).items.map((j) => j.id)).toEqual(['job-2']);

    for (let i = 0; i < 5; i++)
      db.jobs.appendLog({ jobId: 'job-0', level: i === 4 ? 'error' : 'info', message: `line ${i}` });
    const first = db.jobs.logsPage('job-0', { limit: 3 });
    expect([first.items.map((l) => l.message), first.hasMore]).toEqual([['line 0', 'line 1', 'line 2'], true]);
    const rest = db.jobs.logsPage('job-0', { afterId: first.items.at(-1)?.id, limit: 3 });
    expect([rest.items.map((l) => l.message), rest.hasMore]).toEqual([['line 3', 'line 4'], false]);
    expect(db.jobs.logsPage('job-0', { minLevel: 'error' }).items.map((l) => l.message)).toEqual(['line 4']);
  });
});
