// vitest global setup: builds out/cli when it is missing or older than its sources (esbuild, about
// a second), so the spawned CLI and every worker thread run the code under test, never an old bundle.
import { ensureCli } from '../scripts/build-cli.mjs';

export default async function setup(): Promise<void> {
  await ensureCli({ quiet: true });
}
