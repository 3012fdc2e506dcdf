// `dsa110 serve`: the engine as an HTTP service (src/main/server) with the desktop UI in a
// browser; runs until interrupted.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { InvalidArgumentError } from 'commander';
import type { CliContext } from '../context';
import { CliError, UsageError } from '../errors';
import { Engine } from '../../engine/engine';
import { appInfo } from '../app-info';
import type { CliCommand } from './types';

interface ServeOpts {
  port: number;
  host: string;
  open?: boolean;
  allowRemote?: boolean;
  renderer?: string;
  ui: boolean;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port number 0-65535 (0: any free port), got "${value}".`);
  return n;
}

async function run(ctx: CliContext, o: ServeOpts): Promise<void> {
  // Loaded here so other commands never pay for fastify.
  const { serve, ServeRefused, defaultRendererDir, rendererBuilt, isLoopbackHost } = await import('../../server');
  if (!isLoopbackHost(o.host) && !o.allowRemote) {
    throw new UsageError(
      `serve: refusing to listen on ${o.host}, which other machines can reach; pass --allow-remote to do so (plain HTTP: prefer an SSH tunnel to 127.0.0.1)`,
    );
  }
  let rendererDir: string | null = null;
  if (o.ui) {
    rendererDir = path.resolve(ctx.io.cwd, o.renderer ?? defaultRendererDir());
    if (!rendererBuilt(rendererDir)) {
      if (o.renderer !== undefined)
        throw new CliError(
          `serve: ${rendererDir} holds no built renderer (index.html); build it with "npm run build" or leave out --renderer`,
        );
      ctx.note(`serve: building the user interface into ${rendererDir} (once)...`);
      const { buildRenderer } = await import('../../server/renderer-build');
      await buildRenderer(rendererDir);
    }
  }
  const { name, version } = appInfo();
  const engine = await Engine.open({
    config: ctx.config(),
    logger: ctx.logger(),
    app: { name, version, runtime: 'http' },
  });
  const log = engine.log;
  let running: Awaited<ReturnType<typeof serve>>;
  try {
    running = await serve({
      engine,
      host: o.host,
      port: o.port,
      allowRemote: o.allowRemote === true,
      rendererDir,
      log: {
        info: (m) => log.info(m),
        warn: (m) => log.warn(m),
        error: (m, e) => log.error({ err: e }, m),
      },
    });
  } catch (err) {
    await engine.close();
    if (err instanceof ServeRefused) throw new UsageError(err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE')
      throw new CliError(
        `serve: port ${o.port} on ${o.host} is in use; choose another with --port (0 picks a free one)`,
      );
    if (code === 'EADDRNOTAVAIL') throw new CliError(`serve: ${o.host} is not an address of this machine`);
    throw err;
  }
  for (const r of running.recovered)
    ctx.note(`serve: resuming job ${r.jobId} (${r.kind}), interrupted when its process stopped`);
  ctx.result(
    {
      url: running.url,
      loginUrl: running.loginUrl,
      tokenFile: running.tokenFile,
      workspace: engine.paths.root,
      ui: rendererDir !== null,
      recovered: running.recovered.map((r) => r.jobId),
    },
    () =>
      [
        `dsa110 serve: workspace ${engine.paths.root}`,
        `  open ${running.loginUrl}`,
        `  (the token is in ${running.tokenFile}; API: ${running.url}api/openapi.json; stop with Ctrl-C)`,
      ].join('\n'),
  );
  if (o.open) {
    const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
    const child = spawn(opener, [running.loginUrl], { detached: true, stdio: 'ignore' });
    child.on('error', () => ctx.note(`serve: could not start ${opener}; open the URL above yourself`));
    child.unref();
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      ctx.note(`serve: ${signal}: stopping (running jobs are cancelled and can be retried)`);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve();
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
  await running.close();
  await engine.close();
}

export const serveCommand: CliCommand = {
  name: 'serve',
  register(program, ctx) {
    program
      .command('serve')
      .description(
        'serve the engine over HTTP (contract API, job API, events, OpenAPI) and the user interface to a browser',
      )
      .option('--port <n>', 'TCP port (0: any free port)', port, 8110)
      .option('--host <address>', 'address to listen on; anything but loopback needs --allow-remote', '127.0.0.1')
      .option('--allow-remote', 'allow listening on an address other machines can reach')
      .option('--open', 'open the user interface in the default browser')
      .option('--renderer <dir>', 'the built user interface to serve (default: out/renderer, built on first use)')
      .option('--no-ui', 'serve the API only')
      .action((o: ServeOpts) => run(ctx, o));
  },
};
