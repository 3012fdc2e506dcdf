// Bundles the headless CLI and the worker threads' entry files into plain JavaScript in out/cli/
// with esbuild (well under a second): main.js (what bin/dsa110.mjs runs; every command is a
// lazily imported chunk), native-worker.js and convert-write-worker.js. npm packages stay
// external (loaded from node_modules at run time). Runs at install (postinstall), before
// `npm test`, `npm run demo` and `npm run bench`, and from bin/dsa110.mjs when the sources are
// newer than the bundle, so a source edit never runs old code.
//
//   node scripts/build-cli.mjs           build when out/cli is missing or older than its sources
//   node scripts/build-cli.mjs --force   build regardless
//
// Every output file is written beside its final name and renamed into place, entries last, so
// CLIs started while a build runs see either the old bundle or the new one, never half of one.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const outDir = path.join(root, 'out', 'cli');
const infoFile = path.join(outDir, 'build-info.json');
const thisScript = fileURLToPath(import.meta.url);

/**
 * The bundle's entry points: output name -> source. The worker entries are the ones
 * src/main/engine/workers/entries.ts names; electron.vite.config.ts builds the same ones into out/main.
 */
export const ENTRIES = {
  main: 'src/main/cli/main.ts',
  // Run once after each build to write out/cli/commands.json (src/main/cli/command-spec.ts).
  'command-specs': 'src/main/cli/command-specs-main.ts',
  'native-worker': 'src/main/engine/workers/native-worker.ts',
  'convert-write-worker': 'src/main/engine/convert/write-worker.ts',
  'tiles-worker': 'src/main/engine/tiles/worker.ts',
};

/**
 * Why out/cli must be (re)built, or null when it is current: an entry or the build record is
 * missing, or a source it was built from (esbuild's list of inputs), or this script, changed
 * after the build started. Costs one stat per source file (a few ms).
 */
export function staleReason() {
  let info;
  try {
    info = JSON.parse(readFileSync(infoFile, 'utf8'));
  } catch {
    return `${path.relative(root, infoFile)} is missing`;
  }
  for (const name of Object.keys(ENTRIES)) {
    if (!existsSync(path.join(outDir, `${name}.js`))) return `out/cli/${name}.js is missing`;
  }
  const builtAt = Number(info.builtAtMs);
  for (const rel of [...(Array.isArray(info.inputs) ? info.inputs : []), path.relative(root, thisScript)]) {
    let mtime;
    try {
      mtime = statSync(path.join(root, rel)).mtimeMs;
    } catch {
      return `${rel} is gone`;
    }
    if (!(mtime < builtAt)) return `${rel} changed`;
  }
  return null;
}

/** Build out/cli (esbuild is a devDependency, imported only here). Returns the build's inputs. */
export async function buildCli({ quiet = false } = {}) {
  const started = Date.now();
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, src]) => [name, path.join(root, src)])),
    outdir: outDir,
    bundle: true,
    // Chunks beside the entries: bundled modules find the worker entries in their own folder.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  mkdirSync(outDir, { recursive: true });
  const entryFiles = new Set(
    Object.keys(ENTRIES).flatMap((n) => [path.join(outDir, `${n}.js`), path.join(outDir, `${n}.js.map`)]),
  );
  const written = new Set();
  // Chunks first, entries last: an entry is only ever in place with the chunks it imports.
  const ordered = [...result.outputFiles].sort(
    (a, b) => Number(entryFiles.has(a.path)) - Number(entryFiles.has(b.path)),
  );
  for (const file of ordered) {
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
    written.add(file.path);
  }
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith('node_modules/') && !p.includes('/node_modules/'))
    .sort();
  writeCommandSpecs(quiet);
  const infoTmp = `${infoFile}.${process.pid}.tmp`;
  writeFileSync(infoTmp, `${JSON.stringify({ builtAtMs: started, esbuild: esbuild.version, inputs }, null, 1)}\n`);
  renameSync(infoTmp, infoFile);
  // Chunks of earlier builds: removed once they are old enough that no CLI still running can need them.
  for (const name of readdirSync(outDir)) {
    const p = path.join(outDir, name);
    if (written.has(p) || p === infoFile) continue;
    if (Date.now() - statSync(p).mtimeMs > 10 * 60_000) rmSync(p, { force: true });
  }
  if (!quiet)
    console.log(
      `build-cli: built out/cli (${Object.keys(ENTRIES).length} entries, ${written.size} files, ${inputs.length} sources) in ${Date.now() - started} ms`,
    );
  return inputs;
}

/**
 * out/cli/commands.json: every command's declared arguments, options and help texts, printed by
 * the bundle's command-specs.js (which imports every command module), so that
 * `dsa110 <command> --help` needs none of them. Without it (the run failed: a warning) help
 * imports the command's module instead, which is slower but shows the same.
 */
function writeCommandSpecs(quiet) {
  const file = path.join(outDir, 'commands.json');
  const r = spawnSync(process.execPath, [path.join(outDir, 'command-specs.js')], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  let specs;
  try {
    if (r.status !== 0) throw new Error(r.error?.message ?? (r.stderr.trim() || `exit code ${r.status}`));
    specs = JSON.parse(r.stdout);
  } catch (err) {
    rmSync(file, { force: true });
    if (!quiet)
      console.warn(
        `build-cli: warning: out/cli/command-specs.js failed (${err instanceof Error ? err.message : String(err)}); subcommand help will load the command modules`,
      );
    return;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(specs, null, 1)}\n`);
  renameSync(tmp, file);
}

/** Build when stale; true when a build ran. */
export async function ensureCli({ quiet = false } = {}) {
  const reason = staleReason();
  if (reason === null) return false;
  if (!quiet) console.log(`build-cli: ${reason}; building`);
  await buildCli({ quiet });
  return true;
}

/** Whether esbuild (a devDependency) can be imported: not after `npm ci --omit=dev`. */
async function haveEsbuild() {
  try {
    await import('esbuild');
    return true;
  } catch {
    return false;
  }
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  if (!(await haveEsbuild())) {
    // postinstall of a production install: nothing to build with. Not an install failure; the
    // bundle must come from a full install (`npm ci`) or a packaged release.
    const have = staleReason() === null;
    console.warn(
      `build-cli: esbuild is not installed (a devDependency; "npm ci --omit=dev"?), so out/cli cannot be built here; ${
        have
          ? 'the existing out/cli is up to date'
          : 'dsa110 needs out/cli from a full "npm ci" (or a packaged release)'
      }`,
    );
    process.exit(process.argv.includes('--force') ? 1 : 0);
  }
  const run = process.argv.includes('--force')
    ? buildCli()
    : ensureCli().then((built) => {
        if (!built) console.log('build-cli: out/cli is up to date (--force to rebuild)');
      });
  run.catch((err) => {
    console.error(`build-cli: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
