// Every CLI command, in the order `dsa110 --help` lists them. A new command is one file in this
// folder exporting a CliCommand, plus one line here.
import { calibratorsCommand } from './calibrators';
import { configCommand } from './config';
import { dbCommand } from './db';
import { demoCommand } from './demo';
import { jobsCommand } from './jobs';
import type { CliCommand } from './types';
import { versionCommand } from './version';
import { simulateCommand } from './simulate';
import { indexCommand } from './index-files';
import { convertCommand } from './convert';
import { msCommand } from './ms';
import { transitsCommand } from './transits';
import { imageCommand } from './image';
import { calibrateCommand } from './calibrate';
import { productsCommand } from './products';
import { mosaicCommand } from './mosaic';
// Adds centered / next / plan / plans to the mosaic group and runs `mosaic build --name PLAN`.
import './mosaic-orchestrate';
import { catalogCommand } from './catalog';
import { qaCommand } from './qa';
import { doctorCommand } from './doctor';

export const commands: readonly CliCommand[] = [
  demoCommand,
  configCommand,
  versionCommand,
  calibratorsCommand,
  transitsCommand,
  jobsCommand,
  dbCommand,
  simulateCommand,
  indexCommand,
  convertCommand,
  msCommand,
  imageCommand,
  calibrateCommand,
  productsCommand,
  mosaicCommand,
  catalogCommand,
  qaCommand,
  doctorCommand,
  // Later issues add: stream.
];

export type { CliCommand } from './types';
