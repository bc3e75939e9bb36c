import http from 'node:http';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { cpuSeconds, fmt, percentile, privateRedis, ROOT, sleep, startTs, verdict, writeSection, type Child } from './support';
import { countingProxy } from './consoles';

/**
 * The `alerts` section of BENCHMARKS.md (`npm run bench -- alerts`, issue 18):
 * - what 1,000 rules cost the console that evaluates them, at 2,000 jobs/s: the
 *   console (bench/alerts-console.ts: the live half of server.ts plus the
 *   evaluator) without rules and with them, side by side in interleaved rounds —
 *   its CPU (from /proc) and its own Redis commands/s (counted by proxies in
 *   front of Redis that only the console uses, one of them for the evaluator's
 *   connection, so the load's commands are apart and the evaluator's exact);
 * - the time from a condition becoming true to the webhook received, with the
 *   evaluator's default period (2 s) among the same rules and load.
 */
const RULES = Number(process.env.BENCH_ALERT_RULES ?? 1000);
const RATE = Number(process.env.BENCH_ALERT_RATE ?? 2000);
const ROUNDS = Number(process.env.BENCH_ALERT_ROUNDS ?? 3);
const WARM_S = Number(process.env.BENCH_ALERT_WARM_S ?? 6);
const MEASURE_S = Number(process.env.BENCH_ALERT_MEASURE_S ?? 20);
const SAMPLES = Number(process.env.BENCH_ALERT_SAMPLES ?? 12);
const PREFIX = 'bench-alerts';
/** Rules spread over this many queues; the load runs on the first LOADED of them. */
const QUEUES = 50;
const LOADED = 4;
const queueName = (i: number) => `q${i % QUEUES}`;
const TICKS = Number(process.env.BENCH_ALERT_TICKS ?? 10);

/** Rule kinds in turn, on the queues in turn (so every queue has every kind). */
const KINDS = [
  (i: number) => ({ kind: 'failure_rate', name: `rate-${i}`, queue: queueName(i), windowMs: 300_000, percent: 10, minJobs: 20 }),
  (i: number) => ({ kind: 'backlog', name: `backlog-${i}`, queue: queueName(i), maxWaiting: 100_000, maxAgeMs: 600_000 }),
  (i: number) => ({ kind: 'no_worker', name: `no-worker-${i}`, queue: queueName(i) }),
  (i: number) => ({ kind: 'long_running', name: `long-${i}`, queue: queueName(i), maxMs: 600_000 }),
  // On the queues without load only: the load's 1 % of failures would make these fire, and the rules are to stay quiet.
  (i: number) => ({ kind: 'job_failed', name: `failed-${i}`, queue: `q${LOADED + (i % (QUEUES - LOADED))}`, windowMs: 60_000 }),
];

type Lib = Awaited<ReturnType<typeof loadLib>>;
async function loadLib() {
  const { getRedis, closeRedis } = await import('../lib/redis');
  const { closeQueues, getQueue } = await import('../lib/queue/queue-registry');
  const { createChannel } = await import('../lib/alerts/channel-store');
  const { createRule } = await import('../lib/alerts/rule-store');
  const { alertKeys } = await import('../lib/alerts/alert-keys');
  const { AlertEngine } = await import('../lib/alerts/alert-engine');
  return { getRedis, closeRedis, closeQueues, getQueue, createChannel, createRule, alertKeys, AlertEngine };
}

interface Phase {
  rules: boolean;
  cpuPercent: number;
  /** The whole console's (relay, sessions, evaluator…). */
  commandsPerSecond: number;
  /** Of which the evaluator's connection's (its lease, rules, figures, deliveries). */
  evaluatorCommandsPerSecond: number;
  evaluations: number;
}

/** The evaluations the console reported so far (it prints a line after each). */
function evaluationCounter(c: Child): () => number {
  let n = 0;
  let tail = '';
  c.proc.stdout!.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-200);
    const all = [...tail.matchAll(/ALERTS_EVALUATED (\d+)/g)];
    if (all.length) n = Number(all.at(-1)![1]);
  });
  return () => n;
}

/** A console behind two counting proxies: one for the evaluator's connection, one for everything else. */
async function startConsole(redisPort: number) {
  const [proxy, evaluatorProxy] = await Promise.all([countingProxy(redisPort), countingProxy(redisPort)]);
  const c = startTs(
    'bench/alerts-console.ts',
    {
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      ALERTS_REDIS_URL: `redis://127.0.0.1:${evaluatorProxy.port}`,
      CELERITY_PREFIX: PREFIX,
      CELERITY_LOG_LEVEL: 'warn',
    },
    /ALERTS_CONSOLE_READY/,
  );
  const evaluations = evaluationCounter(c);
  await c.ready;
  return {
    commands: () => proxy.commands() + evaluatorProxy.commands(),
    evaluatorCommands: () => evaluatorProxy.commands(),
    evaluations,
    pid: c.proc.pid!,
    async stop() {
      await c.stop();
      proxy.close();
      evaluatorProxy.close();
    },
  };
}

/**
 * One phase: a fresh console, warmed up (its first evaluation done — a new leader reads its longest window
 * of finished jobs back — then WARM_S), then its CPU and commands over MEASURE_S.
 */
async function measure(redisPort: number, rules: boolean): Promise<Phase> {
  const c = await startConsole(redisPort);
  try {
    while (c.evaluations() === 0) await sleep(50);
    await sleep(WARM_S * 1000);
    const [cmd0, ev0cmd, cpu0, ev0, t0] = [c.commands(), c.evaluatorCommands(), cpuSeconds(c.pid), c.evaluations(), performance.now()];
    await sleep(MEASURE_S * 1000);
    const [cmd1, ev1cmd, cpu1, ev1, t1] = [c.commands(), c.evaluatorCommands(), cpuSeconds(c.pid), c.evaluations(), performance.now()];
    const seconds = (t1 - t0) / 1000;
    return {
      rules,
      cpuPercent: ((cpu1 - cpu0) / seconds) * 100,
      commandsPerSecond: (cmd1 - cmd0) / seconds,
      evaluatorCommandsPerSecond: (ev1cmd - ev0cmd) / seconds,
      evaluations: ev1 - ev0,
    };
  } finally {
    await c.stop();
  }
}

async function addRules(lib: Lib): Promise<void> {
  const conn = lib.getRedis();
  for (let i = 0; i < RULES; i++) await lib.createRule(conn, KINDS[i % KINDS.length]!(i));
}

async function removeRules(lib: Lib): Promise<void> {
  const k = lib.alertKeys();
  await lib.getRedis().del(k.rules, k.state);
}

/** A local webhook receiver: when each notification arrived, and its event. */
async function receiver() {
  const received: { at: number; event: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ at: Date.now(), event: (JSON.parse(body) as { event: string }).event });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { received, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => server.close() };
}

/**
 * Condition true → webhook received: a backlog rule (more than 0 waiting) on a
 * queue without a worker, among the rules and the load; a job added at a random
 * phase of the evaluation period, then drained (resolved) before the next sample.
 */
async function latency(lib: Lib, redisPort: number): Promise<number[]> {
  const hook = await receiver();
  const conn = lib.getRedis();
  await lib.createChannel(conn, { id: 'bench', config: { type: 'webhook', url: hook.url } });
  await lib.createRule(conn, { kind: 'backlog', name: 'watched', queue: 'watched', maxWaiting: 0, channels: ['bench'] });
  const c = await startConsole(redisPort);
  const queue = lib.getQueue('watched');
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 15_000;
    while (hook.received.length < n) {
      if (Date.now() > deadline) throw new Error(`no notification ${n} within 15 s`);
      await sleep(5);
    }
  };
  const out: number[] = [];
  try {
    while (c.evaluations() === 0) await sleep(50);
    for (let i = 0; i < SAMPLES; i++) {
      await sleep(Math.random() * 2000);
      const trueAt = Date.now();
      await queue.add('add', { a: 1, b: 1 });
      await waitFor(hook.received.length + 1);
      out.push(hook.received.at(-1)!.at - trueAt);
      await queue.drain();
      await waitFor(hook.received.length + 1);
    }
  } finally {
    await c.stop();
    hook.close();
  }
  return out;
}

/** One evaluation of every rule in this process (wall time and CPU), under the same load. */
async function ticks(lib: Lib): Promise<{ wall: number[]; cpu: number[] }> {
  const engine = new lib.AlertEngine({ redis: lib.getRedis(), publicUrl: 'http://bench', leading: () => false });
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < TICKS; i++) {
    const [t, c] = [performance.now(), process.cpuUsage()];
    await engine.tick();
    const used = process.cpuUsage(c);
    wall.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
    await sleep(200);
  }
  return { wall, cpu };
}

const median = (xs: number[]) => percentile(xs, 50);
const range = (xs: number[], d = 1) => `${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)}`;

export async function benchAlerts(): Promise<string> {
  const redis = await privateRedis();
  process.env.REDIS_URL = redis.url;
  process.env.CELERITY_PREFIX = PREFIX;
  process.env.CELERITY_LOG_LEVEL = 'warn';
  const lib = await loadLib();
  const loads = [os.loadavg()[0]!];
  const queues = Array.from({ length: LOADED }, (_, i) => queueName(i));
  const load = startTs('bench/alerts-load.ts', {}, /ALERTS_LOAD_READY/, [redis.url, PREFIX, queues.join(','), String(RATE)]);
  const phases: Phase[] = [];
  let lat: number[] = [];
  let tick: { wall: number[]; cpu: number[] };
  try {
    await load.ready;
    await sleep(3000);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which goes first, so a drift in the machine's load does not favour one.
      for (const rules of round % 2 ? [true, false] : [false, true]) {
        await removeRules(lib);
        if (rules) await addRules(lib);
        const p = await measure(redis.port, rules);
        phases.push(p);
        console.log(
          `[bench] alerts round ${round + 1}/${ROUNDS} ${rules ? `${RULES} rules` : 'no rules'}: ${fmt(p.cpuPercent)} % of a core, ${fmt(p.commandsPerSecond)} commands/s (evaluator ${fmt(p.evaluatorCommandsPerSecond)}), ${p.evaluations} evaluations`,
        );
      }
    }
    loads.push(os.loadavg()[0]!);
    // The rules again, whichever phase came last.
    await removeRules(lib);
    await addRules(lib);
    tick = await ticks(lib);
    lat = await latency(lib, redis.port);
    loads.push(os.loadavg()[0]!);
  } finally {
    await load.stop();
    await lib.closeQueues();
    await lib.closeRedis();
    await redis.cleanup();
  }
  return report(phases, tick, lat, loads);
}

function report(phases: Phase[], tick: { wall: number[]; cpu: number[] }, lat: number[], loads: number[]): string {
  const without = phases.filter((p) => !p.rules);
  const withRules = phases.filter((p) => p.rules);
  const m = (ps: Phase[], f: (p: Phase) => number) => median(ps.map(f));
  const cpuDiffs = withRules.map((p, i) => p.cpuPercent - without[i]!.cpuPercent);
  const cmdRatios = withRules.map((p, i) => p.commandsPerSecond / without[i]!.commandsPerSecond);
  const cpuPoints = m(withRules, (p) => p.cpuPercent) - m(without, (p) => p.cpuPercent);
  const baseCommands = m(without, (p) => p.commandsPerSecond);
  const cmdRatio = m(withRules, (p) => p.commandsPerSecond) / baseCommands;
  // What the rules add, counted exactly on the evaluator's own connection (the relay's share varies with the machine).
  const added = m(withRules, (p) => p.evaluatorCommandsPerSecond) - m(without, (p) => p.evaluatorCommandsPerSecond);
  const addedRatio = (baseCommands + added) / baseCommands;
  const evalCpuPoints = (median(tick.cpu) / 2000) * 100;
  const p95 = percentile(lat, 95);
  const row = (label: string, ps: Phase[]) =>
    `| ${label} | ${fmt(m(ps, (p) => p.cpuPercent))} (${range(ps.map((p) => p.cpuPercent))}) | ${fmt(m(ps, (p) => p.commandsPerSecond))} (${range(
      ps.map((p) => p.commandsPerSecond),
    )}) | ${fmt(
      m(ps, (p) => p.evaluatorCommandsPerSecond),
      2,
    )} (${range(
      ps.map((p) => p.evaluatorCommandsPerSecond),
      2,
    )}) | ${ps.map((p) => p.evaluations).join(', ')} |`;
  const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  const env = ['BENCH_ALERT_RULES', 'BENCH_ALERT_RATE', 'BENCH_ALERT_ROUNDS', 'BENCH_ALERT_WARM_S', 'BENCH_ALERT_MEASURE_S', 'BENCH_ALERT_SAMPLES']
    .filter((k) => process.env[k])
    .map((k) => `${k}=${process.env[k]}`);
  const n = RULES.toLocaleString('en');
  return [
    '## Alerts: what evaluating rules costs the console, and how soon a notification arrives',
    '',
    `Command: \`npm run bench -- alerts\`${env.length ? ` (env: ${env.join(', ')})` : ''}, at ${sha}. One private redis-server (no persistence). The machine is shared with other sessions (2 cores; load average over the last minute ${loads.map((l) => fmt(l, 1)).join(' → ')} at the start, after the cost rounds and at the end): figures vary, compare within one run.`,
    '',
    `Load: ${RATE.toLocaleString('en')} no-op jobs/s (1 % failing) over ${LOADED} queues, each run by a plain BullMQ worker (concurrency 50; bench/alerts-load.ts), finished jobs kept (the last 20,000 per state). Rules: ${n}, spread over ${QUEUES} queues (the ${LOADED} loaded ones among them), the kinds in turn: failure rate of a queue (5 min), backlog (count and age), queue without worker, job running too long, a job failed for good (on the queues without load); all quiet. The console (bench/alerts-console.ts) is the live half of server.ts (relay on its lease, pub/sub adapter) and the alerts' evaluator (every 2 s, its default), no page open; a fresh one per phase. It reaches Redis through two proxies that count its commands (a Lua script counts as one command, as sent), one for the evaluator's connection and one for the rest, so the workers' and producer's commands are apart and the evaluator's are known exactly. Its CPU is its process's user + system time from /proc. ${ROUNDS} rounds; each measures the console without rules and with them (after its first evaluation and ${WARM_S} s more, ${MEASURE_S} s), in an order alternating per round.`,
    '',
    "| console | CPU, % of a core: median (min–max) | own Redis commands/s: median (min–max) | of which on the evaluator's connection | evaluations in the window, per round |",
    '|---|---|---|---|---|',
    row('no rules', without),
    row(`${n} rules`, withRules),
    '',
    `- **CPU**: ${n} rules cost **${fmt(cpuPoints)} points** of a core above the console without rules (medians; per round ${cpuDiffs.map((d) => fmt(d)).join(', ')}). Target ≤ 2 points: ${verdict(cpuPoints <= 2)}${cpuPoints <= 2 && cpuDiffs.some((d) => d > 2) ? ' on the medians (not in every round)' : ''}. One evaluation's own CPU, measured in the bench's process (below), comes to ${fmt(evalCpuPoints)} points at one evaluation every 2 s.`,
    `- **Redis commands**: the whole console with the rules sends **${fmt(cmdRatio, 2)}×** the commands/s of the console without them (medians; per round ${cmdRatios.map((r) => fmt(r, 2)).join(', ')}). Target ≤ 1.2×: ${verdict(cmdRatio <= 1.2)}. Of that, the rules' own commands, counted exactly on the evaluator's connection, are **${fmt(added, 2)} commands/s**, i.e. ${fmt(addedRatio, 2)}× the console's ${fmt(baseCommands)} commands/s without rules (${verdict(addedRatio <= 1.2)} on that count); the rest of the difference is the relay's stream reading, which varies between phases with the machine's load and may read more while evaluations hold the event loop.`,
    `- One evaluation of the ${n} rules (in the bench's own process, same load, ${TICKS} times): wall p50 ${fmt(median(tick.wall))} ms (max ${fmt(Math.max(...tick.wall))}), CPU p50 ${fmt(median(tick.cpu))} ms (max ${fmt(Math.max(...tick.cpu))}). Every figure is read once per evaluation for all the rules that need it: one script call for the queues' counts, oldest waiting job and long-running jobs and one for the finished jobs since the last evaluation (one of each per hash slot on a Redis Cluster, i.e. per queue); rules whose stored JSON did not change are not parsed again (lib/alerts/queue-figures.ts, finished-feed.ts, rule-cache.ts).`,
    `- **Condition true → webhook received** (a backlog rule among the ${n}, the same load, a job added at a random moment of the 2 s period, ${lat.length} incidents): p50 ${fmt(median(lat), 0)} ms, p95 **${fmt(p95, 0)} ms**, max ${fmt(Math.max(...lat), 0)} ms. Target p95 ≤ 5,000 ms: ${verdict(p95 <= 5000)}.`,
    '',
    `Run on ${new Date().toISOString().slice(0, 10)}.`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const md = await benchAlerts();
  writeSection('alerts', md);
  console.log(md);
  process.exit(0);
}
