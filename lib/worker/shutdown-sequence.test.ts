import { describe, expect, it } from 'vitest';
import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import { queueStack } from '../../test/fixtures/queue-stack';
import { testHeartbeat } from '../../test/helpers';
import { createRedis } from '../redis';
import { createRedisOutage } from './redis-outage';
import { createLogger } from '../logger';
import { HeartbeatLoop } from './heartbeat-loop';
import { readHeartbeat } from './heartbeat';
import { CLOSE_GRACE_MS, HANDBACK_GRACE_MS, closeConnections, settlesWithin, stopDeadlineMs, waitThenHandBack } from './shutdown-sequence';

const { redis: observer } = queueStack();
const logger = createLogger('worker', 'error');

const never = new Promise<never>(() => {});

/** Resolves once every connection has ended (a cut one ends on its socket's close, a moment later). */
function allEnded(connections: RedisConnection[]): Promise<unknown> {
  return Promise.all(connections.map((c) => (c.status === 'end' ? undefined : new Promise((resolve) => c.once('end', resolve)))));
}

/** A worker's connections and its heartbeat written in Redis, as a stop finds them. */
async function beatingWorker(id: string) {
  const command = createRedis('command');
  const other = createRedis('blocking');
  await Promise.all([command.ping(), other.ping()]);
  const heartbeat = new HeartbeatLoop(command, () => testHeartbeat(id, { state: 'stopping' }), createRedisOutage(logger));
  await heartbeat.beat();
  expect(await readHeartbeat(observer, id)).not.toBeNull();
  return { command, connections: [other, command], heartbeat };
}

describe('shutdown deadline', () => {
  it('bounds a whole stop by the timeout plus the hand-back and closing graces', () => {
    expect(stopDeadlineMs(500)).toBe(500 + HANDBACK_GRACE_MS + CLOSE_GRACE_MS + 1500);
    expect(stopDeadlineMs(10_000) - stopDeadlineMs(0)).toBe(10_000);
  });

  it('settlesWithin: true for a promise that settles (even by rejecting), false for one that does not', async () => {
    expect(await settlesWithin(1000, Promise.resolve(1))).toBe(true);
    expect(await settlesWithin(1000, Promise.reject(new Error('x')))).toBe(true);
    const started = Date.now();
    expect(await settlesWithin(50, never)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('jobs that finish within the timeout: no hand-back', async () => {
    let handedBack = 0;
    expect(await waitThenHandBack(Promise.resolve(), 1000, 1000, () => handedBack++)).toBe(true);
    expect(handedBack).toBe(0);
  });

  it('jobs still running at the timeout are handed back once, and the close that follows counts as done', async () => {
    let release!: () => void;
    const closed = new Promise<void>((resolve) => (release = resolve));
    let handedBack = 0;
    const done = await waitThenHandBack(closed, 30, 5000, () => {
      handedBack++;
      release(); // a handed-back job ends its handler, so the workers' close resolves
    });
    expect(done).toBe(true);
    expect(handedBack).toBe(1);
  });

  it('a close that never ends: gives up after the timeout plus the grace', async () => {
    let handedBackAt = 0;
    const started = Date.now();
    const done = await waitThenHandBack(never, 40, 60, () => (handedBackAt = Date.now() - started));
    expect(done).toBe(false);
    expect(handedBackAt).toBeGreaterThanOrEqual(35);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });
});

describe('closeConnections', () => {
  it('Redis reachable: clears the heartbeat and quits every connection', async () => {
    const id = `w-${Date.now()}-a`;
    const { command, connections, heartbeat } = await beatingWorker(id);
    const cleared = await closeConnections({ command, connections, reachable: true, after: Promise.resolve(), clearHeartbeat: () => heartbeat.clear(id) });
    expect(cleared).toBe(true);
    expect(await readHeartbeat(observer, id)).toBeNull();
    expect(await observer.zscore(celerityKeys().workers, id)).toBeNull();
    await allEnded(connections);
  });

  it('Redis said unreachable: leaves the heartbeat to expire and cuts the connections at once', async () => {
    const id = `w-${Date.now()}-b`;
    const { command, connections, heartbeat } = await beatingWorker(id);
    const cleared = await closeConnections({ command, connections, reachable: false, after: Promise.resolve(), clearHeartbeat: () => heartbeat.clear(id) });
    expect(cleared).toBe(false);
    expect(await readHeartbeat(observer, id)).not.toBeNull();
    await allEnded(connections);
  });

  it('a step before the clearing that hangs: the grace bounds it, and the connections are cut', async () => {
    const id = `w-${Date.now()}-c`;
    const { command, connections, heartbeat } = await beatingWorker(id);
    const started = Date.now();
    const cleared = await closeConnections({ command, connections, reachable: true, after: never, clearHeartbeat: () => heartbeat.clear(id), graceMs: 100 });
    expect(cleared).toBe(false);
    expect(Date.now() - started).toBeLessThan(CLOSE_GRACE_MS);
    expect(await readHeartbeat(observer, id)).not.toBeNull();
    await allEnded(connections);
  });
});
