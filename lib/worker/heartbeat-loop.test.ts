import { describe, expect, it } from 'vitest';
import { queueStack } from '../../test/fixtures/queue-stack';
import { testHeartbeat } from '../../test/helpers';
import { createLogger } from '../logger';
import { createRedisOutage } from './redis-outage';
import { HeartbeatLoop } from './heartbeat-loop';
import { readHeartbeat, type Heartbeat } from './heartbeat';

const { redis } = queueStack();
const logger = createLogger('worker', 'error');

/** A loop whose heartbeat shows `state.value`, counting how many times it was written. */
function loop(id: string) {
  const state = { value: 'running' as Heartbeat['state'], writes: 0 };
  const read = (): Heartbeat => {
    state.writes++;
    return testHeartbeat(id, { state: state.value });
  };
  return { state, heartbeat: new HeartbeatLoop(redis, read, createRedisOutage(logger)) };
}

describe('HeartbeatLoop', () => {
  it('beats asked for during a write become one more write, which publishes the latest state', async () => {
    const id = `hb-${Date.now()}-a`;
    const { state, heartbeat } = loop(id);
    const first = heartbeat.beat();
    state.value = 'paused';
    const second = heartbeat.beat();
    state.value = 'stopping';
    const third = heartbeat.beat();
    await Promise.all([first, second, third]);
    expect(state.writes).toBe(2);
    expect((await readHeartbeat(redis, id))?.state).toBe('stopping');
  });

  it('clear waits for the write under way: a heartbeat written after the clear would bring the worker back', async () => {
    const id = `hb-${Date.now()}-b`;
    const { heartbeat } = loop(id);
    const beats = heartbeat.beat();
    void heartbeat.beat(); // queued behind the first: written after it
    await heartbeat.clear(id);
    await beats; // both writes are done
    expect(await readHeartbeat(redis, id)).toBeNull();
  });

  it('each heartbeat carries the local address of the connection that writes it (how Redis and other hosts see the worker)', async () => {
    const id = `hb-${Date.now()}-d`;
    const { heartbeat } = loop(id);
    await heartbeat.beat();
    // The test's Redis (or every node of the test cluster) listens on loopback, so the socket's local end is 127.0.0.1 too.
    expect((await readHeartbeat(redis, id))?.address).toBe('127.0.0.1');
    await heartbeat.clear(id);
  });

  it('beats every interval until the timer is stopped', async () => {
    const id = `hb-${Date.now()}-c`;
    const { state, heartbeat } = loop(id);
    heartbeat.start(20);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => state.writes >= 3 && (clearInterval(check), resolve()), 5);
    });
    heartbeat.stopTimer();
    await heartbeat.clear(id);
    const writes = state.writes;
    await new Promise((r) => setTimeout(r, 80));
    expect(state.writes).toBe(writes);
    expect(await readHeartbeat(redis, id)).toBeNull();
  });
});
