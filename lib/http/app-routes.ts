import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MethodNotAllowedError } from '../errors';
import { errorResponse } from './api-route';
import { findRouteFiles, routePattern, RouteTable, type RouteMatch } from './route-table';
import { sendWebResponse, toWebRequest } from './node-fetch-bridge';

/**
 * The console's route handlers (`app/**\/route.ts`: the API, /metrics), called
 * by server.ts itself rather than through Next.
 *
 * Why: Next's request pipeline costs 2–3 ms per request on this machine
 * before a handler runs (measured on a route that returns `{}`), ten times
 * what the handlers of a page of jobs cost, and more than Bull Board's whole
 * answer. The handlers are plain `(Request, { params }) => Response`
 * functions, so the server matches the URL against the same files with the
 * same conventions and calls them. The files stay where Next expects them
 * (one definition; `next build` type-checks them; a URL the table does not
 * match exactly — a trailing slash — still reaches Next, which redirects).
 */

export type RouteHandler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** The methods of a route module that are handlers. */
export type RouteModule = Partial<Record<RouteMethod, RouteHandler>>;

export const ROUTE_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
export type RouteMethod = (typeof ROUTE_METHODS)[number];

/** Every route module under appDir with its URL pattern, imported. */
export function loadRouteModules(appDir: string): Promise<{ pattern: string; module: RouteModule }[]> {
  return Promise.all(
    findRouteFiles(appDir).map(async (file) => {
      const mod = (await import(pathToFileURL(path.join(appDir, file)).href)) as Record<string, unknown>;
      const module: RouteModule = {};
      for (const m of ROUTE_METHODS) if (typeof mod[m] === 'function') module[m] = mod[m] as RouteHandler;
      return { pattern: routePattern(file), module };
    }),
  );
}

/** The route table of appDir, imported once at start: a broken route fails the start, not a request. */
export async function loadAppRoutes(appDir: string): Promise<RouteTable<RouteModule>> {
  return new RouteTable(await loadRouteModules(appDir));
}

/** The methods a route answers, HEAD and OPTIONS included (as Next answers them). */
export function allowedMethods(module: RouteModule): string[] {
  return ROUTE_METHODS.filter((m) => module[m] || m === 'OPTIONS' || (m === 'HEAD' && module.GET));
}

/**
 * Answer a request with its route's handler, as Next would: HEAD runs GET
 * without the body, OPTIONS without a handler answers 204 with Allow, any
 * other method the route lacks gets 405.
 */
export async function serveRoute(route: RouteMatch<RouteModule>, req: IncomingMessage, res: ServerResponse, compress: boolean): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase() as RouteMethod;
  const handler = route.module[method] ?? (method === 'HEAD' ? route.module.GET : undefined);
  let response: Response;
  if (handler) {
    try {
      response = await handler(toWebRequest(req), { params: Promise.resolve(route.params) });
    } catch (err) {
      response = errorResponse(err);
    }
  } else if (method === 'OPTIONS') {
    response = new Response(null, { status: 204, headers: { Allow: allowedMethods(route.module).join(', ') } });
  } else {
    response = errorResponse(new MethodNotAllowedError(`${route.pattern} does not answer ${method}`, allowedMethods(route.module)));
  }
  await sendWebResponse(req, res, response, compress);
}
