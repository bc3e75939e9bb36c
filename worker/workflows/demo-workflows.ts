// Demo workflows (README "Workflows"), on the package's public entry point as an application would write them.
import { chain, chord, defineTask, defineWorkflow, map, step, z } from 'celerity';

/** Wait `ms`, reporting progress in `steps` parts; stops early when the step is cancelled. */
async function work(ms: number, steps: number, ctx: { signal: AbortSignal; progress(p: number): Promise<void> }): Promise<void> {
  for (let i = 1; i <= steps; i++) {
    await new Promise((resolve) => setTimeout(resolve, ms / steps));
    if (ctx.signal.aborted) throw new Error('cancelled');
    await ctx.progress(Math.round((100 * i) / steps));
  }
}

const page = z.object({ url: z.string(), html: z.string() });
const parsed = z.object({ url: z.string(), title: z.string(), words: z.number() });

export const fetchPage = defineTask({
  name: 'fetch-page',
  description: 'Workflow demo: "downloads" a page (made up, no network), with progress.',
  schema: z.object({ url: z.string().describe('The page to fetch'), ms: z.number().int().min(0).max(60_000).default(1500) }),
  handler: async ({ url, ms }, ctx) => {
    await work(ms, 5, ctx);
    return { url, html: `<html><title>${url}</title><body>${'lorem ipsum '.repeat(50)}</body></html>` };
  },
});

export const parsePage = defineTask({
  name: 'parse-page',
  description: 'Workflow demo: reads the title and counts the words of the fetched page (its input).',
  schema: z.object({}),
  input: page,
  handler: async (_, ctx) => {
    await work(800, 4, ctx);
    const title = /<title>(.*)<\/title>/.exec(ctx.input.html)?.[1] ?? '';
    return { url: ctx.input.url, title, words: ctx.input.html.split(/\s+/).length };
  },
});

export const storePage = defineTask({
  name: 'store-page',
  description: 'Workflow demo: "stores" the parsed page (its input) and returns where.',
  schema: z.object({ table: z.string().default('pages') }),
  input: parsed,
  handler: async ({ table }, ctx) => {
    await work(500, 2, ctx);
    return { table, key: ctx.input.url, title: ctx.input.title, words: ctx.input.words };
  },
});

export const thumbnail = defineTask({
  name: 'thumbnail',
  description: 'Workflow demo: "makes" a thumbnail of one image, with progress.',
  schema: z.object({ image: z.string(), width: z.number().int().min(16).max(1024).default(128) }),
  handler: async ({ image, width }, ctx) => {
    await work(400 + Math.floor(Math.random() * 1200), 4, ctx);
    return { image, width, bytes: 1000 + Math.floor(Math.random() * 9000) };
  },
});

export const summarize = defineTask({
  name: 'summarize-thumbnails',
  description: "Workflow demo: a chord's callback, summing up the thumbnails (its input).",
  schema: z.object({}),
  input: z.array(z.object({ image: z.string(), bytes: z.number() })),
  handler: (_, ctx) => ({ count: ctx.input.length, bytes: ctx.input.reduce((sum, t) => sum + t.bytes, 0) }),
});

/** Fails the first time a worker process runs a given step, succeeds when retried: the failure path, then a retry that resumes the run. */
const seen = new Set<string>();
export const validatePage = defineTask({
  name: 'validate-page',
  description: 'Workflow demo: fails the first time it runs a step (retry it from the run page and the workflow completes).',
  schema: z.object({}),
  input: page,
  handler: (_, ctx) => {
    if (!seen.has(ctx.jobId)) {
      seen.add(ctx.jobId);
      throw new Error(`${ctx.input.url}: markup does not validate (demo failure: retry this step)`);
    }
    return ctx.input;
  },
});

export const notifyFailure = defineTask({
  name: 'notify-failure',
  description: "Workflow demo: a workflow's onError task; logs the failure it gets as input.",
  schema: z.object({ channel: z.string().default('#ops') }),
  handler: async ({ channel }, ctx) => {
    await ctx.log(`to ${channel}: ${JSON.stringify(ctx.input)}`);
    return { notified: channel };
  },
});

export const workflowTasks = [fetchPage, parsePage, storePage, thumbnail, summarize, validatePage, notifyFailure] as const;

export const fetchParseStore = defineWorkflow({
  name: 'fetch-parse-store',
  description: 'A chain: fetch a page, parse it, store the result (each step gets the previous result as its input).',
  schema: z.object({ url: z.string().default('https://example.com/').describe('The page') }),
  build: ({ url }) => chain(step(fetchPage, { url }), step(parsePage), step(storePage, { table: 'pages' })),
});

export const thumbnails = defineWorkflow({
  name: 'thumbnails',
  description: 'A chord: thumbnails of N images in parallel, then a summary of all of them.',
  schema: z.object({ images: z.number().int().min(1).max(200).default(6).describe('How many images'), width: z.number().int().min(16).max(1024).default(128) }),
  build: ({ images, width }) =>
    chord(
      map(
        thumbnail,
        Array.from({ length: images }, (_, i) => ({ image: `image-${i + 1}.jpg`, width })),
      ),
      step(summarize),
    ),
});

export const brokenPipeline = defineWorkflow({
  name: 'broken-pipeline',
  description: 'A chain whose middle step fails once: see the failure, retry the step, watch the workflow complete. onError notifies.',
  schema: z.object({ url: z.string().default('https://example.com/broken') }),
  build: ({ url }) => chain(step(fetchPage, { url, ms: 500 }), step(validatePage), step(parsePage), step(storePage, { table: 'pages' })),
  onError: step(notifyFailure, { channel: '#ops' }),
});

export const demoWorkflows = [fetchParseStore, thumbnails, brokenPipeline];
