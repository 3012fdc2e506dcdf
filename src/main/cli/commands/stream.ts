// `dsa110 stream --input-dir DIR`: the streaming daemon (src/main/engine/stream) in the
// foreground, until SIGINT/SIGTERM (then it interrupts the running group at its next safe point,
// records it pending and exits 0); `dsa110 stream status`: the queue, rates, latencies and last
// errors from the database, whether or not the daemon runs.
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { Engine } from '../../engine/engine';
import { IMAGING_TIERS, type ImagingTier } from '../../engine/imaging';
import { defaultStreamOptions, StreamDaemon, streamStatus, type StreamStatus } from '../../engine/stream';
import { appInfo } from '../app-info';
import type { CliContext } from '../context';
import { CliError } from '../errors';
import { interruptSignal, stopSignalsAreNormal } from '../signals';
import { withEngine } from './engine-session';
import type { CliCommand } from './types';

interface StreamOpts {
  inputDir?: string;
  enableCalibrationSolving?: boolean;
  enableMosaics?: boolean;
  concurrency: number;
  pollInterval: number;
  settle?: number;
  pollOnly?: boolean;
  partialTimeout: number;
  partialPolicy: 'convert' | 'wait';
  maxAttempts: number;
  backoff: number;
  minFreeGb: number;
  tier: ImagingTier;
}

function positive(what: string, integer = false) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0 || (integer && (!Number.isInteger(n) || n < 1)))
      throw new InvalidArgumentError(
        `expected ${integer ? 'a whole number >= 1' : 'a number >= 0'} (${what}), got "${v}".`,
      );
    return n;
  };
}

function oneOf<T extends string>(values: readonly T[]) {
  return (v: string): T => {
    if (!(values as readonly string[]).includes(v))
      throw new InvalidArgumentError(`expected one of ${values.join(', ')}, got "${v}".`);
    return v as T;
  };
}

async function runDaemon(ctx: CliContext, o: StreamOpts): Promise<void> {
  const { name, version } = appInfo();
  const engine = await Engine.open({
    config: ctx.config(),
    logger: ctx.logger(),
    app: { name, version, runtime: 'node' },
  });
  try {
    const inputDir = path.resolve(ctx.io.cwd, o.inputDir ?? engine.paths.incoming);
    const opts = {
      ...defaultStreamOptions(engine.config, inputDir),
      enableCalibrationSolving: o.enableCalibrationSolving === true,
      enableMosaics: o.enableMosaics === true,
      concurrency: o.concurrency,
      pollMs: o.pollInterval * 1000,
      ...(o.settle !== undefined ? { settleMs: o.settle * 1000 } : {}),
      pollOnly: o.pollOnly === true,
      partialTimeoutS: o.partialTimeout,
      partialPolicy: o.partialPolicy,
      maxAttempts: o.maxAttempts,
      backoffS: o.backoff,
      minFreeBytes: o.minFreeGb * 2 ** 30,
      tier: o.tier,
    };
    try {
      const { statSync } = await import('node:fs');
      if (!statSync(inputDir).isDirectory()) throw new Error('not a directory');
    } catch (err) {
      throw new CliError(`stream: the input directory ${inputDir} cannot be watched: ${(err as Error).message}`);
    }
    if (opts.enableMosaics)
      ctx.note('stream: --enable-mosaics: streaming mosaics are not built by this version yet; groups are imaged only');
    // SIGINT/SIGTERM is how a service stops: after a clean stop the invocation exits 0.
    stopSignalsAreNormal();
    const daemon = new StreamDaemon(engine, opts, (e) => {
      const line = `${new Date().toISOString()} ${e.level.padEnd(5)} ${e.event}: ${e.message}\n`;
      ctx.io.stdout.write(line);
    });
    await daemon.run(interruptSignal());
  } finally {
    await engine.close();
  }
}

function fmtS(v: number | null): string {
  return v === null ? '-' : `${v.toFixed(1)} s`;
}

function renderStatus(s: StreamStatus): string {
  const lines: string[] = [];
  const d = s.daemon;
  if (!d) lines.push('daemon: never started in this workspace');
  else {
    const beat = ((Date.now() / 86400000 + 40587 - d.heartbeatMjd) * 86400).toFixed(0);
    lines.push(
      `daemon: ${d.alive ? `running (pid ${d.pid} on ${d.host}, last beat ${beat} s ago)` : d.stoppedMjd !== null ? 'stopped' : `not running (pid ${d.pid} gone or silent for ${beat} s)`}; input ${d.inputDir}`,
    );
    if (d.alive && d.paused) lines.push(`intake: PAUSED: ${d.pauseReason ?? ''}`);
    if (d.freeBytes !== null) lines.push(`free space: ${(d.freeBytes / 2 ** 30).toFixed(2)} GiB`);
  }
  lines.push(
    `queue: ${Object.entries(s.queue)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  lines.push(
    `completed: ${s.latencyS.count} (last hour ${s.completedLastHour}${s.ratePerHour !== null ? `, ${s.ratePerHour.toFixed(1)}/h since start` : ''}); attempts ${s.attempts}`,
  );
  lines.push(
    `latency (last file -> image): p50 ${fmtS(s.latencyS.p50)}, p99 ${fmtS(s.latencyS.p99)}, max ${fmtS(s.latencyS.max)}`,
  );
  if (s.lastErrors.length) {
    lines.push('last errors:');
    for (const e of s.lastErrors) lines.push(`  ${e.groupId} (${e.state}, ${e.attempts} attempt(s)): ${e.error}`);
  }
  if (s.notes.length) {
    lines.push('notes:');
    for (const n of s.notes) lines.push(`  ${n.groupId}: ${n.note}`);
  }
  if (s.rejectedTotal) {
    lines.push(`refused files: ${s.rejectedTotal}`);
    for (const r of s.rejected) lines.push(`  ${r.path}: ${r.reason}`);
  }
  return lines.join('\n');
}

export const streamCommand: CliCommand = {
  name: 'stream',
  register(program, ctx) {
    const cmd = program
      .command('stream')
      .description(
        'the streaming daemon: watch the incoming directory, register complete subband files, convert, calibrate and image each group as it completes (stop with SIGINT/SIGTERM)',
      )
      .option(
        '--input-dir <dir>',
        'the directory the correlator writes into (default: ingest.inputDir or <workspace>/incoming)',
      )
      .option(
        '--enable-calibration-solving',
        'solve on a group holding a calibrator transit when no valid tables exist',
      )
      .option('--enable-mosaics', 'form sliding mosaics of the images (not built by this version yet)')
      .option('--concurrency <n>', 'groups processed at once', positive('--concurrency', true), 1)
      .option('--poll-interval <s>', 'seconds between scans of the directory', positive('--poll-interval'), 2)
      .option(
        '--settle <s>',
        'seconds a file must keep its size and mtime (default: ingest.settleTimeS)',
        positive('--settle'),
      )
      .option('--poll-only', 'scan only, no file-system events (network and FUSE file systems)')
      .option(
        '--partial-timeout <s>',
        'seconds after its latest file an incomplete group becomes partial',
        positive('--partial-timeout'),
        600,
      )
      .option(
        '--partial-policy <policy>',
        'a partial group: convert what is there (with a note), or wait',
        oneOf(['convert', 'wait'] as const),
        'convert',
      )
      .option('--max-attempts <n>', 'attempts of a group before it is failed', positive('--max-attempts', true), 3)
      .option('--backoff <s>', 'first retry delay, doubled on each further failure', positive('--backoff'), 30)
      .option(
        '--min-free-gb <g>',
        'pause intake below this much free space in the workspace',
        positive('--min-free-gb'),
        10,
      )
      .option('--tier <tier>', 'imaging tier', oneOf(IMAGING_TIERS), 'standard')
      .action((o: StreamOpts) => runDaemon(ctx, o));
    cmd
      .command('status')
      .description('the streaming queue by state, rates, latencies, the daemon and the last errors')
      .action(async () => {
        const s = await withEngine(ctx, (engine) => streamStatus(engine.db));
        ctx.result(s, () => renderStatus(s));
      });
  },
};
