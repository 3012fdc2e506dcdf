// `dsa110 <command> --help` from the commands' declarations (out/cli/commands.json, written by
// the build; src/main/cli/command-spec.ts) shows exactly what the loaded command module shows:
// every command and subcommand, its arguments, options, defaults, choices and help texts. The
// bundled CLI's help importing no engine code is checked in test/cli/bundle.test.ts.
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { commandSpecs, type CommandSpec } from '../../src/main/cli/command-spec';
import { commands } from '../../src/main/cli/commands';
import { createContext, type CliIO } from '../../src/main/cli/context';
import { buildProgram, helpRequested } from '../../src/main/cli/program';

const sink = { write: () => true };
const quietIO: CliIO = { stdout: sink, stderr: sink, env: {}, cwd: process.cwd() };

/** What `dsa110 ...args` prints on stdout, with `specs` (null: the modules themselves). */
async function help(args: string[], specs: readonly CommandSpec[] | null): Promise<string> {
  let out = '';
  const io: CliIO = { ...quietIO, stdout: { write: (s: string) => ((out += s), true) } };
  const argv = ['node', 'dsa110', ...args];
  const { program, ctx } = await buildProgram(io, argv, commands, specs);
  try {
    await program.parseAsync(argv);
    throw new Error(`${args.join(' ')}: no help was shown`);
  } catch (err) {
    if (!(err instanceof CommanderError) || err.exitCode !== 0) throw err;
  } finally {
    ctx.close();
  }
  return out;
}

/** Every command path: ['jobs'], ['jobs', 'list'], ... */
function paths(specs: readonly CommandSpec[], prefix: string[] = []): string[][] {
  return specs.flatMap((s) => [[...prefix, s.name], ...paths(s.commands, [...prefix, s.name])]);
}

describe('command declarations', async () => {
  const specs = await commandSpecs(commands, (program) => createContext(program, quietIO));

  it('declare every listed command, in list order, with its subcommands', () => {
    expect(specs.map((s) => s.name)).toEqual(commands.map((e) => e.name));
    const mosaic = specs.find((s) => s.name === 'mosaic')!;
    expect(mosaic.commands.map((c) => c.name)).toEqual(['build', 'centered', 'next', 'plan', 'plans']);
    const transits = specs.find((s) => s.name === 'transits')!;
    expect(transits.options.map((o) => o.flags)).toContain('--calibrator <name>');
    // Survives the trip through the JSON file the build writes.
    expect(JSON.parse(JSON.stringify(specs))).toEqual(specs);
  });

  it.each(paths(specs).map((p) => [p.join(' '), p] as const))(
    '%s --help is the same from the declaration as from the module',
    async (_name, p) => {
      const fromSpec = await help([...p, '--help'], specs);
      expect(fromSpec).toMatch(new RegExp(`^Usage: dsa110 ${p.join(' ')}`));
      expect(fromSpec).toBe(await help([...p, '--help'], null));
      // `dsa110 help NAME` (commander shows the top-level command's help for `help jobs list`).
      expect(await help(['help', ...p], specs)).toBe(await help(['help', ...p], null));
      if (p.length === 1) expect(await help(['help', ...p], specs)).toBe(fromSpec);
    },
  );

  it('are used only when help is asked for', () => {
    expect(helpRequested(['jobs', 'list', '--help'])).toBe(true);
    expect(helpRequested(['-w', 'ws', 'qa', '-h'])).toBe(true);
    expect(helpRequested(['help', 'qa'])).toBe(true);
    expect(helpRequested(['qa', 'x'])).toBe(false);
    expect(helpRequested(['qa', '--', '--help'])).toBe(false);
  });
});
