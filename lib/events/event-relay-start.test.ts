import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { discoverQueues } from '../queue/queue-registry';
import { uniqueName, waitFor } from '../../test/helpers';
import { queueStack } from '../../test/fixtures/queue-stack';
import { EventRelay, type RelaySink } from './event-relay';

/**
 * A relay that starts reads every queue that exists, at once: a queue made
 * just before start must not wait for the next discovery (5 s by default),
 * or a job that runs meanwhile is never seen live.
 */
const stack = queueStack();
const sink: RelaySink = { emit: () => {}, roomSize: () => 0 };

describe('EventRelay start', () => {
  it('reads a queue made just after a cached scan of the keyspace, without waiting for the next discovery', async () => {
    // A scan answer that may be reused for a minute, as with millions of keys (lib/queue/queue-registry.ts).
    await discoverQueues({ maxAgeMs: 'auto' });
    (globalThis as { __celerityQueueScan?: { ttlMs: number } }).__celerityQueueScan!.ttlMs = 60_000;
    const name = uniqueName('fresh');
    await stack.queue(name).add('hello', {});

    const relay = new EventRelay({ sink, logger: createLogger('relay-start', 'error'), discoverMs: 60_000 });
    relay.start();
    stack.atTeardown(() => relay.stop());
    await waitFor('the relay to read the queue', () => relay.positions().has(name), Boolean, 5000);
    expect(relay.positions().get(name)).toMatch(/^\d+-\d+$/);
  });
});
