// Every CLI command, in the order `dsa110 --help` lists them. A new command is one file in this
// folder exporting a CliCommand, plus one line here.
import { configCommand } from './config';
import { demoCommand } from './demo';
import type { CliCommand } from './types';
import { versionCommand } from './version';

export const commands: readonly CliCommand[] = [
  demoCommand,
  configCommand,
  versionCommand,
  // Later issues add: simulate, convert, calibrators, transits, calibrate, image,
  // mosaic (plan/build/centered), stream, index, and jobs/db commands over the engine facade.
];

export type { CliCommand } from './types';
