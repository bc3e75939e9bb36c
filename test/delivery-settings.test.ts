import { describe, expect, it } from 'vitest';
import { parseEnv } from '@/lib/env';
import { bullKey } from '@/lib/keys';
import { startWorker } from '@/lib/public/worker';
import { createRegistry } from '@/lib/registry/task-registry';
import { parseWorkerFlags } from '../cli/worker-flags';
import { waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { chaosWork } from '../chaos/chaos-tasks';

/** Lock duration and stall interval (issue 19): settings with BullMQ's defaults, checked wherever they are given. */
const stack = queueStack();

describe('lock settings', () => {
  it("default to BullMQ's 30 s and name the variable when bad", () => {
    const e = parseEnv({});
    expect([e.CELERITY_LOCK_DURATION_MS, e.CELERITY_STALLED_INTERVAL_MS]).toEqual([30_000, 30_000]);
    expect(parseEnv({ CELERITY_LOCK_DURATION_MS: '5000' }).CELERITY_LOCK_DURATION_MS).toBe(5000);
    expect(() => parseEnv({ CELERITY_LOCK_DURATION_MS: 'soon' })).toThrow(/CELERITY_LOCK_DURATION_MS: must be a number/);
    expect(() => parseEnv({ CELERITY_STALLED_INTERVAL_MS: '10' })).toThrow(/CELERITY_STALLED_INTERVAL_MS: must be at least 1000/);
  });

  it('as worker flags, name the flag when bad', () => {
    expect(parseWorkerFlags({ lockDuration: '5000', stalledInterval: '2000' })).toMatchObject({ lockDuration: 5000, stalledInterval: 2000 });
    expect(() => parseWorkerFlags({ lockDuration: '10' })).toThrow(/--lock-duration "10": must be at least 1000/);
    expect(() => parseWorkerFlags({ stalledInterval: 'x' })).toThrow(/--stalled-interval "x": must be a number/);
  });

  it('as startWorker options, throw an InvalidError naming the option before anything connects', async () => {
    const registry = createRegistry([chaosWork]);
    await expect(startWorker({ registry, lockDurationMs: 500 })).rejects.toMatchObject({ field: 'lockDurationMs', message: /must be at least 1000/ });
    await expect(startWorker({ registry, stalledIntervalMs: 1.5 })).rejects.toMatchObject({ field: 'stalledIntervalMs' });
  });

  it("reach BullMQ: a running job's lock lives the lock duration given", async () => {
    const { queue, name } = await stack.workerOnOwnQueue([chaosWork], { lock: { lockDurationMs: 4000, stalledIntervalMs: 1000 } });
    const job = await queue.add('chaos.work', { ms: 1500 });
    const lockKey = bullKey(name, `${job.id}:lock`);
    const pttl = await waitFor(
      'the job to be locked',
      () => stack.redis.pttl(lockKey),
      (t) => t > 0,
    );
    expect(pttl).toBeLessThanOrEqual(4000);
    expect(pttl).toBeGreaterThan(2000);
  });
});
