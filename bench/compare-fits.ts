// Compare the FITS images of two runs (two workspaces, or two `dsa110 image --out` prefixes'
// folders): for every FITS file present in both, whether the pixels are bit-identical, the
// largest absolute difference and the peak, and the header keywords whose values differ
// (DATE, HISTORY and COMMENT aside). Used to tell a changed result from run-to-run noise:
//
//   node --import tsx bench/compare-fits.ts DIR_A DIR_B
//
// (e.g. the same `dsa110 image --threads 2` twice on one MS: see the report of issue 13).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { readFitsImage } from '../src/main/engine/fits';

function fitsFiles(root: string, rel = ''): string[] {
  return readdirSync(path.join(root, rel)).flatMap((name) => {
    const r = path.join(rel, name);
    if (statSync(path.join(root, r)).isDirectory()) return name.endsWith('.ms') ? [] : fitsFiles(root, r);
    return name.endsWith('.fits') ? [r] : [];
  });
}

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node --import tsx bench/compare-fits.ts DIR_A DIR_B');
  process.exit(2);
}
const inB = new Set(fitsFiles(b));
let identical = 0;
let compared = 0;
for (const rel of fitsFiles(a).sort()) {
  if (!inB.has(rel)) {
    console.log(`${rel}: only in ${a}`);
    continue;
  }
  const x = readFitsImage(path.join(a, rel));
  const y = readFitsImage(path.join(b, rel));
  compared++;
  if (x.bitpix !== y.bitpix || x.shape.join('x') !== y.shape.join('x')) {
    console.log(`${rel}: shape/type differ (${x.shape.join('x')} ${x.bitpix} vs ${y.shape.join('x')} ${y.bitpix})`);
    continue;
  }
  const bx = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  const by = new Uint8Array(y.data.buffer, y.data.byteOffset, y.data.byteLength);
  const bit = Buffer.compare(bx, by) === 0;
  let maxDiff = 0;
  let peak = 0;
  for (let i = 0; i < x.data.length; i++) {
    const u = x.data[i]!;
    const v = y.data[i]!;
    if (Number.isFinite(u)) peak = Math.max(peak, Math.abs(u));
    if (Number.isNaN(u) !== Number.isNaN(v)) maxDiff = Infinity;
    else if (!Number.isNaN(u)) maxDiff = Math.max(maxDiff, Math.abs(u - v));
  }
  const keys = [...x.keywords.keys()].filter(
    (k) => !['DATE', 'HISTORY', 'COMMENT'].includes(k) && x.keywords.get(k) !== y.keywords.get(k),
  );
  if (bit) identical++;
  console.log(
    `${rel}: ${bit ? 'bit-identical' : `max |diff| ${maxDiff.toExponential(3)} (peak ${peak.toPrecision(4)}, ${(maxDiff / peak).toExponential(1)} of it)`}${keys.length ? `; keywords differ: ${keys.join(' ')}` : ''}`,
  );
}
console.log(`${identical} of ${compared} files bit-identical`);
