import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePort } from '../scripts/redis-server';
import { buildIfStale } from '../scripts/build-if-stale';
import { benchDistDir, fmt, percentile, privateRedis, startTs, verdict, ROOT, type Child } from './support';
import { measureRunPage, runPageBrowser, type PageLoad } from './workflows-page';

/**
 * The `workflows` section of BENCHMARKS.md (`npm run bench -- workflows`, issue 17):
 * - per-step overhead, side by side in one run: a chain of N no-op steps against N sequential
 *   enqueue → result round trips; a group of M no-op steps against M plain jobs added in bulk;
 * - the run page of a 1,000-step workflow in headless Chromium: time to the graph drawn, and the
 *   main thread's long tasks while the run goes on live (bench/workflows-page.ts).
 * A private Redis, one Celerity worker process (bench/workflows-worker.ts, concurrency 50), the
 * client in a process of its own (bench/workflows-client.ts), the console's production build.
 */

const PREFIX = 'bench';
const CHAIN = Number(process.env.BENCH_WF_CHAIN ?? 1000);
const GROUP = Number(process.env.BENCH_WF_GROUP ?? 10_000);
const ROUNDS = Number(process.env.BENCH_WF_ROUNDS ?? 3);
const PAGE_STEPS = Number(process.env.BENCH_WF_PAGE_STEPS ?? 1000);
const PAGE_LOADS = Number(process.env.BENCH_WF_PAGE_LOADS ?? 3);
/** How long each step of the page's runs takes: the chain runs ~15 s, the group (50 at a time) ~10 s. */
const PAGE_STEP_MS = { chain: 15, group: 500 } as const;
const CLIENT = path.join(ROOT, 'bench/workflows-client.ts');
const WORKER = path.join(ROOT, 'bench/workflows-worker.ts');

type Rounds = Record<string, number[]>;

const median = (xs: number[]) => percentile(xs, 50);
const list = (xs: number[], d = 0) => xs.map((x) => fmt(x, d)).join(', ');
const range = (xs: number[], d = 0) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;

/** Run one part of the client process: its RESULT. */
async function clientPart<T>(env: Record<string, string>, args: string[]): Promise<T> {
  let out = '';
  const child = startTs(CLIENT, env, /RESULT .*\n/, args);
  child.proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.proc.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
  await child.ready;
  await child.stop();
  return JSON.parse(/RESULT (.*)\n/.exec(out)![1]!) as T;
}

function overheadRow(what: string, r: Rounds, mine: string, ref: string): { row: string; ratio: number } {
  const ratio = median(r[mine]!) / median(r[ref]!);
  const per = r[mine]!.map((x, i) => x / r[ref]![i]!);
  return {
    ratio,
    row: `| ${what} | ${fmt(median(r[mine]!), 0)} (${list(r[mine]!)}) | ${fmt(median(r[ref]!), 0)} (${list(r[ref]!)}) | **${fmt(ratio, 2)}** (per round ${list(per, 2)}) | ${verdict(ratio <= 1.5)} |`,
  };
}

function pageRows(shape: string, loads: PageLoad[]): string[] {
  return loads.map(
    (l, i) =>
      `| ${shape} | ${i + 1} | ${fmt(l.drawnMs, 0)} | ${fmt(l.interactiveMs, 0)} | ${l.rendered} | ${fmt(l.layoutMs, 0)} | ${l.loading.count} / ${fmt(l.loading.totalMs, 0)} / ${fmt(l.loading.maxMs, 0)} | ${l.hydrating.count} / ${fmt(l.hydrating.totalMs, 0)} / ${fmt(l.hydrating.maxMs, 0)} | ${fmt(l.live.spanMs / 1000, 1)} | ${l.live.count} / ${fmt(l.live.totalMs, 0)} / ${fmt(l.live.maxMs, 0)} | ${l.reads} |`,
  );
}

async function measurePages(env: Record<string, string>, consoleUrl: string): Promise<Record<string, PageLoad[]>> {
  const out: Record<string, PageLoad[]> = {};
  const browser = await runPageBrowser();
  try {
    for (const shape of ['chain', 'group'] as const) {
      out[shape] = [];
      for (let i = 0; i <= PAGE_LOADS; i++) {
        const id = await clientPart<string>(env, ['page', shape, String(PAGE_STEPS), String(PAGE_STEP_MS[shape])]);
        const load = await measureRunPage(browser.context, `${consoleUrl}/workflows/bench-page-${shape}/runs/${id}`);
        console.log(`[bench] workflows page ${shape} load ${i}${i === 0 ? ' (warm-up, not counted)' : ''}: ${JSON.stringify(load)}`);
        if (i > 0) out[shape].push(load);
      }
    }
  } finally {
    await browser.close();
  }
  return out;
}

export async function benchWorkflows(): Promise<string> {
  benchDistDir();
  if (PAGE_LOADS > 0) await buildIfStale(ROOT);
  const redis = await privateRedis();
  const env = { REDIS_URL: redis.url, CELERITY_PREFIX: PREFIX, CELERITY_LOG_LEVEL: 'warn' };
  const loads: number[] = [os.loadavg()[0]!];
  let worker: Child | undefined;
  let server: Child | undefined;
  try {
    worker = startTs(WORKER, env, /WORKER_READY/);
    await worker.ready;
    const chain = await clientPart<Rounds>(env, ['chain', String(CHAIN), String(ROUNDS)]);
    loads.push(os.loadavg()[0]!);
    const group = await clientPart<Rounds>(env, ['group', String(GROUP), String(ROUNDS)]);
    loads.push(os.loadavg()[0]!);
    if (PAGE_LOADS === 0) return report(chain, group, {}, loads);
    const port = await freePort();
    server = startTs(
      'server.ts',
      { ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', NEXT_DIST_DIR: benchDistDir() },
      /CELERITY_READY/,
    );
    await server.ready;
    const pages = await measurePages(env, `http://127.0.0.1:${port}`);
    loads.push(os.loadavg()[0]!);
    return report(chain, group, pages, loads);
  } finally {
    await server?.stop();
    await worker?.stop();
    await redis.cleanup();
  }
}

function report(chain: Rounds, group: Rounds, pages: Record<string, PageLoad[]>, loads: number[]): string {
  const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const c = overheadRow(`chain of ${CHAIN.toLocaleString('en')} / ${CHAIN.toLocaleString('en')} sequential enqueue → result`, chain, 'chain', 'sequential');
  const g = overheadRow(`group of ${GROUP.toLocaleString('en')} / ${GROUP.toLocaleString('en')} jobs added in bulk`, group, 'group', 'bulk');
  return [
    '## Workflows: per-step overhead, and the run page of a 1,000-step workflow',
    '',
    `Command: \`npm run bench -- workflows\` (env: BENCH_WF_CHAIN=${CHAIN}, BENCH_WF_GROUP=${GROUP}, BENCH_WF_ROUNDS=${ROUNDS}, BENCH_WF_PAGE_STEPS=${PAGE_STEPS}, BENCH_WF_PAGE_LOADS=${PAGE_LOADS}), at ${sha}. One private redis-server (no persistence), one Celerity worker process (concurrency 50; bench/workflows-worker.ts), the client in a process of its own (bench/workflows-client.ts). The machine is shared with other sessions (2 cores; load average over the last minute ${loads.map((l) => fmt(l, 1)).join(' → ')} at the start, between the parts and at the end): compare within one run.`,
    '',
    '### Per-step overhead',
    '',
    `Times are the client's, from the call to the result: a job's through the queue's result listener (\`waitForResult\`), a run's through the same listener on its last step's job (\`waitForResult\` of a run; it reads the run's record every 50 ms only to see a failure or a cancel). ${ROUNDS} rounds after a warm-up of 50, the two variants alternating (the order rotating per round).`,
    '',
    '| comparison | workflow, median ms (rounds) | plain jobs, median ms (rounds) | workflow / plain | target ≤ 1.5× |',
    '|---|---|---|---|---|',
    c.row,
    g.row,
    ...(Object.keys(pages).length ? ['', pageSection(pages)] : []),
    '',
    `Run on ${new Date().toISOString().slice(0, 10)}.`,
  ].join('\n');
}

function pageSection(pages: Record<string, PageLoad[]>): string {
  const all = Object.values(pages).flat();
  const drawn = all.map((l) => l.drawnMs);
  const interactive = all.map((l) => l.interactiveMs);
  const liveMax = Math.max(...all.map((l) => l.live.maxMs));
  return [
    '### The run page of a 1,000-step workflow',
    '',
    `A run of ${PAGE_STEPS.toLocaleString('en')} \`nap\` steps started, its page opened at once in headless Chromium (/usr/bin/chromium, 1280×900, the console's production build) and watched until the run completed: a chain (${PAGE_STEPS} nodes, ${PAGE_STEP_MS.chain} ms per step) and a map (${PAGE_STEPS + 1} nodes: the fan-out and its members, ${PAGE_STEP_MS.group} ms per step, 50 at a time), ${PAGE_LOADS} loads each after one uncounted load (the same browser context: its scripts come from the HTTP cache, as for a returning user). **Graph drawn** = navigation start → the first animation frame with the laid-out graph on the page and every node React Flow rendered visible; React Flow renders only the nodes in view and a large graph opens at zoom 1 on its first steps, so that is those nodes ("rendered"; the rest is a zoom-out or "Fit view" away); a large graph needs no fitting, so the server's HTML draws them already (components/workflows/graph-layout.ts, anchorFirstStep). **Graph interactive** = navigation start → the graph hydrated (its clicks, pan and zoom work: \`data-interactive\`); the long tasks between the two are the hydration of a graph the server drew; the live part starts at interactive. Layout: the page's own (a graph over 150 steps is laid out on the main thread, components/workflows/layered-layout.ts). Long tasks are PerformanceObserver 'longtask' entries (main thread busy ≥ 50 ms): count / total ms / longest ms.`,
    '',
    '| shape | load | graph drawn (ms) | graph interactive (ms) | nodes rendered | layout (ms) | long tasks before drawn | long tasks from drawn to interactive | live part (s) | long tasks while live | re-reads of the run while live |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...Object.entries(pages).flatMap(([shape, l]) => pageRows(shape, l)),
    '',
    `- Graph drawn: median ${fmt(median(drawn), 0)} ms (${range(drawn)} ms over ${drawn.length} loads). Target ≤ 2 s: ${verdict(Math.max(...drawn) <= 2000)}${Math.max(...drawn) > 2000 && median(drawn) <= 2000 ? ' (the median is within it; the slowest loads are not)' : ''}.`,
    `- Graph interactive: median ${fmt(median(interactive), 0)} ms (${range(interactive)} ms).`,
    `- While live: the longest main-thread task ${fmt(liveMax, 0)} ms (what a click or a scroll may wait at worst while frames arrive).`,
  ].join('\n');
}
