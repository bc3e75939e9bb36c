import { afterAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { createClient } from '../lib/client/create-client';
import { rooms, type CountsFrame, type JobFrame } from '../lib/events/contract';
import { bullKey } from '../lib/keys';
import { closeQueues } from '../lib/queue/queue-registry';
import { closeRedis, getRedis } from '../lib/redis';
import { isClusterUrl } from '../lib/redis-url';
import { defineTask } from '../lib/registry/define-task';
import { createRegistry } from '../lib/registry/task-registry';
import { startTestWorker, uniqueName, waitFor } from './helpers';
import { connectClient, startLiveConsole } from './live-harness';

/**
 * The live path on a real 3-master Redis Cluster (the cluster suite's
 * REDIS_URL): a queue on every master, a worker completing their jobs, the
 * console's relay reading each master's streams on its own reader, and a real
 * Socket.IO client that gets the dashboard's counts of all three queues and a
 * watched job's end from each. Skipped on a single Redis.
 */
const onCluster = isClusterUrl(inject('redisUrl'));
const PER_QUEUE = 20;

/** One queue name per master: names are drawn until each master owns one's event stream slot. */
async function queuePerMaster(): Promise<string[]> {
  const owner = new Map<string, string>();
  for (let i = 0; owner.size < 3 && i < 300; i++) {
    const name = uniqueName(`lc${i}`);
    const slot = Number(await getRedis().cluster('KEYSLOT', bullKey(name, 'events')));
    const ranges = await getRedis().cluster('SLOTS');
    const [host, port] = ranges.find(([from, to]) => slot >= from && slot <= to)![2]!;
    if (![...owner.values()].includes(`${host}:${port}`)) owner.set(name, `${host}:${port}`);
  }
  return [...owner.keys()];
}

afterAll(async () => {
  await closeQueues();
  await closeRedis();
});

describe.skipIf(!onCluster)('live frames on a Redis Cluster', () => {
  it('events of queues on all three masters reach a Socket.IO client: exact counts and the end of each watched job', async () => {
    const queues = await queuePerMaster();
    expect(queues).toHaveLength(3);
    const tasks = queues.map((queue, i) =>
      defineTask({
        name: `double-${i}-${uniqueName('t')}`,
        description: 'doubles',
        queue,
        schema: z.object({ n: z.number() }),
        handler: async ({ n }) => n * 2,
      }),
    );
    const registry = createRegistry(tasks);
    const client = createClient(registry);
    // A first job per queue makes the queues exist, so the console discovers them at once.
    for (const t of tasks) await client.enqueue(t.name as never, { n: 0 } as never);

    const live = await startLiveConsole({ discoverMs: 200 });
    const viewer = await connectClient(live.url);
    try {
      await waitFor('the relay to read every queue', () => queues.every((q) => live.relay.positions().has(q)), Boolean);
      await viewer.join(rooms.dashboard);
      // The jobs wait until the worker starts: the client watches one job per queue before any runs.
      const watched = [];
      for (const t of tasks) {
        for (let n = 1; n < PER_QUEUE; n++) await client.enqueue(t.name as never, { n } as never);
        watched.push(await client.enqueue(t.name as never, { n: 21 } as never));
      }
      for (const w of watched) await viewer.join(rooms.job(w.queue, w.id));

      const worker = await startTestWorker(registry, { concurrency: 10 });
      try {
        // A counts frame carries the queues that changed: the latest word on each queue is what the page shows.
        const counts = () =>
          Object.assign({}, ...viewer.received.filter((r) => r.event === 'counts').map((r) => (r.payload as CountsFrame).queues)) as CountsFrame['queues'];
        await waitFor(
          'every queue complete in the dashboard frames',
          counts,
          (byQueue) => queues.every((q) => byQueue[q]?.completed === PER_QUEUE + 1),
          30_000,
        );
        const jobFrames = viewer.received.filter((r) => r.event === 'job').map((r) => r.payload as JobFrame);
        for (const w of watched) {
          const done = jobFrames.filter((f) => f.queue === w.queue && f.id === w.id && f.job?.state === 'completed');
          expect(done.length, w.queue).toBeGreaterThanOrEqual(1);
          expect(done[0]!.job!.result).toBe(42);
        }
      } finally {
        await worker.stop();
      }
    } finally {
      viewer.close();
      await live.close();
      await client.close();
    }
  }, 60_000);
});
