// Gridder benchmark: a DSA-110-sized dirty image and its degridding. Real array geometry (96
// antennas, 4560 cross-correlations), 24 integrations of a 5-minute drift scan at the
// meridian, 768 channels over 1.31-1.50 GHz, 2048^2 pixels of 6"; float32 visibilities at
// epsilon 1e-5. Reports visibilities per second and per CPU-second for gridding (ms2dirty) and
// degridding (dirty2ms) on 1 and 2 threads.
import { parseArgs } from 'node:util';
import { loadAddon, type GridderInfo, type GridderKernelOptions } from '../src/main/engine/native/addon';
import { activeStations, simArray } from '../src/main/engine/sim/array';
import { Rng } from '../src/main/engine/sim/rng';
import { uvwFromHourAngle } from '../src/shared/astro';
import { ARRAY_CENTRE } from '../src/shared/instrument';

export const description =
  'DSA-110-sized gridding/degridding (w-gridding, float32): --chan --times --npix --pixel --eps --threads --dec --sigma --max-grid-mb --repeats';

const DEG = Math.PI / 180;

function intList(value: string, option: string): number[] {
  const list = value.split(',').map(Number);
  if (list.some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`bench grid: --${option} expects integers >= 1, got "${value}"`);
  return list;
}

function number(value: string, option: string): number {
  const v = Number(value);
  if (!Number.isFinite(v)) throw new Error(`bench grid: --${option} expects a number, got "${value}"`);
  return v;
}

/** Cross-correlation uvw (m) of 96 stations over `times` integrations spanning 5 minutes around transit. */
function drift(times: number, decDeg: number): Float64Array {
  const arr = simArray(activeStations(96));
  const cross: number[] = [];
  for (let b = 0; b < arr.ant1.length; b++) if (arr.ant1[b] !== arr.ant2[b]) cross.push(b);
  const uvw = new Float64Array(3 * cross.length * times);
  for (let t = 0; t < times; t++) {
    // 5 minutes of hour angle = 1.25 deg, centred on the meridian.
    const ha = ((t + 0.5) / times - 0.5) * 1.25 * DEG;
    const all = uvwFromHourAngle(arr.baselinesEcef, ha, decDeg * DEG, ARRAY_CENTRE.longitudeDeg);
    cross.forEach((b, i) => uvw.set(all.subarray(3 * b, 3 * b + 3), 3 * (t * cross.length + i)));
  }
  return uvw;
}

function describeInfo(i: GridderInfo): string {
  const mb = (i.slots * 8 * i.nu * i.nv) / 2 ** 20;
  return `W=${i.support} beta=${i.beta.toFixed(2)} sigma=${i.sigma} grid ${i.nu}x${i.nv}, ${i.nplanes} w planes (|w| ${i.wmin.toFixed(0)}-${i.wmax.toFixed(0)} lambda, dw ${i.dw.toFixed(1)}), ${i.slots} held at once (${mb.toFixed(0)} MB)`;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      chan: { type: 'string', default: '768' },
      times: { type: 'string', default: '24' },
      npix: { type: 'string', default: '2048' },
      pixel: { type: 'string', default: '6' },
      eps: { type: 'string', default: '1e-5' },
      threads: { type: 'string', default: '1,2' },
      dec: { type: 'string', default: '55' },
      sigma: { type: 'string', default: '0' },
      repeats: { type: 'string', default: '1' },
      'max-grid-mb': { type: 'string', default: '0' },
      'no-degrid': { type: 'boolean', default: false },
    },
  });
  const [nchan] = intList(values.chan, 'chan');
  const [times] = intList(values.times, 'times');
  const [npix] = intList(values.npix, 'npix');
  const [repeats] = intList(values.repeats, 'repeats');
  const threadCounts = intList(values.threads, 'threads');
  const pixel = (number(values.pixel, 'pixel') / 3600) * DEG;
  const epsilon = number(values.eps, 'eps');
  const sigma = number(values.sigma, 'sigma');
  const maxGridBytes = Math.round(number(values['max-grid-mb'], 'max-grid-mb') * 2 ** 20);
  const addon = loadAddon();

  const uvw = drift(times!, number(values.dec, 'dec'));
  const nrows = uvw.length / 3;
  const freqs = Float64Array.from({ length: nchan! }, (_, c) => 1.4986e9 - c * (0.1875e9 / 768));
  const nvis = nrows * nchan!;
  console.log(
    `${nrows} rows (4560 baselines x ${times} times) x ${nchan} channels = ${(nvis / 1e6).toFixed(1)} M visibilities; ${npix}^2 pixels of ${values.pixel}", epsilon ${epsilon}, float32`,
  );
  const rng = new Rng(7, 'bench-grid');
  const vis = new Float32Array(2 * nvis);
  for (let i = 0; i < vis.length; i++) vis[i] = rng.range(-1, 1);
  const weights = new Float32Array(nvis).fill(1);
  const dirty = new Float32Array(npix! * npix!);
  const model = new Float32Array(2 * nvis);
  for (let i = 0; i < dirty.length; i += 997) dirty[i] = 1;

  // Wall time, and the process's CPU time (user + system, all threads): on a shared machine the
  // CPU time still measures the kernel's own work.
  const time = (fn: () => GridderInfo): { ms: number; cpuMs: number; info: GridderInfo } => {
    let best = Infinity;
    let cpuMs = Infinity;
    let info: GridderInfo | undefined;
    for (let r = 0; r < repeats!; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      info = fn();
      best = Math.min(best, performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpuMs = Math.min(cpuMs, (c.user + c.system) / 1e3);
    }
    return { ms: best, cpuMs, info: info! };
  };

  console.log('direction   threads   wall s   M vis/s   CPU s   M vis/s per CPU-second');
  for (const threads of threadCounts) {
    const opts: GridderKernelOptions = {
      nx: npix!,
      ny: npix!,
      pixelL: pixel,
      pixelM: pixel,
      epsilon,
      sigma,
      threads,
      maxGridBytes,
    };
    const directions: ['grid' | 'degrid', () => GridderInfo][] = [
      ['grid', () => addon.ms2dirty(uvw, freqs, vis, weights, dirty, opts)],
    ];
    if (!values['no-degrid']) directions.push(['degrid', () => addon.dirty2ms(uvw, freqs, dirty, null, model, opts)]);
    for (const [name, fn] of directions) {
      const { ms, cpuMs, info } = time(fn);
      const rate = nvis / (ms / 1e3) / 1e6;
      console.log(
        `${name.padEnd(9)}  ${String(threads).padStart(7)}  ${(ms / 1e3).toFixed(2).padStart(7)}  ${rate.toFixed(2).padStart(8)}  ${(cpuMs / 1e3).toFixed(2).padStart(6)}  ${(nvis / (cpuMs / 1e3) / 1e6).toFixed(2).padStart(23)}`,
      );
      if (threads === threadCounts[0]) console.log(`           ${describeInfo(info)}`);
    }
  }
}
