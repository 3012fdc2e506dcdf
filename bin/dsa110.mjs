#!/usr/bin/env node
// Headless entry point (`npx dsa110`, `npm run demo`): runs the TypeScript CLI from sources via tsx,
// so no build step is needed; works from any working directory.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main/cli/main.ts');
process.exitCode = await main(process.argv);
