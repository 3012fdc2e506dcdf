// ESLint rule that keeps the process layers apart, so the architecture cannot rot silently:
//   src/shared    imports nothing from the process folders, no Node built-ins, no electron;
//   src/renderer  imports only src/shared (and browser packages), no Node built-ins, no electron;
//   src/preload   imports src/shared and electron;
//   src/main      imports src/main and src/shared; only src/main/electron may import electron.
import path from 'node:path';
import { builtinModules } from 'node:module';

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Which layer a file (absolute path) belongs to, or null outside src/. */
function layerOf(file, srcRoot) {
  const rel = path.relative(srcRoot, file).split(path.sep);
  if (rel[0] === '..' || rel.length < 2) return null;
  if (rel[0] === 'main') return rel[1] === 'electron' ? 'main-electron' : 'main';
  if (['shared', 'renderer', 'preload'].includes(rel[0])) return rel[0];
  return null;
}

const allowedTargets = {
  shared: ['shared'],
  renderer: ['renderer', 'shared'],
  preload: ['preload', 'shared'],
  main: ['main', 'main-electron', 'shared'],
  'main-electron': ['main', 'main-electron', 'shared'],
};
const mayImportElectron = new Set(['main-electron', 'preload']);
const mayImportNode = new Set(['main', 'main-electron', 'preload']);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the import boundaries between src/shared, src/renderer, src/preload and src/main.' },
    schema: [{ type: 'object', properties: { srcRoot: { type: 'string' } }, additionalProperties: false }],
    messages: {
      crossLayer: '{{from}} may not import from {{to}} ("{{source}}"); allowed: {{allowed}}.',
      electron:
        'Only src/main/electron and src/preload may import electron ("{{source}}"); {{from}} must stay runnable under plain Node or in the browser.',
      nodeBuiltin: '{{from}} may not import the Node built-in "{{source}}": it must run in the browser as well.',
    },
  },
  create(context) {
    const srcRoot = path.resolve(context.options[0]?.srcRoot ?? path.join(context.cwd, 'src'));
    const file = context.filename;
    const from = layerOf(file, srcRoot);
    if (!from) return {};

    function check(node, source) {
      if (typeof source !== 'string') return;
      if (source === 'electron' || source.startsWith('electron/')) {
        if (!mayImportElectron.has(from)) context.report({ node, messageId: 'electron', data: { source, from } });
        return;
      }
      if (builtins.has(source)) {
        if (!mayImportNode.has(from)) context.report({ node, messageId: 'nodeBuiltin', data: { source, from } });
        return;
      }
      if (!source.startsWith('.')) return; // packages: governed by the tsconfig of each layer
      const resolved = path.resolve(path.dirname(file), source);
      // Data the app ships (resources/*.json) may be imported by every layer.
      if (!path.relative(path.join(srcRoot, '..', 'resources'), resolved).startsWith('..')) return;
      const target = layerOf(resolved, srcRoot);
      if (target === null) {
        if (from === 'shared' || from === 'renderer' || from === 'preload') {
          context.report({
            node,
            messageId: 'crossLayer',
            data: { from, to: 'outside src', source, allowed: allowedTargets[from].join(', ') },
          });
        }
        return;
      }
      if (!allowedTargets[from].includes(target)) {
        context.report({
          node,
          messageId: 'crossLayer',
          data: { from, to: target, source, allowed: allowedTargets[from].join(', ') },
        });
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
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
