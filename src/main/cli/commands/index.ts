// Every CLI command, in the order `dsa110 --help` lists them: an explicit list of entries, each
// with what the top-level help shows (name, usage, description) and a loader that imports the
// command's module only when that command runs (or its own help is asked for). `dsa110 --help`
// and `dsa110 version` therefore load no engine, h5wasm or SQLite code (bench/startup.ts).
//
// To add a command: write one file in this folder exporting a CliCommand (see types.ts), then
// add one entry here with `load: () => import('./FILE').then((m) => m.yourCommand)`; `name`,
// `usage` and `description` must match what the command registers (test/cli/commands.test.ts
// checks every entry against its module). A module that registers several top-level commands
// (products: products, publish, approve, reject) gets one entry per command sharing one loader.
import type { CommandEntry } from './types';

const products = () => import('./products').then((m) => m.productsCommand);

export const commands: readonly CommandEntry[] = [
  {
    name: 'demo',
    usage: '[options]',
    description:
      'check each part of the engine, then simulate an hour of data around a calibrator transit and run it to a published, QA-checked mosaic (npm run demo)',
    load: () => import('./demo').then((m) => m.demoCommand),
  },
  {
    name: 'config',
    description: 'show the resolved configuration and where it comes from',
    load: () => import('./config').then((m) => m.configCommand),
  },
  {
    name: 'version',
    description: 'print the application, Node and platform versions and the native addon status',
    load: () => import('./version').then((m) => m.versionCommand),
    bare: true,
  },
  {
    name: 'calibrators',
    usage: '[options]',
    description:
      'calibrators near a pointing declination, best primary-beam-weighted flux first, with their next transit',
    load: () => import('./calibrators').then((m) => m.calibratorsCommand),
  },
  {
    name: 'transits',
    usage: '[options]',
    description: 'transit times of a calibrator and which data (group, integration) cover each',
    load: () => import('./transits').then((m) => m.transitsCommand),
  },
  {
    name: 'jobs',
    description: 'list, inspect and cancel pipeline jobs in the workspace',
    load: () => import('./jobs').then((m) => m.jobsCommand),
  },
  {
    name: 'db',
    description: 'the state database of the workspace',
    load: () => import('./db').then((m) => m.dbCommand),
  },
  {
    name: 'simulate',
    usage: '[options]',
    description: 'write simulated DSA-110 correlator files (16 UVH5 subbands per 5-minute chunk) and a truth file',
    load: () => import('./simulate').then((m) => m.simulateCommand),
  },
  {
    name: 'index',
    usage: '[options]',
    description: 'register correlator UVH5 files in the database, grouped into 16-subband observations',
    load: () => import('./index-files').then((m) => m.indexCommand),
  },
  {
    name: 'convert',
    usage: '[options]',
    description: 'convert 16-subband UVH5 groups into Measurement Sets (16 ascending SPWs, one J2000 phase centre)',
    load: () => import('./convert').then((m) => m.convertCommand),
  },
  { name: 'ms', description: 'inspect Measurement Sets', load: () => import('./ms').then((m) => m.msCommand) },
  {
    name: 'image',
    usage: '[options]',
    description:
      'image a Measurement Set: Stokes I, Cotton-Schwab CLEAN, restoring beam, primary-beam correction; writes PREFIX-*.fits',
    load: () => import('./image').then((m) => m.imageCommand),
  },
  {
    name: 'calibrate',
    usage: '[options]',
    description: 'solve bandpass and gains on a calibrator transit MS and/or apply valid solutions (CORRECTED_DATA)',
    load: () => import('./calibrate').then((m) => m.calibrateCommand),
  },
  { name: 'products', description: 'the data registry: list products, recover interrupted publishes', load: products },
  {
    name: 'publish',
    usage: '[options] <id>',
    description: 'publish an approved product: move it from staging into the products root (checksum verified)',
    load: products,
  },
  {
    name: 'approve',
    usage: '[options] <id>',
    description: 'approve a product after review (an override when QA failed)',
    load: products,
  },
  {
    name: 'reject',
    usage: '[options] <id>',
    description: 'reject a product after review; the comment says why',
    load: products,
  },
  {
    name: 'mosaic',
    description: 'combine restored images into mosaics',
    // build (mosaic.ts) plus the orchestrator's centered / next / plan / plans and `build --name PLAN`.
    load: async () => {
      const [{ mosaicCommand }, { orchestratorMosaic }] = await Promise.all([
        import('./mosaic'),
        import('./mosaic-orchestrate'),
      ]);
      return mosaicCommand(orchestratorMosaic);
    },
  },
  {
    name: 'catalog',
    description: 'reference catalogs for QA cross-matching: import, list, cone search',
    load: () => import('./catalog').then((m) => m.catalogCommand),
  },
  {
    name: 'qa',
    usage: '[options] <id>',
    description: 'quality assessment of an image or mosaic: the checks, their reasons and the verdict (exit 1 on fail)',
    load: () => import('./qa').then((m) => m.qaCommand),
  },
  {
    name: 'doctor',
    usage: '[options]',
    description:
      'check that the database and the files agree (rows, files, orphans, partial outputs, calibration overlaps, stale locks); --fix repairs',
    load: () => import('./doctor').then((m) => m.doctorCommand),
  },
  {
    name: 'serve',
    usage: '[options]',
    description:
      'serve the engine over HTTP (contract API, job API, events, OpenAPI) and the user interface to a browser',
    load: () => import('./serve').then((m) => m.serveCommand),
  },
  {
    name: 'photometry',
    usage: '[options] <targets...>',
    description:
      'measure images or mosaics: forced photometry at the reference catalog, components, association, light curves',
    load: () => import('./photometry').then((m) => m.photometryCommand),
  },
  {
    name: 'sources',
    usage: '[options]',
    description:
      'associated sources from photometry: search by name, cone, variability (eta, V) and flux; table, CSV or VOTable',
    load: () => import('./sources').then((m) => m.sourcesCommand),
  },
  {
    name: 'lightcurve',
    usage: '[options] <source>',
    description: 'the light curve and variability (eta, V, two-epoch Vs and m) of a source, by name or RA,DEC',
    load: () => import('./lightcurve').then((m) => m.lightcurveCommand),
  },
  {
    name: 'stream',
    usage: '[options]',
    description:
      'the streaming daemon: watch the incoming directory, register complete subband files, convert, calibrate and image each group as it completes (stop with SIGINT/SIGTERM)',
    load: () => import('./stream').then((m) => m.streamCommand),
  },
];

export type { CliCommand, CommandEntry } from './types';
