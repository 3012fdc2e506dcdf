// CLI entry: parse, run one command, and turn every outcome into an exit code and a message on stderr.
import { CommanderError } from 'commander';
import { CliError, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './errors';
import { buildProgram } from './program';
import { installSignalHandlers, interruptedBy, SIGNAL_EXIT } from './signals';
import type { CliIO } from './context';

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Run the CLI on `argv` (as process.argv: node, script, args...) and return the exit code. */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const json = argv.slice(2).includes('--json');
  const fail = (code: number, message: string, details?: unknown): number => {
    if (json)
      io.stderr.write(
        `${JSON.stringify({ error: { message, exitCode: code, ...(details === undefined ? {} : { details }) } })}\n`,
      );
    else io.stderr.write(`dsa110: ${message}\n`);
    return code;
  };
  let built: Awaited<ReturnType<typeof buildProgram>>;
  try {
    built = await buildProgram(io, argv);
  } catch (err) {
    // A command module that cannot be imported (a broken install or bundle): say which and why.
    return fail(EXIT_FAILURE, err instanceof Error ? err.message : String(err));
  }
  const { program, ctx } = built;
  const removeHandlers = installSignalHandlers((s) => io.stderr.write(s));
  try {
    await program.parseAsync(argv);
    const sig = interruptedBy();
    // A command that finished its current safe step after a signal still stops as interrupted.
    return sig ? fail(SIGNAL_EXIT[sig], `interrupted by ${sig}`) : EXIT_OK;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed its message (and the usage hint) on stderr.
      if (err.exitCode === 0) return EXIT_OK;
      return err.code === 'commander.error' ? err.exitCode : EXIT_USAGE;
    }
    // Stopped by SIGINT/SIGTERM: whatever the command made of it, the exit code says so.
    const sig = interruptedBy();
    if (sig)
      return fail(
        SIGNAL_EXIT[sig],
        err instanceof Error && /interrupted/.test(err.message)
          ? err.message
          : `interrupted by ${sig}: ${err instanceof Error ? err.message : String(err)}`,
      );
    if (err instanceof CliError) return fail(err.exitCode, err.message);
    // Imported here, not at startup: a ConfigError or a database error means that code is loaded already.
    const { ConfigError } = await import('../engine/config');
    if (err instanceof ConfigError) {
      return fail(err.fromFlagsOnly ? EXIT_USAGE : EXIT_FAILURE, err.message, err.issues);
    }
    // A damaged database found after opening it: named with its path and pointed to the backup.
    const { corruptionError, isCorruptionError } = await import('../engine/db');
    if (isCorruptionError(err)) {
      let file = 'the state database';
      try {
        file = ctx.paths().database;
      } catch {
        // The configuration itself failed; the generic name is all there is.
      }
      return fail(EXIT_FAILURE, corruptionError(file, err).message);
    }
    const e = err instanceof Error ? err : new Error(String(err));
    const verbose = ctx.globals().logLevel === 'debug' || ctx.globals().logLevel === 'trace';
    return fail(EXIT_FAILURE, verbose && e.stack ? e.stack : e.message);
  } finally {
    removeHandlers();
    ctx.close();
  }
}
