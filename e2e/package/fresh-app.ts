import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { codeBlocksUnder } from '../../test/readme-blocks';

/**
 * The two applications the package suite installs `celerity` into, written
 * the way the README tells a user to: a tasks module exporting its registry,
 * and a script of the application's own that enqueues with the typed client
 * and waits for the results. One in TypeScript, one in plain JavaScript (ESM).
 */
export type AppLang = 'ts' | 'js';

/** What the specs need to know about an app's tasks (each app's own names, so a mix-up shows). */
export interface AppTasks {
  /** Adds `a` and `b`. */
  sum: string;
  /** Reports progress over `steps` steps, returns `{ steps, done: true }`. */
  crunch: string;
}

export const appTasks = (lang: AppLang): AppTasks => ({ sum: `${lang}-sum`, crunch: `${lang}-crunch` });

/** The file names in an app: `-A` takes `tasksFile`; the enqueue script is run by `enqueueCommand`. */
export const appFiles = (lang: AppLang) => ({ tasksFile: `./tasks.${lang}`, enqueueFile: `enqueue.${lang}` });

/** `node …` arguments that run the app's enqueue script (TypeScript through tsx, a dependency of celerity). */
export const enqueueCommand = (lang: AppLang): string[] => (lang === 'ts' ? ['--import', 'tsx', 'enqueue.ts'] : ['enqueue.js']);

/** The TypeScript app's type test: lines with `@ts-expect-error <code>` must each fail with that code without the directive. */
export const TYPE_TEST_FILE = 'type-test.ts';

function tasksSource(lang: AppLang): string {
  const t = appTasks(lang);
  const annotate = (ts: string) => (lang === 'ts' ? ts : '');
  return `import { createRegistry, defineTask, z } from 'celerity';

export const sum = defineTask({
  name: '${t.sum}',
  description: 'Adds two numbers (the ${lang === 'ts' ? 'TypeScript' : 'JavaScript'} app).',
  schema: z.object({
    a: z.number().describe('First number'),
    b: z.number().describe('Second number'),
  }),
  handler: ({ a, b }) => a + b,
});

export const crunch = defineTask({
  name: '${t.crunch}',
  description: 'Works through its steps, reporting progress and a log line for each.',
  schema: z.object({
    steps: z.number().int().min(1).max(20).default(4).describe('How many steps'),
  }),
  handler: async ({ steps }, ctx) => {
    for (let i = 1; i <= steps; i++) {
      await ctx.progress(Math.round((i / steps) * 100));
      await ctx.log(\`step \${i} of \${steps}\`);
    }
    return { steps, done: true${annotate(' as const')} };
  },
});

export const registry = createRegistry([sum, crunch]);
export default registry;
`;
}

function enqueueSource(lang: AppLang): string {
  const t = appTasks(lang);
  // In TypeScript the results are typed: `total` must be a number, `report.done` a literal true.
  return `import { createClient } from 'celerity';
import { registry } from './tasks.js';

const client = createClient(registry);
const sum = await client.enqueue('${t.sum}', { a: 2, b: 3 });
const total${lang === 'ts' ? ': number' : ''} = await sum.waitForResult(30_000);
const crunch = await client.enqueue('${t.crunch}', { steps: 3 });
const report = await crunch.waitForResult(30_000);
${lang === 'ts' ? 'const done: true = report.done;\n' : 'const done = report.done;\n'}await client.close();
console.log(JSON.stringify({ sum: { queue: sum.queue, id: sum.id, result: total }, crunch: { queue: crunch.queue, id: crunch.id, result: report, done } }));
`;
}

/**
 * Each wrong call carries the error code tsc must give it once the directive is
 * gone: the negative control checks the codes, line by line, so a directive
 * that only hides some other error (a typo in the test) does not pass.
 */
function typeTestSource(): string {
  const t = appTasks('ts');
  return `import { createClient, defineSchedule, InvalidError, type TaskNames } from 'celerity';
import { startWorker, type CelerityWorker, type StopReport } from 'celerity/worker';
import { registry } from './tasks.js';

const client = createClient(registry);
const names: TaskNames<typeof registry>[] = ['${t.sum}', '${t.crunch}'];

export async function typeTest(): Promise<unknown[]> {
  const n: number = await (await client.enqueue('${t.sum}', { a: 1, b: 2 })).waitForResult();
  await client.enqueue('${t.crunch}');
  await client.enqueue('${t.crunch}', { steps: 2 }, { attempts: 3, delay: 1000 });
  await client.enqueueMany([{ task: '${t.sum}', args: { a: 1, b: 2 } }, { task: '${t.crunch}' }]);
  // @ts-expect-error TS2345 no task of that name
  await client.enqueue('unknown-task');
  // @ts-expect-error TS2322 a must be a number
  await client.enqueue('${t.sum}', { a: 'x', b: 2 });
  // @ts-expect-error TS2345 b is required
  await client.enqueue('${t.sum}', { a: 1 });
  // @ts-expect-error TS2554 the arguments are required
  await client.enqueue('${t.sum}');
  // @ts-expect-error TS2353 no such argument
  await client.enqueue('${t.crunch}', { steps: 2, speed: 'fast' });
  // @ts-expect-error TS2322 the result is a number
  const s: string = await (await client.enqueue('${t.sum}', { a: 1, b: 2 })).waitForResult();
  // @ts-expect-error TS2322 no task of that name in a batch either
  await client.enqueueMany([{ task: 'unknown-task' }]);

  const worker: CelerityWorker = await startWorker({ registry, concurrency: 2, queues: ['default'] });
  const report: StopReport = await worker.stop();
  // @ts-expect-error TS2322 concurrency is a number
  await startWorker({ registry, concurrency: 'many' });
  const schedule = defineSchedule({ name: 'nightly', task: '${t.crunch}', cron: '0 3 * * *' });
  const invalid: boolean = new Error() instanceof InvalidError;
  return [names, n, s, report, schedule, invalid];
}
`;
}

/**
 * The README's "Add Celerity to your app" code, as files of the TypeScript app:
 * each block opens with a comment naming its file (`// src/tasks.ts`). The type
 * test compiles them, and readme.spec.ts runs the README's worker and script.
 */
export const README_SECTION = 'Add Celerity to your app';

function readmeFiles(rootDir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const block of codeBlocksUnder(rootDir, README_SECTION)) {
    const file = /^\/\/ (src\/\S+\.ts)\b/.exec(block)?.[1];
    if (file) files[file] = block;
  }
  if (!files['src/tasks.ts'] || !files['src/enqueue.ts']) throw new Error(`README "${README_SECTION}": no src/tasks.ts or src/enqueue.ts block`);
  return files;
}

/** The app's package.json before `npm install <tarball>` adds celerity to it. */
function packageJson(lang: AppLang, rootDir: string): string {
  const version = (pkg: string) => (JSON.parse(readFileSync(path.join(rootDir, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  const pkg: Record<string, unknown> = { name: `celerity-e2e-${lang}-app`, version: '1.0.0', private: true, type: 'module' };
  // The type test's compiler, as an application has it (the same versions as this repository: already in the npm cache).
  if (lang === 'ts') pkg.devDependencies = { typescript: version('typescript'), '@types/node': version('@types/node') };
  return JSON.stringify(pkg, null, 2) + '\n';
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  },
  include: ['*.ts', '*.cts', 'src/*.ts'],
};

/** Write an app into `dir` (created); `rootDir` is this repository (for the devDependency versions). */
export function writeApp(lang: AppLang, dir: string, rootDir: string): void {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    'package.json': packageJson(lang, rootDir),
    [`tasks.${lang}`]: tasksSource(lang),
    [`enqueue.${lang}`]: enqueueSource(lang),
  };
  if (lang === 'ts') {
    files['tsconfig.json'] = JSON.stringify(TSCONFIG, null, 2) + '\n';
    files[TYPE_TEST_FILE] = typeTestSource();
    Object.assign(files, readmeFiles(rootDir));
  }
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}
