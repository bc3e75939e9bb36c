import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { bodyTextOf } from './api-route';

/**
 * Node's request and response on one side, the fetch API's Request and
 * Response (what route handlers take and return) on the other.
 */

/**
 * A fetch Request for a Node request: absolute URL from the Host header (as
 * Next builds it), headers as sent, and the body as a stream that is read only
 * if the handler reads it. A handler that stops reading (a body over the limit)
 * makes the rest be discarded, not the connection dropped, so the client still
 * gets the 413.
 */
export function toWebRequest(req: IncomingMessage): Request {
  const method = req.method ?? 'GET';
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    try {
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    } catch {
      // A value the fetch API refuses (Node is more lenient): the handler never needed it.
    }
  }
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  } catch {
    url = new URL(req.url ?? '/', 'http://localhost');
  }
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(url, { method, headers, ...(hasBody ? { body: bodyStream(req), duplex: 'half' } : {}) } as RequestInit);
}

function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => {
        if (!open) return;
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        if ((controller.desiredSize ?? 1) <= 0) req.pause();
      });
      req.once('end', () => {
        if (open) controller.close();
        open = false;
      });
      req.once('error', (err) => {
        if (open) controller.error(err);
        open = false;
      });
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      open = false;
      req.resume();
    },
  });
}

/**
 * Write a fetch Response to Node's response. With `compress` (and a client that
 * accepts gzip) the body is gzipped on the way; otherwise a stream is passed
 * through as it comes. A client that goes away cancels the body's stream.
 */
export async function sendWebResponse(req: IncomingMessage, res: ServerResponse, response: Response, compress: boolean): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    if (k !== 'set-cookie') headers[k] = v;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  const body = response.body;
  if (!body || req.method === 'HEAD' || response.status === 204 || response.status === 304) {
    res.writeHead(response.status, headers).end();
    await body?.cancel().catch(() => {});
    return;
  }
  const accepts = /\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''));
  const gzip = compress && accepts && !('content-encoding' in headers);
  if (gzip) {
    delete headers['content-length'];
    headers['content-encoding'] = 'gzip';
    headers['vary'] = 'Accept-Encoding';
  }
  const text = gzip ? undefined : bodyTextOf(response);
  if (text !== undefined) {
    res.writeHead(response.status, headers).end(text);
    return;
  }
  res.writeHead(response.status, headers);
  const source = Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  await (gzip ? pipeline(source, createGzip(), res) : pipeline(source, res));
}
