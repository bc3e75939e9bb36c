import { afterAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { closeRedis, getRedis } from '../redis';
import { env } from '../env';
import { closeQueues } from '../queue/queue-registry';
import { bullQueueName } from '../queue/queue-names';
import { createRegistry } from '../registry/task-registry';
import { writeDefinition, writeState } from '../scheduler/schedule-store';
import { validateSchedule } from '../scheduler/schedule-model';
import { parsePrometheus } from '../../test/security-support';
import { startTestWorker, uniqueName, waitFor } from '../../test/helpers';
import { sleep } from '../../worker/tasks/demo-tasks';
import { collectMetrics } from './collect-metrics';

/**
 * What /metrics gained for alerting, from real queues and schedules: the age
 * of the oldest waiting and of the longest-running job per queue, its workers, and the
 * slots each schedule missed — the figures of the README's Prometheus rules.
 */
const redis = getRedis();
const closing: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closing.reverse()) await c();
  await closeQueues();
  await closeRedis();
});

async function sample(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const { samples } = parsePrometheus(await collectMetrics(redis));
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

describe('/metrics for alerting', () => {
  it('the oldest waiting and the longest-running job per queue, 0 when there is none', async () => {
    const name = uniqueName('ages');
    const queue = new Queue(bullQueueName(name), { connection: redis, prefix: env().CELERITY_PREFIX });
    closing.push(() => queue.close());
    await queue.add('sleep', { ms: 5_000 }, { timestamp: Date.now() - 3_000 });
    await queue.add('sleep', { ms: 5_000 });
    const waiting = await sample('celerity_queue_oldest_waiting_seconds', { queue: name });
    expect(waiting).toBeGreaterThanOrEqual(3);
    expect(waiting).toBeLessThan(30);
    expect(await sample('celerity_queue_oldest_running_seconds', { queue: name })).toBe(0);
    expect(await sample('celerity_queue_workers', { queue: name })).toBe(0);

    const worker = await startTestWorker(createRegistry([{ ...sleep, queue: name }]), { concurrency: 2 });
    closing.push(() => worker.stop());
    await waitFor(
      'both jobs to run',
      () => queue.getJobCounts('active'),
      (c) => c.active === 2,
    );
    const started = Date.now();
    await waitFor(
      'a running age of a second',
      () => sample('celerity_queue_oldest_running_seconds', { queue: name }),
      (v) => v !== undefined && v >= 1,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(await sample('celerity_queue_oldest_waiting_seconds', { queue: name })).toBe(0);
    // Counted from the connections (cached for a few seconds): the worker shows once the cache is renewed.
    await waitFor(
      'the worker to be counted',
      () => sample('celerity_queue_workers', { queue: name }),
      (v) => v === 1,
      10_000,
    );
  });

  it('missed slots per enabled schedule', async () => {
    const name = uniqueName('every-second');
    const enabledAt = Date.now() - 9_000;
    const def = validateSchedule({ name, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'seconds' }, source: 'ui' }, { now: new Date(enabledAt) });
    await writeDefinition(redis, def);
    // Enabled nine seconds ago, nothing ran: the slots older than the grace period are missed.
    await writeState(redis, name, { enabledAt });
    const missed = await sample('celerity_schedule_missed_slots', { schedule: name });
    expect(missed).toBeGreaterThanOrEqual(3);
    expect(missed).toBeLessThanOrEqual(5);
    await writeDefinition(redis, { ...def, enabled: false });
    expect(await sample('celerity_schedule_missed_slots', { schedule: name })).toBeUndefined();
  });
});
