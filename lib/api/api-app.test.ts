import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { json, MAX_BODY_BYTES } from '../http/api-route';
import { Queue, Worker } from 'bullmq';
import { env } from '../env';
import { closeRedis, createRedis } from '../redis';
import { closeQueues } from '../queue/queue-registry';
import { defineOperation, jsonAnswer } from './operation';
import { readAudit } from '../auth/audit-log';
import { serveApi } from '@/test/api-server';
import { uniqueName } from '@/test/helpers';
import { bullQueueName } from '../queue/queue-names';

/**
 * The API app over a real Node server, as server.ts serves it (@hono/node-server):
 * routing by the definitions, HEAD/OPTIONS/405, bodies however they are framed,
 * cookies, compression, streams, errors. (No accounts are configured here: the
 * console is open.)
 */

let cancelled: () => void = () => {};
const streamCancelled = () => new Promise<void>((resolve) => (cancelled = resolve));

const ops = [
  defineOperation({
    method: 'get',
    path: '/api/v1/echo/{name}',
    summary: 'echo',
    tag: 'test',
    access: 'read',
    answers: { 200: jsonAnswer('echo') },
    handler: async ({ req, params }) => ({ params, url: req.url, cookie: req.headers.get('cookie') }),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/echo/{name}',
    summary: 'echo a body',
    tag: 'test',
    access: 'write',
    audit: { action: 'echo.create', target: ({ params }) => params.name! },
    body: z.object({ a: z.number() }).partial(),
    answers: { 201: jsonAnswer('the body') },
    handler: async ({ body }) => json({ got: body }, 201),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/echo/fixed',
    summary: 'a fixed segment beside a parameter',
    tag: 'test',
    access: 'read',
    answers: { 200: jsonAnswer('fixed') },
    handler: async () => ({ fixed: true }),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/cookies',
    summary: 'cookies',
    tag: 'test',
    access: 'read',
    answers: { 200: jsonAnswer('ok') },
    handler: async () => {
      const res = json({ ok: true });
      res.headers.append('Set-Cookie', 'a=1; Path=/');
      res.headers.append('Set-Cookie', 'b=2; Path=/');
      return res;
    },
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/export',
    summary: 'A long body made of many chunks, like a results export',
    tag: 'test',
    access: 'read',
    answers: { 200: { description: 'csv', content: { 'text/csv': { schema: { type: 'string' } } } } },
    handler: async () => {
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (i === 200) return c.close();
          c.enqueue(new TextEncoder().encode(`row ${i++}\n`));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/csv' } });
    },
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/endless',
    summary: 'endless',
    tag: 'test',
    access: 'read',
    answers: { 200: { description: 'bytes' } },
    handler: async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            c.enqueue(new Uint8Array(16 * 1024));
          },
          cancel() {
            cancelled();
          },
        }),
      ),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/throws',
    summary: 'throws',
    tag: 'test',
    access: 'read',
    answers: { 200: { description: 'never' } },
    handler: async () => {
      throw new Error('boom');
    },
  }),
];

let served: Awaited<ReturnType<typeof serveApi>>;
let base: string;

beforeAll(async () => {
  served = await serveApi(ops);
  base = served.base;
});

afterAll(async () => {
  await served.close();
  await closeQueues();
  await closeRedis();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A raw request (no fetch: to send chunked bodies and see the headers exactly). */
function request(method: string, path: string, o: { headers?: Record<string, string>; body?: Buffer[]; agent?: http.Agent } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers: o.headers, agent: o.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    for (const b of o.body ?? []) req.write(b);
    req.end();
  });
}

const jsonOf = (a: Answer) => JSON.parse(a.body.toString()) as Record<string, unknown>;

describe('the API app', () => {
  it('passes decoded params, the absolute URL and the headers to the handler', async () => {
    const r = await request('GET', '/api/v1/echo/a%3Ab%20%E2%9C%93?x=1', { headers: { cookie: 's=1', host: 'console.example:5555' } });
    expect(r.status).toBe(200);
    expect(jsonOf(r)).toEqual({ params: { name: 'a:b ✓' }, url: 'http://console.example:5555/api/v1/echo/a%3Ab%20%E2%9C%93?x=1', cookie: 's=1' });
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('decodes a parameter once (an encoded slash or percent stays inside it); 400 naming it when it is not UTF-8', async () => {
    expect(jsonOf(await request('GET', '/api/v1/echo/a%2Fb%2541')).params).toEqual({ name: 'a/b%41' });
    const bad = await request('GET', '/api/v1/echo/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect((jsonOf(bad).error as { field: string }).field).toBe('name');
    const surrogate = await request('GET', '/api/v1/echo/%ED%A0%80');
    expect(surrogate.status).toBe(400);
  });

  it('a fixed segment wins over a parameter, whatever the method', async () => {
    expect(jsonOf(await request('GET', '/api/v1/echo/fixed'))).toEqual({ fixed: true });
    const post = await request('POST', '/api/v1/echo/fixed', { headers: { 'content-type': 'application/json' }, body: [Buffer.from('{}')] });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
  });

  it('answers a path no operation has with the JSON 404', async () => {
    const r = await request('GET', '/api/v1/nothing-here');
    expect(r.status).toBe(404);
    expect((jsonOf(r).error as { code: string }).code).toBe('not_found');
  });

  it('a write to a path no operation has is checked and audited like any call before its 404', async () => {
    const redis = createRedis('command');
    try {
      const path = `/api/v1/echo/${uniqueName('probe')}/unknown-action`;
      const r = await request('POST', path, { headers: { 'content-type': 'application/json' }, body: [Buffer.from('{}')] });
      expect(r.status).toBe(404);
      const { entries } = await readAudit(redis, { limit: 20 });
      expect(entries.find((e) => e.path === path)).toMatchObject({ action: `post ${path.replace('/api/v1', '')}`, status: 404, method: 'POST' });
    } finally {
      await redis.quit();
    }
  });

  it('reads a JSON body sent chunked; answers 413 to a chunked body over the limit and keeps the connection usable', async () => {
    const ok = await request('POST', '/api/v1/echo/x', { headers: { 'content-type': 'application/json' }, body: [Buffer.from('{"a":'), Buffer.from('1}')] });
    expect(ok.status).toBe(201);
    expect(jsonOf(ok)).toEqual({ got: { a: 1 } });
    // No content-length: the limit is found while reading, and the rest is discarded, not the socket reset.
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const big = await request('POST', '/api/v1/echo/x', {
      headers: { 'content-type': 'application/json' },
      body: Array.from({ length: Math.ceil((2 * MAX_BODY_BYTES) / chunk.length) }, () => chunk),
    });
    expect(big.status).toBe(413);
    expect((jsonOf(big).error as { code: string }).code).toBe('payload_too_large');
  });

  it('HEAD runs GET without a body; OPTIONS lists the methods; another method is 405 with Allow', async () => {
    const head = await request('HEAD', '/api/v1/echo/x');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const options = await request('OPTIONS', '/api/v1/echo/x');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    const del = await request('DELETE', '/api/v1/echo/x');
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    expect((jsonOf(del).error as { code: string }).code).toBe('method_not_allowed');
  });

  it('keeps every Set-Cookie', async () => {
    const r = await request('GET', '/api/v1/cookies');
    expect(r.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('gzips a streamed download when the client accepts it, and not the API’s small JSON answers', async () => {
    const expected = Array.from({ length: 200 }, (_, i) => `row ${i}\n`).join('');
    const zipped = await request('GET', '/api/v1/export?format=csv', { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(zipped.body).toString()).toBe(expected);
    const plain = await request('GET', '/api/v1/export?format=csv');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(expected);
    const api = await request('GET', '/api/v1/export', { headers: { 'accept-encoding': 'gzip' } });
    expect(api.headers['content-encoding']).toBeUndefined();
  });

  it('cancels the body’s stream when the client goes away', async () => {
    const gone = streamCancelled();
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/api/v1/endless`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
    });
    await gone;
  });

  it('maps what escapes a handler to the one error body', async () => {
    const r = await request('GET', '/api/v1/throws');
    expect(r.status).toBe(500);
    expect(jsonOf(r)).toEqual({ error: { code: 'internal', message: 'Internal error' } });
  });
});

describe('bodies as a real client frames them (the whole API)', () => {
  let api: Awaited<ReturnType<typeof serveApi>>;
  const queueName = uniqueName('api-bodies');
  let queue: Queue;

  beforeAll(async () => {
    api = await serveApi();
    queue = new Queue(bullQueueName(queueName), { connection: createRedis('command'), prefix: env().CELERITY_PREFIX });
    await queue.waitUntilReady();
  });

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    await api.close();
  });

  /** A request with its body written in pieces and no Content-Length: Node sends it chunked. */
  function chunked(method: string, path: string, body: string, agent?: http.Agent): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = http.request(`${api.base}${path}`, { method, agent, headers: { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      const half = Math.ceil(body.length / 2);
      req.write(body.slice(0, half));
      req.end(body.slice(half));
    });
  }

  it('reads a chunked body on queue and job actions (drain, priority, rerun) as a body', async () => {
    const q = encodeURIComponent(queueName);
    const bad = await chunked('POST', `/api/v1/queues/${q}/drain`, JSON.stringify({ delayed: 'yes' }));
    expect(bad.headers['transfer-encoding']).toBeUndefined(); // (the answer is not chunked: only the request was)
    expect(bad.status).toBe(400);
    expect((jsonOf(bad).error as { field: string }).field).toBe('delayed');

    const waiting = await queue.add('job', { n: 1 });
    const priority = await chunked('POST', `/api/v1/queues/${q}/jobs/${waiting.id}/priority`, JSON.stringify({ priority: 7 }));
    expect(priority.status).toBe(200);
    expect((await queue.getJob(waiting.id!))!.priority).toBe(7);

    // A finished job, completed by hand (BullMQ's own API) rather than by a worker running it.
    const finished = await queue.add('job', { n: 1 }, { priority: 1 });
    const w = new Worker(bullQueueName(queueName), null, { connection: createRedis('blocking'), prefix: env().CELERITY_PREFIX, autorun: false });
    const token = 'test';
    for (let next = await w.getNextJob(token); next; next = await w.getNextJob(token)) {
      await next.moveToCompleted('done', token, false);
      if (next.id === finished.id) break;
    }
    await w.close();
    const rerun = await chunked('POST', `/api/v1/queues/${q}/jobs/${encodeURIComponent(finished.id!)}/rerun`, JSON.stringify({ args: { n: 2 } }));
    expect(rerun.status).toBe(201);
    const created = await queue.getJob((jsonOf(rerun) as { id: string }).id);
    expect(created!.data).toEqual({ n: 2 });
  });

  it('after a 413 for a body sent with Content-Length or chunked, the next requests of a keep-alive client succeed', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      const big = Buffer.alloc(2 * MAX_BODY_BYTES, 0x20);
      const refused = await new Promise<Answer>((resolve, reject) => {
        const req = http.request(
          `${api.base}/api/v1/queues/${encodeURIComponent(queueName)}/drain`,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': String(big.length) } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
          },
        );
        req.on('socket', (s) => sockets.add(s));
        req.on('error', reject);
        req.end(big);
      });
      expect(refused.status).toBe(413);
      // The same over a chunked body: refused once it passes the limit, the rest read and thrown away.
      const refusedChunked = await chunked('POST', `/api/v1/queues/${encodeURIComponent(queueName)}/drain`, ' '.repeat(2 * MAX_BODY_BYTES), agent);
      expect(refusedChunked.status).toBe(413);
      for (let i = 0; i < 3; i++) {
        const next = await new Promise<Answer>((resolve, reject) => {
          const req = http.request(`${api.base}/api/v1/queues/${encodeURIComponent(queueName)}`, { agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
          });
          req.on('socket', (s) => sockets.add(s));
          req.on('error', reject);
          req.end();
        });
        expect(next.status).toBe(200);
      }
      // The same connection served them all: the refused body was read and thrown away, not left in the way.
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});
