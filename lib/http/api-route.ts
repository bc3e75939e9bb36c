import type { z } from 'zod';
import { toHttpError, InvalidError, PayloadTooLargeError } from '../errors';
import { parseOrThrow } from '../validation';
import { assertCsrf } from './csrf';

/** Largest JSON body the API accepts. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function json(data: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

type Params = Record<string, string | string[] | undefined>;
type Handler<P extends Params> = (req: Request, params: P) => Promise<Response | unknown>;

/**
 * Wrap an API route: CSRF check for state-changing methods, then the handler,
 * and every thrown error mapped by the one mapper to `{ error: { code, message, field? } }`.
 * A handler returns a Response, or data that becomes a 200 JSON response.
 */
export function apiRoute<P extends Params = Params>(handler: Handler<P>) {
  return async (req: Request, ctx: { params: Promise<P> }): Promise<Response> => {
    try {
      assertCsrf(req);
      const params = await ctx.params;
      const out = await handler(req, params);
      return out instanceof Response ? out : json(out);
    } catch (err) {
      const { status, body, headers } = toHttpError(err);
      if (status >= 500 && status !== 503) console.error(err);
      return json(body, status, headers);
    }
  };
}

/** Read a JSON body (≤ MAX_BODY_BYTES) and parse it with a zod schema. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const length = Number(req.headers.get('content-length') ?? '0');
  if (length > MAX_BODY_BYTES) throw new PayloadTooLargeError(`Body larger than ${MAX_BODY_BYTES} bytes`);
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) throw new InvalidError('Content-Type must be application/json', 'body');
  const buf = await readLimited(req, MAX_BODY_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new InvalidError('Body is not valid UTF-8', 'body');
  }
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new InvalidError('Body is not valid JSON', 'body');
  }
  return parseOrThrow(schema, value);
}

async function readLimited(req: Request, max: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new PayloadTooLargeError(`Body larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** A route parameter as one decoded string. */
export function param(params: Params, name: string): string {
  const v = params[name];
  if (typeof v !== 'string') throw new InvalidError(`Missing path parameter ${name}`, name);
  return v;
}
