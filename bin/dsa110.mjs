#!/usr/bin/env node
// Headless entry point (`npx dsa110`, `npm run demo`): runs the bundled plain-JavaScript CLI
// out/cli/main.js, built by scripts/build-cli.mjs at `npm ci`; works from any working directory.
// In a checkout whose sources changed since that build it rebuilds first (esbuild, well under a
// second), so an edit never runs old code; a bundle that is missing and cannot be built is an
// error naming the file.
import { existsSync } from 'node:fs';
import { ensureCli, outDir } from '../scripts/build-cli.mjs';

const entry = new URL('../out/cli/main.js', import.meta.url);
try {
  await ensureCli({ quiet: true });
} catch (err) {
  const reason = err instanceof Error ? err.message : String(err);
  if (!existsSync(entry)) {
    process.stderr.write(
      `dsa110: the CLI bundle ${outDir}/main.js is missing and could not be built (${reason}); run "npm ci" or "node scripts/build-cli.mjs"\n`,
    );
    process.exit(1);
  }
  process.stderr.write(
    `dsa110: warning: the CLI bundle in ${outDir} is older than its sources and could not be rebuilt (${reason}); running it as it is\n`,
  );
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
