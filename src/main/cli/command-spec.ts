// What `dsa110 <command> --help` shows, without importing the command's module (which imports
// the engine, SQLite, HDF5): the command modules stay the one place where a command's
// arguments, options and help text are declared; scripts/build-cli.mjs runs out/cli/command-specs.js
// once per build, which registers every module and writes their declarations (this file's
// CommandSpec) to out/cli/commands.json; subcommand help rebuilds commander commands from that
// file. From the sources (tests, tsx) there is no such file and help loads the module, as a run does.
import { readFileSync } from 'node:fs';
import { Argument, Command, Option } from 'commander';
import type { CliContext } from './context';
import type { CliCommand, CommandEntry } from './commands/types';

export interface ArgumentSpec {
  name: string;
  required: boolean;
  variadic: boolean;
  description: string;
  defaultValue?: unknown;
  defaultValueDescription?: string;
  choices?: string[];
}

export interface OptionSpec {
  flags: string;
  description: string;
  defaultValue?: unknown;
  defaultValueDescription?: string;
  choices?: string[];
  hidden: boolean;
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  description: string;
  usage: string;
  arguments: ArgumentSpec[];
  options: OptionSpec[];
  helpText: { position: 'beforeAll' | 'before' | 'after' | 'afterAll'; text: string }[];
  commands: CommandSpec[];
  /** Whether help lists an implicit `help [command]` (commander adds it only to commands without an action). */
  helpCommand: boolean;
}

/** The file beside the bundle's main.js. */
export const SPEC_FILE = 'commands.json';

const helpTexts = new WeakMap<Command, CommandSpec['helpText']>();

function describeCommand(cmd: Command): CommandSpec {
  return {
    name: cmd.name(),
    aliases: cmd.aliases(),
    description: cmd.description(),
    usage: cmd.usage(),
    arguments: cmd.registeredArguments.map((a) => ({
      name: a.name(),
      required: a.required,
      variadic: a.variadic,
      description: a.description,
      ...(a.defaultValue === undefined ? {} : { defaultValue: a.defaultValue as unknown }),
      ...(a.defaultValueDescription === undefined ? {} : { defaultValueDescription: a.defaultValueDescription }),
      ...(a.argChoices ? { choices: [...a.argChoices] } : {}),
    })),
    options: cmd.options
      .filter((o) => o.long !== '--help')
      .map((o) => ({
        flags: o.flags,
        description: o.description,
        ...(o.defaultValue === undefined ? {} : { defaultValue: o.defaultValue as unknown }),
        ...(o.defaultValueDescription === undefined ? {} : { defaultValueDescription: o.defaultValueDescription }),
        ...(o.argChoices ? { choices: [...o.argChoices] } : {}),
        hidden: o.hidden,
      })),
    helpText: helpTexts.get(cmd) ?? [],
    commands: cmd.commands.map(describeCommand),
    helpCommand:
      cmd.commands.length > 0 &&
      cmd
        .createHelp()
        .visibleCommands(cmd)
        .some((c) => c.name() === 'help'),
  };
}

/**
 * Every top-level command of `entries` as its module declares it: each module loaded once and
 * registered on an empty program (`makeContext` gives it the context it keeps for its actions,
 * which never run here).
 */
export async function commandSpecs(
  entries: readonly CommandEntry[],
  makeContext: (program: Command) => CliContext,
): Promise<CommandSpec[]> {
  // addHelpText keeps its text in an event listener; record static texts as they are added.
  const original = Command.prototype.addHelpText;
  Command.prototype.addHelpText = function (this: Command, position: never, text: string | (() => string)) {
    if (typeof text !== 'string')
      throw new Error(`command '${this.name()}': help text given as a function cannot be listed in ${SPEC_FILE}`);
    helpTexts.set(this, [...(helpTexts.get(this) ?? []), { position, text }]);
    return Reflect.apply(original, this, [position, text]) as Command;
  } as typeof original;
  try {
    const program = new Command('dsa110');
    const ctx = makeContext(program);
    const loaded = new Set<CommandEntry['load']>();
    for (const entry of entries) {
      if (loaded.has(entry.load)) continue;
      loaded.add(entry.load);
      const command: CliCommand = await entry.load();
      command.register(program, ctx);
    }
    return entries.map((entry) => {
      const cmd = program.commands.find((c) => c.name() === entry.name);
      if (!cmd) throw new Error(`the module loaded for command '${entry.name}' registered no command of that name`);
      return describeCommand(cmd);
    });
  } finally {
    Command.prototype.addHelpText = original;
  }
}

/** The declarations written by the build beside this module (the bundle), or null from the sources. */
export function readCommandSpecs(): CommandSpec[] | null {
  if (!import.meta.url.endsWith('.js')) return null;
  try {
    return JSON.parse(readFileSync(new URL(`./${SPEC_FILE}`, import.meta.url), 'utf8')) as CommandSpec[];
  } catch {
    return null;
  }
}

/** A commander command with `spec`'s arguments, options, help texts and subcommands, and no action. */
export function commandFromSpec(spec: CommandSpec, parent: Command): Command {
  const cmd = new Command(spec.name).copyInheritedSettings(parent).description(spec.description);
  for (const a of spec.aliases) cmd.alias(a);
  for (const a of spec.arguments) {
    const dots = a.variadic ? '...' : '';
    const arg = new Argument(a.required ? `<${a.name}${dots}>` : `[${a.name}${dots}]`, a.description);
    if (a.defaultValue !== undefined || a.defaultValueDescription !== undefined)
      arg.default(a.defaultValue, a.defaultValueDescription);
    if (a.choices) arg.choices(a.choices);
    cmd.addArgument(arg);
  }
  for (const o of spec.options) {
    const opt = new Option(o.flags, o.description);
    if (o.defaultValue !== undefined || o.defaultValueDescription !== undefined)
      opt.default(o.defaultValue, o.defaultValueDescription);
    if (o.choices) opt.choices(o.choices);
    if (o.hidden) opt.hideHelp();
    cmd.addOption(opt);
  }
  cmd.usage(spec.usage);
  for (const h of spec.helpText) cmd.addHelpText(h.position, h.text);
  if (spec.commands.length > 0) cmd.helpCommand(spec.helpCommand);
  parent.addCommand(cmd);
  for (const sub of spec.commands) commandFromSpec(sub, cmd);
  return cmd;
}
