// FFT benchmark: the native complex64 2-D FFT at 1024^2, 2048^2 and 4096^2 on 1 and 2 threads,
// in ms and GFLOP/s (5 N log2 N), beside numpy.fft.fft2 on the same complex64 arrays.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadAddon } from '../src/main/engine/native/addon';
import { NativePool, sharedComplexArray } from '../src/main/engine/native/pool';

export const description =
  'complex64 2-D FFT (native, 1/2 threads) vs numpy.fft.fft2; --sizes --threads --repeats --pool --no-numpy';

const PYTHON = '/usr/bin/python3';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function intList(value: string, option: string): number[] {
  const list = value.split(',').map(Number);
  if (list.some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`bench fft: --${option} expects integers >= 1, got "${value}"`);
  return list;
}

/** 5 N log2 N floating-point operations over N = n^2 points, per second, in GFLOP/s. */
function gflops(n: number, ms: number): number {
  const N = n * n;
  return (5 * N * Math.log2(N)) / (ms * 1e6);
}

interface Timing {
  median: number;
  best: number;
}

function timing(times: number[]): Timing {
  return { median: median(times), best: Math.min(...times) };
}

/** ms of numpy.fft.fft2 on an n x n complex64 array, or null (with why) when unavailable. */
function numpyMs(n: number, repeats: number): { ms: Timing; info: string } | { ms: null; info: string } {
  if (!existsSync(PYTHON)) return { ms: null, info: `${PYTHON} not found` };
  const code = `
import sys, time, json, numpy as np
n, reps = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(1)
a = (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))).astype(np.complex64)
out = np.fft.fft2(a)  # warm-up
ts = []
for _ in range(reps):
    t0 = time.perf_counter(); np.fft.fft2(a); ts.append((time.perf_counter() - t0) * 1e3)
print(json.dumps({"times": ts, "info": "numpy %s, output %s" % (np.__version__, out.dtype)}))
`;
  const r = spawnSync(PYTHON, ['-c', code, String(n), String(repeats)], {
    encoding: 'utf8',
    env: { ...process.env, OPENBLAS_NUM_THREADS: '1' },
  });
  if (r.status !== 0) return { ms: null, info: `python3 failed: ${r.stderr.trim().split('\n').pop() ?? ''}` };
  const parsed = JSON.parse(r.stdout) as { times: number[]; info: string };
  return { ms: timing(parsed.times), info: parsed.info };
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      sizes: { type: 'string', default: '1024,2048,4096' },
      threads: { type: 'string', default: '1,2' },
      repeats: { type: 'string', default: '5' },
      pool: { type: 'boolean', default: false },
      'no-numpy': { type: 'boolean', default: false },
    },
  });
  const sizes = intList(values.sizes, 'sizes');
  const threadCounts = intList(values.threads, 'threads');
  const [repeats] = intList(values.repeats, 'repeats');
  const addon = loadAddon();
  const pool = values.pool ? new NativePool({ workers: 1 }) : null;
  console.log(
    `complex64 2-D FFT, ${repeats} runs after a warm-up, ${pool ? 'through NativePool (worker thread)' : 'addon called directly'}`,
  );
  // The best run estimates the kernel's speed on a shared machine; the median shows the spread.
  console.log('   size  threads  median ms  best ms  GFLOP/s(best)  numpy median  numpy best  numpy/native(best)');
  let numpyInfo = '';
  try {
    for (const n of sizes) {
      const data = sharedComplexArray(n, n, 'complex64');
      for (let i = 0; i < data.length; i++) data[i] = Math.random() - 0.5;
      const numpy = values['no-numpy'] ? null : numpyMs(n, repeats!);
      if (numpy) numpyInfo = numpy.info;
      for (const threads of threadCounts) {
        const once = async (): Promise<number> => {
          const t0 = performance.now();
          if (pool) await pool.fft2d(data, n, n, { threads });
          else addon.fft2d(data, n, n, false, threads);
          return performance.now() - t0;
        };
        await once();
        const times: number[] = [];
        for (let r = 0; r < repeats!; r++) times.push(await once());
        const t = timing(times);
        const np = numpy?.ms ?? null;
        console.log(
          `${String(n).padStart(7)}  ${String(threads).padStart(7)}  ${t.median.toFixed(1).padStart(9)}  ${t.best.toFixed(1).padStart(7)}` +
            `  ${gflops(n, t.best).toFixed(2).padStart(13)}` +
            (np === null
              ? '           n/a'
              : `  ${np.median.toFixed(1).padStart(12)}  ${np.best.toFixed(1).padStart(10)}  ${(np.best / t.best).toFixed(2).padStart(18)}`),
        );
      }
    }
  } finally {
    await pool?.close();
  }
  if (numpyInfo) console.log(`numpy: ${numpyInfo} (single-threaded pocketfft)`);
}
