import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_OPERATIONS, openApiDocument } from '@/lib/http/openapi';
import { runRequestSchema } from '@/lib/queue/run-task';
import { ROOT } from './helpers';

/**
 * The OpenAPI document lists every /api/v1 route and nothing else: the route
 * files are read from disk, so a route added without documentation fails here.
 */

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return routeFiles(p);
    return name === 'route.ts' ? [p] : [];
  });
}

const V1 = path.join(ROOT, 'app/api/v1');
/** `{ method, pattern }` of every exported handler: `[queue]` → a regex segment. */
const handlers = routeFiles(V1).flatMap((f) => {
  const rel = '/' + path.relative(V1, path.dirname(f)).split(path.sep).join('/');
  const src = readFileSync(f, 'utf8');
  return [...src.matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => ({ method: m[1]!.toLowerCase(), route: rel === '/' ? '' : rel }));
});

/** Does an OpenAPI path (`/queues/{queue}/pause`) belong to a route file pattern (`/queues/[queue]/[action]`)? */
function matches(route: string, openapiPath: string): boolean {
  const re = new RegExp('^' + route.replace(/\[\w+\]/g, '[^/]+').replace(/\./g, '\\.') + '$');
  return re.test(openapiPath.replace(/\{\w+\}/g, 'p'));
}

/** The most specific route file for an OpenAPI path (static segments beat [params]), as Next picks it. */
function routeFor(openapiPath: string, method: string): string | undefined {
  const candidates = handlers.filter((h) => h.method === method && matches(h.route, openapiPath));
  return candidates.sort((a, b) => (a.route.match(/\[/g)?.length ?? 0) - (b.route.match(/\[/g)?.length ?? 0))[0]?.route;
}

describe('OpenAPI document', () => {
  it('documents every handler of every route file under app/api/v1', () => {
    expect(handlers.length).toBeGreaterThan(20);
    const missing = handlers.filter((h) => !API_OPERATIONS.some((op) => op.method === h.method && matches(h.route, op.path)));
    expect(missing, 'route handlers without an entry in lib/http/openapi.ts').toEqual([]);
  });

  it('documents nothing that does not exist', () => {
    const ghosts = API_OPERATIONS.filter((op) => !routeFor(op.path, op.method)).map((op) => `${op.method} ${op.path}`);
    expect(ghosts).toEqual([]);
  });

  it('is OpenAPI 3.1 with every path parameter declared and unique operation ids', () => {
    const doc = openApiDocument() as { openapi: string; paths: Record<string, Record<string, { operationId: string; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>> };
    expect(doc.openapi).toBe('3.1.0');
    const ids = new Set<string>();
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [, name] of p.matchAll(/\{(\w+)\}/g)) expect(op.parameters?.some((x) => x.in === 'path' && x.name === name), `${method} ${p} {${name}}`).toBe(true);
        expect(ids.has(op.operationId), op.operationId).toBe(false);
        ids.add(op.operationId);
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '401', '403', '503']));
      }
    }
  });

  it('request bodies come from the zod schemas the routes parse with', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>> };
    const body = doc.paths['/tasks/{name}/runs']!.post!.requestBody!.content['application/json']!.schema as { properties: Record<string, unknown>; additionalProperties: boolean };
    expect(Object.keys(body.properties).sort()).toEqual(Object.keys(runRequestSchema.shape).sort());
    expect(body.additionalProperties).toBe(false);
    const token = doc.paths['/tokens']!.post!.requestBody!.content['application/json']!.schema as { properties: { scope: { enum: string[] } } };
    expect(token.properties.scope.enum).toEqual(['read', 'write']);
  });

  it('is served at /api/v1/openapi.json', async () => {
    const { GET } = (await import('@/app/api/v1/openapi.json/route')) as { GET: (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response> };
    const res = await GET(new Request('http://127.0.0.1:5555/api/v1/openapi.json'), { params: Promise.resolve({}) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});
