import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { closeRedis, failFastWhileRedisDown, getRedis } from '@/lib/redis';
import { freePort, startRedisServer } from '@/scripts/redis-server';
import { toHttpError } from '@/lib/errors';
import { closeQueues, getQueue } from '@/lib/queue/queue-registry';
import { waitFor } from './helpers';

/**
 * The shared connection in the console (failFastWhileRedisDown) against a
 * Redis that goes away and one that never answers, and outside the console.
 * Each case points the shared connection at its own server: REDIS_URL is
 * changed and the cached configuration and connection are dropped.
 */
const holder = globalThis as unknown as { __celerityFailFast?: boolean; __celerityEnv?: unknown };
const testRedisUrl = process.env.REDIS_URL;

function useRedisAt(url: string): void {
  process.env.REDIS_URL = url;
  delete holder.__celerityEnv;
}

afterEach(async () => {
  await closeQueues();
  await closeRedis();
  delete holder.__celerityFailFast;
  useRedisAt(testRedisUrl!);
});

describe('the shared Redis connection', () => {
  it('in the console, a command made while Redis is down is refused at once (503), not queued; it works again once Redis is back', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-fail-fast-'));
    const port = await freePort();
    let redis = await startRedisServer({ port, dir, appendonly: false });
    try {
      useRedisAt(redis.url);
      failFastWhileRedisDown();
      const r = getRedis();
      expect(await r.ping()).toBe('PONG');
      await redis.stop();
      await waitFor(
        'the connection to notice',
        () => r.status,
        (s) => s !== 'ready',
      );
      const err = (await r.get('x').catch((e: unknown) => e)) as Error;
      // Refused without waiting in the offline queue for a reconnect.
      expect(err.message).toMatch(/Stream isn't writeable/);
      const http = toHttpError(err);
      expect(http.status).toBe(503);
      expect(http.headers?.['Retry-After']).toBeDefined();
      // A queue first used now (none of its BullMQ Queue made before): refused at once too, not left waiting
      // for the connection's 'ready' as a new BullMQ Queue does (a task's dead-letter queue, first listed during an outage).
      const started = Date.now();
      const queueErr = await Promise.race([
        Promise.resolve()
          .then(() => getQueue('first-seen-while-down').getWaiting())
          .catch((e: unknown) => e),
        new Promise((r) => setTimeout(() => r('still waiting'), 3_000)),
      ]);
      expect(toHttpError(queueErr).status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_000);
      redis = await startRedisServer({ port, dir, appendonly: false });
      await waitFor(
        'the connection to come back',
        () => r.status,
        (s) => s === 'ready',
        20_000,
      );
      expect(await r.ping()).toBe('PONG');
      expect(await getQueue('first-seen-while-down').getWaiting()).toEqual([]);
    } finally {
      await redis.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('in the console, a Redis that accepts but never answers gives a 503 after the command timeout instead of a hang', async () => {
    const silent = net.createServer((socket) => socket.on('data', () => {}));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    try {
      useRedisAt(`redis://127.0.0.1:${(silent.address() as net.AddressInfo).port}`);
      failFastWhileRedisDown();
      const r = getRedis() as Redis; // a redis:// URL: one server
      expect(r.options.commandTimeout).toBe(15_000);
      r.options.commandTimeout = 300; // read per command: keeps the test short
      const err = (await r.get('x').catch((e: unknown) => e)) as Error;
      expect(err.message).toMatch(/Command timed out/);
      expect(toHttpError(err).status).toBe(503);
    } finally {
      await closeRedis();
      silent.close();
    }
  });

  it('outside the console (application code calling enqueue), it keeps queueing commands through a blip and has no command timeout', async () => {
    const r = getRedis() as Redis;
    expect(await r.ping()).toBe('PONG');
    expect(r.options.enableOfflineQueue).toBe(true);
    expect(r.options.commandTimeout).toBeUndefined();
  });

  it('failFastWhileRedisDown must come before the first use of the connection', () => {
    getRedis();
    expect(() => failFastWhileRedisDown()).toThrow(/before the first getRedis/);
  });
});
