import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '@/lib/logger';
import { defineTask } from '@/lib/registry/define-task';
import { createClient } from '@/lib/client/create-client';
import { deadLetterQueue, listDeadLetters, replayDeadLetters } from '@/lib/queue/dead-letter';
import { uniqueName, waitFor } from './helpers';
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
});
