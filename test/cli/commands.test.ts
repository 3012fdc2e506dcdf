// The explicit command list (src/main/cli/commands/index.ts) against the modules it loads: every
// entry's name, usage and description are what its module registers, every registered top-level
// command has an entry, and a run imports only the command it runs (none for `--help`).
import { Command, Help } from 'commander';
import { describe, expect, it } from 'vitest';
import { ENTRIES } from '../../scripts/build-cli.mjs';
import { commands, type CliCommand, type CommandEntry } from '../../src/main/cli/commands';
import { createContext, type CliIO } from '../../src/main/cli/context';
import { buildProgram, invokedCommand } from '../../src/main/cli/program';
import { WORKER_ENTRIES } from '../../src/main/engine/native/worker-entries';

const sink = { write: () => true };
const io: CliIO = { stdout: sink, stderr: sink, env: {}, cwd: process.cwd() };

/** The top-level commands a loaded module registers on an empty program. */
async function registered(entry: CommandEntry): Promise<readonly Command[]> {
  const program = new Command('dsa110');
  (await entry.load()).register(program, createContext(program, io));
  return program.commands;
}

describe('the command list', () => {
  it('has one entry per name', () => {
    const names = commands.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it.each(commands.map((e) => [e.name, e] as const))(
    '%s: name, usage and description as its module registers them',
    async (_name, entry) => {
      const cmds = await registered(entry);
      const cmd = cmds.find((c) => c.name() === entry.name);
      expect(cmd, `the module loaded for '${entry.name}' registers no command of that name`).toBeDefined();
      expect(entry.description).toBe(cmd!.description());
      expect([entry.name, entry.usage].filter(Boolean).join(' ')).toBe(new Help().subcommandTerm(cmd!));
      // Every other top-level command the module registers is listed too (products: publish, approve, reject).
      for (const other of cmds)
        expect(
          commands.map((e) => e.name),
          `'${other.name()}' is registered but not listed`,
        ).toContain(other.name());
    },
  );

  it('registers the mosaic group with the orchestrator subcommands, by the list and not by an import side effect', async () => {
    const mosaic = commands.find((e) => e.name === 'mosaic')!;
    const group = (await registered(mosaic)).find((c) => c.name() === 'mosaic')!;
    expect(group.commands.map((c) => c.name())).toEqual(['build', 'centered', 'next', 'plan', 'plans']);
    const { mosaicCommand } = await import('../../src/main/cli/commands/mosaic');
    const bare = new Command('dsa110');
    mosaicCommand().register(bare, createContext(bare, io));
    expect(bare.commands[0]!.commands.map((c) => c.name())).toEqual(['build']);
  });
});

describe('invokedCommand', () => {
  const program = new Command('dsa110')
    .option('-w, --workspace <dir>')
    .option('--set <kv>')
    .option('--json')
    .option('-q, --quiet');
  it.each<[string[], string | undefined]>([
    [['db', 'status'], 'db'],
    [['--workspace', 'ws', 'db', 'status'], 'db'],
    [['-w', 'ws', '--json', 'mosaic', 'build'], 'mosaic'],
    [['--workspace=ws', 'jobs'], 'jobs'],
    [['-qw', 'ws', 'version'], 'version'],
    [['-wws', 'version'], 'version'],
    [['--set', 'imaging.niter=5', 'config', 'show'], 'config'],
    [['help', 'publish'], 'publish'],
    [['help'], undefined],
    [['--help'], undefined],
    [['--json'], undefined],
    [['--', 'qa', 'x'], 'qa'],
  ])('%j -> %s', (args, name) => {
    expect(invokedCommand(program, args)).toBe(name);
  });
});

describe('buildProgram', () => {
  /** The list with loaders that record which entries were imported. */
  function recording(): { entries: CommandEntry[]; loaded: string[] } {
    const loaded: string[] = [];
    // One wrapper per module, so entries sharing a module (products, publish, ...) still share it.
    const wrappers = new Map<CommandEntry['load'], CommandEntry['load']>();
    const entries = commands.map((e) => {
      if (!wrappers.has(e.load))
        wrappers.set(e.load, async (): Promise<CliCommand> => {
          loaded.push(e.name);
          return e.load();
        });
      return { ...e, load: wrappers.get(e.load)! };
    });
    return { entries, loaded };
  }

  it('imports no command for --help, and lists every command with its usage and description', async () => {
    const { entries, loaded } = recording();
    const { program } = await buildProgram(io, ['node', 'dsa110', '--help'], entries);
    expect(loaded).toEqual([]);
    const help = program.helpInformation();
    for (const e of commands)
      expect(help).toMatch(
        new RegExp(`^  ${[e.name, e.usage].filter(Boolean).join(' ').replace(/[[\]]/g, '\\$&')}\\s`, 'm'),
      );
  });

  it('imports only the command it runs', async () => {
    const { entries, loaded } = recording();
    const { program } = await buildProgram(io, ['node', 'dsa110', '--json', 'publish', 'x'], entries);
    expect(loaded).toEqual(['products']);
    // The module registered products, publish, approve and reject; the rest are stubs, in list order.
    expect(program.commands.map((c) => c.name())).toEqual(commands.map((e) => e.name));
    expect(program.commands.find((c) => c.name() === 'publish')!.registeredArguments.map((a) => a.name())).toEqual([
      'id',
    ]);
  });

  it('names a command whose module cannot be loaded', async () => {
    const entries = commands.map((e) =>
      e.name === 'db' ? { ...e, load: () => Promise.reject(new Error('Cannot find module /x/chunk.js')) } : e,
    );
    await expect(buildProgram(io, ['node', 'dsa110', 'db', 'status'], entries)).rejects.toThrow(
      "cannot load the 'db' command: Cannot find module /x/chunk.js",
    );
  });
});

describe('the bundle entries', () => {
  it('are the CLI and the worker entries the engine starts (scripts/build-cli.mjs, native/worker-entries.ts)', () => {
    expect(ENTRIES).toEqual({
      main: 'src/main/cli/main.ts',
      'command-specs': 'src/main/cli/command-specs-main.ts',
      ...WORKER_ENTRIES,
    });
  });
});
