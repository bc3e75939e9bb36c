import { describe, expect, it } from 'vitest';
import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import { createRedis } from '../redis';
import { createLogger } from '../logger';
import { ackSchema, type ControlAck, type WorkerCommand } from './control';
import { listenForControl, parseControlMessage } from './control-listener';
import { queueStack } from '../../test/fixtures/queue-stack';

const stack = queueStack();
const publisher = stack.redis;
const logger = createLogger('worker', 'error');

/** A worker's subscriber and command connections, cut when the test ends. */
function workerConnections(): { subscriber: RedisConnection; command: RedisConnection } {
  const subscriber = createRedis('blocking');
  const command = createRedis('command');
  stack.atTeardown(() => {
    subscriber.disconnect();
    command.disconnect();
  });
  return { subscriber, command };
}

describe('parseControlMessage', () => {
  it('reads a cancel (the reason defaults) and commands addressed to a worker', () => {
    expect(parseControlMessage(JSON.stringify({ type: 'cancel', queue: 'q', jobId: '7' }))).toEqual({
      type: 'cancel',
      queue: 'q',
      jobId: '7',
      reason: 'cancelled',
    });
    expect(parseControlMessage(JSON.stringify({ type: 'concurrency', workerId: 'w', requestId: 'r', concurrency: 3 }))).toEqual({
      type: 'concurrency',
      workerId: 'w',
      requestId: 'r',
      concurrency: 3,
    });
  });

  it('ignores what is not a control message', () => {
    for (const raw of ['', 'not json', '"pause"', 'null', '{}', '{"type":"reboot","workerId":"w","requestId":"r"}', '{"type":"pause","requestId":"r"}']) {
      expect(parseControlMessage(raw), raw).toBeUndefined();
    }
    expect(parseControlMessage(JSON.stringify({ type: 'concurrency', workerId: 'w', requestId: 'r', concurrency: 0 }))).toBeUndefined();
  });
});

describe('listenForControl', () => {
  it("routes cancels to the holder and this worker's commands to obey, whose answer is acknowledged", async () => {
    const { subscriber, command } = workerConnections();
    const cancels: string[] = [];
    const obeyed: WorkerCommand[] = [];
    let cancelled!: () => void;
    const gotCancel = new Promise<void>((resolve) => (cancelled = resolve));
    await listenForControl(
      subscriber,
      command,
      {
        workerId: 'me',
        cancel: (queue, jobId, reason) => {
          cancels.push(`${queue}/${jobId}/${reason}`);
          cancelled();
          return true;
        },
        obey: async (msg): Promise<ControlAck> => {
          obeyed.push(msg);
          return { requestId: msg.requestId, workerId: 'me', command: msg.type, ok: true, state: 'paused', concurrency: 2, at: 1 };
        },
      },
      logger,
    );
    const channel = celerityKeys().control;
    // Published in order on one connection, so received in order: the other worker's and the garbage come first.
    await publisher.publish(channel, JSON.stringify({ type: 'pause', workerId: 'someone-else', requestId: 'r-other' }));
    await publisher.publish(channel, 'garbage');
    await publisher.publish(channel, JSON.stringify({ type: 'pause', workerId: 'me', requestId: 'r-mine' }));
    // Waited for on the publisher's connection: a BLPOP on `command` would hold it, and the acknowledgement written there would wait behind it.
    const reply = await publisher.blpop(celerityKeys().controlAck('r-mine'), 5);
    expect(ackSchema.parse(JSON.parse(reply![1]))).toMatchObject({ requestId: 'r-mine', command: 'pause', state: 'paused', ok: true });
    expect(obeyed.map((m) => m.requestId)).toEqual(['r-mine']);
    expect(await command.exists(celerityKeys().controlAck('r-other'))).toBe(0);

    await publisher.publish(channel, JSON.stringify({ type: 'cancel', queue: 'q', jobId: '42', reason: 'no longer needed' }));
    await gotCancel;
    expect(cancels).toEqual(['q/42/no longer needed']);
  });

  it('logs an acknowledgement it cannot write (Redis gone mid-command) instead of leaving an unhandled rejection', async () => {
    const { subscriber, command } = workerConnections();
    await command.ping();
    const warned: string[] = [];
    let logged!: () => void;
    const gotWarning = new Promise<void>((resolve) => (logged = resolve));
    const recording = {
      ...logger,
      warn: (msg: string) => {
        warned.push(msg);
        logged();
      },
    };
    await listenForControl(
      subscriber,
      command,
      {
        // Not 'me': on a cluster, PUBLISH reaches other nodes over the bus a moment later, so the previous test's
        // command to 'me' can arrive on this subscriber, which a node subscribed to just now.
        workerId: 'me-lost',
        cancel: () => false,
        obey: async (msg): Promise<ControlAck> => {
          // The acknowledgement's connection goes away after the command was carried out.
          command.disconnect();
          return { requestId: msg.requestId, workerId: 'me-lost', command: msg.type, ok: true, state: 'paused', concurrency: 2, at: 1 };
        },
      },
      recording,
    );
    await publisher.publish(celerityKeys().control, JSON.stringify({ type: 'pause', workerId: 'me-lost', requestId: 'r-lost' }));
    await gotWarning;
    expect(warned).toEqual(['control acknowledgement not written']);
  });
});

describe('listenForControl: task overrides', () => {
  it('tells every worker that a task’s override changed (no worker id: all of them re-read)', async () => {
    const { subscriber, command } = workerConnections();
    let changed!: (task: string) => void;
    const got = new Promise<string>((resolve) => (changed = resolve));
    const obey = async (): Promise<ControlAck> => {
      throw new Error('not a command');
    };
    await listenForControl(subscriber, command, { workerId: 'me', cancel: () => false, obey, overridesChanged: (task) => changed(task) }, logger);
    await publisher.publish(celerityKeys().control, JSON.stringify({ type: 'overrides', task: 'crm.sync' }));
    expect(await got).toBe('crm.sync');
  });
});
