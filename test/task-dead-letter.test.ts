import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '@/lib/logger';
import { defineTask } from '@/lib/registry/define-task';
import { createClient } from '@/lib/client/create-client';
import { deadLetterQueue, listDeadLetters, replayDeadLetters } from '@/lib/queue/dead-letter';
import { uniqueName, waitFor } from './helpers';
import { serveApi } from './api-server';
import { queueStack } from './fixtures/queue-stack';

/**
 * Dead letters (issue 16): a job of a `deadLetter` task that failed for good
 * is copied to `<task>.dlq`, listed with where it came from, and replayed as a
 * new job that completes; an error retryOn does not name dead-letters at once.
 */
const stack = queueStack();
const logger = createLogger('worker', 'error');

describe('dead letters', () => {
  it('a job that exhausted its attempts is dead-lettered, listed, and replays to completion', async () => {
    let broken = true;
    const name = uniqueName('charge');
    const charge = defineTask({
      name,
      description: 'Fails while the payment service is down.',
      schema: z.object({ amount: z.number() }),
      defaults: { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
      deadLetter: true,
      handler: ({ amount }) => {
        if (broken) throw new Error('payment service down');
        return { charged: amount };
      },
    });
    const { queue, registry, name: queueName } = await stack.workerOnOwnQueue([charge], { logger }, 'dlq');
    const handle = await createClient(registry).enqueue(name, { amount: 5 });
    await waitFor(
      'the job to fail for good',
      () => queue.getJobState(handle.id),
      (s) => s === 'failed',
    );

    const letters = await waitFor(
      'its dead letter',
      () => listDeadLetters(name),
      (l) => l.length === 1,
    );
    expect(letters[0]!.job.data).toEqual({ amount: 5 });
    expect(letters[0]!.origin).toMatchObject({ queue: queueName, jobId: handle.id, failedReason: 'payment service down', attemptsMade: 2 });
    expect(deadLetterQueue(name)).toBe(`${name}.dlq`);

    broken = false;
    const [replayed] = await replayDeadLetters(name);
    expect(replayed!.queue).toBe(queueName);
    await waitFor(
      'the replayed job to complete',
      () => queue.getJobState(replayed!.id),
      (s) => s === 'completed',
    );
    expect((await queue.getJob(replayed!.id))!.returnvalue).toEqual({ charged: 5 });
    expect(await listDeadLetters(name)).toEqual([]);
  });

  it("the API lists a task's dead letters and replays them (an error retryOn does not name dead-letters at once)", async () => {
    let broken = true;
    const name = uniqueName('notify');
    class Offline extends Error {}
    const notify = defineTask({
      name,
      description: 'Fails with a bug until fixed.',
      schema: z.object({ to: z.string() }),
      defaults: { attempts: 5 },
      retryOn: [Offline],
      deadLetter: true,
      handler: ({ to }) => {
        if (broken) throw new TypeError('a bug');
        return to;
      },
    });
    const { queue, registry } = await stack.workerOnOwnQueue([notify], { logger }, 'dlq-api');
    const handle = await createClient(registry).enqueue(name, { to: 'ops' });
    await waitFor(
      'the job to fail',
      () => queue.getJobState(handle.id),
      (s) => s === 'failed',
    );
    const served = await serveApi();
    stack.atTeardown(() => served.close());
    const url = `${served.base}/api/v1/tasks/${encodeURIComponent(name)}/dead-letters`;
    const listed = await waitFor(
      'the dead letter in the API',
      async () => ((await (await fetch(url)).json()) as { deadLetters: { args: unknown; origin: { attemptsMade: number } }[] }).deadLetters,
      (l) => l.length === 1,
    );
    expect(listed[0]).toMatchObject({ args: { to: 'ops' }, origin: { attemptsMade: 1, failedReason: 'a bug' } });
    broken = false;
    const res = await fetch(`${url}/replay`, { method: 'POST' });
    expect(res.status).toBe(200);
    const { replayed } = (await res.json()) as { replayed: { id: string }[] };
    expect(replayed).toHaveLength(1);
    await waitFor(
      'the replayed job to complete',
      () => queue.getJobState(replayed[0]!.id),
      (s) => s === 'completed',
    );
  });
});
