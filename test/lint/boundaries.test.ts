// The process-layer rule bites: deliberate bad imports, linted as if they lived in each layer,
// are errors (and good ones are not), through the project's own ESLint configuration.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'local/layers').map((m) => m.message);
}

describe('process-layer import boundaries', () => {
  it.each([
    [
      'src/shared/fixture.ts',
      "import { Engine } from '../main/engine/engine';\nexport const x = Engine;",
      /shared may not import from main/,
    ],
    [
      'src/shared/fixture.ts',
      "import fs from 'node:fs';\nexport const x = fs;",
      /shared may not import the Node built-in "node:fs"/,
    ],
    [
      'src/shared/fixture.ts',
      "import { app } from 'electron';\nexport const x = app;",
      /Only src\/main\/electron and src\/preload may import electron/,
    ],
    [
      'src/renderer/fixture.ts',
      "import { openDatabase } from '../main/engine/db';\nexport const x = openDatabase;",
      /renderer may not import from main/,
    ],
    [
      'src/renderer/fixture.ts',
      "import { x as p } from '../preload/index';\nexport const x = p;",
      /renderer may not import from preload/,
    ],
    [
      'src/renderer/fixture.ts',
      "import path from 'path';\nexport const x = path;",
      /renderer may not import the Node built-in "path"/,
    ],
    [
      'src/main/engine/fixture.ts',
      "import { BrowserWindow } from 'electron';\nexport const x = BrowserWindow;",
      /Only src\/main\/electron and src\/preload may import electron/,
    ],
    [
      'src/main/engine/fixture.ts',
      "import { App } from '../../renderer/App';\nexport const x = App;",
      /main may not import from renderer/,
    ],
    ['src/main/engine/fixture.ts', "export const x = import('electron');", /Only src\/main\/electron/],
    ['src/shared/fixture.ts', "export { y } from '../renderer/store';", /shared may not import from renderer/],
  ])('%s: %s is refused', async (file, code, message) => {
    const errors = await layerErrors(file, code);
    expect(errors.length).toBe(1);
    expect(errors[0]).toMatch(message);
  });

  it.each([
    ['src/renderer/fixture.ts', "import { requests } from '../shared/api';\nexport const x = requests;"],
    [
      'src/main/electron/fixture.ts',
      "import { app } from 'electron';\nimport { Engine } from '../engine/engine';\nexport const x = [app, Engine];",
    ],
    [
      'src/preload/fixture.ts',
      "import { contextBridge } from 'electron';\nimport { REQUEST_NAMES } from '../shared/api/names';\nexport const x = [contextBridge, REQUEST_NAMES];",
    ],
    [
      'src/shared/fixture.ts',
      "import cals from '../../resources/calibrators/dsa110_calibrators.json';\nexport const x = cals;",
    ],
    [
      'src/main/engine/fixture.ts',
      "import fs from 'node:fs';\nimport { requests } from '../../shared/api';\nexport const x = [fs, requests];",
    ],
  ])('%s: allowed imports pass', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });

  it('the whole source tree is clean under the rule, and under the engine layers (engine-layers.test.ts)', async () => {
    const results = await eslint.lintFiles(['src']);
    const layer = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === 'local/layers' || m.ruleId === 'local/engine-layers')
        .map((m) => `${r.filePath}:${m.line} ${m.message}`),
    );
    expect(layer).toEqual([]);
  });
});
