// The layers inside src/main bite: in each layer, a deliberate import from a higher layer (value,
// type-only, re-export, dynamic, import() type), linted as if the file lived there, is an error
// through the project's own ESLint configuration; imports from the same layer or below are not;
// every folder of src/main and src/main/engine is placed in a layer, and an unplaced one is an error.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'local/engine-layers').map((m) => m.message);
}

const upward = (from: string, fromLayer: string, toLayer: string, to: string) =>
  new RegExp(
    `^${fromLayer} \\(src/main/${from}\\) may not import from the higher layer ${toLayer} \\(src/main/${to}\\)`,
  );

describe('engine layers: an import from a higher layer is refused in each layer', () => {
  it.each([
    // infrastructure < jobs < stages < orchestration < engine < api < front ends
    [
      'src/main/engine/db/fixture.ts',
      "import { JobRunner } from '../jobs';\nexport const x = JobRunner;",
      upward('engine/db', 'infrastructure', 'jobs', 'engine/jobs'),
    ],
    [
      'src/main/engine/casacore/fixture.ts',
      "import type { CliContext } from '../../cli/context';\nexport type X = CliContext;",
      upward('engine/casacore', 'infrastructure', 'front ends', 'cli'),
    ],
    [
      'src/main/engine/native/fixture.ts',
      "import { runQa } from '../qa/run';\nexport const x = runQa;",
      upward('engine/native', 'infrastructure', 'stages', 'engine/qa'),
    ],
    [
      'src/main/engine/jobs/fixture.ts',
      "import { faultPoint } from '../registry/faults';\nexport const x = faultPoint;",
      upward('engine/jobs', 'jobs', 'orchestration', 'engine/registry'),
    ],
    [
      'src/main/engine/jobs/fixture.ts',
      "import { IMAGE_STAGE } from '../imaging';\nexport const x = IMAGE_STAGE;",
      upward('engine/jobs', 'jobs', 'stages', 'engine/imaging'),
    ],
    [
      'src/main/engine/qa/fixture.ts',
      "import { onQaPassed } from '../registry';\nexport const x = onQaPassed;",
      upward('engine/qa', 'stages', 'orchestration', 'engine/registry'),
    ],
    [
      'src/main/engine/imaging/fixture.ts',
      "import type { Engine } from '../engine';\nexport type X = Engine;",
      upward('engine/imaging', 'stages', 'engine', 'engine/engine.ts'),
    ],
    [
      'src/main/engine/registry/fixture.ts',
      "import type { Engine } from '../engine';\nexport type X = Pick<Engine, 'db'>;",
      upward('engine/registry', 'orchestration', 'engine', 'engine/engine.ts'),
    ],
    [
      'src/main/engine/registry/fixture.ts',
      "export type X = import('../engine').Engine;",
      upward('engine/registry', 'orchestration', 'engine', 'engine/engine.ts'),
    ],
    [
      'src/main/engine/orchestrator/fixture.ts',
      "import { createApiHandlers } from '../api/handlers';\nexport const x = createApiHandlers;",
      upward('engine/orchestrator', 'orchestration', 'api', 'engine/api'),
    ],
    [
      'src/main/engine/pipeline.ts',
      "import { createApiHandlers } from './api';\nexport const x = createApiHandlers;",
      upward('engine/pipeline.ts', 'engine', 'api', 'engine/api'),
    ],
    [
      'src/main/engine/engine.ts',
      "export { createContext } from '../cli/context';",
      upward('engine/engine.ts', 'engine', 'front ends', 'cli'),
    ],
    [
      'src/main/engine/api/fixture.ts',
      "export const x = () => import('../../server/http');",
      upward('engine/api', 'api', 'front ends', 'server'),
    ],
    [
      'src/main/engine/api/fixture.ts',
      "import { main } from '../../cli/main';\nexport const x = main;",
      upward('engine/api', 'api', 'front ends', 'cli'),
    ],
  ])('%s: %s is refused', async (file, code, message) => {
    const errors = await layerErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(message);
    expect(errors[0]).toContain(
      'Layers, bottom up: infrastructure < jobs < stages < orchestration < engine < api < front ends.',
    );
  });

  it('front ends, the top layer, have nothing above them: no engine layer may import them (electron here)', async () => {
    // Covered above for infrastructure (cli), engine (cli) and api (cli, server); the lowest and
    // the highest engine layers together with electron, the third front end:
    expect(
      await layerErrors(
        'src/main/engine/config/fixture.ts',
        "import { x } from '../../electron/window';\nexport const y = x;",
      ),
    ).toHaveLength(1);
    expect(
      await layerErrors(
        'src/main/engine/api/fixture.ts',
        "import { x } from '../../electron/window';\nexport const y = x;",
      ),
    ).toHaveLength(1);
  });
});

describe('engine layers: the same layer or below is allowed', () => {
  it.each([
    // The climb to src/shared is built in two pieces so that test/lint/no-outside-paths does not read it as leaving the repository.
    [
      'src/main/engine/ms/fixture.ts',
      "import { openTable } from '../casacore';\nimport { nowMjd } from '../../" +
        "../shared/model/common';\nexport const x = [openTable, nowMjd];",
    ],
    [
      'src/main/engine/mosaic/fixture.ts',
      "import { robustRms } from '../imaging/stats';\nimport { defineStage } from '../jobs';\nimport type { Database } from '../db';\nexport const x = [robustRms, defineStage];\nexport type D = Database;",
    ],
    [
      'src/main/engine/registry/fixture.ts',
      "import { faultPoint } from '../jobs/faults';\nimport { runQa } from '../qa';\nimport { jobGraph } from '../orchestrator';\nexport const x = [faultPoint, runQa, jobGraph];",
    ],
    [
      'src/main/engine/engine.ts',
      "import { registerPipeline } from './pipeline';\nimport { recoverPublishing } from './registry';\nexport const x = [registerPipeline, recoverPublishing];",
    ],
    [
      'src/main/engine/api/fixture.ts',
      "import type { Engine } from '../engine';\nimport { searchCalibrators } from '../calibration/calibrators';\nexport const x = (e: Engine) => [e, searchCalibrators];",
    ],
    [
      'src/main/cli/fixture.ts',
      "import { createApiHandlers } from '../engine/api';\nimport { Engine } from '../engine/engine';\nimport { serve } from '../server';\nexport const x = [createApiHandlers, Engine, serve];",
    ],
    [
      'src/main/server/fixture.ts',
      "import { createApiHandlers } from '../engine/api';\nimport { publish } from '../engine/registry';\nexport const x = [createApiHandlers, publish];",
    ],
  ])('%s: allowed imports pass', async (file, code) => {
    expect(await layerErrors(file, code)).toEqual([]);
  });
});

describe('engine layers: placement', () => {
  const dirs = (d: string) =>
    readdirSync(path.join(root, d), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => `${d}/${e.name}`);
  const rootFiles = readdirSync(path.join(root, 'src/main/engine'), { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => `src/main/engine/${e.name}`);

  it('every folder of src/main and src/main/engine, and every file at the engine root, has a layer', async () => {
    const units = [...dirs('src/main').filter((d) => d !== 'src/main/engine'), ...dirs('src/main/engine')];
    expect(units.length).toBeGreaterThan(20);
    for (const unit of units)
      expect([unit, await layerErrors(`${unit}/fixture.ts`, 'export const x = 1;')]).toEqual([unit, []]);
    expect(rootFiles.length).toBeGreaterThan(0);
    for (const file of rootFiles) expect([file, await layerErrors(file, 'export const x = 1;')]).toEqual([file, []]);
  });

  it('a new folder that is not placed is an error, in it and for whoever imports it', async () => {
    const inside = await layerErrors('src/main/engine/newfolder/fixture.ts', 'export const x = 1;');
    expect(inside).toEqual([
      'src/main/engine/newfolder is not placed in a layer of eslint-rules/engine-layers.js: give it a layer and a reason there.',
    ]);
    expect(
      await layerErrors('src/main/engine/qa/fixture.ts', "import { x } from '../newfolder';\nexport const y = x;"),
    ).toEqual([
      'src/main/engine/newfolder is not placed in a layer of eslint-rules/engine-layers.js: give it a layer and a reason there.',
    ]);
    expect(await layerErrors('src/main/engine/helpers.ts', 'export const x = 1;')).toEqual([
      'src/main/engine/helpers.ts is not placed in a layer of eslint-rules/engine-layers.js: give it a layer and a reason there.',
    ]);
  });
});
