// Configuration: defaults from the instrument facts, precedence defaults < file < env < overrides,
// origins per value, and errors that name the key, the source and what was expected.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  defaultWorkspace,
  ensureWorkspace,
  envNameToKey,
  keyToEnvName,
  loadConfig,
  workspacePaths,
} from '../../src/main/engine/config';

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'dsa110-config-'));
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const platform = (over: Partial<{ platform: NodeJS.Platform; env: Record<string, string>; homedir: string }> = {}) => ({
  platform: 'linux' as NodeJS.Platform,
  env: {},
  homedir: '/home/astro',
  ...over,
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('defaults', () => {
  it('match the operational DSA-110 pipeline', () => {
    const { config, origins, configFile } = loadConfig({ env: {}, platform: platform({ homedir: tmp }) });
    expect(configFile).toBeNull();
    expect(config.workspace).toBe(path.join(tmp, '.local/share/dsa110-contimg'));
    expect(config.threads).toBe(os.availableParallelism());
    expect(config.ingest).toMatchObject({ groupToleranceS: 60, expectedSubbands: 16, inputDir: null });
    expect(config.calibration).toMatchObject({
      bandpassValidityH: 24,
      gainValidityH: 1,
      gainValidityStreamingMin: 30,
      minSnr: 3,
      maxBandpassFlaggedPct: 25,
    });
    expect(config.calibration.refantChain).toEqual([
      104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 103, 117,
    ]);
    expect(config.imaging).toMatchObject({ weighting: 'briggs', robust: 0, niter: 1000, mgain: 0.8, pbCut: 0.2 });
    // The field is about 3.5 deg, at a pixel of 5" or less for the outriggers' baselines.
    expect(config.imaging.cellArcsec).toBeLessThanOrEqual(5);
    expect((config.imaging.size * config.imaging.cellArcsec) / 3600).toBeCloseTo(3.5, 0);
    expect(config.mosaic).toMatchObject({ timespanMin: 50, method: 'pbweighted', overlap: 2 });
    expect(config.publishing.autoPublish).toBe(false);
    expect(Object.values(origins).every((o) => o.kind === 'default')).toBe(true);
    expect(origins['imaging.niter']).toEqual({ kind: 'default', detail: 'default' });
  });

  it('put the workspace in the platform data directory', () => {
    expect(defaultWorkspace(platform({ env: { XDG_DATA_HOME: '/data/xdg' } }))).toBe('/data/xdg/dsa110-contimg');
    // A relative XDG_DATA_HOME is invalid per the XDG spec and ignored.
    expect(defaultWorkspace(platform({ env: { XDG_DATA_HOME: 'rel' } }))).toBe(
      '/home/astro/.local/share/dsa110-contimg',
    );
    expect(defaultWorkspace(platform({ platform: 'darwin', homedir: '/Users/a' }))).toBe(
      '/Users/a/Library/Application Support/dsa110-contimg',
    );
    expect(
      defaultWorkspace(
        platform({ platform: 'win32', homedir: 'C:\\Users\\a', env: { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' } }),
      ),
    ).toBe('C:\\Users\\a\\AppData\\Roaming\\dsa110-contimg');
  });
});

describe('precedence and origins', () => {
  it('layers file < env < overrides and records where each value came from', () => {
    const ws = path.join(tmp, 'ws');
    mkdirSync(ws);
    const file = path.join(ws, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ imaging: { niter: 100, robust: -0.5, cellArcsec: 4 }, mosaic: { method: 'mean' } }),
    );
    const { config, origins, configFile } = loadConfig({
      workspace: ws,
      env: {
        DSA110_IMAGING__NITER: '200',
        DSA110_IMAGING__ROBUST: '0.5',
        DSA110_CALIBRATION__REFANT_CHAIN: '110, 104',
        DSA110_PUBLISHING__AUTO_PUBLISH: 'yes',
      },
      overrides: { 'imaging.niter': '300', threads: 3 },
      overrideOrigin: (key) => ({ kind: 'flag', detail: `--set ${key}` }),
      platform: platform({ homedir: tmp }),
    });
    expect(configFile).toBe(file);
    expect(config.imaging.niter).toBe(300);
    expect(origins['imaging.niter']).toEqual({ kind: 'flag', detail: '--set imaging.niter' });
    expect(config.imaging.robust).toBe(0.5);
    expect(origins['imaging.robust']).toEqual({ kind: 'env', detail: 'DSA110_IMAGING__ROBUST' });
    expect(config.imaging.cellArcsec).toBe(4);
    expect(origins['imaging.cellArcsec']).toEqual({ kind: 'file', detail: file });
    expect(config.mosaic.method).toBe('mean');
    expect(config.calibration.refantChain).toEqual([110, 104]);
    expect(config.publishing.autoPublish).toBe(true);
    expect(config.threads).toBe(3);
    expect(origins.workspace).toEqual({ kind: 'flag', detail: '--set workspace' });
    expect(origins['imaging.mgain']?.kind).toBe('default');
  });

  it('takes the workspace from the environment, then reads that workspace config.json', () => {
    const ws = path.join(tmp, 'from-env');
    mkdirSync(ws);
    writeFileSync(path.join(ws, 'config.json'), JSON.stringify({ imaging: { niter: 42 } }));
    const { config } = loadConfig({ env: { DSA110_WORKSPACE: ws }, platform: platform({ homedir: tmp }) });
    expect(config.workspace).toBe(ws);
    expect(config.imaging.niter).toBe(42);
  });

  it('resolves relative paths in a --config file against that file, and in the environment against cwd', () => {
    const dir = path.join(tmp, 'etc');
    mkdirSync(dir);
    const file = path.join(dir, 'site.json');
    writeFileSync(file, JSON.stringify({ workspace: '../ws', ingest: { inputDir: 'incoming' } }));
    const a = loadConfig({ configFile: file, env: {}, cwd: '/', platform: platform({ homedir: tmp }) });
    expect(a.config.workspace).toBe(path.join(tmp, 'ws'));
    expect(a.config.ingest.inputDir).toBe(path.join(dir, 'incoming'));
    const b = loadConfig({
      configFile: file,
      env: { DSA110_INGEST__INPUT_DIR: 'raw' },
      cwd: tmp,
      platform: platform({ homedir: tmp }),
    });
    expect(b.config.ingest.inputDir).toBe(path.join(tmp, 'raw'));
  });

  it('warns about DSA110_* variables that are no key, with a hint for single underscores', () => {
    // DSA110_NATIVE_ADDON is read by the native loader, not the configuration: no warning.
    const { warnings } = loadConfig({
      env: { DSA110_IMAGING_NITER: '5', OTHER: 'x', DSA110_NATIVE_ADDON: '/x.node' },
      platform: platform({ homedir: tmp }),
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/DSA110_IMAGING_NITER is not a configuration key.*DSA110_IMAGING__NITER/);
  });

  it('maps environment names and keys both ways', () => {
    expect(envNameToKey('IMAGING__CELL_ARCSEC')).toBe('imaging.cellArcsec');
    expect(keyToEnvName('qa.msFlaggedPct.warn')).toBe('DSA110_QA__MS_FLAGGED_PCT__WARN');
    expect(envNameToKey(keyToEnvName('calibration.maxBandpassFlaggedPct').slice(7))).toBe(
      'calibration.maxBandpassFlaggedPct',
    );
  });
});

describe('validation errors name key, source and expectation', () => {
  const p = () => platform({ homedir: tmp });

  it('for the environment', () => {
    const e = configError(() =>
      loadConfig({ env: { DSA110_IMAGING__NITER: 'lots', DSA110_IMAGING__PB_CUT: '1.5' }, platform: p() }),
    );
    expect(e.message).toMatch(
      /imaging\.niter: .*expected number, received string, got "lots" \(from environment variable DSA110_IMAGING__NITER\)/,
    );
    expect(e.message).toMatch(/imaging\.pbCut: .*<1.*got 1\.5 \(from environment variable DSA110_IMAGING__PB_CUT\)/);
    expect(e.fromFlagsOnly).toBe(false);
  });

  it('for a config file: unknown keys, wrong enum values, broken JSON', () => {
    const file = path.join(tmp, 'c.json');
    writeFileSync(file, JSON.stringify({ imaging: { nitre: 5, weighting: 'robust' } }));
    const e = configError(() => loadConfig({ configFile: file, env: {}, platform: p() }));
    expect(e.message).toContain(`imaging.nitre: unknown key; expected one of: size, cellArcsec`);
    expect(e.message).toContain(`(from config file ${file})`);
    expect(e.message).toMatch(/imaging\.weighting: .*"briggs"\|"natural"\|"uniform".*got "robust"/);
    writeFileSync(file, '{ "imaging": ');
    expect(configError(() => loadConfig({ configFile: file, env: {}, platform: p() })).message).toMatch(
      new RegExp(`config file ${file} is not valid JSON`),
    );
    expect(
      configError(() => loadConfig({ configFile: path.join(tmp, 'missing.json'), env: {}, platform: p() })).message,
    ).toMatch(/missing\.json does not exist/);
  });

  it('for overrides, flagged as usage errors', () => {
    const e = configError(() =>
      loadConfig({
        env: {},
        overrides: { 'mosaic.overlap': '10' },
        overrideOrigin: (k) => ({ kind: 'flag', detail: `--set ${k}` }),
        platform: p(),
      }),
    );
    expect(e.message).toMatch(
      /mosaic\.overlap: must be smaller than the 10 images of a 50-min mosaic, got 10 \(from command-line flag --set mosaic\.overlap\)/,
    );
    expect(e.fromFlagsOnly).toBe(true);
  });

  it('for QA tiers on the wrong side, naming the variable that moved them', () => {
    const e = configError(() => loadConfig({ env: { DSA110_QA__SCIENCE__IMAGE_PEAK_SNR__WARN: '3' }, platform: p() }));
    expect(e.issues[0]).toMatchObject({
      key: 'qa.science.imagePeakSnr',
      origin: { kind: 'env', detail: 'DSA110_QA__SCIENCE__IMAGE_PEAK_SNR__WARN' },
    });
    expect(e.message).toMatch(/warn must be >= fail/);
  });

  it('refuses a workspace config.json that points at another workspace', () => {
    const ws = path.join(tmp, 'ws');
    mkdirSync(ws);
    writeFileSync(path.join(ws, 'config.json'), JSON.stringify({ workspace: '/elsewhere' }));
    expect(() => loadConfig({ workspace: ws, env: {}, platform: p() })).toThrow(
      /sets workspace to "\/elsewhere", but it was found inside workspace/,
    );
  });
});

describe('workspace paths', () => {
  it('derives every directory from the workspace and creates them', () => {
    const { config } = loadConfig({ workspace: path.join(tmp, 'w'), env: {}, platform: platform({ homedir: tmp }) });
    const paths = workspacePaths(config);
    expect(paths.database).toBe(path.join(tmp, 'w', 'dsa110.sqlite'));
    expect(paths.incoming).toBe(path.join(tmp, 'w', 'incoming'));
    ensureWorkspace(config);
    for (const dir of [
      paths.staging,
      paths.products,
      paths.logs,
      paths.jobLogs,
      paths.ms,
      paths.caltables,
      paths.images,
      paths.mosaics,
      paths.incoming,
    ]) {
      expect(statSync(dir).isDirectory()).toBe(true);
    }
  });
});
