// Run by pool.test.ts as `node --import tsx test/native/run-pool-under-tsx.ts`: proves the pool
// starts its TypeScript worker outside vitest too. Prints the first output value as JSON.
import { NativePool, sharedComplexArray } from '../../src/main/engine/native/pool';

const pool = new NativePool({ workers: 1 });
try {
  const nx = 6;
  const ny = 5;
  const data = sharedComplexArray(nx, ny, 'complex128');
  for (let i = 0; i < nx * ny; i++) data[2 * i] = i; // real ramp: X[0,0] = sum = 435
  await pool.fft2d(data, nx, ny, { threads: 2 });
  console.log(JSON.stringify({ dc: [data[0], data[1]] }));
} finally {
  await pool.close();
}
