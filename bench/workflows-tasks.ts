import { z } from 'zod';
import { defineTask } from '../lib/registry/define-task';

/**
 * The tasks of the workflows bench (bench/workflows.ts), shared by its worker
 * and client processes: `noop` returns at once; `nap` waits `ms` and reports
 * its progress halfway (a step the run page shows going active, then done).
 * One queue for both, so a workflow's fan-out jobs and its steps share it.
 */
export const QUEUE = 'wf-bench';

export const noop = defineTask({ name: 'noop', description: 'no-op', queue: QUEUE, schema: z.object({}), handler: () => 1 });

export const nap = defineTask({
  name: 'nap',
  description: 'waits ms, reporting 50 % halfway',
  queue: QUEUE,
  schema: z.object({ ms: z.number().int().min(0) }),
  handler: async ({ ms }, ctx) => {
    await new Promise((r) => setTimeout(r, ms / 2));
    await ctx.progress(50);
    await new Promise((r) => setTimeout(r, ms / 2));
    return 1;
  },
});
