// selectImages: the restored images of the Measurement Sets whose mid time lies in a range
// (optionally in one declination strip), one per MS, in time order.
import type { Image } from '../../../shared/model';
import type { Database } from '../db';

/**
 * Restored images (kind 'clean') of the MS with mid time in [sinceMjd, untilMjd), in time order;
 * when an MS has several, the science tier wins over quicklook, then the newest.
 * `decDeg` keeps MS pointed within `decTolDeg` (default 0.1) of it.
 */
export function selectImages(
  db: Database,
  q: { sinceMjd: number; untilMjd: number; decDeg?: number; decTolDeg?: number },
): Image[] {
  if (!(q.untilMjd > q.sinceMjd))
    throw new RangeError(`selectImages: untilMjd (${q.untilMjd}) must be after sinceMjd (${q.sinceMjd})`);
  const ms = db.ms.list({
    fromMjd: q.sinceMjd,
    toMjd: q.untilMjd,
    ...(q.decDeg !== undefined ? { decDeg: q.decDeg, decTolDeg: q.decTolDeg ?? 0.1 } : {}),
  });
  const out: Image[] = [];
  for (const m of ms) {
    const imgs = db.images.listImages({ msId: m.id, kind: 'clean' });
    const best = [...imgs].sort((a, b) =>
      a.tier === b.tier ? b.createdMjd - a.createdMjd || b.id - a.id : a.tier === 'science' ? -1 : 1,
    )[0];
    if (best) out.push(best);
  }
  return out;
}
