import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { percentile, fmt, privateRedis } from './support';

/**
 * Alerts: time from a condition becoming true (a job starts waiting on a queue
 * with a backlog rule) to the webhook received, with the evaluator's default
 * period (2 s) among `BENCH_ALERT_RULES` rules (1,000 by default: failure
 * rates, backlogs, no-worker and long-running rules on other queues), and the
 * time one evaluation of all of them takes. Run: `node --import tsx bench/alerts.ts`.
 * (Not yet in `npm run bench`; no job load here — the 2,000 jobs/s figure is still to measure.)
 */
export async function benchAlerts(): Promise<string> {
  const samples = Number(process.env.BENCH_ALERT_SAMPLES ?? 20);
  const ruleCount = Number(process.env.BENCH_ALERT_RULES ?? 1000);
  const redis = await privateRedis();
  process.env.REDIS_URL = redis.url;
  process.env.CELERITY_PREFIX = 'benchalerts';
  process.env.CELERITY_LOG_LEVEL = 'warn';
  const { getRedis, closeRedis } = await import('../lib/redis');
  const { closeQueues, getQueue } = await import('../lib/queue/queue-registry');
  const { createChannel } = await import('../lib/alerts/channel-store');
  const { createRule } = await import('../lib/alerts/rule-store');
  const { AlertEvaluator } = await import('../lib/alerts/alert-evaluator');
  const { AlertEngine } = await import('../lib/alerts/alert-engine');

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
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

  const conn = getRedis();
  await createChannel(conn, { id: 'bench', config: { type: 'webhook', url } });
  const kinds = [
    (i: number) => ({ kind: 'failure_rate', name: `rate-${i}`, queue: `other-${i % 50}`, windowMs: 300_000, percent: 10 }),
    (i: number) => ({ kind: 'backlog', name: `backlog-${i}`, queue: `other-${i % 50}`, maxWaiting: 1000 }),
    (i: number) => ({ kind: 'no_worker', name: `nw-${i}`, queue: `other-${i % 50}` }),
    (i: number) => ({ kind: 'long_running', name: `long-${i}`, queue: `other-${i % 50}`, maxMs: 600_000 }),
  ];
  for (let i = 0; i < ruleCount - 1; i++) await createRule(conn, kinds[i % kinds.length]!(i));
  await createRule(conn, { kind: 'backlog', name: 'watched', queue: 'watched', maxWaiting: 0, channels: ['bench'] });

  // One evaluation of every rule, timed apart from the evaluator (nothing fires: no notification).
  const engine = new AlertEngine({ redis: conn, publicUrl: 'http://bench', leading: () => true });
  const ticks: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t = performance.now();
    await engine.tick();
    ticks.push(performance.now() - t);
  }

  const evaluator = new AlertEvaluator({ redis: conn, publicUrl: 'http://bench' });
  evaluator.start();
  // The evaluator's own cost, nothing else running: Redis commands/s (INFO's counter, this process's
  // connection only) and CPU (this process) over `steadySeconds`, all rules quiet.
  const steadySeconds = Number(process.env.BENCH_ALERT_STEADY_SECONDS ?? 20);
  const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await conn.info('stats'))![1]);
  await new Promise((r) => setTimeout(r, 3000));
  const [c0, cpu0, t0] = [await commands(), process.cpuUsage(), performance.now()];
  await new Promise((r) => setTimeout(r, steadySeconds * 1000));
  const [c1, cpu1, t1] = [await commands(), process.cpuUsage(), performance.now()];
  const seconds = (t1 - t0) / 1000;
  const commandsPerSecond = (c1 - c0 - 1) / seconds;
  const cpuPercent = ((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1000 / (t1 - t0)) * 100;
  const queue = getQueue('watched');
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 15_000;
    while (received.length < n) {
      if (Date.now() > deadline) throw new Error(`no notification ${n} within 15 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const latency: number[] = [];
  for (let i = 0; i < samples; i++) {
    // A random phase against the evaluation period, as a real condition has.
    await new Promise((r) => setTimeout(r, Math.random() * 2000));
    const trueAt = Date.now();
    await queue.add('add', { a: 1, b: 1 });
    await waitFor(received.length + 1);
    latency.push(received.at(-1)!.at - trueAt);
    await queue.drain();
    await waitFor(received.length + 1);
  }
  await evaluator.stop();
  server.close();
  await closeQueues();
  await closeRedis();
  await redis.cleanup();

  const sorted = [...latency].sort((a, b) => a - b);
  const tickSorted = [...ticks].sort((a, b) => a - b);
  const lines = [
    `## Alerts`,
    ``,
    `Condition true → webhook received, evaluation every 2 s, ${ruleCount} rules, ${samples} incidents: p50 ${fmt(percentile(sorted, 50))} ms, p95 ${fmt(percentile(sorted, 95))} ms, max ${fmt(sorted.at(-1)!)} ms (target p95 ≤ 5,000 ms).`,
    `One evaluation of ${ruleCount} rules: p50 ${fmt(percentile(tickSorted, 50))} ms, max ${fmt(tickSorted.at(-1)!)} ms.`,
    `The evaluator alone (${ruleCount} quiet rules on 50 queues, every 2 s, no job load): ${fmt(commandsPerSecond)} Redis commands/s, ${fmt(cpuPercent)} % of a core.`,
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('alerts.ts')) {
  benchAlerts().then(
    (text) => {
      console.log(text);
      process.exit(0);
    },
    (err: Error) => {
      console.error(err);
      process.exit(1);
    },
  );
}
