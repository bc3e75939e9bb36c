import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { env } from '../lib/env';
import { celerityKeys } from '../lib/keys';
import { createRedis } from '../lib/redis';
import { serverFrameSchemas } from '../lib/events/contract';
import { liveFanoutNames } from '../lib/events/socket-rooms';
import { waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { connectClient, startSharedLiveConsole } from './live-harness';

/**
 * A page's first frame is the console's Redis status, whatever the state of the
 * live fan-out: here the adapter's connection gets no answer until the end (a Redis
 * that is down or a cluster connection still fetching its slots looks the same to it)
 * and the console is not the relay's leader. The status must not wait for the adapter.
 */
const stack = queueStack();

/**
 * A TCP proxy to the test's Redis that holds every connection's bytes until release():
 * a Redis connection through it never becomes ready meanwhile (as to a Redis that is
 * down, or a cluster whose slots are still being fetched). Released, it forwards what it held,
 * so the adapter's commands complete instead of failing at teardown.
 */
async function heldProxy(targetPort: number): Promise<{ url: string; release(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const waiting: (() => void)[] = [];
  let released = false;
  const server = net.createServer((client) => {
    sockets.add(client);
    const held: Buffer[] = [];
    const onHeld = (d: Buffer) => void held.push(d);
    client.on('data', onHeld).on('error', () => {});
    const forward = () => {
      const upstream = net.connect({ port: targetPort, host: '127.0.0.1' });
      sockets.add(upstream);
      upstream.on('error', () => client.destroy());
      client.off('data', onHeld);
      for (const d of held) upstream.write(d);
      client.pipe(upstream).pipe(client);
    };
    if (released) forward();
    else waiting.push(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    release: () => {
      released = true;
      for (const forward of waiting.splice(0)) forward();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('the status frame of a new connection', () => {
  it('arrives at once on a console that is not the leader, with a fan-out connection that never answers', async () => {
    // Another console holds the relay's lease for the whole test: this one stays a follower.
    await stack.redis.set(celerityKeys().lock('live-relay'), 'another-console', 'PX', 60_000);
    stack.atTeardown(() => stack.redis.del(celerityKeys().lock('live-relay')));
    const proxy = await heldProxy(Number(new URL(env().REDIS_URL!).port));
    const fanout = createRedis('command', proxy.url);
    const live = await startSharedLiveConsole({}, {}, fanout);
    stack.atTeardown(async () => {
      // Let the adapter's connections finish connecting (its subscription is one Redis lists), so none is cut mid-command.
      proxy.release();
      const channel = `${liveFanoutNames(env().CELERITY_PREFIX).channelPrefix}-request#/#`;
      await waitFor(
        'the adapter subscribed',
        () => stack.redis.pubsub('NUMSUB', channel),
        (r) => Number(r[1]) > 0,
      );
      await live.close();
      await fanout.quit();
      await proxy.close();
    });
    expect(fanout.status).not.toBe('ready');

    const client = stack.closing(await connectClient(live.url));
    const status = await new Promise<unknown>((resolve, reject) => {
      if (client.received.some((r) => r.event === 'status')) return resolve(client.received.find((r) => r.event === 'status')!.payload);
      // Sent in the same tick as the connection's acknowledgement: 2 s is ample on a loaded machine; without the fix it never comes.
      const timer = setTimeout(
        () => reject(new Error(`no status frame 2 s after connecting (got: ${client.received.map((r) => r.event).join(', ') || 'nothing'})`)),
        2_000,
      );
      client.socket.once('status', (p) => {
        clearTimeout(timer);
        resolve(p);
      });
    });
    expect(serverFrameSchemas.status.parse(status).redis).toBe('up');
    expect(live.relay.isLeader()).toBe(false);
  });
});
