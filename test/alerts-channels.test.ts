import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/logger';
import { AlertEngine } from '@/lib/alerts/alert-engine';
import { DeliverySender } from '@/lib/alerts/delivery-sender';
import { createChannel, listChannels, readChannel, replaceChannel } from '@/lib/alerts/channel-store';
import { testChannel } from '@/lib/alerts/channel-test';
import { createRule } from '@/lib/alerts/rule-store';
import { listDeliveries } from '@/lib/alerts/deliveries';
import { InvalidError } from '@/lib/errors';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { smtpReceiver, webhookReceiver } from './fixtures/alert-receivers';

/**
 * The channels with real receivers: email through a local SMTP server
 * (smtp-server), a Slack-compatible webhook, and a webhook receiver that is
 * down — retried with backoff, then recorded as failed, the channel failing.
 */
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('alerts-channels', 'error');

/** A backlog rule on a fresh queue, firing as soon as one job waits; the engine and a fast-retrying sender. */
async function firingRule(channels: string[], attempts = 3) {
  const queue = uniqueName('q');
  const rule = uniqueName('backlog');
  await createRule(redis, { kind: 'backlog', name: rule, queue, maxWaiting: 0, channels });
  const sender = new DeliverySender({ redis, logger, leading: () => true, pollMs: 30, retry: { attempts, baseMs: 100, maxMs: 400 } });
  const engine = new AlertEngine({ redis, logger, publicUrl: 'http://console.test', leading: () => true, onQueued: () => sender.kick() });
  sender.start();
  stack.atTeardown(() => sender.stop());
  await stack.queue(queue).add('add', { a: 1, b: 2 });
  await engine.tick();
  return { rule, queue };
}

/** A loopback port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('alert channels', () => {
  it('email: the SMTP server receives the message; the password is kept but never shown', async () => {
    const smtp = await smtpReceiver({ user: 'alerts', password: 's3cret-pass' });
    stack.atTeardown(() => smtp.close());
    const id = uniqueName('mail');
    const config = {
      type: 'email',
      host: '127.0.0.1',
      port: smtp.port,
      user: 'alerts',
      password: 's3cret-pass',
      from: 'celerity@example.com',
      to: ['ops@example.com'],
    };
    const { channel } = await createChannel(redis, { id, config });
    expect(JSON.stringify(channel)).not.toContain('s3cret-pass');
    expect(channel).toMatchObject({ type: 'email', secretSet: true });
    expect(JSON.stringify(await listChannels(redis))).not.toContain('s3cret-pass');
    // A replacement without the password keeps the stored one.
    await replaceChannel(redis, id, { config: { ...config, password: undefined } });
    expect((await readChannel(redis, id))!.config).toMatchObject({ password: 's3cret-pass' });

    const { rule, queue } = await firingRule([id]);
    const [mail] = await waitFor(
      'the mail',
      () => smtp.mails,
      (m) => m.length === 1,
    );
    expect(mail!.user).toBe('alerts');
    expect(mail!.to).toEqual(['ops@example.com']);
    expect(mail!.subject).toContain(`[FIRING] ${rule}`);
    expect(mail!.subject).toMatch(/1 jobs waiting, the oldest for \d+ms \(limits: 0 waiting\)$/);
    expect(mail!.text).toContain(`http://console.test/queues/${queue}`);
  });

  it('email: a server that does not answer is refused on save, naming the host, and nothing is stored', async () => {
    const id = uniqueName('mail');
    const port = await closedPort();
    const err = await createChannel(
      redis,
      { id, config: { type: 'email', host: '127.0.0.1', port, from: 'celerity@example.com', to: ['ops@example.com'] } },
      { verifyTimeoutMs: 2_000 },
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('config.host');
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(await readChannel(redis, id)).toBeUndefined();
  });

  it('Slack: a readable text with a link to the console page', async () => {
    const slack = await webhookReceiver();
    stack.atTeardown(() => slack.close());
    const id = uniqueName('slack');
    const { channel, secret } = await createChannel(redis, { id, config: { type: 'slack', url: slack.url } });
    expect(secret).toBeUndefined();
    // The URL is the credential: shown only as its origin.
    expect(JSON.stringify(channel)).not.toContain('/hook');
    const { rule, queue } = await firingRule([id]);
    const [got] = await waitFor(
      'the Slack message',
      () => slack.accepted(),
      (r) => r.length === 1,
    );
    expect(Object.keys(got!.body)).toEqual(['text']);
    expect(got!.body.text).toMatch(new RegExp(`^\\*\\[FIRING\\] ${rule}: queue ${queue}: 1 jobs waiting`));
    expect(got!.body.text).toContain(`<http://console.test/queues/${queue}|Open in Celerity>`);
  });

  it('a receiver that is down: retried with backoff, then failed; the channel shows as failing; it recovers', async () => {
    const hook = await webhookReceiver();
    stack.atTeardown(() => hook.close());
    hook.answer(500);
    const id = uniqueName('hook');
    const { secret } = await createChannel(redis, { id, config: { type: 'webhook', url: hook.url } });
    hook.secret = secret;
    await firingRule([id], 3);
    const [d] = await waitFor(
      'the delivery to fail',
      () => listDeliveries(redis, { channel: id }),
      (ds) => ds[0]?.status === 'failed',
    );
    expect(d).toMatchObject({ attempts: 3, lastError: 'HTTP 500 Internal Server Error', event: 'firing' });
    // Three tries of the same delivery, signed each time, the later ones after a backoff.
    expect(hook.received).toHaveLength(3);
    expect(new Set(hook.received.map((r) => r.deliveryId))).toEqual(new Set([d!.id]));
    expect(hook.received.every((r) => r.signed)).toBe(true);
    expect(hook.received[1]!.at - hook.received[0]!.at).toBeGreaterThanOrEqual(70);
    const failing = (await listChannels(redis)).find((c) => c.id === id)!;
    expect(failing.health).toMatchObject({ status: 'failing', lastError: 'HTTP 500 Internal Server Error' });

    // Send test: refused while broken, delivered once fixed; the channel is healthy again.
    expect(await testChannel(redis, id, 'http://console.test')).toMatchObject({ delivered: false, error: 'HTTP 500 Internal Server Error' });
    hook.answer(204);
    expect(await testChannel(redis, id, 'http://console.test')).toMatchObject({ delivered: true, error: null });
    expect(hook.accepted().at(-1)!.body).toMatchObject({ event: 'test', link: 'http://console.test/alerts' });
    expect(hook.accepted().at(-1)!.signed).toBe(true);
    expect((await listChannels(redis)).find((c) => c.id === id)!.health).toMatchObject({ status: 'ok', lastError: null });
  });

  it('a receiver with nothing listening: the error says the connection was refused', async () => {
    const id = uniqueName('hook');
    await createChannel(redis, { id, config: { type: 'webhook', url: `http://127.0.0.1:${await closedPort()}/x` } });
    await firingRule([id], 2);
    const [d] = await waitFor(
      'the delivery to fail',
      () => listDeliveries(redis, { channel: id }),
      (ds) => ds[0]?.status === 'failed',
    );
    expect(d!.attempts).toBe(2);
    expect(d!.lastError).toMatch(/ECONNREFUSED/);
  });
});
