import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allowedMethods, type RouteModule } from './app-routes';
import { RouteTable } from './route-table';
import { json, MAX_BODY_BYTES, readJson } from './api-route';
import { toHttpError } from '../errors';
import { serveRouteTable } from '@/test/helpers';

/**
 * serveRoute over a real Node server, as server.ts uses it: the request and
 * response cross between Node and the fetch API the way Next would pass them.
 */

let cancelled: () => void = () => {};
const streamCancelled = () => new Promise<void>((resolve) => (cancelled = resolve));

const modules: Record<string, RouteModule> = {
  '/echo/[name]': {
    GET: async (req, ctx) => json({ params: await ctx.params, url: req.url, cookie: req.headers.get('cookie') }),
    POST: async (req) => {
      try {
        return json({ got: await readJson(req, z.unknown()) }, 201);
      } catch (err) {
        const { status, body } = toHttpError(err);
        return json(body, status);
      }
    },
  },
  '/cookies': {
    GET: async () => {
      const res = json({ ok: true });
      res.headers.append('Set-Cookie', 'a=1; Path=/');
      res.headers.append('Set-Cookie', 'b=2; Path=/');
      return res;
    },
  },
  '/api/v1/export': {
    // A long body made of many chunks, like a results export.
    GET: async () => {
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (i === 200) return c.close();
          c.enqueue(new TextEncoder().encode(`row ${i++}\n`));
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/csv' } });
    },
  },
  '/endless': {
    GET: async () =>
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
  },
  '/throws': {
    GET: async () => {
      throw new Error('boom');
    },
  },
};

const table = new RouteTable(Object.entries(modules).map(([pattern, module]) => ({ pattern, module })));
let served: Awaited<ReturnType<typeof serveRouteTable>>;
let base: string;

beforeAll(async () => {
  served = await serveRouteTable(table);
  base = served.base;
});

afterAll(() => served.close());

/** A raw request (no fetch: to send chunked bodies and see the headers exactly). */
function request(method: string, path: string, o: { headers?: Record<string, string>; body?: Buffer[] } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers: o.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    for (const b of o.body ?? []) req.write(b);
    req.end();
  });
}

describe('serveRoute', () => {
  it('passes decoded params, the absolute URL and the headers to the handler', async () => {
    const r = await request('GET', '/echo/a%3Ab%20%E2%9C%93?x=1', { headers: { cookie: 's=1', host: 'console.example:5555' } });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toEqual({ params: { name: 'a:b ✓' }, url: 'http://console.example:5555/echo/a%3Ab%20%E2%9C%93?x=1', cookie: 's=1' });
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('reads a JSON body; answers 413 to a chunked body over the limit and keeps the connection usable', async () => {
    const ok = await request('POST', '/echo/x', { headers: { 'content-type': 'application/json' }, body: [Buffer.from('{"a":'), Buffer.from('1}')] });
    expect(ok.status).toBe(201);
    expect(JSON.parse(ok.body.toString())).toEqual({ got: { a: 1 } });
    // No content-length: the limit is found while reading, and the rest is discarded, not the socket reset.
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const big = await request('POST', '/echo/x', { headers: { 'content-type': 'application/json' }, body: Array.from({ length: Math.ceil((2 * MAX_BODY_BYTES) / chunk.length) }, () => chunk) });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body.toString()).error.code).toBe('payload_too_large');
  });

  it('HEAD runs GET without a body; OPTIONS lists the methods; another method is 405 with Allow', async () => {
    const head = await request('HEAD', '/echo/x');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const options = await request('OPTIONS', '/echo/x');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    const del = await request('DELETE', '/echo/x');
    expect(del.status).toBe(405);
    expect(del.headers.allow).toBe('GET, HEAD, POST, OPTIONS');
    expect(JSON.parse(del.body.toString()).error.code).toBe('method_not_allowed');
    expect(allowedMethods({ POST: modules['/echo/[name]']!.POST })).toEqual(['POST', 'OPTIONS']);
  });

  it('keeps every Set-Cookie', async () => {
    const r = await request('GET', '/cookies');
    expect(r.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('gzips a streamed download when the client accepts it, and not the API’s small JSON answers', async () => {
    const expected = Array.from({ length: 200 }, (_, i) => `row ${i}\n`).join('');
    const zipped = await request('GET', '/api/v1/export?format=csv', { headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
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
      const req = http.get(`${base}/endless`, (res) => {
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
    const r = await request('GET', '/throws');
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body.toString())).toEqual({ error: { code: 'internal', message: 'Internal error' } });
  });
});
