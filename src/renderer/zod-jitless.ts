// Must be the renderer's first import: zod 4 probes `new Function` when its first object schema
// is built, which the strict CSP (no 'unsafe-eval') reports as a violation. jitless skips the probe.
import { z } from 'zod';

z.config({ jitless: true });
