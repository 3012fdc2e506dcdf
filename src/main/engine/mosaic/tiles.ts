// What the mosaic needs to know about each input image: the database row, its MS (time range,
// pointing declination), the files (restored image, primary beam, residual) and their WCS, and
// the calibration applied to its MS. Gathered once and shared by validation and the build.
import { existsSync } from 'node:fs';
import type { Database } from '../db';
import type { Image } from '../../../shared/model';
import { openTable } from '../casacore';
import { FitsRowReader } from './fits-rows';
import { angleBetween, axisScalesDeg, radecToVec } from '../../../shared/astro/sin';
import { restoringBeamOfImage, type CelestialWcs, type RestoringBeam } from '../../../shared/model/sky-image';
import { restoringBeamFromHeader, skyGridFromHeader } from '../fits';

/** The MS keyword in which calibrate.apply records the tables it applied (calibration/stage.ts). */
const APPLIED_KEYWORD = 'DSA110_CALAPPLIED';

export interface TileInfo {
  imageId: number;
  image: Image | null;
  /** The restored image, its primary beam (PREFIX-pb.fits) and residual (PREFIX-residual.fits). */
  path: string | null;
  pbPath: string | null;
  residualPath: string | null;
  msId: number | null;
  msPath: string | null;
  startMjd: number | null;
  endMjd: number | null;
  /** Pointing declination of the MS, else the image's reference declination. */
  decDeg: number | null;
  freqHz: number | null;
  beam: RestoringBeam | null;
  wcs: CelestialWcs | null;
  nx: number;
  ny: number;
  /** Calibration applied to the MS: 'bandpass-id/gains-id', 'none' (MS on disk, no record), or null (unknown). */
  calibration: string | null;
  /** Why the files cannot be used (missing, unreadable, bad WCS, PB on another grid); empty when fine. */
  problems: string[];
}

/** PREFIX-image.fits -> PREFIX-<product>.fits, or null when the name does not follow the convention. */
export function siblingProduct(imagePath: string, product: 'pb' | 'residual'): string | null {
  return imagePath.endsWith('-image.fits') ? `${imagePath.slice(0, -'-image.fits'.length)}-${product}.fits` : null;
}

/** ISO 8601 UTC (a trailing Z optional) -> MJD, or null. */
export function isoToMjd(iso: string): number | null {
  const ms = Date.parse(/Z$|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
  return Number.isFinite(ms) ? ms / 86_400_000 + 40587 : null;
}

function calibrationOf(msPath: string): string | null {
  if (!existsSync(msPath)) return null;
  try {
    const t = openTable(msPath);
    try {
      const kw = t.keywords.get(APPLIED_KEYWORD);
      if (!kw || kw.kind !== 'scalar' || typeof kw.value !== 'string') return 'none';
      const rec = JSON.parse(kw.value) as { bandpass?: { id?: unknown }; gains?: { id?: unknown } };
      return `bandpass ${String(rec.bandpass?.id)} / gains ${String(rec.gains?.id)}`;
    } finally {
      t.close();
    }
  } catch {
    // An MS we cannot open says nothing about its calibration; the other checks judge the image.
    return null;
  }
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
const sameWcs = (a: CelestialWcs, b: CelestialWcs): boolean =>
  (['crval1', 'crval2', 'crpix1', 'crpix2', 'lonpole'] as const).every((k) => close(a[k], b[k])) &&
  a.cd.every((v, i) => Math.abs(v - b.cd[i]!) <= 1e-9 * Math.max(Math.abs(a.cd[0]), Math.abs(a.cd[3])));

/** Gathers a TileInfo per id (in the given order); problems are recorded, never thrown. */
export function inspectTiles(db: Database, imageIds: readonly number[]): TileInfo[] {
  return imageIds.map((imageId) => {
    const t: TileInfo = {
      imageId,
      image: null,
      path: null,
      pbPath: null,
      residualPath: null,
      msId: null,
      msPath: null,
      startMjd: null,
      endMjd: null,
      decDeg: null,
      freqHz: null,
      beam: null,
      wcs: null,
      nx: 0,
      ny: 0,
      calibration: null,
      problems: [],
    };
    const img = db.images.getImage(imageId) ?? null;
    if (!img) {
      t.problems.push(`image ${imageId} is not in the database`);
      return t;
    }
    t.image = img;
    t.path = img.path;
    t.freqHz = img.freqHz;
    if (img.kind !== 'clean')
      t.problems.push(
        `image ${imageId} (${img.path}) is a '${img.kind}' image; a restored ('clean', PREFIX-image.fits) image was expected`,
      );
    t.beam = restoringBeamOfImage(img);
    if (img.msId !== null) {
      const ms = db.ms.get(img.msId);
      if (ms) {
        t.msId = ms.id;
        t.msPath = ms.path;
        t.startMjd = ms.startMjd;
        t.endMjd = ms.endMjd;
        t.decDeg = ms.decDeg;
        t.calibration = calibrationOf(ms.path);
      }
    }
    t.pbPath = siblingProduct(img.path, 'pb');
    const residual = siblingProduct(img.path, 'residual');
    t.residualPath = residual && existsSync(residual) ? residual : null;
    let reader: FitsRowReader | null = null;
    try {
      reader = new FitsRowReader(img.path);
      t.wcs = skyGridFromHeader(reader.keywords, img.path);
      t.nx = reader.nx;
      t.ny = reader.ny;
      if (t.decDeg === null) t.decDeg = t.wcs.crval2;
      // The file must be the image the database describes (not one overwritten since).
      const cell = axisScalesDeg(t.wcs)[1] * 3600;
      const off =
        angleBetween(radecToVec(t.wcs.crval1, t.wcs.crval2), radecToVec(img.centerRaDeg, img.centerDecDeg)) *
        (180 / Math.PI) *
        3600;
      if (
        off > 2 * cell ||
        Math.abs(cell - img.cellArcsec) > 0.01 * img.cellArcsec ||
        t.nx !== img.widthPx ||
        t.ny !== img.heightPx
      ) {
        t.problems.push(
          `${img.path}: the file (${t.nx} x ${t.ny} pixels of ${cell.toPrecision(4)}" at RA ${t.wcs.crval1.toFixed(4)} Dec ${t.wcs.crval2.toFixed(4)}) ` +
            `is not the image the database records (${img.widthPx} x ${img.heightPx} of ${img.cellArcsec}" at RA ${img.centerRaDeg.toFixed(4)} Dec ${img.centerDecDeg.toFixed(4)})`,
        );
      }
      if (t.startMjd === null) {
        const d = reader.keywords.get('DATE-OBS');
        const mjd = typeof d === 'string' ? isoToMjd(d) : null;
        if (mjd === null)
          t.problems.push(
            `${img.path}: no observation time (the image has no MS in the database and no valid DATE-OBS)`,
          );
        t.startMjd = t.endMjd = mjd;
      }
      const rb = restoringBeamFromHeader(reader.keywords);
      if (!t.beam && rb) t.beam = rb;
    } catch (e) {
      t.problems.push(e instanceof Error ? e.message : String(e));
    } finally {
      reader?.close();
    }
    if (t.residualPath && t.wcs) {
      // The noise estimate reads it: a broken residual would fail the build after validation.
      let res: FitsRowReader | null = null;
      try {
        res = new FitsRowReader(t.residualPath);
        if (res.nx !== t.nx || res.ny !== t.ny)
          t.problems.push(`${t.residualPath}: the residual is ${res.nx} x ${res.ny}, the image ${t.nx} x ${t.ny}`);
      } catch (e) {
        t.problems.push(`residual of image ${imageId}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        res?.close();
      }
    }
    if (!t.pbPath)
      t.problems.push(
        `${img.path}: the name does not end in -image.fits, so its primary beam (PREFIX-pb.fits) cannot be found`,
      );
    else if (t.wcs) {
      let pb: FitsRowReader | null = null;
      try {
        pb = new FitsRowReader(t.pbPath);
        const pw = skyGridFromHeader(pb.keywords, t.pbPath);
        if (pb.nx !== t.nx || pb.ny !== t.ny || !sameWcs(pw, t.wcs))
          t.problems.push(
            `${t.pbPath}: the primary beam is not on the grid of ${img.path} (${pb.nx} x ${pb.ny} vs ${t.nx} x ${t.ny}, or another WCS)`,
          );
      } catch (e) {
        t.problems.push(`primary beam of image ${imageId}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        pb?.close();
      }
    }
    return t;
  });
}
