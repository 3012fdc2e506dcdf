// What one step of `dsa110 demo` reports, shared by demo.ts and the modules it runs
// (demo-checks.ts, demo-pipeline.ts) so that they need not import demo.ts back.
import type { CliContext } from '../context';

export interface DemoStep {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
}

export type DemoCheck = (ctx: CliContext) => DemoStep | Promise<DemoStep>;
