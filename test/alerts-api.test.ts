import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/logger';
import { alertOperations } from '@/lib/api/alerts';
import { AlertEngine } from '@/lib/alerts/alert-engine';
import { readAudit } from '@/lib/auth/audit-log';
import { uniqueName } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { webhookReceiver, type WebhookReceiver } from './fixtures/alert-receivers';
import { serveApi } from './api-server';

/**
 * The alerts API over HTTP (the operations of lib/api/alerts.ts behind a real
 * Node server; no accounts: the console is open, as on loopback): bad input
 * answers 400 naming the field and stores nothing; a webhook's signing key is
 * shown once and never again — not in a listing, not in the audit log.
 */
const stack = queueStack();
const { redis } = stack;
let base: string;
let hook: WebhookReceiver;

beforeAll(async () => {
  const served = await serveApi(alertOperations);
  stack.atTeardown(() => served.close());
  base = served.base;
  hook = await webhookReceiver();
});
afterAll(() => hook.close());

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers of many shapes, checked field by field
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('alerts API', () => {
  it('bad input: 400 naming the field, nothing half-saved', async () => {
    const cases: [unknown, string][] = [
      [{ id: 'w1', config: { type: 'webhook', url: 'http//nope' } }, 'config.url'],
      [{ id: 'w2', config: { type: 'webhook', url: 'ftp://example.com/x' } }, 'config.url'],
      [{ id: 'w3', config: { type: 'slack', url: 'file:///etc/passwd' } }, 'config.url'],
      [{ id: 'w4', config: { type: 'webhook', url: 'https://example.com', secret: 'short' } }, 'config.secret'],
    ];
    for (const [body, field] of cases) {
      const r = await call('POST', '/api/v1/alerts/channels', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.field).toBe(field);
    }
    const port = await closedPort();
    const smtp = await call('POST', '/api/v1/alerts/channels', {
      id: 'mail',
      config: { type: 'email', host: '127.0.0.1', port, from: 'a@example.com', to: ['b@example.com'] },
    });
    expect(smtp.status).toBe(400);
    expect(smtp.json.error).toMatchObject({ code: 'invalid', field: 'config.host' });
    expect(smtp.json.error.message).toMatch(/SMTP server 127\.0\.0\.1:\d+ did not accept a connection \(.*ECONNREFUSED/);
    expect((await call('GET', '/api/v1/alerts/channels')).json.channels).toEqual([]);

    const rule = { kind: 'failure_rate', name: 'rate', queue: 'default', windowMs: -60_000, percent: 10 };
    const neg = await call('POST', '/api/v1/alerts/rules', rule);
    expect(neg.status).toBe(400);
    expect(neg.json.error.field).toBe('windowMs');
    const noChannel = await call('POST', '/api/v1/alerts/rules', { ...rule, windowMs: 60_000, channels: ['nowhere'] });
    expect(noChannel.status).toBe(400);
    expect(noChannel.json.error).toMatchObject({ field: 'channels.0', message: 'channels.0: no channel "nowhere"' });
    expect((await call('GET', '/api/v1/alerts/rules')).json.rules).toEqual([]);
  });

  it('channels: the signing key once; rules CRUD and preview; incidents acknowledged and silenced; all audited without secrets', async () => {
    const id = uniqueName('ops');
    const created = await call('POST', '/api/v1/alerts/channels', { id, name: 'Ops hook', config: { type: 'webhook', url: hook.url } });
    expect(created.status).toBe(201);
    const secret = created.json.secret as string;
    expect(secret.length).toBeGreaterThanOrEqual(32);
    hook.secret = secret;
    expect(created.json.channel).toMatchObject({ id, type: 'webhook', secretSet: true, config: { url: hook.url } });
    expect((await call('POST', '/api/v1/alerts/channels', { id, config: { type: 'webhook', url: hook.url } })).status).toBe(409);
    const listed = await call('GET', '/api/v1/alerts/channels');
    expect(listed.json.channels.map((c: { id: string }) => c.id)).toEqual([id]);
    expect(listed.text).not.toContain(secret);
    expect((await call('GET', `/api/v1/alerts/channels/${id}`)).text).not.toContain(secret);
    // A replacement without the key keeps it (the next test message still verifies).
    expect((await call('PUT', `/api/v1/alerts/channels/${id}`, { config: { type: 'webhook', url: hook.url } })).status).toBe(200);
    const test = await call('POST', `/api/v1/alerts/channels/${id}/test`);
    expect(test.json).toMatchObject({ delivered: true, error: null });
    expect(hook.accepted().at(-1)).toMatchObject({ signed: true, body: { event: 'test' } });

    const queue = uniqueName('q');
    const rule = { kind: 'backlog', name: uniqueName('backlog'), queue, maxWaiting: 0, channels: [id] };
    expect((await call('POST', '/api/v1/alerts/rules', rule)).status).toBe(201);
    expect((await call('POST', '/api/v1/alerts/rules', rule)).status).toBe(409);
    await stack.queue(queue).add('add', { a: 1, b: 2 });
    const current = await call('GET', `/api/v1/alerts/rules/${rule.name}/preview`);
    expect(current.json).toMatchObject({ firing: true, value: 1, path: `/queues/${queue}` });
    const preview = (r: unknown) => call('GET', `/api/v1/alerts/preview?rule=${encodeURIComponent(JSON.stringify(r))}`);
    expect((await preview({ ...rule, maxWaiting: 5 })).json).toMatchObject({ firing: false, value: 1 });
    expect((await preview({ ...rule, maxWaiting: -5 })).json.error.field).toBe('rule.maxWaiting');
    // A PATCH changes only what it sends.
    expect((await call('PATCH', `/api/v1/alerts/rules/${rule.name}`, { cooldownMs: 60_000 })).json).toMatchObject({
      cooldownMs: 60_000,
      enabled: true,
      channels: [id],
    });
    expect((await call('PATCH', `/api/v1/alerts/rules/${rule.name}`, { cooldownMs: -1 })).json.error.field).toBe('cooldownMs');

    const engine = new AlertEngine({ redis, logger: createLogger('alerts-api', 'error'), publicUrl: 'http://console.test', leading: () => true });
    await engine.tick();
    const open = await call('GET', '/api/v1/alerts/incidents?status=open');
    expect(open.json.incidents).toHaveLength(1);
    const incident = open.json.incidents[0].id as string;
    expect((await call('GET', '/api/v1/alerts/rules')).json.rules[0]).toMatchObject({ name: rule.name, incident });
    expect((await call('POST', `/api/v1/alerts/incidents/${incident}/ack`)).json).toMatchObject({ ackedBy: 'anonymous', status: 'open' });
    expect((await call('POST', `/api/v1/alerts/incidents/${incident}/silence`, { forMs: -5 })).json.error.field).toBe('forMs');
    const silenced = await call('POST', `/api/v1/alerts/incidents/${incident}/silence`, { forMs: 60_000 });
    expect(silenced.json.silencedUntil).toBeGreaterThan(Date.now());
    const detail = await call('GET', `/api/v1/alerts/incidents/${incident}`);
    expect(detail.json.timeline.map((t: { type: string }) => t.type)).toEqual(['opened', 'notified', 'acknowledged', 'silenced']);
    // Silenced: the resolution is recorded but not sent.
    await stack.queue(queue).drain();
    await engine.tick();
    expect((await call('GET', `/api/v1/alerts/incidents/${incident}`)).json).toMatchObject({ status: 'resolved' });
    expect((await call('POST', `/api/v1/alerts/incidents/${incident}/ack`)).status).toBe(409);
    expect((await call('GET', '/api/v1/alerts/deliveries?incident=' + incident)).json.deliveries.map((d: { event: string }) => d.event)).toEqual(['firing']);

    expect((await call('DELETE', `/api/v1/alerts/channels/${id}`)).status).toBe(409);
    expect((await call('DELETE', `/api/v1/alerts/rules/${rule.name}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/alerts/channels/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/alerts/rules/${rule.name}`)).status).toBe(404);

    const audit = await readAudit(redis, { limit: 100 });
    const actions = audit.entries.map((e) => `${e.action} ${e.target}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        `alert.channel-create ${id}`,
        `alert.channel-replace ${id}`,
        `alert.channel-test ${id}`,
        `alert.rule-create ${rule.name}`,
        `alert.rule-update ${rule.name}`,
        `alert.incident-ack ${incident}`,
        `alert.incident-silence ${incident}`,
        `alert.rule-delete ${rule.name}`,
        `alert.channel-delete ${id}`,
      ]),
    );
    expect(JSON.stringify(audit)).not.toContain(secret);
  });
});
