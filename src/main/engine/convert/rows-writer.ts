// Writing converted integrations to MAIN (time-major rows: integration t of window s goes to rows
// (t * nspw + s) * nbl ...), with a few rows kept as spot checks for the verification. The same
// code runs in the writer thread and, without it, on the main thread.
import type { MsWriter } from '../ms/writer';
import type { KernelOutput } from './kernel';

/** Everything MAIN needs besides the kernel's output: plain data, so it can cross to a thread. */
export interface RowsGeometry {
  nbl: number;
  nspw: number;
  ntimes: number;
  nchan: number;
  npol: number;
  /** MS TIME (MJD seconds) per integration. */
  timesS: Float64Array;
  /** J2000 uvw per integration and baseline, ntimes x nbl x 3 (m). */
  uvw: Float64Array;
  ant1: Int32Array;
  ant2: Int32Array;
  integrationS: number;
}

/** A row kept while writing, compared with what the finished MS holds. */
export interface SpotCheck {
  row: number;
  data: Float32Array;
  flag: Uint8Array;
  uvw: Float64Array;
}

/** The MAIN rows kept as spot checks: first, middle and last integration and window. */
export function spotRows(g: Pick<RowsGeometry, 'nbl' | 'nspw' | 'ntimes'>): Set<number> {
  const { nbl, nspw, ntimes } = g;
  return new Set(
    [
      [0, 0, nbl - 1],
      [Math.floor(ntimes / 2), Math.floor(nspw / 2), Math.floor(nbl / 2)],
      [ntimes - 1, nspw - 1, 0],
    ].map(([t, s, b]) => (t! * nspw + s!) * nbl + b!),
  );
}

export class IntegrationWriter {
  readonly spots: SpotCheck[] = [];
  private readonly spotAt: Set<number>;
  private readonly fixed;

  constructor(
    private readonly ms: MsWriter,
    private readonly g: RowsGeometry,
  ) {
    const { nbl } = g;
    this.spotAt = spotRows(g);
    this.fixed = {
      n: nbl,
      time: new Float64Array(nbl),
      interval: new Float64Array(nbl).fill(g.integrationS),
      antenna1: Int32Array.from(g.ant1),
      antenna2: Int32Array.from(g.ant2),
      dataDescId: new Int32Array(nbl),
      uvw: new Float64Array(3 * nbl),
    };
  }

  /** Write integration t of window s (the kernel's rows `out`). */
  write(t: number, s: number, out: KernelOutput): void {
    const { nbl, nspw, nchan, npol } = this.g;
    const per = nchan * npol;
    const f = this.fixed;
    f.dataDescId.fill(s);
    f.time.fill(this.g.timesS[t] as number);
    f.uvw.set(this.g.uvw.subarray(t * nbl * 3, (t + 1) * nbl * 3));
    const rowStart = (t * nspw + s) * nbl;
    this.ms.putRows(rowStart, { ...f, ...out });
    for (let b = 0; b < nbl; b++) {
      if (!this.spotAt.has(rowStart + b)) continue;
      this.spots.push({
        row: rowStart + b,
        data: out.data.slice(2 * b * per, 2 * (b + 1) * per),
        flag: out.flag.slice(b * per, (b + 1) * per),
        uvw: f.uvw.slice(3 * b, 3 * b + 3),
      });
    }
  }
}
