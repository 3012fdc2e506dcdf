// Fault points for the crash and full-disk tests: DSA110_FAULT names the steps at which this
// process kills itself (SIGKILL, no cleanup) or sees an injected file-system error. They live
// with the job runner, the lowest layer that calls them; the registry's publish steps, above it,
// use them too.
//
//   DSA110_FAULT=publish:after-rename              kill at that step
//   DSA110_FAULT=stage:mosaic-build:after*1        the job runner: kill once, after that stage's
//                                                  execute and before its success is recorded
//   DSA110_FAULT=stage:image:mid*1                 inside that stage's execute, when its progress
//                                                  first reaches one half (CLEAN half way)
//   DSA110_FAULT=publish:copy-write=ENOSPC         every write of a copy fails with ENOSPC
//   DSA110_FAULT=publish:copy-write=ENOSPC*2       only the first two do
//   DSA110_FAULT=publish:rename=EXDEV,publish:after-copy   several entries, comma-separated
//
// Unset (production), every check is a lookup in an empty list.

interface Fault {
  point: string;
  /** errno code to throw; undefined means kill the process. */
  code: string | undefined;
  /** How many hits fire (Infinity when no `*N` was given). */
  times: number;
}

const hits = new Map<string, number>();

function parse(spec: string | undefined): Fault[] {
  if (!spec) return [];
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^([a-z0-9:-]+)(?:=([A-Z0-9]+))?(?:\*(\d+))?$/.exec(entry);
      if (!m?.[1])
        throw new Error(
          `DSA110_FAULT: entry "${entry}" is not POINT[=ERRNO][*TIMES] (e.g. publish:copy-write=ENOSPC*2)`,
        );
      return { point: m[1], code: m[2], times: m[3] === undefined ? Infinity : Number(m[3]) };
    });
}

function active(point: string, wantCode: boolean): Fault | undefined {
  const spec = process.env.DSA110_FAULT;
  const fault = parse(spec).find((f) => f.point === point && (f.code !== undefined) === wantCode);
  if (!fault) return undefined;
  // Counted per setting, so a new DSA110_FAULT value starts counting again.
  const key = `${spec ?? ''}|${point}`;
  const n = (hits.get(key) ?? 0) + 1;
  hits.set(key, n);
  return n <= fault.times ? fault : undefined;
}

/** A step where the test may kill this process as abruptly as a power cut would. */
export function faultPoint(point: string): void {
  if (active(point, false)) process.kill(process.pid, 'SIGKILL');
}

/** An injected errno error for this step and file, or undefined. */
export function injectedError(point: string, file: string, syscall: string): NodeJS.ErrnoException | undefined {
  const fault = active(point, true);
  if (!fault?.code) return undefined;
  const err: NodeJS.ErrnoException = new Error(
    `${fault.code}: injected by DSA110_FAULT (${point}), ${syscall} '${file}'`,
  );
  err.code = fault.code;
  err.syscall = syscall;
  err.path = file;
  return err;
}
