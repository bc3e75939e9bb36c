import { z } from 'zod';
import { runRequestSchema } from '../queue/run-task';
import { priorityBodySchema, rerunBodySchema } from '../queue/job-actions';
import { addJobBodySchema, cleanBodySchema, drainBodySchema, obliterateBodySchema } from '../queue/queue-actions';
import { resultsQuerySchema } from '../data/result-dto';
import { scheduleBodySchema, scheduleDefinitionSchema, scheduleReplaceBodySchema, triggerSchema } from '../scheduler/schedule-model';
import { schedulePatchSchema } from '../scheduler/schedule-service';
import { createTokenSchema } from '../auth/api-tokens';
import { ackSchema } from '../worker/control';
import {
  createdTokenSchema,
  enqueuedJobSchema,
  healthSchema,
  jobDtoSchema,
  jobPageSchema,
  logPageSchema,
  okSchema,
  queueDetailSchema,
  queueListSchema,
  scheduleDetailSchema,
  scheduleListSchema,
  taskDtoSchema,
  taskListSchema,
  tokenListSchema,
  workersSchema,
} from '../data/dto-schemas';
import { dashboardHistoryQuerySchema, jobDownloadQuerySchema, jobListQuerySchema, jobLogsQuerySchema, schedulePreviewQuerySchema, workerConcurrencyBodySchema } from './request-schemas';

/**
 * The OpenAPI 3.1 document of /api/v1, built from the same zod schemas the
 * routes parse with (zod 4's `z.toJSONSchema`, input side) — every body and
 * query schema below is imported from the one module the route itself parses
 * with, never re-declared here — and the DTO schemas of lib/data/dto-schemas.ts
 * for the answers (output side). One entry per operation below;
 * test/security-openapi.test.ts checks that every route file under app/api/v1
 * is listed here and nothing else is, that the documented requests are what
 * the routes accept, and that real answers match the documented ones.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A success response: its description and, when it is JSON, the schema of its body. */
export interface ApiSuccess {
  description: string;
  /** The body's schema (a DTO schema); absent: a JSON object not described further. */
  schema?: z.ZodType;
  /** Not JSON: a file download (any media type). */
  file?: true;
}

export interface ApiOperation {
  method: Method;
  /** OpenAPI path under the operation's base (/api/v1 unless `base` says otherwise), with `{param}` placeholders. */
  path: string;
  /** URL prefix of the path when it is not /api/v1 (health lives at /api/health). */
  base?: '/api';
  summary: string;
  tag: string;
  /** Who may call it: nobody in particular (`public`), any token or session (`read`), a write token or an admin (`write`), an admin's session (`admin`). */
  access: 'public' | 'read' | 'write' | 'admin';
  query?: z.ZodType;
  body?: z.ZodType;
  /** Status → the answers with a body of their own: the successes (and health's 503); error answers are added for every operation. */
  ok: Record<number, ApiSuccess>;
  /** Extra error statuses this operation can answer (beyond 400/401/403/503). */
  errors?: number[];
}

const OK: ApiSuccess = { description: '`{ ok: true }`', schema: okSchema };
const CREATED_JOB: ApiSuccess = { description: '`{ queue, id }` of the new job', schema: enqueuedJobSchema };

const JOB_ACTIONS: { action: string; summary: string; body?: z.ZodType; ok: Record<number, ApiSuccess> }[] = [
  { action: 'retry', summary: 'Retry a failed or completed job', ok: { 200: OK } },
  { action: 'remove', summary: 'Remove a job', ok: { 200: OK } },
  { action: 'promote', summary: 'Run a delayed job now', ok: { 200: OK } },
  { action: 'priority', summary: 'Change the priority of a waiting job', body: priorityBodySchema, ok: { 200: OK } },
  { action: 'cancel', summary: 'Ask the worker running the job to stop it', ok: { 202: { description: 'Workers that got the request', schema: z.object({ delivered: z.number().int().min(0) }) } } },
  { action: 'rerun', summary: 'Run the job again as a new job, optionally with edited arguments', body: rerunBodySchema, ok: { 201: CREATED_JOB } },
];

const QUEUE_ACTIONS: { action: string; summary: string; body?: z.ZodType; ok: Record<number, ApiSuccess> }[] = [
  { action: 'pause', summary: 'Pause a queue (workers take no new jobs)', ok: { 200: OK } },
  { action: 'resume', summary: 'Resume a paused queue', ok: { 200: OK } },
  { action: 'clean', summary: 'Remove finished jobs older than an age', body: cleanBodySchema, ok: { 200: { description: 'How many jobs were removed', schema: z.object({ removed: z.number().int().min(0) }) } } },
  { action: 'drain', summary: 'Remove every waiting job', body: drainBodySchema, ok: { 200: OK } },
  { action: 'retry-failed', summary: 'Move every failed job back to waiting', ok: { 200: OK } },
  { action: 'obliterate', summary: 'Delete the queue and all its jobs', body: obliterateBodySchema, ok: { 200: OK } },
];

const workerAck: ApiSuccess = {
  description: "The worker's acknowledgement",
  schema: z.object({ requestId: z.string(), delivered: z.number().int().min(0), ack: ackSchema }),
};
const WORKER_ACTIONS: { action: string; summary: string; body?: z.ZodType }[] = [
  { action: 'pause', summary: 'Ask a worker process to stop taking jobs' },
  { action: 'resume', summary: 'Ask a paused worker process to take jobs again' },
  { action: 'concurrency', summary: "Change a worker process's concurrency", body: workerConcurrencyBodySchema },
  { action: 'shutdown', summary: 'Ask a worker process to finish its jobs and exit' },
];

const THE_SCHEDULE: ApiSuccess = { description: "The schedule's definition", schema: scheduleDefinitionSchema };

export const API_OPERATIONS: ApiOperation[] = [
  { method: 'get', path: '/tasks', summary: 'Every task in the catalogue', tag: 'tasks', access: 'read', ok: { 200: { description: '`{ tasks }`', schema: taskListSchema } } },
  {
    method: 'get',
    path: '/tasks/{name}',
    summary: 'One task: description, queue, JSON Schema of its arguments',
    tag: 'tasks',
    access: 'read',
    ok: { 200: { description: 'The task', schema: taskDtoSchema } },
    errors: [404],
  },
  {
    method: 'post',
    path: '/tasks/{name}/runs',
    summary: "Enqueue a job of a task (arguments checked against the task's schema)",
    tag: 'tasks',
    access: 'write',
    body: runRequestSchema,
    ok: { 201: CREATED_JOB },
    errors: [404, 413],
  },
  { method: 'get', path: '/queues', summary: 'Every queue with its counts per state', tag: 'queues', access: 'read', ok: { 200: { description: '`{ queues }`', schema: queueListSchema } } },
  {
    method: 'get',
    path: '/queues/{queue}',
    summary: 'One queue: counts per state, paused, workers, retention',
    tag: 'queues',
    access: 'read',
    ok: { 200: { description: 'The queue', schema: queueDetailSchema } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/queues/{queue}/jobs',
    summary: 'A page of jobs in one state, newest first',
    tag: 'jobs',
    access: 'read',
    query: jobListQuerySchema,
    ok: { 200: { description: 'A page of jobs', schema: jobPageSchema } },
    errors: [404],
  },
  { method: 'post', path: '/queues/{queue}/jobs', summary: 'Add a raw job to any queue', tag: 'jobs', access: 'write', body: addJobBodySchema, ok: { 201: CREATED_JOB }, errors: [404, 413] },
  {
    method: 'get',
    path: '/queues/{queue}/jobs/{id}',
    summary: 'One job: arguments, state, progress, result, error',
    tag: 'jobs',
    access: 'read',
    ok: { 200: { description: 'The job', schema: jobDtoSchema } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/queues/{queue}/jobs/{id}/logs',
    summary: "A page of a job's log",
    tag: 'jobs',
    access: 'read',
    query: jobLogsQuerySchema,
    ok: { 200: { description: 'A page of log lines', schema: logPageSchema } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/queues/{queue}/jobs/{id}/download',
    summary: 'A part of a job (arguments, result, error, stack, progress, options, a log line, or all of it) as a file',
    tag: 'jobs',
    access: 'read',
    query: jobDownloadQuerySchema,
    ok: { 200: { description: 'The file', file: true } },
    errors: [404],
  },
  ...JOB_ACTIONS.map(
    (a): ApiOperation => ({
      method: 'post',
      path: `/queues/{queue}/jobs/{id}/${a.action}`,
      summary: a.summary,
      tag: 'jobs',
      access: 'write',
      body: a.body,
      ok: a.ok,
      errors: [404, 409],
    }),
  ),
  ...QUEUE_ACTIONS.map(
    (a): ApiOperation => ({ method: 'post', path: `/queues/{queue}/${a.action}`, summary: a.summary, tag: 'queues', access: 'write', body: a.body, ok: a.ok, errors: [404] }),
  ),
  {
    method: 'delete',
    path: '/queues/{queue}/schedulers/{id}',
    summary: 'Remove an orphan job scheduler (one no schedule owns)',
    tag: 'schedules',
    access: 'write',
    ok: { 204: { description: 'Removed' } },
    errors: [404],
  },
  {
    method: 'get',
    path: '/results',
    summary: 'Search finished jobs (or download them all as CSV or JSON)',
    tag: 'jobs',
    access: 'read',
    query: resultsQuerySchema,
    ok: { 200: { description: 'A page of results `{ rows, next, scanned, reached }`, or with `format` the download' } },
  },
  { method: 'get', path: '/schedules', summary: 'Every schedule, and the orphan schedulers', tag: 'schedules', access: 'read', ok: { 200: { description: '`{ schedules, orphans }`', schema: scheduleListSchema } } },
  { method: 'post', path: '/schedules', summary: 'Create a schedule', tag: 'schedules', access: 'write', body: scheduleBodySchema, ok: { 201: THE_SCHEDULE }, errors: [409, 413] },
  {
    method: 'get',
    path: '/schedules/preview',
    summary: 'Next runs of a trigger, and the trigger in words',
    tag: 'schedules',
    access: 'read',
    query: schedulePreviewQuerySchema,
    ok: { 200: { description: 'The trigger in words and its next runs (ISO)', schema: z.object({ words: z.string(), runs: z.array(z.string()) }) } },
  },
  {
    method: 'get',
    path: '/schedules/{name}',
    summary: 'One schedule with its history, upcoming runs and missed slots',
    tag: 'schedules',
    access: 'read',
    ok: { 200: { description: 'The schedule', schema: scheduleDetailSchema } },
    errors: [404],
  },
  { method: 'put', path: '/schedules/{name}', summary: 'Replace a schedule (the name stays)', tag: 'schedules', access: 'write', body: scheduleReplaceBodySchema, ok: { 200: THE_SCHEDULE }, errors: [404, 409, 413] },
  {
    method: 'patch',
    path: '/schedules/{name}',
    summary: 'Enable, disable, or change the description or catch-up',
    tag: 'schedules',
    access: 'write',
    body: schedulePatchSchema,
    ok: { 200: THE_SCHEDULE },
    errors: [404, 409],
  },
  { method: 'delete', path: '/schedules/{name}', summary: 'Delete a schedule', tag: 'schedules', access: 'write', ok: { 204: { description: 'Deleted' } }, errors: [404] },
  { method: 'post', path: '/schedules/{name}/runs', summary: "Run a schedule's task now", tag: 'schedules', access: 'write', ok: { 201: CREATED_JOB }, errors: [404] },
  { method: 'get', path: '/workers', summary: 'Live and lost workers', tag: 'workers', access: 'read', ok: { 200: { description: '`{ alive, lost, at }`', schema: workersSchema } } },
  ...WORKER_ACTIONS.map(
    (a): ApiOperation => ({ method: 'post', path: `/workers/{id}/${a.action}`, summary: a.summary, tag: 'workers', access: 'write', body: a.body, ok: { 202: workerAck }, errors: [404, 504] }),
  ),
  {
    method: 'get',
    path: '/dashboard',
    summary: "The dashboard's live figures: throughput, active jobs, latest failures, timings, workers",
    tag: 'dashboard',
    access: 'read',
    ok: { 200: { description: 'The figures' } },
  },
  {
    method: 'get',
    path: '/dashboard/history',
    summary: 'Completed and failed jobs per minute (1h) or per 15 minutes (24h)',
    tag: 'dashboard',
    access: 'read',
    query: dashboardHistoryQuerySchema,
    ok: { 200: { description: 'The series' } },
  },
  { method: 'get', path: '/tokens', summary: 'Every API token (never the token itself)', tag: 'tokens', access: 'admin', ok: { 200: { description: '`{ tokens }`', schema: tokenListSchema } } },
  {
    method: 'post',
    path: '/tokens',
    summary: 'Create an API token; the response holds the token, shown this once',
    tag: 'tokens',
    access: 'admin',
    body: createTokenSchema,
    ok: { 201: { description: '`{ token, record }`', schema: createdTokenSchema } },
    errors: [409],
  },
  { method: 'delete', path: '/tokens/{id}', summary: 'Revoke an API token', tag: 'tokens', access: 'admin', ok: { 204: { description: 'Revoked' } }, errors: [404] },
  { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'meta', access: 'read', ok: { 200: { description: 'OpenAPI 3.1' } } },
  {
    method: 'get',
    path: '/health',
    base: '/api',
    summary: 'Whether the console reaches Redis (no credentials needed: for load balancers)',
    tag: 'meta',
    access: 'public',
    ok: { 200: { description: 'Redis answers', schema: healthSchema }, 503: { description: 'Redis does not answer (`Retry-After`)', schema: healthSchema } },
  },
];

/**
 * zod → JSON Schema (2020-12, OpenAPI 3.1's dialect): the input side for what
 * a client sends, the output side for what the API answers.
 */
export function schemaOf(s: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

const errorBody = z.object({
  error: z.object({
    code: z.enum(['invalid', 'not_found', 'conflict', 'unavailable', 'unauthorized', 'forbidden', 'method_not_allowed', 'payload_too_large', 'too_many_requests', 'timeout', 'internal']),
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
  503: 'Redis is unavailable (`Retry-After`)',
  504: 'No answer in time',
};

const ACCESS_TEXT = {
  public: 'No credentials needed.',
  read: 'Any API token or signed-in user.',
  write: 'A `write` API token or an admin.',
  admin: "An admin's session (API tokens are refused).",
} as const;

/** The OpenAPI 3.1 document for `server` (the console's origin). */
export function openApiDocument(server = '/'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of API_OPERATIONS) {
    const parameters: unknown[] = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (op.query) {
      const js = schemaOf(op.query) as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
      for (const [name, schema] of Object.entries(js.properties ?? {})) {
        const { description, ...rest } = schema;
        parameters.push({ name, in: 'query', required: js.required?.includes(name) ?? false, schema: rest, ...(description ? { description } : {}) });
      }
    }
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.ok)) {
      responses[status] = r.file
        ? { description: r.description, content: { 'application/octet-stream': { schema: {} } } }
        : status === '204'
          ? { description: r.description }
          : { description: r.description, content: { 'application/json': { schema: r.schema ? schemaOf(r.schema, 'output') : { type: 'object' } } } };
    }
    // Every operation behind the access check can answer 400/401/403 and 503 (Redis away); public ones only what they list.
    const errors = [...(op.access === 'public' ? [] : [400, 401, 403, 503]), ...(op.errors ?? [])].filter((s) => !(s in op.ok));
    for (const status of [...new Set(errors)].sort()) {
      responses[String(status)] = { description: ERROR_TEXT[status] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    paths[op.path] ??= op.base ? { servers: [{ url: new URL(op.base, new URL(server, 'http://localhost')).pathname }] } : {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      description: `Access: ${ACCESS_TEXT[op.access]}`,
      tags: [op.tag],
      ...(op.access === 'public' ? { security: [] } : {}),
      operationId: `${op.method}${op.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(parameters.length ? { parameters } : {}),
      // Not required when {} is a valid body: a bare POST (no body, no Content-Type) is read as {} (readJson).
      ...(op.body ? { requestBody: { required: !op.body.safeParse({}).success, content: { 'application/json': { schema: schemaOf(op.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Celerity API',
      version: '1',
      description:
        'The console API. Send `Authorization: Bearer <token>` (create tokens on the Tokens page); without accounts configured, no token is needed on the local machine.',
    },
    servers: [{ url: new URL('/api/v1', new URL(server, 'http://localhost')).pathname }],
    security: [{ bearerAuth: [] }, { sessionCookie: [] }],
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token: `cel_…`' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'celerity_session', description: 'The console session (browsers; state-changing requests also need `x-csrf-token`). Over HTTPS the cookie is `__Host-celerity_session`' },
      },
      schemas: { Error: schemaOf(errorBody), Trigger: schemaOf(triggerSchema) },
    },
    paths,
  };
}
