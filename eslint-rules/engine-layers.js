// ESLint rule that keeps the layers inside src/main apart (the process boundaries are layers.js).
// Every folder of src/main/engine (and engine.ts, pipeline.ts), and src/main/cli, electron and
// server, is placed in one layer below, with the reason; a file imports only from its own layer
// or a lower one (type-only imports included: a type ties a module to another as much as a value).
// A folder that is not placed is an error too, so a new folder gets a place, and a reason, the day
// it appears. Imports of src/shared, resources/ and packages are not this rule's business.
import path from 'node:path';

/** The layers, bottom up; each folder (or root file) with why it sits where it does. */
export const LAYERS = [
  {
    name: 'infrastructure',
    why: 'file formats, storage, configuration, logging and the native kernels: they know nothing of jobs or stages',
    units: {
      'engine/casacore': 'the casacore table format (read and write), no pipeline notions',
      'engine/ms': 'the Measurement Set schema on top of casacore tables',
      'engine/uvh5': 'the UVH5 (HDF5) visibility format the correlator writes',
      'engine/fits': 'FITS images and headers',
      'engine/db': 'the state database and its repositories; every layer above records through it',
      'engine/log': 'the logger',
      'engine/config': 'configuration and workspace paths, read by every layer above',
      'engine/native': 'the C++ addon declarations and the worker pool that runs its kernels',
      'engine/workers': 'the worker-thread entry of the native pool: loads the addon, nothing else',
      'engine/sim': 'the simulator writes UVH5 files from a sky model (uvh5 + native); no jobs, no stages',
      'engine/refcat': 'reference catalogs (CSV, VOTable) read into the sources table: a format and a repository',
      'engine/ingest': 'indexes incoming UVH5 headers into the database; runs before any job exists',
    },
  },
  {
    name: 'jobs',
    why: 'the generic job runner: stage graphs, resume, cancel, logs; it knows no stage in particular',
    units: {
      'engine/jobs': 'stage and job definitions, the runner, its fault-injection hooks',
    },
  },
  {
    name: 'stages',
    why: 'the science steps, each a stage of the job runner; they may share helpers (e.g. image statistics) but know nothing of plans, publishing or front ends',
    units: {
      'engine/convert': 'UVH5 groups to Measurement Sets',
      'engine/calibration':
        'flagging, solving and applying calibration; the calibrator catalog and transits it is solved on',
      'engine/imaging': 'gridding, cleaning, restoring, primary beams',
      'engine/mosaic': 'combining images into a mosaic',
      'engine/qa': "assessing an image or mosaic and recording the verdict; publishing is its caller's decision",
      'engine/photometry':
        'science products of an image or mosaic: forced photometry, the finder (qa), association, light curves',
      'engine/tiles':
        "the viewer's tile pyramids of image and mosaic FITS (a derived view, like the preview); reads rows with the mosaic's FITS row reader",
    },
  },
  {
    name: 'orchestration',
    why: 'what strings the stages together into a product and moves products through their lifecycle',
    units: {
      'engine/orchestrator': 'mosaic plans and the mosaic job (convert, calibrate, image, combine, QA, publish)',
      'engine/registry': 'registering, publishing and recovering products; called by whoever decides to publish',
      'engine/stream':
        'the streaming daemon: watches the incoming directory, queues groups and runs each through the stages as a job',
      'engine/doctor':
        'the workspace check and repair (`dsa110 doctor`): looks across jobs, leases, Measurement Sets and products, like the registry',
    },
  },
  {
    name: 'engine',
    why: 'the engine facade, the composition root every front end opens: it wires every layer below together',
    units: {
      'engine/engine.ts': 'Engine: configuration, database, logger, native pool, job registry and runner in one object',
      'engine/pipeline.ts': 'registers the stages and job kinds on an opened engine',
    },
  },
  {
    name: 'api',
    why: 'the request handlers: the one interface the front ends share, above the engine they drive',
    units: {
      'engine/api': 'the typed requests and events of src/shared/api, answered from an Engine',
    },
  },
  {
    name: 'front ends',
    why: 'the processes a user starts; nothing in the engine imports them',
    units: {
      cli: 'the `dsa110` command line',
      electron: "the desktop app's main process (the only importer of electron)",
      server: 'the HTTP server of `dsa110 serve`',
    },
  },
];

const rank = new Map();
LAYERS.forEach((layer, i) => {
  for (const unit of Object.keys(layer.units)) rank.set(unit, i);
});

/**
 * The unit (as named in LAYERS) of an absolute path under src/main: `engine/<folder>`,
 * `engine/<file>.ts` for a file at the engine's root, or `<folder>` for cli, electron, server;
 * null outside src/main.
 */
export function unitOf(file, srcRoot) {
  const rel = path.relative(path.join(srcRoot, 'main'), file).split(path.sep);
  if (rel[0] === '..' || rel[0] === '' || path.isAbsolute(rel.join(path.sep))) return null;
  if (rel[0] !== 'engine') return rel[0];
  if (rel.length === 1) return 'engine';
  if (rel.length === 2 && /\.[cm]?[jt]sx?$/.test(rel[1])) return `engine/${rel[1].replace(/\.[cm]?[jt]sx?$/, '')}.ts`;
  if (rel.length === 2 && !rel[1].includes('.')) {
    // `../engine` from a sibling names engine.ts (no extension); a folder of that name would win
    // only if it existed, and the rule cannot see the disk cheaply: root files are the known ones.
    if (rank.has(`engine/${rel[1]}.ts`) && !rank.has(`engine/${rel[1]}`)) return `engine/${rel[1]}.ts`;
  }
  return `engine/${rel[1]}`;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the layers inside src/main: a folder imports only from its own layer or below.' },
    schema: [{ type: 'object', properties: { srcRoot: { type: 'string' } }, additionalProperties: false }],
    messages: {
      upward:
        '{{fromLayer}} ({{from}}) may not import from the higher layer {{toLayer}} ({{to}}): "{{source}}". Layers, bottom up: {{order}}.',
      unplaced:
        '{{unit}} is not placed in a layer of eslint-rules/engine-layers.js: give it a layer and a reason there.',
    },
  },
  create(context) {
    const srcRoot = path.resolve(context.options[0]?.srcRoot ?? path.join(context.cwd, 'src'));
    const file = context.filename;
    const from = unitOf(file, srcRoot);
    if (from === null) return {};
    const order = LAYERS.map((l) => l.name).join(' < ');

    function check(node, source) {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = unitOf(path.resolve(path.dirname(file), source), srcRoot);
      if (to === null || to === from) return;
      const fromRank = rank.get(from);
      const toRank = rank.get(to);
      if (fromRank === undefined) return; // reported once, on the file
      if (toRank === undefined)
        return context.report({ node, messageId: 'unplaced', data: { unit: `src/main/${to}` } });
      if (toRank > fromRank) {
        context.report({
          node,
          messageId: 'upward',
          data: {
            from: `src/main/${from}`,
            fromLayer: LAYERS[fromRank].name,
            to: `src/main/${to}`,
            toLayer: LAYERS[toRank].name,
            source,
            order,
          },
        });
      }
    }

    return {
      Program: (node) => {
        if (!rank.has(from))
          context.report({
            node,
            loc: { line: 1, column: 0 },
            messageId: 'unplaced',
            data: { unit: `src/main/${from}` },
          });
      },
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportType: (node) => {
        // `source` (typescript-eslint 8.x) replaces the deprecated `argument` (a literal type).
        const lit = node.source ?? (node.argument?.type === 'TSLiteralType' ? node.argument.literal : null);
        if (lit?.type === 'Literal') check(node, lit.value);
      },
      TSExternalModuleReference: (node) => node.expression.type === 'Literal' && check(node, node.expression.value),
      CallExpression: (node) => {
        if (
          node.callee.type === 'Identifier' &&
          node.callee.name === 'require' &&
          node.arguments[0]?.type === 'Literal'
        ) {
          check(node, node.arguments[0].value);
        }
      },
    };
  },
};
