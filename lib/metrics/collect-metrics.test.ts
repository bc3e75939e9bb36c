import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { closeRedis, getRedis } from '../redis';
import { bullKey } from '../keys';
import { closeQueues } from '../queue/queue-registry';
import { parsePrometheus } from '../../test/security-support';
import { collectMetrics } from './collect-metrics';
import { setPipelineProbe } from './pipeline-probe';

/**
 * The event-pipeline lag is computed from the relay's read positions and the
 * queues' event streams in Redis (not a constant): events the relay has not
 * read show their age; a relay that caught up shows 0; a stream that cannot
 * be read shows nothing rather than a reassuring 0.
 */

const redis = getRedis();

afterEach(() => setPipelineProbe(undefined));
afterAll(async () => {
  await closeQueues();
  await closeRedis();
});

async function lagSamples(): Promise<{ labels: Record<string, string>; value: number }[]> {
  const { samples } = parsePrometheus(await collectMetrics(redis));
  return samples.filter((s) => s.name === 'celerity_event_pipeline_lag_seconds');
}

describe('celerity_event_pipeline_lag_seconds', () => {
  it('is the age of the oldest event the relay has not read, per queue, and 0 once it has read them all', async () => {
    const stream = bullKey('lagging', 'events');
    const now = Date.now();
    // Three events 7, 6 and 5 seconds old (explicit stream ids carry their time).
    const ids = [now - 7000, now - 6000, now - 5000].map((t) => `${t}-0`);
    for (const id of ids) await redis.xadd(stream, id, 'event', 'completed', 'jobId', '1');
    const positions = new Map([['lagging', '0-0']]);
    setPipelineProbe({ positions: () => positions });

    const behind = await lagSamples();
    expect(behind.map((s) => s.labels)).toEqual([{ queue: 'lagging' }]);
    expect(behind[0]!.value).toBeGreaterThanOrEqual(7);
    expect(behind[0]!.value).toBeLessThan(7 + 30);

    // Read up to the second event: the third (5 s old) is the oldest unread one.
    positions.set('lagging', ids[1]!);
    const [partly] = await lagSamples();
    expect(partly!.value).toBeGreaterThanOrEqual(5);
    expect(partly!.value).toBeLessThan(behind[0]!.value);

    positions.set('lagging', ids[2]!);
    expect((await lagSamples()).map((s) => [s.labels.queue, s.value])).toEqual([['lagging', 0]]);
  });

  it("reports no sample for a stream it cannot read, nor when the relay's console does not answer, and none at all without a relay", async () => {
    await redis.set(bullKey('broken', 'events'), 'not a stream');
    setPipelineProbe({ positions: () => new Map([['broken', '0-0']]) });
    expect(await lagSamples()).toEqual([]);
    const { samples } = parsePrometheus(await collectMetrics(redis));
    expect(samples.find((s) => s.name === 'celerity_event_relay_running')?.value).toBe(1);

    // A console that does not run the relay asks the one that does: the answer is awaited; no answer, no sample.
    await redis.xadd(bullKey('asked', 'events'), `${Date.now() - 4000}-0`, 'event', 'completed', 'jobId', '1');
    setPipelineProbe({ positions: () => Promise.resolve(new Map([['asked', '0-0']])) });
    expect((await lagSamples()).map((s) => s.labels.queue)).toEqual(['asked']);
    setPipelineProbe({ positions: () => Promise.resolve(null) });
    expect(await lagSamples()).toEqual([]);

    setPipelineProbe(undefined);
    const without = parsePrometheus(await collectMetrics(redis)).samples;
    expect(without.find((s) => s.name === 'celerity_event_relay_running')?.value).toBe(0);
    expect(without.filter((s) => s.name === 'celerity_event_pipeline_lag_seconds')).toEqual([]);
  });
});
