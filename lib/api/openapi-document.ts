import { z } from 'zod';
import { triggerSchema } from '../scheduler/schedule-model';
import { errorBodySchema, type AccessLevel, type Operation } from './operation';

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the operation
 * definitions the router serves (lib/api/operations.ts): their query and body
 * schemas (zod 4's `z.toJSONSchema`, input side: what a client sends) and
 * every answer they declare (output side: what the API answers).
 */

const V1 = '/api/v1';

/**
 * zod → JSON Schema (2020-12, OpenAPI 3.1's dialect): the input side for what
 * a client sends, the output side for what the API answers.
 */
export function schemaOf(s: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

const ACCESS_TEXT: Record<AccessLevel, string> = {
  public: 'No credentials needed.',
  read: 'Any API token or signed-in user.',
  write: 'A `write` API token or an admin.',
  admin: "An admin's session (API tokens are refused).",
};

/** The path under its server: `/api/v1/queues/{queue}` → `/queues/{queue}`; outside /api/v1, the prefix it has instead. */
function splitPath(path: string): { base: string; path: string } {
  if (path.startsWith(`${V1}/`)) return { base: V1, path: path.slice(V1.length) };
  const cut = path.indexOf('/', 1);
  return { base: path.slice(0, cut), path: path.slice(cut) };
}

function answerSchema(s: z.ZodType | Record<string, unknown>): Record<string, unknown> {
  if (s === errorBodySchema) return { $ref: '#/components/schemas/Error' };
  return s instanceof z.ZodType ? schemaOf(s, 'output') : s;
}

function parametersOf(op: Operation): unknown[] {
  const out: unknown[] = op.paramNames.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  if (op.query) out.push(...fieldsAsParameters(op.query, 'query'));
  if (op.headers) out.push(...fieldsAsParameters(op.headers, 'header'));
  return out;
}

/** The fields of an object schema as parameters of one kind (query string, headers). */
function fieldsAsParameters(schema: z.ZodType, where: 'query' | 'header'): unknown[] {
  const js = schemaOf(schema) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, field]) => {
    const { description, ...rest } = field;
    return { name, in: where, required: js.required?.includes(name) ?? false, schema: rest, ...(description ? { description } : {}) };
  });
}

function responsesOf(op: Operation): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(op.route.responses) as [string, { description: string; content?: Record<string, { schema: z.ZodType }> }][]) {
    const content = r.content && Object.fromEntries(Object.entries(r.content).map(([type, m]) => [type, { schema: answerSchema(m.schema) }]));
    out[status] = content ? { description: r.description, content } : { description: r.description };
  }
  return out;
}

function operationObject(op: Operation, path: string): Record<string, unknown> {
  const parameters = parametersOf(op);
  const body = op.route.request?.body;
  return {
    summary: op.summary,
    description: `Access: ${ACCESS_TEXT[op.access]}`,
    tags: [op.tag],
    ...(op.access === 'public' ? { security: [] } : {}),
    operationId: `${op.method}${path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    ...(parameters.length ? { parameters } : {}),
    ...(body && op.body ? { requestBody: { required: body.required, content: { 'application/json': { schema: schemaOf(op.body) } } } } : {}),
    responses: responsesOf(op),
  };
}

/**
 * The OpenAPI 3.1 document of `operations` (the hidden ones left out), for `server` (the console's
 * origin or path: the servers' URLs are paths under it, e.g. `/admin/jobs/api/v1` under a base path).
 */
export function openApiDocument(operations: readonly Operation[], server = '/'): Record<string, unknown> {
  const under = new URL(server, 'http://localhost').pathname.replace(/\/$/, '');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    if (op.hidden) continue;
    const { base, path } = splitPath(op.path);
    paths[path] ??= base === V1 ? {} : { servers: [{ url: under + base }] };
    paths[path]![op.method] = operationObject(op, path);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Celerity API',
      version: '1',
      description:
        'The console API. Send `Authorization: Bearer <token>` (create tokens on the Tokens page); without accounts configured, no token is needed on the local machine.',
    },
    servers: [{ url: under + V1 }],
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token: `cel_…`' },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'celerity_session',
          description: 'The console session (browsers; state-changing requests also need `x-csrf-token`). Over HTTPS the cookie is `__Host-celerity_session`',
        },
      },
      schemas: { Error: schemaOf(errorBodySchema), Trigger: schemaOf(triggerSchema) },
    },
    paths,
  };
}
