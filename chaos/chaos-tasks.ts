// The tasks module of the chaos suite and the delivery tests: `celerity worker -A chaos/chaos-tasks.ts`.
import { createRegistry, defineTask, z } from 'celerity';

/** The queue the chaos tasks use (no other task does). */
export const CHAOS_QUEUE = 'chaos';

/**
 * One line on stdout per start and end of a handler: `CHAOS <start|end|abort> <jobId> <pid> <ms since epoch>`.
 * On stdout, not in Redis, so a worker cut off from Redis still reports (a pipe
 * write is synchronous on Linux: a line written before a kill -9 arrives).
 */
function report(what: 'start' | 'end' | 'abort', jobId: string, extra = ''): void {
  process.stdout.write(`CHAOS ${what} ${jobId} ${process.pid} ${Date.now()}${extra ? ` ${extra}` : ''}\n`);
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new Error(String(signal.reason)));
      },
      { once: true },
    );
  });
}

/** Works for `ms` and reports its start and end; stops early when its signal aborts unless told to ignore it. */
export const chaosWork = defineTask({
  name: 'chaos.work',
  description: 'Chaos suite: works for ms milliseconds, reporting start and end on stdout.',
  queue: CHAOS_QUEUE,
  schema: z.object({
    ms: z.number().int().min(0).max(600_000).default(300),
    ignoreSignal: z.boolean().default(false),
  }),
  // The suite checks every acknowledged job in Redis after a run: none may be trimmed away meanwhile (a run adds tens of thousands).
  retention: { completed: { count: 1_000_000 } },
  handler: async ({ ms, ignoreSignal }, ctx) => {
    report('start', ctx.jobId);
    try {
      await pause(ms, ignoreSignal ? undefined : ctx.signal);
    } catch (err) {
      report('abort', ctx.jobId, (err as Error).message.replace(/\s+/g, '_'));
      throw err;
    }
    report('end', ctx.jobId);
    return { ms };
  },
});

export const registry = createRegistry([chaosWork]);
export default registry;
