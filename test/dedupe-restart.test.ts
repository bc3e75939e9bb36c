import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { z } from 'zod';
import { env } from '@/lib/env';
import { UnavailableError } from '@/lib/errors';
import { createRedis } from '@/lib/redis';
import { createClient } from '@/lib/client/create-client';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { freePort, startRedisServer, type RunningRedis } from '@/scripts/redis-server';
import { uniqueName, waitFor } from './helpers';

/**
 * Issue 19's case: an `enqueue()` whose job was written but whose answer was
 * lost in a Redis restart throws; the caller retries with the same
 * idempotency key and gets that job — one job, not two.
 *
 * The client talks to a Redis of this file's own through a proxy that can
 * swallow Redis's answers, so "written, answer lost" happens every time
 * rather than when a restart happens to land between the two.
 */

/**
 * A TCP proxy to `port`; while `dropAnswers` is set, what Redis sends back is
 * thrown away. `stop()` and `listen()` make it look like a stopped and a
 * started Redis: connections refused, not accepted and then closed.
 */
function proxyTo(port: number) {
  const sockets = new Set<net.Socket>();
  let address: number | undefined;
  const proxy = {
    dropAnswers: false,
    server: net.createServer((client) => {
      const upstream = net.connect({ port, host: '127.0.0.1' });
      sockets.add(client).add(upstream);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => {
        if (!proxy.dropAnswers) client.write(d);
      });
      // Either side gone: both go, as when the server stops (the client sees its connection close).
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const s of [client, upstream]) s.on('close', end).on('error', end);
    }),
    listen: () =>
      new Promise<number>((r) => proxy.server.listen(address ?? 0, '127.0.0.1', () => r((address = (proxy.server.address() as net.AddressInfo).port)))),
    stop: () => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      return new Promise((r) => proxy.server.close(r));
    },
  };
  return proxy;
}

// The client's connection (lib/redis.ts reads REDIS_URL once) goes through the proxy: set before anything reads the env.
const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-dedupe-restart-'));
const port = await freePort();
const startOwnRedis = () => startRedisServer({ port, dir, appendonly: true });
let redisServer: RunningRedis = await startOwnRedis();
const proxy = proxyTo(port);
// A test points lib/env.ts at its own Redis before the first read.
process.env.REDIS_URL = `redis://127.0.0.1:${await proxy.listen()}`;

const q = uniqueName('restart');
const charge = defineTask({ name: 'charge', description: 'takes a payment', queue: q, schema: z.object({ amount: z.number() }), handler: () => 'paid' });
const client = createClient(createRegistry([charge]));
const direct = createRedis('command', redisServer.url);
const queue = new Queue(q, { connection: direct, prefix: env().CELERITY_PREFIX, skipMetasUpdate: true });
queue.on('error', () => {});

afterAll(async () => {
  await client.close();
  await queue.close();
  direct.disconnect();
  if (proxy.server.listening) await proxy.stop();
  await redisServer.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Retry as a careful caller does: the same call, with the same key, until it gets an answer. */
async function retryUntilAnswered<T>(call: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('idempotent enqueue across a Redis restart', () => {
  it('a call that failed during a restart, retried with the same key, gives one job', async () => {
    // The connection is up and BullMQ's scripts are loaded.
    expect((await client.enqueue('charge', { amount: 1 }, { idempotencyKey: 'warm-up' })).created).toBe(true);

    proxy.dropAnswers = true;
    const outcome = client.enqueue('charge', { amount: 42 }, { idempotencyKey: 'payment-42' }).then(
      (handle) => ({ handle }),
      (error: unknown) => ({ error }),
    );
    // Redis ran the add (its deduplication key exists) but its answer never reached the client.
    const deKey = `${env().CELERITY_PREFIX}:${q}:de:charge:idem:payment-42`;
    const written = await waitFor(
      'the add to reach Redis',
      () => direct.get(deKey),
      (id) => id !== null,
    );
    await proxy.stop();
    await redisServer.stop();
    proxy.dropAnswers = false;

    // While Redis is down the call fails: the caller cannot know whether the job was enqueued.
    const failed = await outcome;
    expect(failed).toHaveProperty('error');
    const error = (failed as { error: unknown }).error;
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as Error).message).toMatch(/outcome is unknown.*same idempotencyKey is safe/s);

    redisServer = await startOwnRedis();
    await proxy.listen();
    const retried = await retryUntilAnswered(() => client.enqueue('charge', { amount: 42 }, { idempotencyKey: 'payment-42' }));
    expect(retried.created).toBe(false);
    expect(retried.id).toBe(written);
    // One job for the payment (and the warm-up's), persisted across the restart.
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed']);
    expect(jobs.map((j) => j.data).sort((a, b) => a.amount - b.amount)).toEqual([{ amount: 1 }, { amount: 42 }]);
    expect(jobs.find((j) => j.data.amount === 42)!.id).toBe(written);
  });
});
