import { afterAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { apiRoute, json, MAX_BODY_BYTES, param, readJson } from './api-route';
import { ConflictError, InvalidError, PayloadTooLargeError, UnavailableError } from '../errors';
import { createRedis, closeRedis, getRedis } from '../redis';
import { closeQueues, requireQueue } from '../queue/queue-registry';
import { freePort } from '@/scripts/redis-server';
import { uniqueName } from '../../test/helpers';
import { celerityKeys } from '../keys';
import { readAudit, type AuditContext } from '../auth/audit-log';
import { createToken } from '../auth/api-tokens';

const URL_ = 'http://127.0.0.1:5555/api/v1/x';
const anything = z.unknown();

function post(body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }): Request {
  return new Request(URL_, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);
}

/** What `p` rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/**
 * A body of `total` bytes in 64 KiB chunks, pulled on demand, that records how
 * much was read and whether the reader cancelled it.
 */
function streamOf(total: number) {
  const chunk = new Uint8Array(64 * 1024).fill(0x20); // spaces: valid JSON whitespace
  const seen = { pulled: 0, cancelled: false };
  // highWaterMark 0: pull only when read, so `pulled` is what the reader asked for.
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (seen.pulled >= total) return controller.close();
        const n = Math.min(chunk.byteLength, total - seen.pulled);
        seen.pulled += n;
        controller.enqueue(chunk.slice(0, n));
      },
      cancel() {
        seen.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

afterAll(async () => {
  await closeQueues();
  await closeRedis();
});

describe('readJson', () => {
  it('parses a JSON body with the schema', async () => {
    const schema = z.object({ a: z.number() });
    await expect(readJson(post('{"a":1}'), schema)).resolves.toEqual({ a: 1 });
    await expect(readJson(post('{"a":1}', { 'content-type': 'application/json; charset=utf-8' }), schema)).resolves.toEqual({ a: 1 });
  });

  it('reads an empty body as {}', async () => {
    await expect(readJson(post(''), anything)).resolves.toEqual({});
    await expect(readJson(post(null), anything)).resolves.toEqual({});
  });

  it('refuses malformed JSON with field "body"', async () => {
    const err = await rejection(readJson(post('{"a":'), anything));
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('body');
    expect((err as InvalidError).status).toBe(400);
  });

  it('refuses a body that is not valid UTF-8', async () => {
    const err = await rejection(readJson(post(new Uint8Array([0x22, 0xff, 0xfe, 0x22])), anything));
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('body');
    expect((err as InvalidError).message).toMatch(/UTF-8/);
  });

  it('refuses another content type with a 400 before reading the body', async () => {
    const { stream, seen } = streamOf(10);
    const err = await rejection(readJson(post(stream, { 'content-type': 'text/plain' }), anything));
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).status).toBe(400);
    expect(seen.pulled).toBe(0);
    expect(await rejection(readJson(post('{}', {}), anything))).toBeInstanceOf(InvalidError);
    expect(await rejection(readJson(post('{}', { 'content-type': 'application/jsonp' }), anything))).toBeInstanceOf(InvalidError);
  });

  it('reads a bare POST (no Content-Type, no body) as {}, and refuses a body without a Content-Type', async () => {
    await expect(readJson(post(null, {}), anything)).resolves.toEqual({});
    const bytes = new Request('http://x/', { method: 'POST', body: new Uint8Array([0x7b, 0x7d]) });
    expect(bytes.headers.get('content-type')).toBeNull();
    expect(await rejection(readJson(bytes, anything))).toBeInstanceOf(InvalidError);
  });

  it('refuses a declared Content-Length over 1 MB without reading the body', async () => {
    const { stream, seen } = streamOf(10);
    const req = post(stream, { 'content-type': 'application/json', 'content-length': String(MAX_BODY_BYTES + 1) });
    const err = await rejection(readJson(req, anything));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as PayloadTooLargeError).status).toBe(413);
    expect(seen.pulled).toBe(0);
  });

  it('accepts exactly 1 MB', async () => {
    const body = `"${'x'.repeat(MAX_BODY_BYTES - 2)}"`;
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    await expect(readJson(post(body), z.string())).resolves.toHaveLength(MAX_BODY_BYTES - 2);
  });

  it('stops reading a streamed body without Content-Length once it passes 1 MB', async () => {
    const { stream, seen } = streamOf(8 * MAX_BODY_BYTES);
    const err = await rejection(readJson(post(stream), anything));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    // It gave up soon after the limit instead of buffering all 8 MB.
    expect(seen.pulled).toBeLessThan(2 * MAX_BODY_BYTES);
    await vi.waitFor(() => expect(seen.cancelled).toBe(true));
  });

  it('maps schema failures to InvalidError with the field', async () => {
    const err = await rejection(readJson(post('{"a":"x"}'), z.object({ a: z.number() })));
    expect(err).toBeInstanceOf(InvalidError);
    expect((err as InvalidError).field).toBe('a');
  });
});

describe('apiRoute', () => {
  const ctx = <P extends Record<string, string>>(p: P) => ({ params: Promise.resolve(p) });
  const get = () => new Request(URL_, { method: 'GET' });

  async function errorOf(res: Response) {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    return ((await res.json()) as { error: { code: string; message: string; field?: string } }).error;
  }

  it('turns returned data into a 200 JSON response and passes Responses through', async () => {
    const data = apiRoute<{ id: string }>(async (_req, p) => ({ id: param(p, 'id') }));
    const res = await data(get(), ctx({ id: '42' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ id: '42' });

    const created = apiRoute(async () => json({ ok: true }, 201));
    expect((await created(get(), ctx({}))).status).toBe(201);
  });

  it('maps InvalidError to 400 with code, message and field', async () => {
    const route = apiRoute(async (req) => readJson(req, z.object({ a: z.number() })));
    const res = await route(post('{"a":"x"}'), ctx({}));
    expect(res.status).toBe(400);
    const e = await errorOf(res);
    expect(e.code).toBe('invalid');
    expect(e.field).toBe('a');
    expect(e.message).toMatch(/^a: /);
  });

  it('maps malformed JSON and oversize bodies through the route', async () => {
    const route = apiRoute(async (req) => readJson(req, anything));
    const bad = await route(post('nope'), ctx({}));
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe('body');
    const big = await route(post(streamOf(2 * MAX_BODY_BYTES).stream), ctx({}));
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('payload_too_large');
  });

  it('maps NotFound from a real Redis look-up to 404', async () => {
    const route = apiRoute<{ queue: string }>(async (_req, p) => requireQueue(param(p, 'queue')).then(() => ({})));
    const res = await route(get(), ctx({ queue: uniqueName('missing') }));
    expect(res.status).toBe(404);
    const e = await errorOf(res);
    expect(e.code).toBe('not_found');
    expect(e.message).toMatch(/not found/);
  });

  it('maps ConflictError to 409 and UnavailableError to 503 with Retry-After', async () => {
    const conflict = await apiRoute(async () => {
      throw new ConflictError('Job is active');
    })(get(), ctx({}));
    expect(conflict.status).toBe(409);
    expect(await errorOf(conflict)).toEqual({ code: 'conflict', message: 'Job is active' });

    const down = await apiRoute(async () => {
      throw new UnavailableError('Redis is away');
    })(get(), ctx({}));
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect((await errorOf(down)).code).toBe('unavailable');
  });

  it('maps a real ioredis connection failure to 503 with Retry-After', async () => {
    // A port nobody listens on: the command fails after one reconnect attempt.
    const dead = createRedis('command', `redis://127.0.0.1:${await freePort()}`);
    try {
      const res = await apiRoute(async () => dead.get('x'))(get(), ctx({}));
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await errorOf(res)).toEqual({ code: 'unavailable', message: 'Redis is unavailable' });
    } finally {
      dead.disconnect();
    }
  });

  it('hides the message of an unexpected error behind a 500 (and logs it)', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const res = await apiRoute(async () => {
        throw new Error('secret: password=hunter2');
      })(get(), ctx({}));
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).not.toMatch(/hunter2/);
      expect(JSON.parse(body)).toEqual({ error: { code: 'internal', message: 'Internal error' } });
      expect(logged).toHaveBeenCalledTimes(1);
    } finally {
      logged.mockRestore();
    }
  });

  it('refuses a cross-site state-changing request with 403 before running the handler', async () => {
    let ran = false;
    const route = apiRoute(async () => {
      ran = true;
      return {};
    });
    const req = new Request(URL_, { method: 'POST', headers: { host: '127.0.0.1:5555', origin: 'https://evil.example' } });
    const res = await route(req, ctx({}));
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('forbidden');
    expect(ran).toBe(false);
  });

  it('maps a missing path parameter to 400 naming it', async () => {
    const res = await apiRoute(async (_req, p) => param(p, 'id'))(get(), ctx({}));
    expect(res.status).toBe(400);
    expect((await errorOf(res)).field).toBe('id');
  });
});

describe('apiRoute: access and audit (no accounts configured: everyone is "anonymous")', () => {
  const ctx = () => ({ params: Promise.resolve({}) });
  const auditKey = () => celerityKeys().audit;

  it("audits a state-changing call under its rule's action and target, with its outcome, and not a read", async () => {
    const redis = getRedis();
    await redis.del(auditKey());
    const pause = { action: 'queue.pause', target: ({ params }: AuditContext) => params.queue! };
    const ok = apiRoute(async () => ({ ok: true }), { audit: pause });
    await ok(new Request('http://127.0.0.1:5555/api/v1/queues/q1/pause', { method: 'POST' }), { params: Promise.resolve({ queue: 'q1' }) });
    await ok(new Request('http://127.0.0.1:5555/api/v1/queues/q1', { method: 'GET' }), { params: Promise.resolve({ queue: 'q1' }) });
    const retry = { action: 'job.retry', target: ({ params }: AuditContext) => `${params.queue}/${params.id}` };
    const failing = apiRoute(
      async () => {
        throw new ConflictError('Job is active');
      },
      { audit: retry },
    );
    // The parameters the route names for its entry (as lib/api/serve-operation.ts gives them) win over the handler's.
    await failing(new Request('http://127.0.0.1:5555/api/v1/queues/q1/jobs/7/retry', { method: 'POST' }), {
      params: Promise.resolve({}),
      auditParams: () => ({ queue: 'q1', id: '7' }),
    });
    const quiet = apiRoute(async () => ({}), { audit: false });
    await quiet(new Request('http://127.0.0.1:5555/api/v1/x', { method: 'POST' }), ctx());
    // A route made without a rule: `<method> <path>`.
    const unnamed = apiRoute(async () => ({}));
    await unnamed(new Request('http://127.0.0.1:5555/api/v1/some%20thing/new', { method: 'PUT' }), ctx());
    const { entries } = await readAudit(redis);
    expect(entries.map((e) => [e.action, e.target, e.actor, e.status, e.error])).toEqual([
      ['put /some thing/new', '/some thing/new', 'anonymous', 200, undefined],
      ['job.retry', 'q1/7', 'anonymous', 409, 'Job is active'],
      ['queue.pause', 'q1', 'anonymous', 200, undefined],
    ]);
  });

  it('a read token is refused writes (403) and admin routes; a bad token is 401 even without accounts', async () => {
    const redis = getRedis();
    const { token } = await createToken(redis, { name: `t-${Date.now()}`, scope: 'read' }, 'test');
    const bearer = (t: string, method = 'POST') => new Request('http://127.0.0.1:5555/api/v1/x', { method, headers: { authorization: `Bearer ${t}` } });
    expect((await apiRoute(async () => ({}))(bearer(token), ctx())).status).toBe(403);
    expect((await apiRoute(async () => ({}))(bearer(token, 'GET'), ctx())).status).toBe(200);
    expect((await apiRoute(async () => ({}), { access: 'admin' })(bearer(token, 'GET'), ctx())).status).toBe(403);
    expect((await apiRoute(async () => ({}))(bearer('cel_nope', 'GET'), ctx())).status).toBe(401);
  });

  it('refuses a body with a __proto__ key, at any depth', async () => {
    const route = apiRoute(async (req) => readJson(req, anything));
    for (const body of ['{"__proto__":{"x":1}}', '{"a":[{"b":{"__proto__":{}}}]}']) {
      const res = await route(post(body), ctx());
      expect(res.status).toBe(400);
    }
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('param refuses over-long and non-UTF-8 values with 400 naming the parameter', async () => {
    const route = apiRoute<{ id: string }>(async (_req, p) => param(p, 'id'));
    for (const id of ['x'.repeat(1001), 'a\uFFFDb', 'a\uD800b']) {
      const res = await route(new Request(URL_), { params: Promise.resolve({ id }) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe('id');
    }
  });
});
