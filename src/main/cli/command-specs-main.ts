// Bundle entry out/cli/command-specs.js, run by scripts/build-cli.mjs after each build: prints
// every command's declaration (arguments, options, help texts, subcommands; command-spec.ts) as
// JSON, which the build writes to out/cli/commands.json for `dsa110 <command> --help`.
import { commandSpecs } from './command-spec';
import { commands } from './commands';
import { createContext } from './context';

const sink = { write: () => true };
const specs = await commandSpecs(commands, (program) =>
  createContext(program, { stdout: sink, stderr: sink, env: {}, cwd: process.cwd() }),
);
process.stdout.write(`${JSON.stringify(specs)}\n`);
