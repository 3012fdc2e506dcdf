// Reads a user's sky for the simulator: CSV with a header (name, ra_deg, dec_deg, flux_jy and
// optionally spectral_index) or a JSON array of objects with those keys.
import type { SkySource } from './sky';

const REQUIRED = ['name', 'ra_deg', 'dec_deg', 'flux_jy'] as const;

function toSource(rec: Record<string, unknown>, where: string): SkySource {
  for (const k of REQUIRED)
    if (rec[k] === undefined || rec[k] === '')
      throw new Error(`${where}: missing "${k}" (expected ${REQUIRED.join(', ')}[, spectral_index])`);
  const num = (k: string, lo: number, hi: number): number => {
    const v = Number(rec[k]);
    if (!Number.isFinite(v) || v < lo || v > hi)
      throw new Error(`${where}: "${k}" must be a number in [${lo}, ${hi}], got ${JSON.stringify(rec[k])}`);
    return v;
  };
  return {
    name: String(rec.name),
    raDeg: num('ra_deg', 0, 360),
    decDeg: num('dec_deg', -90, 90),
    fluxJy: num('flux_jy', 0, 1e5),
    spectralIndex: rec.spectral_index === undefined || rec.spectral_index === '' ? -0.7 : num('spectral_index', -5, 5),
    kind: 'field',
  };
}

export function parseSourcesFile(text: string, file: string): SkySource[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let arr: unknown;
    try {
      arr = JSON.parse(trimmed);
    } catch (e) {
      throw new Error(`${file}: not valid JSON: ${(e as Error).message}`);
    }
    if (!Array.isArray(arr)) throw new Error(`${file}: expected a JSON array of sources`);
    return arr.map((r, i) => toSource(r as Record<string, unknown>, `${file}: source ${i}`));
  }
  const lines = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const header = (lines[0] ?? '').split(',').map((h) => h.trim().toLowerCase());
  for (const k of REQUIRED)
    if (!header.includes(k))
      throw new Error(`${file}: line 1: the CSV header must name ${REQUIRED.join(', ')}; got "${lines[0] ?? ''}"`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== header.length)
      throw new Error(`${file}: line ${i + 2}: expected ${header.length} values, got ${cells.length}`);
    return toSource(Object.fromEntries(header.map((h, j) => [h, cells[j]])), `${file}: line ${i + 2}`);
  });
}
