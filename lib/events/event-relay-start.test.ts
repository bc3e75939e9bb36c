import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { env } from '../env';
import { createRedis, closeRedis } from '../redis';
import { createLogger } from '../logger';
import { closeQueues, discoverQueues } from '../queue/queue-registry';
import { uniqueName, waitFor } from '../../test/helpers';
import { EventRelay, type RelaySink } from './event-relay';

/**
 * A relay that starts reads every queue that exists, at once: a queue made
 * just before start must not wait for the next discovery (5 s by default),
 * or a job that runs meanwhile is never seen live.
 */
const prefix = env().CELERITY_PREFIX;
const redis = createRedis('command');
const sink: RelaySink = { emit: () => {}, roomSize: () => 0 };
let relay: EventRelay | undefined;
const queues: Queue[] = [];

afterEach(async () => {
  await relay?.stop();
  relay = undefined;
  await Promise.all(queues.splice(0).map((q) => q.close()));
});

afterAll(async () => {
  await closeQueues();
  await closeRedis();
  await redis.quit();
});

describe('EventRelay start', () => {
  it('reads a queue made just after a cached scan of the keyspace, without waiting for the next discovery', async () => {
    // A scan answer that may be reused for a minute, as with millions of keys (lib/queue/queue-registry.ts).
    await discoverQueues({ maxAgeMs: 'auto' });
    (globalThis as { __celerityQueueScan?: { ttlMs: number } }).__celerityQueueScan!.ttlMs = 60_000;
    const name = uniqueName('fresh');
    const q = new Queue(name, { connection: redis, prefix });
    queues.push(q);
    await q.add('hello', {});

    relay = new EventRelay({ sink, logger: createLogger('relay-start', 'error'), discoverMs: 60_000 });
    relay.start();
    await waitFor('the relay to read the queue', () => relay!.positions().has(name), Boolean, 5000);
    expect(relay.positions().get(name)).toMatch(/^\d+-\d+$/);
  });
});
