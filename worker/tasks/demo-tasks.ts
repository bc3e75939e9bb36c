// The demo uses the package's public entry points only, as an application would.
import { defineTask, z } from 'celerity';

/** Sleep that wakes up early when the job is cancelled. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The classic first task. */
export const hello = defineTask({
  name: 'hello',
  description: 'Returns "hello world" — the classic first task.',
  schema: z.object({}),
  handler: () => 'hello world',
});

export const add = defineTask({
  name: 'add',
  description: 'Adds two numbers and returns the sum.',
  schema: z.object({
    a: z.number().describe('First number'),
    b: z.number().describe('Second number'),
  }),
  handler: ({ a, b }) => a + b,
});

export const report = defineTask({
  name: 'report',
  description: 'Builds a pretend report: reports progress 0→100 and writes log lines while it runs (~10 s by default).',
  schema: z.object({
    durationMs: z.number().int().min(0).max(3_600_000).default(10_000).describe('How long the report takes, in milliseconds'),
    steps: z.number().int().min(1).max(1000).default(10).describe('How many progress steps'),
  }),
  handler: async ({ durationMs, steps }, ctx) => {
    await ctx.log(`Report started: ${steps} steps over ${durationMs} ms`);
    await ctx.progress(0);
    for (let i = 1; i <= steps; i++) {
      await pause(durationMs / steps, ctx.signal);
      await ctx.progress(Math.round((i / steps) * 100));
      await ctx.log(`Step ${i}/${steps} done`);
    }
    return { rows: steps * 100, finishedAt: new Date().toISOString() };
  },
});

export const flaky = defineTask({
  name: 'flaky',
  description: 'Fails its first attempts, then succeeds: shows retries with exponential backoff.',
  schema: z.object({
    failTimes: z.number().int().min(0).max(20).default(2).describe('How many attempts fail before one succeeds'),
  }),
  defaults: { attempts: 5, backoff: { type: 'exponential', delay: 500 } },
  handler: async ({ failTimes }, ctx) => {
    if (ctx.attempt <= failTimes) {
      await ctx.log(`Attempt ${ctx.attempt}: failing on purpose`);
      throw new Error(`Flaky failure on attempt ${ctx.attempt} of ${failTimes + 1}`);
    }
    await ctx.log(`Attempt ${ctx.attempt}: success`);
    return { succeededOnAttempt: ctx.attempt };
  },
});

export const fail = defineTask({
  name: 'fail',
  description: 'Always throws an error (with a stack trace).',
  schema: z.object({
    message: z.string().max(1000).default('This task always fails').describe('The error message to throw'),
  }),
  handler: ({ message }) => {
    throw new Error(message);
  },
});

export const sleep = defineTask({
  name: 'sleep',
  description: 'Waits for the given number of milliseconds, then returns.',
  schema: z.object({
    ms: z.number().int().min(0).max(86_400_000).describe('Milliseconds to wait'),
  }),
  handler: async ({ ms }, ctx) => {
    await pause(ms, ctx.signal);
    return { sleptMs: ms };
  },
});

export const apiCall = defineTask({
  name: 'api-call',
  description:
    'Calls a pretend third-party API that allows 20 requests a second: its rate limit holds every worker to that together (an admin can change it live on this page).',
  queue: 'api',
  schema: z.object({
    endpoint: z.string().max(200).default('/ping').describe('The pretend endpoint to call'),
  }),
  rateLimit: '20/s',
  handler: async ({ endpoint }, ctx) => {
    await pause(50, ctx.signal);
    return { endpoint, status: 200 };
  },
});
