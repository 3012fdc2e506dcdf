// `dsa110 demo` (`npm run demo`): shows the setup, checks the engine's parts step by step, then
// runs the main job on simulated data (demo-pipeline.ts): raw UVH5 to a published mosaic.
import { readFileSync } from 'node:fs';
import { ensureWorkspace, type Config } from '../../engine/config';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { versionReport, formatNative } from './version';
import { databaseCheck, jobRunnerCheck, nativeFftCheck } from './demo-checks';
import { runDemoPipeline } from './demo-pipeline';
import { closeEngine } from './engine-session';
import type { CliCommand } from './types';
import type { DemoCheck, DemoStep } from './demo-step';

const configurationCheck: DemoCheck = (ctx) => {
  const { origins, configFile } = ctx.config();
  const changed = Object.entries(origins).filter(([, o]) => o.kind !== 'default');
  const list = changed.map(([k, o]) => `${k} (${o.kind})`).join(', ');
  return {
    name: 'configuration',
    status: 'ok',
    detail: `valid; config file ${configFile ?? 'none'}; ${changed.length} value(s) not default${list ? `: ${list}` : ''}`,
  };
};

const workspaceCheck: DemoCheck = (ctx) => {
  const paths = ensureWorkspace(ctx.config().config);
  return {
    name: 'workspace',
    status: 'ok',
    detail: `directories ready under ${paths.root} (database ${paths.database})`,
  };
};

const loggingCheck: DemoCheck = async (ctx) => {
  const log = ctx.logger();
  const level = ctx.config().config.logLevel;
  if (!['trace', 'debug', 'info'].includes(level)) {
    return {
      name: 'logging',
      status: 'ok',
      detail: `log level ${level}, so this check's info line is not written to ${log.file}`,
    };
  }
  const marker = `demo check ${process.pid} ${Date.now()}`;
  log.info({ check: 'logging' }, marker);
  log.flush();
  // Read the line back: the check is that it reached the disk, not that the call returned. The
  // file destination writes asynchronously; a write already in flight can delay the line.
  let found = false;
  for (let i = 0; i < 40 && !found; i++) {
    found = readFileSync(log.file, 'utf8').includes(marker);
    if (!found) await new Promise((r) => setTimeout(r, 50));
  }
  return found
    ? { name: 'logging', status: 'ok', detail: `JSON lines in ${log.file}` }
    : { name: 'logging', status: 'fail', detail: `a line logged at info did not reach ${log.file}` };
};

const nativeCheck: DemoCheck = () => {
  const n = versionReport().native;
  return {
    name: 'native addon',
    status: n.status === 'loaded' ? 'ok' : n.status === 'not built' ? 'warn' : 'fail',
    detail: formatNative(n),
  };
};

/** The engine checks `demo` runs, in order; the engine facade's parts append theirs here. */
export const demoChecks: DemoCheck[] = [
  configurationCheck,
  workspaceCheck,
  loggingCheck,
  nativeCheck,
  databaseCheck,
  nativeFftCheck,
  jobRunnerCheck,
];

function summary(c: Config): string[] {
  const fov = (c.imaging.size * c.imaging.cellArcsec) / 3600;
  const weighting = c.imaging.weighting === 'briggs' ? `briggs robust ${c.imaging.robust}` : c.imaging.weighting;
  return [
    `  threads      ${c.threads}, log level ${c.logLevel}`,
    `  ingest       ${c.ingest.expectedSubbands} subbands per group, grouped within ${c.ingest.groupToleranceS} s`,
    `  calibration  refant ${c.calibration.refantChain.join(',')}; bandpass valid ${c.calibration.bandpassValidityH} h, gains ${c.calibration.gainValidityH} h (${c.calibration.gainValidityStreamingMin} min streaming); min SNR ${c.calibration.minSnr}`,
    `  imaging      ${c.imaging.size} x ${c.imaging.size} px of ${c.imaging.cellArcsec}" (${fov.toFixed(2)} deg), ${weighting}, niter ${c.imaging.niter}, mgain ${c.imaging.mgain}, pb cut ${c.imaging.pbCut}, beam ${c.imaging.beamModel}`,
    `  mosaic       ${c.mosaic.method} over ${c.mosaic.timespanMin} min, overlap ${c.mosaic.overlap} images`,
    `  publishing   auto-publish ${c.publishing.autoPublish ? 'on' : 'off'} (min QA tier ${c.publishing.minQaTier})`,
  ];
}

async function runDemo(ctx: CliContext, opts: { checksOnly?: boolean } = {}): Promise<void> {
  const version = versionReport();
  const { config } = ctx.config();
  const steps: DemoStep[] = [];
  const progress = ctx.progress('demo');
  try {
    for (const [i, check] of demoChecks.entries()) {
      let step: DemoStep;
      try {
        step = await check(ctx);
      } catch (err) {
        step = { name: check.name || `check ${i + 1}`, status: 'fail', detail: (err as Error).message };
      }
      steps.push(step);
      progress.update((i + 1) / demoChecks.length, step.name);
    }
  } finally {
    // The engine checks share one engine (database, pool, runner); close it before reporting.
    await closeEngine(ctx);
  }
  // The main job, once the engine checks pass: raw data to a published mosaic.
  let pipelineLines: string[] = [];
  if (!opts.checksOnly && steps.every((s) => s.status !== 'fail')) {
    try {
      const r = await runDemoPipeline(ctx);
      steps.push(r.step);
      pipelineLines = r.lines;
    } catch (err) {
      steps.push({ name: 'pipeline', status: 'fail', detail: (err as Error).message });
    }
  }
  const failed = steps.filter((s) => s.status === 'fail').length;
  const warned = steps.filter((s) => s.status === 'warn').length;
  const ok = steps.length - failed - warned;
  if (failed > 0) progress.fail(`${failed} check(s) failed`);
  else progress.done();
  ctx.result(
    {
      app: version.app,
      version: version.version,
      node: version.node,
      platform: version.platform,
      workspace: config.workspace,
      config,
      steps,
      ok: failed === 0,
    },
    () =>
      [
        `${version.app} ${version.version} (node ${version.node}, ${version.platform})`,
        `workspace: ${config.workspace}`,
        '',
        'Configuration (see "dsa110 config show" for every value and its origin):',
        ...summary(config),
        '',
        'Checks:',
        ...steps.map((s) => `  ${s.status.padEnd(5)} ${s.name.padEnd(14)} ${s.detail}`),
        '',
        ...(pipelineLines.length ? ['From raw data to a published mosaic:', ...pipelineLines, ''] : []),
        `demo: ${ok} ok, ${warned} warning(s), ${failed} failed`,
      ].join('\n'),
  );
  if (failed > 0)
    throw new CliError(
      `demo: ${failed} check(s) failed: ${steps
        .filter((s) => s.status === 'fail')
        .map((s) => s.name)
        .join(', ')}`,
    );
}

export const demoCommand: CliCommand = {
  name: 'demo',
  register(program, ctx) {
    program
      .command('demo')
      .description(
        'check each part of the engine, then simulate an hour of data around a calibrator transit and run it to a published, QA-checked mosaic (npm run demo)',
      )
      .option('--checks-only', 'only the engine checks, not the simulated hour of data and its mosaic', false)
      .action((o: { checksOnly?: boolean }) => runDemo(ctx, o));
  },
};
