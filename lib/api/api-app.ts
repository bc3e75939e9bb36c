import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import { MethodNotAllowedError, NotFoundError } from '../errors';
import { apiRoute, errorResponse } from '../http/api-route';
import { mayCompress } from '../http/compression-policy';
import type { Operation } from './operation';
import { serveOperation, type OperationServer } from './serve-operation';
import { nodeBodyReader } from './node-body';
import { API_OPERATIONS } from './operations';

/**
 * The console's HTTP API (/api/…, /metrics) as a Hono app, built from the
 * operation definitions (lib/api/operations.ts). server.ts hands it the
 * requests for those paths through @hono/node-server; pages stay with Next.
 *
 * Requests are routed per path: one handler per URL pattern picks the
 * operation by method (HEAD runs GET without the body; OPTIONS answers 204 with
 * Allow; any other method is 405 with Allow). A fixed segment wins over a
 * parameter (`/schedules/preview` is not the schedule named "preview"),
 * whatever the method.
 */

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

interface PathGroup {
  /** `/api/v1/queues/{queue}` */
  pattern: string;
  /** The path's own parameters, still percent-encoded. */
  regex: RegExp;
  byMethod: Map<string, OperationServer>;
  allow: string[];
}

/** Whether server.ts hands a request URL (path and query) to the API app rather than to Next. */
export function servesApi(url: string): boolean {
  return url.startsWith('/api/') || url === '/metrics' || url.startsWith('/metrics?');
}

/** `/a/{b}` before `/a/b`? No: segment by segment, a fixed segment sorts before a parameter. */
function specificFirst(a: string, b: string): number {
  const sa = a.split('/');
  const sb = b.split('/');
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const pa = sa[i]!.startsWith('{');
    const pb = sb[i]!.startsWith('{');
    if (pa !== pb) return pa ? 1 : -1;
  }
  return 0;
}

function groupsOf(operations: readonly Operation[]): PathGroup[] {
  const groups = new Map<string, PathGroup>();
  for (const op of operations) {
    let g = groups.get(op.path);
    if (!g) {
      const source = op.path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '([^/]+)');
      g = { pattern: op.path, regex: new RegExp(`^${source}$`), byMethod: new Map(), allow: [] };
      groups.set(op.path, g);
    }
    const method = op.method.toUpperCase();
    if (g.byMethod.has(method)) throw new Error(`${method} ${op.path} is defined twice`);
    g.byMethod.set(method, serveOperation(op));
  }
  for (const g of groups.values()) g.allow = METHOD_ORDER.filter((m) => g.byMethod.has(m) || m === 'OPTIONS' || (m === 'HEAD' && g.byMethod.has('GET')));
  return [...groups.values()].sort((a, b) => specificFirst(a.pattern, b.pattern));
}

/** Path and query of a request URL, as sent (still percent-encoded). */
function pathAndQuery(url: string): string {
  return url.slice(url.indexOf('/', url.indexOf('//') + 2));
}

/** A download gzipped on the way when the client accepts it (see lib/http/compression-policy.ts). */
function gzipped(req: Request, res: Response): Response {
  if (req.method === 'HEAD' || !/\bgzip\b/i.test(req.headers.get('accept-encoding') ?? '') || res.headers.has('content-encoding') || !res.body) return res;
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.set('content-encoding', 'gzip');
  headers.set('vary', 'Accept-Encoding');
  return new Response(res.body.pipeThrough(new CompressionStream('gzip')), { status: res.status, headers });
}

function dispatcher(g: PathGroup) {
  return async (c: Context<{ Bindings: { incoming?: IncomingMessage } }>): Promise<Response> => {
    const req = c.req.raw;
    const method = req.method.toUpperCase();
    const serve = g.byMethod.get(method === 'HEAD' ? 'GET' : method);
    if (!serve) {
      if (method === 'OPTIONS') return new Response(null, { status: 204, headers: { Allow: g.allow.join(', ') } });
      return errorResponse(new MethodNotAllowedError(`${g.pattern} does not answer ${method}`, g.allow));
    }
    const target = pathAndQuery(req.url);
    const q = target.indexOf('?');
    const raw = g.regex.exec(q === -1 ? target : target.slice(0, q))?.slice(1) ?? [];
    // Served by @hono/node-server: the body is read from Node's stream (see lib/api/node-body.ts).
    const incoming = c.env?.incoming;
    const res = await serve(req, raw, incoming ? nodeBodyReader(incoming) : undefined);
    return mayCompress(target) ? gzipped(req, res) : res;
  };
}

/**
 * A path no operation has goes through the same checks as any API call, as it
 * did when `[action]` routes answered unknown actions: a caller who is not
 * signed in gets 401, and a write by a known caller is audited (as
 * `<method> <path>`) before its 404 — probing for actions leaves a trace.
 */
const unknownOperation = apiRoute(async (req) => {
  throw new NotFoundError(`No API operation at ${new URL(req.url).pathname}`);
});

/** The API app of `operations` (all of them by default). */
export function createApiApp(operations: readonly Operation[] = API_OPERATIONS): Hono {
  const app = new Hono();
  for (const g of groupsOf(operations)) app.all(g.pattern.replace(/\{(\w+)\}/g, ':$1'), dispatcher(g));
  app.notFound((c) => unknownOperation(c.req.raw, { params: Promise.resolve({}) }));
  app.onError((err) => errorResponse(err));
  return app;
}
