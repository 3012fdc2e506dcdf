// Benchmark dispatcher: `npm run bench -- <name> [args]` loads bench/<name>.ts and awaits its
// run(args); without a name it lists the benchmarks (every bench/*.ts but this file).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureCli } from '../scripts/build-cli.mjs';

/** What a benchmark module exports. */
export interface Benchmark {
  run(args: string[]): Promise<void>;
  /** One line for the listing. */
  description?: string;
}

const benchDir = path.dirname(fileURLToPath(import.meta.url));

function available(): string[] {
  return readdirSync(benchDir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

async function load(name: string): Promise<Benchmark> {
  const mod = (await import(pathToFileURL(path.join(benchDir, `${name}.ts`)).href)) as Partial<Benchmark>;
  if (typeof mod.run !== 'function') throw new Error(`bench/${name}.ts does not export run(args): Promise<void>`);
  return mod as Benchmark;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  const names = available();
  if (name === undefined || name === '--help' || name === '-h') {
    console.log('usage: npm run bench -- <name> [args]\n\nbenchmarks:');
    for (const n of names) console.log(`  ${n.padEnd(12)} ${(await load(n)).description ?? ''}`);
    return 0;
  }
  if (!names.includes(name)) {
    console.error(`bench: no benchmark "${name}" (no bench/${name}.ts); available: ${names.join(', ') || 'none'}`);
    return 2;
  }
  // The engine's worker threads start from the bundled entries in out/cli: never an old build.
  if (await ensureCli({ quiet: true })) console.log('bench: rebuilt out/cli (the sources had changed)');
  await (await load(name)).run(args);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  },
);
