import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Queue } from 'bullmq';
import { z } from 'zod';
import { env } from '@/lib/env';
import { bullKey } from '@/lib/keys';
import { isClusterUrl } from '@/lib/redis-url';
import { closeRedis, createRedis, forEachMaster, getRedis, type RedisConnection } from '@/lib/redis';
import { closeQueues } from '@/lib/queue/queue-registry';
import { createRegistry } from '@/lib/registry/task-registry';
import { defineTask } from '@/lib/registry/define-task';
import type { RunningWorker } from '@/lib/worker/start-worker';
import { serveApi } from './api-server';
import { startTestWorker, uniqueName, waitFor } from './helpers';

/**
 * The console's read and action paths on a real 3-master Redis Cluster (the
 * cluster suite's REDIS_URL): queues placed on every master, jobs run by a real
 * worker, and every page's API read over HTTP — the queue list and dashboard
 * counts (plain names, a plain BullMQ producer's own hash tag too), job lists,
 * job pages and actions, results searched on every node, workers, /metrics.
 * Skipped on a single Redis (nothing to spread there).
 */

const onCluster = isClusterUrl(inject('redisUrl'));
const PER_QUEUE = 6;
const marker = uniqueName('mark');

/** One queue name per master, made by `make`: names are tried until each master holds one (the slot decides). */
async function queuePerMaster(redis: RedisConnection, make: (i: number) => string): Promise<string[]> {
  const masters = await forEachMaster(redis, async (node) => `${node.options.host}:${node.options.port}`);
  const ranges = await getRedis().cluster('SLOTS');
  const ownerOf = (slot: number) => {
    const [, , master] = ranges.find(([from, to]) => slot >= from && slot <= to)!;
    return `${master![0]}:${master![1]}`;
  };
  const byMaster = new Map<string, string>();
  for (let i = 0; byMaster.size < masters.length && i < 200; i++) {
    const name = make(i);
    const slot = Number(await getRedis().cluster('KEYSLOT', bullKey(name, 'meta')));
    const owner = ownerOf(slot);
    if (!byMaster.has(owner)) byMaster.set(owner, name);
  }
  expect(byMaster.size).toBe(3);
  return [...byMaster.values()];
}

describe.skipIf(!onCluster)('the console on a Redis Cluster', () => {
  let queues: string[] = [];
  let worker: RunningWorker;
  let api: Awaited<ReturnType<typeof serveApi>>;
  let foreign: Queue[] = [];
  // Plain BullMQ producers' queues with hash tags of their own (no Celerity task uses them), one on each master: shown as stored.
  let foreignNames: string[] = [];

  beforeAll(async () => {
    queues = await queuePerMaster(getRedis(), (i) => uniqueName(`cq${i}`));
    foreignNames = await queuePerMaster(getRedis(), (i) => `{${uniqueName(`legacy${i}`)}}orders`);
    const tasks = queues.map((queue, i) =>
      defineTask({
        name: `echo-${i}-${marker}`,
        description: 'echo',
        queue,
        schema: z.object({ word: z.string() }),
        handler: async ({ word }, ctx) => (await ctx.log(`saying ${word}`), { said: word }),
      }),
    );
    const boom = defineTask({
      name: `boom-${marker}`,
      description: 'fails',
      queue: queues[2]!,
      schema: z.object({}),
      handler: () => {
        throw new Error(`boom ${marker}`);
      },
    });
    worker = await startTestWorker(createRegistry([...tasks, boom]), { watchdogMs: 0 });
    api = await serveApi();
    foreign = foreignNames.map((name) => new Queue(name, { connection: createRedis('command'), prefix: env().CELERITY_PREFIX }));
    for (const q of foreign) await q.add('plain', { marker });
    for (let i = 0; i < queues.length; i++) {
      for (let n = 0; n < PER_QUEUE; n++)
        expect((await post(`/api/v1/tasks/echo-${i}-${marker}/runs`, { args: { word: `${marker} ${i}-${n}` } })).status).toBe(201);
    }
    expect((await post(`/api/v1/tasks/boom-${marker}/runs`, {})).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await Promise.all(foreign.map((q) => q.close()));
    await closeQueues();
    await closeRedis();
  });

  const get = async <T = unknown>(path: string): Promise<T> => {
    const res = await fetch(`${api.base}${path}`);
    expect(res.status, `${path}: ${res.status}`).toBe(200);
    return (res.headers.get('content-type')?.includes('json') ? res.json() : res.text()) as Promise<T>;
  };
  const post = (path: string, body?: unknown) =>
    fetch(`${api.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });

  type Summary = { name: string; counts: Record<string, number>; workers: number };

  it('the three queues live on three different masters, and the queue list and dashboard counts show them by their plain names', async () => {
    // KEYS on one node sees that node's keys only (EXISTS there would answer MOVED for another node's key).
    const perNode = await forEachMaster(getRedis(), async (node) => (await Promise.all(queues.map((q) => node.keys(bullKey(q, 'meta'))))).map((k) => k.length));
    // Each master holds exactly one of the queues' meta hashes: one queue per master.
    expect(perNode.map((row) => row.reduce((a, b) => a + b, 0))).toEqual([1, 1, 1]);
    const list = await waitFor(
      'every job finished',
      async () => (await get<{ queues: Summary[] }>('/api/v1/queues')).queues,
      (l) => queues.every((q, i) => l.find((s) => s.name === q)?.counts.completed === PER_QUEUE && (i < 2 || l.find((s) => s.name === q)?.counts.failed === 1)),
      30_000,
    );
    const names = list.map((s) => s.name);
    // Discovery scans every master: the foreign queues (found only by SCAN) are all there in one answer.
    expect(names).toEqual(expect.arrayContaining([...queues, ...foreignNames]));
    // Shown as people name them: no hash-tag braces on Celerity's queues.
    expect(names.filter((n) => queues.some((q) => n.includes(q)))).toEqual([...queues].sort((a, b) => a.localeCompare(b)));
    for (const f of foreignNames) expect(list.find((s) => s.name === f)!.counts.waiting).toBe(1);
    // Workers per queue, from CLIENT LIST on every master.
    for (const q of queues) expect(list.find((s) => s.name === q)!.workers, q).toBeGreaterThanOrEqual(1);
    const detail = await get<Summary>(`/api/v1/queues/${encodeURIComponent(queues[1]!)}`);
    expect(detail).toMatchObject({ name: queues[1], counts: { completed: PER_QUEUE } });
    expect((await get<Summary>(`/api/v1/queues/${encodeURIComponent(foreignNames[0]!)}`)).counts.waiting).toBe(1);
  });

  it('job lists page inside Redis, job pages show results and logs, on every master', async () => {
    for (const [i, q] of queues.entries()) {
      const page = await get<{ total: number; jobs: { id: string; name: string }[] }>(
        `/api/v1/queues/${encodeURIComponent(q)}/jobs?state=completed&pageSize=4`,
      );
      expect(page.total).toBe(PER_QUEUE);
      expect(page.jobs).toHaveLength(4);
      const second = await get<{ jobs: { id: string }[] }>(`/api/v1/queues/${encodeURIComponent(q)}/jobs?state=completed&pageSize=4&page=2`);
      expect(new Set([...page.jobs, ...second.jobs].map((j) => j.id)).size).toBe(PER_QUEUE);
      // Filtered by task name: ids found by one script, rows read by another, both on the queue's node.
      const named = await get<{ jobs: { name: string }[] }>(`/api/v1/queues/${encodeURIComponent(q)}/jobs?state=completed&name=echo-${i}-${marker}`);
      expect(named.jobs.map((j) => j.name)).toEqual(Array(PER_QUEUE).fill(`echo-${i}-${marker}`));
      const job = await get<{ id: string; state: string; result: unknown }>(`/api/v1/queues/${encodeURIComponent(q)}/jobs/${page.jobs[0]!.id}`);
      expect(job).toMatchObject({ state: 'completed' });
      expect(JSON.stringify(job.result)).toContain(`${marker} ${i}-`);
      const logs = await get<{ lines: { text: string }[] }>(`/api/v1/queues/${encodeURIComponent(q)}/jobs/${page.jobs[0]!.id}/logs`);
      expect(logs.lines.map((l) => l.text).join('\n')).toContain(`saying ${marker} ${i}-`);
    }
  });

  it('results search finds the jobs of every node, each once, across pages', async () => {
    const seen: string[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const qs = new URLSearchParams({ q: marker, limit: '4', state: 'completed' });
      if (next) qs.set('cursor', next);
      const page: { rows: { queue: string; id: string; finishedAt: number }[]; next: string | null } = await get(`/api/v1/results?${qs}`);
      seen.push(...page.rows.map((r) => `${r.queue}/${r.id}`));
      next = page.next;
      pages++;
    } while (next && pages < 100);
    expect(seen).toHaveLength(3 * PER_QUEUE);
    expect(new Set(seen).size).toBe(3 * PER_QUEUE);
    for (const q of queues) expect(seen.filter((s) => s.startsWith(`${q}/`))).toHaveLength(PER_QUEUE);
    const failed: { rows: { queue: string; error: string }[] } = await get(`/api/v1/results?${new URLSearchParams({ q: `boom ${marker}` })}`);
    expect(failed.rows.map((r) => r.queue)).toEqual([queues[2]]);
  });

  it('job actions work on a queue of any master: retry a failed job, re-run a completed one', async () => {
    const q = queues[2]!;
    const failed = await get<{ jobs: { id: string }[] }>(`/api/v1/queues/${encodeURIComponent(q)}/jobs?state=failed`);
    const id = failed.jobs[0]!.id;
    expect((await post(`/api/v1/queues/${encodeURIComponent(q)}/jobs/${id}/retry`)).status).toBe(200);
    await waitFor(
      'the retried job failed again',
      () => get<{ state: string; timeline: { kind: string }[] }>(`/api/v1/queues/${encodeURIComponent(q)}/jobs/${id}`),
      (j) => j.state === 'failed' && j.timeline.filter((e) => e.kind === 'attempt').length === 2,
    );
    const q0 = queues[0]!;
    const done = await get<{ jobs: { id: string }[] }>(`/api/v1/queues/${encodeURIComponent(q0)}/jobs?state=completed&pageSize=1`);
    const rerun = await post(`/api/v1/queues/${encodeURIComponent(q0)}/jobs/${done.jobs[0]!.id}/rerun`, {});
    expect(rerun.status).toBe(201);
    const made = (await rerun.json()) as { queue: string; id: string };
    expect(made.queue).toBe(q0);
    await waitFor(
      'the re-run completed',
      () => get<{ state: string }>(`/api/v1/queues/${encodeURIComponent(q0)}/jobs/${encodeURIComponent(made.id)}`),
      (j) => j.state === 'completed',
    );
  });

  it('the dashboard, workers, remote control and /metrics read every node', async () => {
    const dash = await get<{ failures: { queue: string }[]; workers: { alive: number } }>('/api/v1/dashboard');
    expect(dash.failures.map((f) => f.queue)).toContain(queues[2]);
    expect(dash.workers.alive).toBeGreaterThanOrEqual(1);
    const workers = await get<{ alive: { id: string; queues: string[] }[] }>('/api/v1/workers');
    const me = workers.alive.find((w) => w.id === worker.id)!;
    expect(me.queues).toEqual(expect.arrayContaining(queues));
    expect((await post(`/api/v1/workers/${encodeURIComponent(worker.id)}/pause`)).status).toBe(202);
    expect((await post(`/api/v1/workers/${encodeURIComponent(worker.id)}/resume`)).status).toBe(202);
    const metrics = await get<string>('/metrics');
    for (const q of queues) expect(metrics).toContain(`celerity_queue_jobs{queue="${q}",state="completed"} ${q === queues[0] ? PER_QUEUE + 1 : PER_QUEUE}`);
    expect(metrics).toContain('celerity_redis_up 1');
  });

  it("schedules: one made from the API runs on its queue's master, and its pages show its runs", async () => {
    const name = uniqueName('every-second');
    const made = await post('/api/v1/schedules', {
      name,
      task: `echo-1-${marker}`,
      args: { word: 'tick' },
      trigger: { type: 'interval', every: 1, unit: 'seconds' },
    });
    expect(made.status, await made.clone().text()).toBe(201);
    const detail = await waitFor(
      'a run of the schedule completed',
      () => get<{ queue: string; runs: { state: string }[]; nextRun: number | null }>(`/api/v1/schedules/${name}`),
      (d) => d.runs.some((r) => r.state === 'completed'),
    );
    expect(detail.queue).toBe(queues[1]);
    expect(detail.nextRun).not.toBeNull();
    const list = await get<{ schedules: { definition: { name: string }; queue: string }[] }>('/api/v1/schedules');
    expect(list.schedules.find((s) => s.definition.name === name)?.queue).toBe(queues[1]);
    expect((await fetch(`${api.base}/api/v1/schedules/${name}`, { method: 'DELETE' })).status).toBeLessThan(300);
  });
});
