/**
 * The demo's worker as this repository runs it: the package's CLI from sources,
 * `celerity worker -A worker/tasks/index.ts` (what `npm run worker` runs). Tests,
 * e2e suites and benchmarks start it with these arguments after `node --import tsx`.
 */
export const DEMO_WORKER_ENTRY = 'cli/celerity.ts';
export const DEMO_WORKER_ARGS: readonly string[] = ['worker', '-A', 'worker/tasks/index.ts'];
/** Entry and arguments together, for spawners that take one argument list. */
export const DEMO_WORKER: readonly string[] = [DEMO_WORKER_ENTRY, ...DEMO_WORKER_ARGS];
