import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Access } from '../auth/principal';
import type { AuditRule } from '../auth/audit-log';
import type { RouteAuth } from '../http/api-route';

/**
 * One API operation, declared once: its method and path, the zod schemas of
 * its query string and body, every answer it can give (status, content type,
 * schema), who may call it, and its handler. The router (lib/api/api-app.ts),
 * the request validation (lib/api/serve-operation.ts) and the OpenAPI document
 * (lib/api/openapi-document.ts) are all read from these definitions.
 */

export type AccessLevel = Access | 'public';
/** The methods that change state: each such operation says how it is audited. */
type WriteMethod = 'post' | 'put' | 'patch' | 'delete';
type Method = 'get' | WriteMethod;

/** An answer's content: media type → a zod schema (or a plain JSON Schema for what zod cannot describe, e.g. a file). */
export type AnswerContent = Record<string, { schema: z.ZodType | Record<string, unknown> }>;
export interface Answer {
  description: string;
  content?: AnswerContent;
}

/** What a handler gets: decoded path parameters, the parsed query and body, the body as sent (JSON), the caller. */
export interface OperationInput<Q, B> {
  req: Request;
  params: Record<string, string>;
  query: Q;
  body: B;
  /** The JSON body as sent, for lib/ functions that parse it with the same schema themselves (their errors name fields their way). */
  raw: unknown;
  auth: RouteAuth;
}

interface OperationBase<Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  /** Full URL path with `{param}` placeholders (`/api/v1/queues/{queue}`). */
  path: string;
  summary: string;
  tag: string;
  /** Who may call: nobody in particular (`public`), any token or session (`read`), a write token or an admin (`write`), an admin's session (`admin`). */
  access: AccessLevel;
  query?: Q;
  body?: B;
  /** Request headers it reads, for the document (the handler reads and checks them from `req`: their errors name the header). */
  headers?: z.ZodObject;
  /** The successful answers (and any other answer with a body of its own, like health's 503). */
  answers: Record<number, Answer>;
  /** Error statuses beyond those every operation of its kind answers (400/401/403/503 behind the access check, 413 with a body). */
  errors?: number[];
  /** Not in /api/v1/openapi.json: the browser's sign-in endpoints and the Prometheus scrape. */
  hidden?: true;
  handler: (input: OperationInput<Q extends z.ZodType ? z.output<Q> : undefined, B extends z.ZodType ? z.output<B> : undefined>) => Promise<Response | unknown>;
}

/**
 * The audit log: a state-changing operation declares its entry — action
 * (`noun.verb`), target, and what to read before it runs (`lookup`) — or
 * `false` when its handler logs itself (sign-in); a read has none. Without it
 * a write operation does not compile.
 */
export type OperationSpec<Q extends z.ZodType | undefined, B extends z.ZodType | undefined> = OperationBase<Q, B> &
  ({ method: 'get'; audit?: never } | { method: WriteMethod; audit: AuditRule | false });

export interface Operation extends Omit<OperationBase<z.ZodType | undefined, z.ZodType | undefined>, 'handler'> {
  method: Method;
  /** Absent on reads (see {@link OperationSpec}). */
  audit?: AuditRule | false;
  /** The @hono/zod-openapi route: method, path, request schemas and every answer, error statuses included. */
  route: RouteConfig;
  /** Path parameter names, in order. */
  paramNames: string[];
  handler: (input: OperationInput<unknown, unknown>) => Promise<Response | unknown>;
}

/** The one error body, `{ error: { code, message, field?, fields? } }` (lib/errors.ts toHttpError). */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.enum([
      'invalid',
      'not_found',
      'conflict',
      'unavailable',
      'unauthorized',
      'forbidden',
      'method_not_allowed',
      'payload_too_large',
      'too_many_requests',
      'timeout',
      'internal',
    ]),
    message: z.string(),
    field: z.string().optional().describe('Dotted path of the first wrong field'),
    fields: z.record(z.string(), z.string()).optional(),
  }),
});

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid input (`field` names it)',
  401: 'No session or API token, or an invalid one',
  403: 'Not allowed: read-only token or viewer, or a cross-site request',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Body larger than 1 MB',
  429: 'Too many attempts (`Retry-After`)',
  503: 'Redis is unavailable (`Retry-After`)',
  504: 'No answer in time',
};

/** A JSON answer. */
export function jsonAnswer(description: string, schema: z.ZodType | Record<string, unknown> = { type: 'object' }): Answer {
  return { description, content: { 'application/json': { schema } } };
}

/** The error statuses an operation answers: behind the access check 400/401/403/503, with a body 400 and 413, plus its own. */
export function errorStatuses(spec: { access: AccessLevel; body?: unknown; query?: unknown; errors?: number[] }, path: string): number[] {
  const out = new Set<number>(spec.errors ?? []);
  if (spec.access !== 'public') for (const s of [400, 401, 403, 503]) out.add(s);
  if (spec.body) out.add(400).add(413);
  if (spec.query || path.includes('{')) out.add(400);
  return [...out].sort((a, b) => a - b);
}

/** Declare an operation (see {@link OperationSpec}). */
export function defineOperation<Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: OperationSpec<Q, B>,
): Operation {
  const paramNames = [...spec.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const responses: RouteConfig['responses'] = {};
  for (const [status, a] of Object.entries(spec.answers)) responses[status] = a as RouteConfig['responses'][string];
  for (const status of errorStatuses(spec, spec.path)) {
    if (!(status in responses))
      responses[String(status)] = { description: ERROR_TEXT[status] ?? 'Error', content: { 'application/json': { schema: errorBodySchema } } };
  }
  const route = createRoute({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    tags: [spec.tag],
    request: {
      ...(paramNames.length ? { params: z.object(Object.fromEntries(paramNames.map((n) => [n, z.string()]))) } : {}),
      ...(spec.query ? { query: spec.query as unknown as z.ZodObject } : {}),
      ...(spec.headers ? { headers: spec.headers } : {}),
      // Not required when {} is a valid body: a bare POST (no body, no Content-Type) is read as {} (readJson).
      ...(spec.body ? { body: { required: !spec.body.safeParse({}).success, content: { 'application/json': { schema: spec.body } } } } : {}),
    },
    responses,
  });
  return { ...spec, route, paramNames, handler: spec.handler as Operation['handler'] };
}
