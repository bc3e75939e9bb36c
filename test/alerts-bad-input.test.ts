import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { alertOperations } from '@/lib/api/alerts';
import { createChannel } from '@/lib/alerts/channel-store';
import { InvalidError } from '@/lib/errors';
import { uniqueName } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { serveApi } from './api-server';

/**
 * Bad input to the alerts API beyond a first save (test/alerts-api.test.ts has
 * those): an SMTP server that takes the connection but never answers, and
 * replacements and patches of an existing rule or channel that are refused —
 * each a 400 naming the field, the stored rule or channel left exactly as it was.
 */
const stack = queueStack();
let base: string;

beforeAll(async () => {
  const served = await serveApi(alertOperations);
  stack.atTeardown(() => served.close());
  base = served.base;
});

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

/** A TCP server that accepts connections and never says a word (an SMTP host that does not answer). */
async function silentServer(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => void sockets.add(c.on('error', () => {})));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  stack.atTeardown(() => {
    for (const c of sockets) c.destroy();
    s.close();
  });
  return (s.address() as AddressInfo).port;
}

describe('alerts API: refused changes leave nothing half-saved', () => {
  it('an SMTP server that accepts the connection but never answers: refused naming the host, nothing stored', async () => {
    const id = uniqueName('mail');
    const port = await silentServer();
    // Through the store with a short check (the API's is SEND_TIMEOUT_MS, 10 s; its 400 mapping is in alerts-api.test.ts).
    const err = await createChannel(
      stack.redis,
      { id, config: { type: 'email', host: '127.0.0.1', port, from: 'celerity@example.com', to: ['ops@example.com'] } },
      { verifyTimeoutMs: 300 },
    ).catch((e: Error) => e);
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('config.host');
    expect((err as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*(timeout|Greeting never received)`, 'i'));
    expect((await call('GET', `/api/v1/alerts/channels/${id}`)).status).toBe(404);
  });

  it("a channel's replacement with a bad URL or scheme: 400 naming the field, the channel unchanged", async () => {
    const id = uniqueName('hook');
    expect((await call('POST', '/api/v1/alerts/channels', { id, name: 'Ops', config: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } })).status).toBe(201);
    const before = (await call('GET', `/api/v1/alerts/channels/${id}`)).json;
    for (const url of ['not a url', 'ftp://example.com/hook', 'javascript:alert(1)']) {
      const r = await call('PUT', `/api/v1/alerts/channels/${id}`, { name: 'Changed', config: { type: 'webhook', url } });
      expect(r.status, url).toBe(400);
      expect(r.json.error.field, url).toBe('config.url');
    }
    expect((await call('GET', `/api/v1/alerts/channels/${id}`)).json).toEqual(before);
  });

  it("a rule's replacement or patch with a negative duration: 400 naming the field, the rule unchanged", async () => {
    const name = uniqueName('rate');
    const rule = { kind: 'failure_rate', name, queue: 'default', windowMs: 60_000, percent: 10 };
    expect((await call('POST', '/api/v1/alerts/rules', rule)).status).toBe(201);
    const before = (await call('GET', `/api/v1/alerts/rules/${name}`)).json;
    const refused: [string, unknown, string][] = [
      ['PUT', { ...rule, windowMs: -1 }, 'windowMs'],
      ['PUT', { ...rule, forMs: -5_000 }, 'forMs'],
      ['PUT', { ...rule, percent: 10, cooldownMs: -1 }, 'cooldownMs'],
      ['PATCH', { forMs: -1 }, 'forMs'],
      ['PATCH', { enabled: false, cooldownMs: -1 }, 'cooldownMs'],
    ];
    for (const [method, body, field] of refused) {
      const r = await call(method, `/api/v1/alerts/rules/${name}`, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.field, JSON.stringify(body)).toBe(field);
    }
    expect((await call('GET', `/api/v1/alerts/rules/${name}`)).json).toEqual(before);
    // Negative limits of the other kinds, on a first save: refused, naming the field; none stored.
    const kinds: [Record<string, unknown>, string][] = [
      [{ kind: 'backlog', queue: 'default', maxAgeMs: -1 }, 'maxAgeMs'],
      [{ kind: 'long_running', queue: 'default', maxMs: -1 }, 'maxMs'],
      [{ kind: 'job_failed', queue: 'default', windowMs: -1 }, 'windowMs'],
      [{ kind: 'worker_lost', windowMs: -1 }, 'windowMs'],
    ];
    for (const [body, field] of kinds) {
      const r = await call('POST', '/api/v1/alerts/rules', { ...body, name: uniqueName('neg') });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error.field, JSON.stringify(body)).toBe(field);
    }
    expect((await call('GET', '/api/v1/alerts/rules')).json.rules.map((r: { name: string }) => r.name)).toEqual([name]);
  });
});
