// scripts/examples/resize-image.ts: the README's "Define a task" example (in an application it lives next to its tasks module).
// `npm run typecheck` checks it; test/readme-examples.test.ts keeps the README's copy the same.
import { defineTask, z } from 'celerity';

export const resizeImage = defineTask({
  name: 'resize-image',
  description: 'Resizes an uploaded image to a width.',
  queue: 'images', // optional, default "default"
  schema: z.object({
    url: z.url().describe('Where the image is'),
    width: z.number().int().min(16).max(4096).default(800),
  }),
  defaults: { attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
  // optional: how long finished jobs stay in Redis (age in seconds, count); defaults 7 days / 10,000 completed, 30 days / 50,000 failed
  retention: { completed: { age: 24 * 3600, count: 1000 } },
  handler: async ({ url, width }, ctx) => {
    await ctx.log(`Resizing ${url} to ${width}px`);
    await ctx.progress(50);
    if (ctx.signal.aborted) return; // cancelled from the console
    return { url, width };
  },
});
