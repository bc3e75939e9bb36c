import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { env } from '@/lib/env';
import { InvalidError, NotFoundError } from '@/lib/errors';
import { createLogger } from '@/lib/logger';
import { registry } from '@/worker/tasks';
import { enqueue, closeClient } from '@/worker/client';
import { ROOT, runTs, scanKeys, type Proc } from './helpers';
import { queueStack } from './fixtures/queue-stack';

// The stack's connection inspects Redis, so the client's lazy one stays untouched.
const stack = queueStack();
const { prefix, redis } = stack;

/** Every key under this file's prefix. */
function allKeys(): Promise<string[]> {
  return scanKeys(redis, `${prefix}:*`);
}

afterAll(async () => {
  await closeClient();
});

// Runs first, before any worker or producer touched this file's fresh prefix.
describe('enqueue: validation before Redis', () => {
  it('throws InvalidError naming args.a for bad arguments, and writes no key', async () => {
    expect(await allKeys()).toEqual([]);
    // @ts-expect-error -- the typed client refuses this at compile time too; we test the runtime check.
    const err = await enqueue('add', { a: 'x', b: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('args.a');
    expect(await allKeys()).toEqual([]);
  });

  it('throws InvalidError for missing arguments and bad options, and NotFoundError for an unknown task, writing nothing', async () => {
    // @ts-expect-error -- missing b
    await expect(enqueue('add', { a: 1 })).rejects.toMatchObject({ field: 'args.b' });
    await expect(enqueue('add', { a: 1, b: 2 }, { attempts: 0 })).rejects.toMatchObject({ field: 'options.attempts' });
    // @ts-expect-error -- not a task of the registry
    await expect(enqueue('nope')).rejects.toBeInstanceOf(NotFoundError);
    expect(await allKeys()).toEqual([]);
  });
});

describe('enqueue from a plain script while a worker runs', () => {
  let proc: Proc | undefined;
  const queue = stack.observe();

  beforeAll(async () => {
    await stack.worker(registry, { logger: createLogger('worker', 'warn'), concurrency: 2, shutdownTimeoutMs: 5000 });
  });

  afterEach(() => {
    if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
  });

  it('enqueue("hello") in a child process returns a job that completes with "hello world"', async () => {
    proc = runTs('test/fixtures/enqueue-hello.ts', [], { REDIS_URL: env().REDIS_URL!, CELERITY_PREFIX: prefix });
    const line = await proc.waitForOutput(/result .*\n/);
    expect(line.trim()).toBe('result "hello world"');
    expect(await proc.exited).toBe(0);

    // The job the script made is a real BullMQ job in the task's queue, completed by the worker.
    const [, q, id] = /enqueued (\S+) (\S+)/.exec(proc.output()) ?? [];
    expect(q).toBe('default');
    const job = await queue.getJob(id!);
    expect(job?.name).toBe('hello');
    expect(job?.returnvalue).toBe('hello world');
    expect(await queue.getJobState(id!)).toBe('completed');
  });

  it("runs the README's example (`npm run example:enqueue`): hello world, then 2 + 3 = 5", async () => {
    // The npm script is exactly this command; run the file the same way, with the test's Redis and prefix.
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const example = 'scripts/examples/enqueue-hello.ts';
    expect(pkg.scripts['example:enqueue']).toBe(`node --import tsx ${example}`);
    proc = runTs(example, [], { REDIS_URL: env().REDIS_URL!, CELERITY_PREFIX: prefix });
    expect(await proc.exited).toBe(0);

    const out = proc.output();
    expect(out).toMatch(/^result: hello world$/m);
    expect(out).toMatch(/^2 \+ 3 = 5$/m);
    const [, q, id] = /^queued (\S+)\/(\S+)$/m.exec(out) ?? [];
    expect(q).toBe('default');
    const job = await queue.getJob(id!);
    expect(job?.name).toBe('hello');
    expect(job?.returnvalue).toBe('hello world');
  });
});
