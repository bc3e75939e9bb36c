import { z } from 'zod';
import { runRequestSchema } from '../queue/run-task';
import { priorityBodySchema, rerunBodySchema } from '../queue/job-actions';
import { addJobBodySchema, cleanBodySchema } from '../queue/queue-actions';
import { JOB_STATES } from '../data/queue-states';
import { resultsQuerySchema } from '../data/result-dto';
import { LOG_PAGE_SIZE, MAX_LOG_PAGE_SIZE } from '../queue/job-logs';
import { scheduleInputSchema, triggerSchema } from '../scheduler/schedule-model';
import { createTokenSchema } from '../auth/api-tokens';

/**
 * The OpenAPI 3.1 document of /api/v1, built from the same zod schemas the
 * routes parse with (zod 4's `z.toJSONSchema`, input side). One entry per
 * operation below; test/security-openapi.test.ts checks that every route file
 * under app/api/v1 is listed here and nothing else is.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiOperation {
  method: Method;
  /** OpenAPI path under /api/v1, with `{param}` placeholders. */
  path: string;
  summary: string;
  tag: string;
  /** Who may call it: any token or session (`read`), a write token or an admin (`write`), an admin's session (`admin`). */
  access: 'read' | 'write' | 'admin';
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Status → description of the success responses (errors are added for every operation). */
  ok: Record<number, string>;
  /** Extra error statuses this operation can answer (beyond 400/401/403/503). */
  errors?: number[];
}

// Bodies and queries whose schemas live inside a function or a route file are described here.
const drainBody = z.object({ delayed: z.boolean().default(false).describe('Also remove delayed jobs') }).strict();
const obliterateBody = z.object({ confirm: z.string().describe('The queue name again, to confirm') }).strict();
const patchScheduleBody = z
  .object({ enabled: z.boolean().optional(), description: z.string().max(2000).optional(), catchUp: z.boolean().optional() })
  .strict();
const jobListQuery = z.object({
  state: z.enum(JOB_STATES).default('waiting'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(25),
  name: z.string().min(1).max(200).optional().describe('Only jobs with this name'),
});
const logQuery = z.object({
  page: z.coerce.number().int().min(0).default(0).describe('1 = the first lines; 0 = the newest'),
  pageSize: z.coerce.number().int().min(1).max(MAX_LOG_PAGE_SIZE).default(LOG_PAGE_SIZE),
});
const downloadQuery = z.object({
  part: z.enum(['args', 'result', 'error', 'stack', 'progress', 'options', 'job', 'log']),
  line: z.coerce.number().int().min(0).optional().describe('With part=log: the line'),
});
const previewQuery = z.object({
  trigger: z.string().describe(`A trigger as JSON: ${JSON.stringify({ type: 'cron', expression: '3 17 * * 0', tz: 'Europe/Paris' })}`),
  count: z.coerce.number().int().min(1).max(20).default(5),
  schedule: z.string().max(200).optional().describe("The schedule's name: an interval without anchor or start date runs at a phase derived from it"),
});

const JOB_ACTIONS: { action: string; summary: string; body?: z.ZodType; ok: Record<number, string> }[] = [
  { action: 'retry', summary: 'Retry a failed or completed job', ok: { 200: 'Retried' } },
  { action: 'remove', summary: 'Remove a job', ok: { 200: 'Removed' } },
  { action: 'promote', summary: 'Run a delayed job now', ok: { 200: 'Promoted' } },
  { action: 'priority', summary: 'Change the priority of a waiting job', body: priorityBodySchema, ok: { 200: 'Changed' } },
  { action: 'cancel', summary: 'Ask the worker running the job to stop it', ok: { 202: '`{ delivered }`: workers that got the request' } },
  { action: 'rerun', summary: 'Run the job again as a new job, optionally with edited arguments', body: rerunBodySchema, ok: { 201: '`{ queue, id }` of the new job' } },
];

const QUEUE_ACTIONS: { action: string; summary: string; body?: z.ZodType; ok: Record<number, string> }[] = [
  { action: 'pause', summary: 'Pause a queue (workers take no new jobs)', ok: { 200: 'Paused' } },
  { action: 'resume', summary: 'Resume a paused queue', ok: { 200: 'Resumed' } },
  { action: 'clean', summary: 'Remove finished jobs older than an age', body: cleanBodySchema, ok: { 200: '`{ removed }`' } },
  { action: 'drain', summary: 'Remove every waiting job', body: drainBody, ok: { 200: 'Drained' } },
  { action: 'retry-failed', summary: 'Move every failed job back to waiting', ok: { 200: 'Retried' } },
  { action: 'obliterate', summary: 'Delete the queue and all its jobs', body: obliterateBody, ok: { 200: 'Deleted' } },
];

const WORKER_ACTIONS: { action: string; summary: string; body?: z.ZodType }[] = [
  { action: 'pause', summary: 'Ask a worker process to stop taking jobs' },
  { action: 'resume', summary: 'Ask a paused worker process to take jobs again' },
  { action: 'concurrency', summary: "Change a worker process's concurrency", body: z.object({ concurrency: z.number().int().min(1).max(1000) }) },
  { action: 'shutdown', summary: 'Ask a worker process to finish its jobs and exit' },
];
const historyQuery = z.object({ range: z.enum(['1h', '24h']).default('1h') });

export const API_OPERATIONS: ApiOperation[] = [
  { method: 'get', path: '/tasks', summary: 'Every task in the catalogue', tag: 'tasks', access: 'read', ok: { 200: '`{ tasks }`' } },
  { method: 'get', path: '/tasks/{name}', summary: 'One task: description, queue, JSON Schema of its arguments', tag: 'tasks', access: 'read', ok: { 200: 'The task' }, errors: [404] },
  {
    method: 'post',
    path: '/tasks/{name}/runs',
    summary: "Enqueue a job of a task (arguments checked against the task's schema)",
    tag: 'tasks',
    access: 'write',
    body: runRequestSchema,
    ok: { 201: '`{ queue, id }` of the new job' },
    errors: [404, 413],
  },
  { method: 'get', path: '/queues', summary: 'Every queue with its counts per state', tag: 'queues', access: 'read', ok: { 200: '`{ queues }`' } },
  { method: 'get', path: '/queues/{queue}', summary: 'One queue: counts per state, paused', tag: 'queues', access: 'read', ok: { 200: 'The queue' }, errors: [404] },
  { method: 'get', path: '/queues/{queue}/jobs', summary: 'A page of jobs in one state, newest first', tag: 'jobs', access: 'read', query: jobListQuery, ok: { 200: 'A page of jobs' }, errors: [404] },
  { method: 'post', path: '/queues/{queue}/jobs', summary: 'Add a raw job to any queue', tag: 'jobs', access: 'write', body: addJobBodySchema, ok: { 201: '`{ queue, id }`' }, errors: [404, 413] },
  { method: 'get', path: '/queues/{queue}/jobs/{id}', summary: 'One job: arguments, state, progress, result, error', tag: 'jobs', access: 'read', ok: { 200: 'The job' }, errors: [404] },
  { method: 'get', path: '/queues/{queue}/jobs/{id}/logs', summary: "A page of a job's log", tag: 'jobs', access: 'read', query: logQuery, ok: { 200: 'A page of log lines' }, errors: [404] },
  {
    method: 'get',
    path: '/queues/{queue}/jobs/{id}/download',
    summary: 'A part of a job (arguments, result, error, stack, progress, options, a log line, or all of it) as a file',
    tag: 'jobs',
    access: 'read',
    query: downloadQuery,
    ok: { 200: 'The file' },
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
    ok: { 204: 'Removed' },
    errors: [404],
  },
  { method: 'get', path: '/results', summary: 'Search finished jobs (or download them all as CSV or JSON)', tag: 'jobs', access: 'read', query: resultsQuerySchema as unknown as z.ZodObject, ok: { 200: 'A page of results, or the download' } },
  { method: 'get', path: '/schedules', summary: 'Every schedule, and the orphan schedulers', tag: 'schedules', access: 'read', ok: { 200: 'Schedules' } },
  { method: 'post', path: '/schedules', summary: 'Create a schedule', tag: 'schedules', access: 'write', body: scheduleInputSchema, ok: { 201: 'The schedule' }, errors: [409, 413] },
  { method: 'get', path: '/schedules/preview', summary: 'Next runs of a trigger, and the trigger in words', tag: 'schedules', access: 'read', query: previewQuery, ok: { 200: '`{ words, runs }`' } },
  { method: 'get', path: '/schedules/{name}', summary: 'One schedule with its history, upcoming runs and missed slots', tag: 'schedules', access: 'read', ok: { 200: 'The schedule' }, errors: [404] },
  { method: 'put', path: '/schedules/{name}', summary: 'Replace a schedule (the name stays)', tag: 'schedules', access: 'write', body: scheduleInputSchema, ok: { 200: 'The schedule' }, errors: [404, 409, 413] },
  { method: 'patch', path: '/schedules/{name}', summary: 'Enable, disable, or change the description or catch-up', tag: 'schedules', access: 'write', body: patchScheduleBody, ok: { 200: 'The schedule' }, errors: [404, 409] },
  { method: 'delete', path: '/schedules/{name}', summary: 'Delete a schedule', tag: 'schedules', access: 'write', ok: { 204: 'Deleted' }, errors: [404] },
  { method: 'post', path: '/schedules/{name}/runs', summary: "Run a schedule's task now", tag: 'schedules', access: 'write', ok: { 201: '`{ queue, id }`' }, errors: [404] },
  { method: 'get', path: '/workers', summary: 'Live and lost workers', tag: 'workers', access: 'read', ok: { 200: '`{ alive, lost }`' } },
  ...WORKER_ACTIONS.map(
    (a): ApiOperation => ({ method: 'post', path: `/workers/{id}/${a.action}`, summary: a.summary, tag: 'workers', access: 'write', body: a.body, ok: { 202: "The worker's acknowledgement" }, errors: [404, 504] }),
  ),
  { method: 'get', path: '/dashboard', summary: "The dashboard's live figures: throughput, active jobs, latest failures, timings, workers", tag: 'dashboard', access: 'read', ok: { 200: 'The figures' } },
  { method: 'get', path: '/dashboard/history', summary: 'Completed and failed jobs per minute (1h) or per 15 minutes (24h)', tag: 'dashboard', access: 'read', query: historyQuery, ok: { 200: 'The series' } },
  { method: 'get', path: '/tokens', summary: 'Every API token (never the token itself)', tag: 'tokens', access: 'admin', ok: { 200: '`{ tokens }`' } },
  { method: 'post', path: '/tokens', summary: 'Create an API token; the response holds the token, shown this once', tag: 'tokens', access: 'admin', body: createTokenSchema, ok: { 201: '`{ token, record }`' }, errors: [409] },
  { method: 'delete', path: '/tokens/{id}', summary: 'Revoke an API token', tag: 'tokens', access: 'admin', ok: { 204: 'Revoked' }, errors: [404] },
  { method: 'get', path: '/openapi.json', summary: 'This document', tag: 'meta', access: 'read', ok: { 200: 'OpenAPI 3.1' } },
];

/** zod → JSON Schema (2020-12, OpenAPI 3.1's dialect) of what a client sends. */
function schemaOf(s: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
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
    for (const [status, description] of Object.entries(op.ok)) {
      responses[status] = status === '204' ? { description } : { description, content: { 'application/json': { schema: { type: 'object' } } } };
    }
    for (const status of [400, 401, 403, ...(op.errors ?? []), 503].sort()) {
      responses[String(status)] = { description: ERROR_TEXT[status] ?? 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      description: `Access: ${ACCESS_TEXT[op.access]}`,
      tags: [op.tag],
      operationId: `${op.method}${op.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body) } } } } : {}),
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
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'celerity_session', description: 'The console session (browsers; state-changing requests also need `x-csrf-token`)' },
      },
      schemas: { Error: schemaOf(errorBody), Trigger: schemaOf(triggerSchema) },
    },
    paths,
  };
}
