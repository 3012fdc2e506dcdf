// Tile validation: each failure kind is caught, names the offending images, is stored on the
// mosaic group, and stops the build (no directory, no mosaic row) unless forced; a dry run
// stores nothing. Also: a failed or cancelled build leaves nothing behind.
import { existsSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTable, scalarColumn } from '../../src/main/engine/casacore';
import { buildMosaic, MosaicValidationError, selectImages, validateTiles } from '../../src/main/engine/mosaic';
import { addTile, DEC, FREQ, T0, testEngine, type TestEngine, type TileSpec } from './fixture';

let e: TestEngine;
beforeEach(() => {
  e = testEngine();
});
afterEach(async () => e.close());

const SMALL = { n: 96, cellArcsec: 120, beamArcsec: 400 };
const tile = (name: string, t: TileSpec) => addTile(e, name, { ...SMALL, ...t }, []).imageId;

/** An MS directory holding a casacore table with (or without) the applied-calibration keyword. */
function fakeMs(name: string, applied: { bandpass: number; gains: number } | null): string {
  const dir = path.join(e.dir, 'ms', `${name}.ms`);
  const t = createTable(
    dir,
    {
      columns: [scalarColumn('TIME', 'Double')],
      keywords: applied
        ? {
            DSA110_CALAPPLIED: JSON.stringify({
              bandpass: { id: applied.bandpass, path: `/cal/b${applied.bandpass}` },
              gains: { id: applied.gains, path: `/cal/g${applied.gains}` },
            }),
          }
        : {},
    },
    { nrows: 1 },
  );
  t.close();
  return dir;
}

async function expectRefused(ids: number[], name: string, failing: string, offending: number[]): Promise<void> {
  const outputDir = path.join(e.dir, 'out', name);
  const err = await buildMosaic(e, { imageIds: ids, method: 'pbweighted', name, outputDir }).then(
    () => null,
    (x: unknown) => x,
  );
  expect(err).toBeInstanceOf(MosaicValidationError);
  const report = (err as MosaicValidationError).report;
  const failed = report.checks.filter((c) => !c.ok);
  expect(failed.map((c) => c.check)).toEqual([failing]);
  expect([...failed[0]!.imageIds].sort()).toEqual([...offending].sort());
  expect((err as Error).message).toContain(failing);
  // Stored on the group, which is marked failed; nothing on disk, no mosaic row.
  const group = e.db.images.getMosaicGroupByName(name)!;
  expect(group.status).toBe('failed');
  const stored = e.db.qa.latestValidation(group.id)!;
  expect(stored.ok).toBe(false);
  expect(stored.checks.find((c) => c.check === failing)?.ok).toBe(false);
  expect(existsSync(outputDir)).toBe(false);
  expect(
    existsSync(path.dirname(outputDir)) ? readdirSync(path.dirname(outputDir)).filter((f) => f.includes(name)) : [],
  ).toEqual([]);
  expect(e.db.images.listMosaics({ groupId: group.id })).toEqual([]);
}

describe('tile validation', () => {
  it('passes a good strip and stores the result on the group', async () => {
    const ids = [0, 1, 2].map((k) => tile(`good-${k}`, { k }));
    const v = await validateTiles(e, ids, 'good');
    expect(v.ok).toBe(true);
    expect(v.checks.map((c) => c.check)).toEqual([
      'count',
      'readable',
      'duplicates',
      'declination',
      'frequency',
      'beam',
      'calibration',
      'time-order',
    ]);
    expect(e.db.qa.latestValidation(v.groupId!)?.id).toBe(v.stored!.id);
  });

  it('catches an image off the declination strip (0.1 deg)', async () => {
    const ids = [tile('d0', { k: 0 }), tile('d1', { k: 1, decDeg: DEC + 0.3 }), tile('d2', { k: 2 })];
    await expectRefused(ids, 'dec', 'declination', [ids[1]!]);
  });

  it('catches an incompatible frequency (1 %) and beam (20 %)', async () => {
    const f = [tile('f0', { k: 0 }), tile('f1', { k: 1, freqHz: FREQ * 1.02 }), tile('f2', { k: 2 })];
    await expectRefused(f, 'freq', 'frequency', [f[1]!]);
    const b = [tile('b0', { k: 3 }), tile('b1', { k: 4, beamMajorArcsec: 400 * 1.3 }), tile('b2', { k: 5 })];
    await expectRefused(b, 'beam', 'beam', [b[1]!]);
  });

  it('catches inconsistent calibration between the Measurement Sets', async () => {
    const ids = [
      tile('c0', { k: 0, msPath: fakeMs('c0', { bandpass: 1, gains: 2 }) }),
      tile('c1', { k: 1, msPath: fakeMs('c1', { bandpass: 1, gains: 2 }) }),
      tile('c2', { k: 2, msPath: fakeMs('c2', { bandpass: 1, gains: 9 }) }),
    ];
    await expectRefused(ids, 'cal', 'calibration', [ids[2]!]);
    // An MS without any applied calibration among calibrated ones is inconsistent too.
    const more = [
      tile('c3', { k: 3, msPath: fakeMs('c3', { bandpass: 1, gains: 2 }) }),
      tile('c4', { k: 4, msPath: fakeMs('c4', null) }),
      tile('c5', { k: 5, msPath: fakeMs('c5', { bandpass: 1, gains: 2 }) }),
    ];
    await expectRefused(more, 'cal2', 'calibration', [more[1]!]);
  });

  it('catches duplicates: the same image twice, or two images of one MS', async () => {
    const a = tile('u0', { k: 0 });
    const b = tile('u1', { k: 1 });
    await expectRefused([a, b, b], 'dup', 'duplicates', [b]);
    const ms = e.db.images.getImage(a)!.msId!;
    const twin = e.db.images.insertImage({
      ...e.db.images.getImage(b)!,
      path: path.join(e.dir, 'elsewhere-image.fits'),
      msId: ms,
    });
    const v = await validateTiles(e, [a, twin.id], 'dup2', { store: false });
    expect(v.checks.find((c) => c.check === 'duplicates')).toMatchObject({ ok: false, imageIds: [twin.id] });
  });

  it('catches images out of time order', async () => {
    const ids = [0, 1, 2].map((k) => tile(`t${k}`, { k }));
    await expectRefused([ids[0]!, ids[2]!, ids[1]!], 'order', 'time-order', [ids[1]!]);
  });

  it('catches unreadable files: a missing primary beam, a truncated image, an unknown id', async () => {
    const ids = [0, 1, 2].map((k) => addTile(e, `r${k}`, { ...SMALL, k }, []));
    rmSync(ids[1]!.files.pb);
    truncateSync(ids[2]!.files.image, 2880 * 2);
    await expectRefused(
      ids.map((t) => t.imageId),
      'read',
      'readable',
      [ids[1]!.imageId, ids[2]!.imageId],
    );
    const v = await validateTiles(e, [ids[0]!.imageId, 9999], 'read2', { store: false });
    expect(v.checks.find((c) => c.check === 'readable')).toMatchObject({ ok: false, imageIds: [9999] });
    // A projection other than SIN (same-length CTYPE rewritten in the header) and a broken residual.
    const more = [3, 4, 5].map((k) => addTile(e, `r${k}`, { ...SMALL, k }, []));
    const f = more[1]!.files.image;
    writeFileSync(f, readFileSync(f, 'latin1').replace("'RA---SIN'", "'RA---TAN'"), 'latin1');
    truncateSync(more[2]!.files.residual, 100);
    const w = await validateTiles(
      e,
      more.map((t) => t.imageId),
      'read3',
      { store: false },
    );
    const readable = w.checks.find((c) => c.check === 'readable')!;
    expect(readable).toMatchObject({ ok: false, imageIds: [more[1]!.imageId, more[2]!.imageId] });
    expect(readable.message).toMatch(/RA---TAN/);
    expect(readable.message).toMatch(/residual/);
    // A file that is not the image the database describes (moved centre).
    const moved = addTile(e, 'r6', { ...SMALL, k: 6 }, []);
    e.db.images.updateImage(moved.imageId, { centerRaDeg: 140 });
    const m = await validateTiles(e, [moved.imageId], 'read4', { store: false });
    expect(m.checks.find((c) => c.check === 'readable')).toMatchObject({ ok: false, imageIds: [moved.imageId] });
    expect(m.checks.find((c) => c.check === 'readable')!.message).toMatch(/not the image the database records/);
  });

  it('a dry run stores nothing; force combines the usable images and records that it did', async () => {
    const ids = [tile('x0', { k: 0 }), tile('x1', { k: 1, decDeg: DEC + 0.5 }), tile('x2', { k: 2 })];
    const dry = await validateTiles(e, ids, 'forced', { store: false });
    expect(dry.ok).toBe(false);
    expect(dry.stored).toBeNull();
    expect(e.db.images.getMosaicGroupByName('forced')).toBeUndefined();
    const r = await buildMosaic(e, {
      imageIds: ids,
      method: 'mean',
      name: 'forced',
      outputDir: path.join(e.dir, 'out', 'forced'),
      force: true,
    });
    expect(r.validation.ok).toBe(false);
    expect(r.nImages).toBe(3); // off-strip but readable: used under force
    expect(e.db.images.requireMosaic(r.mosaicId).qa).toMatchObject({ forced: true, validationOk: false });
    expect(e.warnings.some((w) => w.includes('--force'))).toBe(true);
  });
});

describe('a failed build leaves nothing behind', () => {
  it('cancelled half-way: no directory, no temporary sibling, no mosaic row, group failed', async () => {
    const ids = [0, 1, 2].map((k) => tile(`a${k}`, { k }));
    const outputDir = path.join(e.dir, 'out', 'cancelled');
    const ac = new AbortController();
    let calls = 0;
    const err = await buildMosaic(e, {
      imageIds: ids,
      method: 'pbweighted',
      name: 'cancelled',
      outputDir,
      signal: ac.signal,
      onProgress: (f) => {
        if (f > 0.05 && ++calls === 1) ac.abort(new Error('stop requested'));
      },
    }).then(
      () => null,
      (x: unknown) => x,
    );
    expect((err as Error).message).toBe('stop requested');
    expect(existsSync(outputDir)).toBe(false);
    expect(readdirSync(path.join(e.dir, 'out'))).toEqual([]);
    const g = e.db.images.getMosaicGroupByName('cancelled')!;
    expect(g.status).toBe('failed');
    expect(e.db.images.listMosaics({ groupId: g.id })).toEqual([]);
    // The same name can then be built for real.
    const r = await buildMosaic(e, { imageIds: ids, method: 'pbweighted', name: 'cancelled', outputDir });
    expect(existsSync(r.files.mosaic)).toBe(true);
    expect(r.groupId).toBe(g.id);
  });

  it('refuses an existing output directory and a completed group name', async () => {
    const ids = [0, 1].map((k) => tile(`z${k}`, { k }));
    const outputDir = path.join(e.dir, 'out', 'z');
    await buildMosaic(e, { imageIds: ids, method: 'mean', name: 'z', outputDir });
    await expect(buildMosaic(e, { imageIds: ids, method: 'mean', name: 'z2', outputDir })).rejects.toThrow(
      /already exists/,
    );
    await expect(
      buildMosaic(e, { imageIds: ids, method: 'mean', name: 'z', outputDir: `${outputDir}-again` }),
    ).rejects.toThrow(/already built/);
    expect(existsSync(`${outputDir}-again`)).toBe(false);
    await expect(
      buildMosaic(e, { imageIds: ids, method: 'mean', name: '../evil', outputDir: `${outputDir}-evil` }),
    ).rejects.toThrow(/name/);
  });
});

describe('selectImages', () => {
  it('one restored image per MS with mid time in the range, in time order, science before quicklook, optionally one strip', () => {
    const ids = [2, 0, 1].map((k) => tile(`s${k}`, { k }));
    const other = tile('s-other', { k: 1, decDeg: DEC + 5 });
    const img0 = e.db.images.getImage(ids[1]!)!;
    // A newer quicklook image of the first MS, and a residual: neither is chosen.
    e.db.images.insertImage({ ...img0, path: path.join(e.dir, 'ql-image.fits'), tier: 'quicklook' });
    e.db.images.insertImage({ ...img0, path: path.join(e.dir, 's0-residual.fits'), kind: 'residual' });
    const all = selectImages(e.db, { sinceMjd: T0, untilMjd: T0 + 15 / 1440 });
    expect(all.map((i) => i.id).sort()).toEqual([...ids, other].sort());
    expect(all.map((i) => i.id).filter((id) => id !== other)).toEqual([ids[1]!, ids[2]!, ids[0]!]);
    const strip = selectImages(e.db, { sinceMjd: T0, untilMjd: T0 + 15 / 1440, decDeg: DEC });
    expect(strip.map((i) => i.id)).toEqual([ids[1]!, ids[2]!, ids[0]!]);
    expect(selectImages(e.db, { sinceMjd: T0, untilMjd: T0 + 5 / 1440, decDeg: DEC }).map((i) => i.id)).toEqual([
      ids[1]!,
    ]);
    expect(() => selectImages(e.db, { sinceMjd: T0, untilMjd: T0 })).toThrow(/after/);
  });
});
