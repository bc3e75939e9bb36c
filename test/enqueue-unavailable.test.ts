import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { freePort, startRedisServer } from '@/scripts/redis-server';
import { UnavailableError, toHttpError } from '@/lib/errors';
import { enqueueUnavailable } from '@/lib/client/enqueue-unavailable';
import { createClient } from '@/lib/client/create-client';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';

/**
 * Issue 19: an `enqueue()` that cannot reach Redis throws Celerity's
 * UnavailableError, which says that the outcome is unknown and that a retry
 * with the same idempotency key is safe, not ioredis's raw message.
 */

// This file's client talks to a Redis of its own, which the test stops: set before anything reads the env.
const dir = mkdtempSync(path.join(os.tmpdir(), 'celerity-enqueue-unavailable-'));
const redisServer = await startRedisServer({ port: await freePort(), dir });
process.env.REDIS_URL = redisServer.url;

const task = defineTask({ name: 'pay', description: 'pays', schema: z.object({ amount: z.number() }), handler: () => 'paid' });
const client = createClient(createRegistry([task]));
afterAll(async () => {
  await client.close().catch(() => {});
  await redisServer.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('enqueue while Redis is unreachable', () => {
  it('works while Redis is up (the connection is made)', async () => {
    expect((await client.enqueue('pay', { amount: 0 })).id).toBeTruthy();
    await redisServer.stop();
  });

  it('throws an UnavailableError saying the outcome is unknown and a retry with the same key is safe', async () => {
    const err = await client.enqueue('pay', { amount: 1 }, { idempotencyKey: 'p-1' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(/outcome is unknown/);
    expect((err as Error).message).toMatch(/same idempotencyKey is safe/);
    // ioredis's own words stay readable, in the message and as the cause.
    expect((err as Error).message).toMatch(/max retries per request|Connection is closed|ECONNREFUSED/i);
    expect(toHttpError(err).status).toBe(503);
  });

  it('does the same for enqueueMany', async () => {
    await expect(client.enqueueMany([{ task: 'pay', args: { amount: 2 } }])).rejects.toBeInstanceOf(UnavailableError);
  });

  it.each([
    'Connection is closed.',
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Command timed out',
    'Reached the max retries per request limit (which is 1).',
  ])('maps "%s"', (message) => {
    expect(enqueueUnavailable(new Error(message))).toBeInstanceOf(UnavailableError);
  });

  it('leaves other errors alone (a refused command is not an outage)', () => {
    const err = new Error('ERR wrong number of arguments');
    expect(enqueueUnavailable(err)).toBe(err);
  });
});
