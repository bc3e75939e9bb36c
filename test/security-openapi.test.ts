import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { API_OPERATIONS } from '@/lib/api/operations';
import { openApiDocument } from '@/lib/api/openapi-document';
import { createApiApp } from '@/lib/api/api-app';
import { runRequestSchema } from '@/lib/queue/run-task';
import { closeRedis } from '@/lib/redis';
import { closeQueues } from '@/lib/queue/queue-registry';
import { createRegistry } from '@/lib/registry/task-registry';
import { defineTask } from '@/lib/registry/define-task';
import { chain, step } from '@/lib/workflows/canvas';
import { defineWorkflow } from '@/lib/workflows/define-workflow';
import type { RunningWorker } from '@/lib/worker/start-worker';
import { startTestWorker, waitFor } from './helpers';

// Every schema anything parses with (routes and lib/ alike go through parseOrThrow), to prove which one a route uses.
const parsedWith = vi.hoisted(() => [] as unknown[]);
vi.mock('@/lib/validation', async (importOriginal) => {
  const real = await importOriginal<typeof import('@/lib/validation')>();
  return {
    ...real,
    parseOrThrow: ((schema, value, prefix) => {
      parsedWith.push(schema);
      return real.parseOrThrow(schema, value, prefix);
    }) as typeof real.parseOrThrow,
  };
});

/**
 * The OpenAPI document against the API app that serves the same definitions
 * (no accounts configured in this file: the console is open, so every
 * operation can be called in-process):
 *  - it lists every defined operation (but the hidden ones) and the app serves each;
 *  - the request body and query string it documents are the very zod schemas
 *    the route parses with (the same objects), and values derived from the
 *    document's own JSON Schema (each
 *    bound, each enum, wrong types, missing and unknown keys) get the same
 *    verdict from the document (validated with zod's JSON Schema reader) and
 *    from the route (400 naming the field, or not);
 *  - every documented response schema validates a real answer of the route.
 */

type JsonSchema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  additionalProperties?: unknown;
  default?: unknown;
};
interface DocOperation {
  operationId: string;
  parameters?: { name: string; in: string; required: boolean; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}
type DocPathItem = Record<string, DocOperation> & { servers?: { url: string }[] };

const doc = openApiDocument(API_OPERATIONS) as { openapi: string; servers: { url: string }[]; paths: Record<string, DocPathItem> };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every operation of the document: `get /queues/{queue}`, its URL prefix and its description. */
const documented = Object.entries(doc.paths).flatMap(([p, item]) =>
  METHODS.filter((m) => item[m]).map((m) => ({ key: `${m} ${p}`, method: m, path: p, base: item.servers?.[0]?.url ?? doc.servers[0]!.url, op: item[m]! })),
);

const QUEUE = 'oa-q';
const TASK = 'oa-add';
const SLOW = 'oa-slow';
const SCHEDULE = 'oa-nightly';
const scheduleBody = (name = SCHEDULE) => ({ name, task: TASK, args: { a: 1, b: 2 }, trigger: { type: 'interval', every: 1, unit: 'hours' } });

const api = createApiApp();
/** The operations the document lists. */
const shown = API_OPERATIONS.filter((op) => !op.hidden);
let worker: RunningWorker;

beforeAll(async () => {
  const add = defineTask({ name: TASK, description: 'adds', queue: QUEUE, schema: z.object({ a: z.number(), b: z.number() }), handler: ({ a, b }) => a + b });
  // Runs until cancelled: a job that is active when the cancel request comes.
  const slow = defineTask({
    name: SLOW,
    description: 'waits to be cancelled',
    queue: QUEUE,
    schema: z.object({}),
    handler: (_args, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled')))),
  });
  // Workflows: a chain whose second step fails the first time it runs (to retry it), and one that waits to be cancelled.
  const seen = new Set<string>();
  const once = defineTask({
    name: 'oa-once',
    description: 'fails the first time',
    queue: QUEUE,
    schema: z.object({}),
    handler: (_args, { jobId }) => {
      if (seen.has(jobId)) return 1;
      seen.add(jobId);
      throw new Error('first time');
    },
  });
  const workflows = [
    defineWorkflow({
      name: 'oa-flow',
      description: 'add, then once',
      queue: QUEUE,
      schema: z.object({}),
      build: () => chain(step(add, { a: 1, b: 2 }), step(once)),
    }),
    defineWorkflow({ name: 'oa-waits', description: 'waits to be cancelled', queue: QUEUE, schema: z.object({}), build: () => chain(step(slow)) }),
  ];
  worker = await startTestWorker(createRegistry([add, slow, once], { workflows }), { heartbeatMs: 200 });
});

afterAll(async () => {
  await worker?.stop();
  await closeQueues();
  await closeRedis();
});

/** Call the operation that serves `url` (a path with a query) through the API app, in-process; the JSON answer parsed. */
async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const u = new URL(url, 'http://127.0.0.1:5555');
  const text = body === undefined ? undefined : JSON.stringify(body);
  const res = await api.fetch(
    new Request(u, {
      method: method.toUpperCase(),
      headers: text === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) },
      body: text,
    }),
  );
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, json: type.startsWith('application/json') ? await res.json() : await res.text() };
}

/** The route error's field, when the answer is a 400. */
const fieldOf = (r: { status: number; json: unknown }) => (r.status === 400 ? ((r.json as { error?: { field?: string } }).error?.field ?? '') : undefined);

describe('OpenAPI document: the routes it lists', () => {
  it('documents every defined operation but the hidden ones (sign-in, /metrics), and the app serves each', async () => {
    expect(shown.length).toBeGreaterThan(30);
    expect(documented.map((d) => `${d.method} ${d.base}${d.path}`).sort()).toEqual(shown.map((op) => `${op.method} ${op.path}`).sort());
    // Served: a sample URL of each documented operation reaches an operation (not the app's 404 or a 405).
    const unserved: string[] = [];
    for (const d of documented) {
      const r = await call(d.method, d.base + d.path.replace(/\{(\w+)\}/g, 'no-such-$1'), d.method === 'get' || d.method === 'delete' ? undefined : {});
      if (r.status === 405 || JSON.stringify(r.json).includes('No API operation')) unserved.push(`${d.key}: ${r.status}`);
    }
    expect(unserved).toEqual([]);
  });

  it('every operation has an access level; every write operation declares its audit action (noun.verb, one per operation), no read does', () => {
    const actions: string[] = [];
    for (const op of API_OPERATIONS) {
      const key = `${op.method} ${op.path}`;
      expect(['public', 'read', 'write', 'admin'], key).toContain(op.access);
      if (op.method === 'get') {
        expect(op.audit, key).toBeUndefined();
        continue;
      }
      expect(op.audit, `${key}: declare \`audit\` in its defineOperation`).toBeDefined();
      if (op.audit === false || op.audit === undefined) continue;
      expect(op.audit.action, key).toMatch(/^[a-z]+(\.[a-z-]+)?$/);
      expect(typeof op.audit.target, key).toBe('function');
      actions.push(op.audit.action);
    }
    expect(actions.length).toBeGreaterThan(20);
    expect(
      actions.filter((a, i) => actions.indexOf(a) !== i),
      'an action names one operation',
    ).toEqual([]);
    // The one write that logs itself is sign-in (failures included, lib/auth/login.ts).
    expect(API_OPERATIONS.filter((op) => op.audit === false).map((op) => op.path)).toEqual(['/api/auth/login']);
  });

  it('is OpenAPI 3.1 with every path parameter declared and unique operation ids', () => {
    expect(doc.openapi).toBe('3.1.0');
    const ids = new Set<string>();
    for (const { key, path: p, op } of documented) {
      for (const [, name] of p.matchAll(/\{(\w+)\}/g))
        expect(
          op.parameters?.some((x) => x.in === 'path' && x.name === name),
          `${key} {${name}}`,
        ).toBe(true);
      expect(ids.has(op.operationId), op.operationId).toBe(false);
      ids.add(op.operationId);
      if (!key.endsWith(' /health')) expect(Object.keys(op.responses), key).toEqual(expect.arrayContaining(['400', '401', '403', '503']));
    }
  });

  it('request bodies are the zod schemas the routes parse with (same JSON Schema)', () => {
    const body = doc.paths['/tasks/{name}/runs']!.post!.requestBody!.content['application/json']!.schema;
    const { $schema: _dialect, ...own } = z.toJSONSchema(runRequestSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    expect(body).toEqual(own);
    const token = doc.paths['/tokens']!.post!.requestBody!.content['application/json']!.schema as { properties: { scope: { enum: string[] } } };
    expect(token.properties.scope.enum).toEqual(['read', 'write']);
  });

  it('is served at /api/v1/openapi.json', async () => {
    const r = await call('get', '/api/v1/openapi.json');
    expect(r.status).toBe(200);
    expect(r.json).toEqual(JSON.parse(JSON.stringify(doc)));
    // Made from the same objects the app routes by: a definition changed in memory would show (not a copy kept apart).
    expect(Object.keys(doc.paths).length).toBe(new Set(shown.map((op) => op.path)).size);
  });
});

describe('OpenAPI document: every documented answer is what the route answers', () => {
  /** Real answers by operation key and status, collected by the calls below. */
  const answers = new Map<string, { status: number; json: unknown }[]>();
  const record = async (key: string, method: string, url: string, body?: unknown) => {
    const r = await call(method, url, body);
    answers.set(key, [...(answers.get(key) ?? []), r]);
    return r;
  };

  it('calls every operation with a documented answer schema, and each answer validates against the document', async () => {
    const q = encodeURIComponent(QUEUE);
    expect((await record('get /health', 'get', '/api/health')).status).toBe(200);
    await record('get /tasks', 'get', '/api/v1/tasks');
    await waitFor(
      'the worker to publish its tasks',
      () => call('get', '/api/v1/tasks'),
      (r) => JSON.stringify(r.json).includes(SLOW),
    );
    await record('get /tasks/{name}', 'get', `/api/v1/tasks/${TASK}`);
    // The task sets no deadLetter: both answer with empty lists.
    expect((await record('get /tasks/{name}/dead-letters', 'get', `/api/v1/tasks/${TASK}/dead-letters`)).json).toEqual({ deadLetters: [] });
    expect((await record('post /tasks/{name}/dead-letters/replay', 'post', `/api/v1/tasks/${TASK}/dead-letters/replay`)).json).toEqual({ replayed: [] });
    // Live controls: read, override, pause, resume, and back to the code's (so the runs below are not held).
    await record('get /tasks/{name}/controls', 'get', `/api/v1/tasks/${TASK}/controls`);
    await record('put /tasks/{name}/override', 'put', `/api/v1/tasks/${TASK}/override`, { rateLimit: '100/s', concurrency: 'none' });
    await record('post /tasks/{name}/pause', 'post', `/api/v1/tasks/${TASK}/pause`);
    await record('post /tasks/{name}/resume', 'post', `/api/v1/tasks/${TASK}/resume`);
    await record('delete /tasks/{name}/override', 'delete', `/api/v1/tasks/${TASK}/override`);
    const run = await record('post /tasks/{name}/runs', 'post', `/api/v1/tasks/${TASK}/runs`, { args: { a: 1, b: 2 } });
    expect(run.status).toBe(201);
    // The same idempotency key twice: 201 with the new job, then 200 with that job.
    const keyed = { args: { a: 1, b: 2 }, idempotencyKey: 'openapi-once' };
    expect((await record('post /tasks/{name}/runs', 'post', `/api/v1/tasks/${TASK}/runs`, keyed)).status).toBe(201);
    expect((await record('post /tasks/{name}/runs', 'post', `/api/v1/tasks/${TASK}/runs`, keyed)).status).toBe(200);
    const { id } = run.json as { id: string };
    await waitFor(
      'the job to complete',
      () => call('get', `/api/v1/queues/${q}/jobs/${id}`),
      (r) => (r.json as { state?: string }).state === 'completed',
    );
    await record('get /queues', 'get', '/api/v1/queues');
    await record('get /queues/{queue}', 'get', `/api/v1/queues/${q}`);
    await record('get /queues/{queue}/jobs', 'get', `/api/v1/queues/${q}/jobs?state=completed`);
    await record('get /queues/{queue}/jobs/{id}', 'get', `/api/v1/queues/${q}/jobs/${id}`);
    await record('get /queues/{queue}/jobs/{id}/logs', 'get', `/api/v1/queues/${q}/jobs/${id}/logs`);
    await record('get /queues/{queue}/jobs/{id}/download', 'get', `/api/v1/queues/${q}/jobs/${id}/download?part=args`);
    await record('get /results', 'get', `/api/v1/results?queue=${q}`);
    await record('get /results', 'get', `/api/v1/results?queue=${q}&format=json`);
    await record('post /queues/{queue}/jobs/{id}/rerun', 'post', `/api/v1/queues/${q}/jobs/${id}/rerun`, {});
    await record('post /queues/{queue}/jobs/{id}/retry', 'post', `/api/v1/queues/${q}/jobs/${id}/retry`);

    // A paused queue keeps the next jobs waiting, for the actions on waiting and delayed jobs.
    await record('post /queues/{queue}/pause', 'post', `/api/v1/queues/${q}/pause`);
    const raw = await record('post /queues/{queue}/jobs', 'post', `/api/v1/queues/${q}/jobs`, { name: TASK, data: { a: 2, b: 2 } });
    const rawId = (raw.json as { id: string }).id;
    // The same idempotency key twice: 201, then 200 with that job.
    const rawKeyed = { name: TASK, data: { a: 2, b: 2 }, idempotencyKey: 'openapi-raw-once' };
    expect((await record('post /queues/{queue}/jobs', 'post', `/api/v1/queues/${q}/jobs`, rawKeyed)).status).toBe(201);
    expect((await record('post /queues/{queue}/jobs', 'post', `/api/v1/queues/${q}/jobs`, rawKeyed)).status).toBe(200);
    await record('post /queues/{queue}/jobs/{id}/priority', 'post', `/api/v1/queues/${q}/jobs/${rawId}/priority`, { priority: 5 });
    await record('post /queues/{queue}/jobs/{id}/remove', 'post', `/api/v1/queues/${q}/jobs/${rawId}/remove`);
    const delayed = await call('post', `/api/v1/queues/${q}/jobs`, { name: TASK, data: { a: 3, b: 3 }, options: { delay: 3_600_000 } });
    await record('post /queues/{queue}/jobs/{id}/promote', 'post', `/api/v1/queues/${q}/jobs/${(delayed.json as { id: string }).id}/promote`);
    await record('post /queues/{queue}/drain', 'post', `/api/v1/queues/${q}/drain`, { delayed: true });
    await record('post /queues/{queue}/resume', 'post', `/api/v1/queues/${q}/resume`);
    await record('post /queues/{queue}/clean', 'post', `/api/v1/queues/${q}/clean`, { state: 'failed', olderThanMs: 0 });

    const slow = await call('post', `/api/v1/tasks/${SLOW}/runs`, {});
    const slowId = (slow.json as { id: string }).id;
    await waitFor(
      'the slow job to start',
      () => call('get', `/api/v1/queues/${q}/jobs/${slowId}`),
      (r) => (r.json as { state?: string }).state === 'active',
    );
    await record('post /queues/{queue}/jobs/{id}/cancel', 'post', `/api/v1/queues/${q}/jobs/${slowId}/cancel`);
    await waitFor(
      'the slow job to fail',
      () => call('get', `/api/v1/queues/${q}/jobs/${slowId}`),
      (r) => (r.json as { state?: string }).state === 'failed',
    );
    await record('post /queues/{queue}/retry-failed', 'post', `/api/v1/queues/${q}/retry-failed`);

    await record(
      'get /schedules/preview',
      'get',
      `/api/v1/schedules/preview?trigger=${encodeURIComponent(JSON.stringify({ type: 'interval', every: 5, unit: 'minutes' }))}`,
    );
    await record('post /schedules', 'post', '/api/v1/schedules', scheduleBody());
    await record('put /schedules/{name}', 'put', `/api/v1/schedules/${SCHEDULE}`, { ...scheduleBody(), description: 'replaced' });
    await record('patch /schedules/{name}', 'patch', `/api/v1/schedules/${SCHEDULE}`, { catchUp: true });
    const runNow = await record('post /schedules/{name}/runs', 'post', `/api/v1/schedules/${SCHEDULE}/runs`);
    await waitFor(
      'the schedule run to be recorded',
      () => call('get', `/api/v1/schedules/${SCHEDULE}`),
      (r) => JSON.stringify(r.json).includes((runNow.json as { id: string }).id),
    );
    await record('get /schedules', 'get', '/api/v1/schedules');
    await record('get /schedules/{name}', 'get', `/api/v1/schedules/${SCHEDULE}`);

    // Workflows: the published ones; a run that fails at its second step, retried; a run cancelled while its step runs.
    await record('get /workflows', 'get', '/api/v1/workflows');
    const flow = await record('post /workflows/{name}/runs', 'post', '/api/v1/workflows/oa-flow/runs', { args: {} });
    const flowUrl = `/api/v1/workflow-runs/${(flow.json as { id: string }).id}`;
    const flowIs = (state: string) =>
      waitFor(
        `the run to be ${state}`,
        () => call('get', flowUrl),
        (r) => (r.json as { state?: string }).state === state,
      );
    await flowIs('failed');
    await record('post /workflow-runs/{id}/steps/{step}/retry', 'post', `${flowUrl}/steps/0.1/retry`);
    await flowIs('completed');
    await record('get /workflow-runs/{id}', 'get', flowUrl);
    await record('get /workflow-runs', 'get', '/api/v1/workflow-runs?workflow=oa-flow');
    const waits = await call('post', '/api/v1/workflows/oa-waits/runs', {});
    const waitsUrl = `/api/v1/workflow-runs/${(waits.json as { id: string }).id}`;
    await waitFor(
      'its step to run',
      () => call('get', waitsUrl),
      (r) => (r.json as { nodes?: { state: string }[] }).nodes?.[0]?.state === 'active',
    );
    await record('post /workflow-runs/{id}/cancel', 'post', `${waitsUrl}/cancel`);

    const created = await record('post /tokens', 'post', '/api/v1/tokens', { name: 'oa-token', scope: 'read' });
    await record('get /tokens', 'get', '/api/v1/tokens');
    expect((await call('delete', `/api/v1/tokens/${(created.json as { record: { id: string } }).record.id}`)).status).toBe(204);

    await waitFor(
      'the worker to be listed',
      () => call('get', '/api/v1/workers'),
      (r) => (r.json as { alive: unknown[] }).alive.length === 1,
    );
    await record('get /workers', 'get', '/api/v1/workers');
    const w = encodeURIComponent(worker.id);
    await record('post /workers/{id}/pause', 'post', `/api/v1/workers/${w}/pause`);
    await record('post /workers/{id}/resume', 'post', `/api/v1/workers/${w}/resume`);
    await record('post /workers/{id}/concurrency', 'post', `/api/v1/workers/${w}/concurrency`, { concurrency: 3 });
    await record('post /workers/{id}/shutdown', 'post', `/api/v1/workers/${w}/shutdown`);
    await record('post /queues/{queue}/obliterate', 'post', `/api/v1/queues/${q}/obliterate`, { confirm: QUEUE });

    // Alerts: a rule's reading (saved and unsaved) and a channel's test (to a closed port: answered, not delivered).
    const oaRule = { kind: 'backlog', name: 'oa-rule', queue: QUEUE, maxWaiting: 5 };
    await record('post /alerts/rules', 'post', '/api/v1/alerts/rules', oaRule);
    await record('get /alerts/rules/{name}/preview', 'get', '/api/v1/alerts/rules/oa-rule/preview');
    await record('get /alerts/preview', 'get', `/api/v1/alerts/preview?rule=${encodeURIComponent(JSON.stringify(oaRule))}`);
    await record('post /alerts/channels', 'post', '/api/v1/alerts/channels', { id: 'oa-hook', config: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } });
    await record('post /alerts/channels/{id}/test', 'post', '/api/v1/alerts/channels/oa-hook/test');

    const problems: string[] = [];
    let validated = 0;
    // Success answers: error answers share one schema (checked by the error tests), and health's 503 needs Redis stopped.
    for (const { key, op } of documented) {
      const schemas = Object.entries(op.responses).filter(([status, r]) => Number(status) < 400 && r.content?.['application/json']?.schema);
      for (const [status, r] of schemas) {
        const schema = r.content!['application/json']!.schema;
        if (schema.type === 'object' && !schema.properties) continue; // documented as "an object" only
        const got = (answers.get(key) ?? []).filter((a) => String(a.status) === status);
        if (got.length === 0) {
          problems.push(`${key} ${status}: no real answer checked (got ${JSON.stringify((answers.get(key) ?? []).map((a) => [a.status, a.json]))})`);
          continue;
        }
        const check = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
        for (const a of got) {
          const v = check.safeParse(a.json);
          if (v.success) validated++;
          else problems.push(`${key} ${status}: ${z.prettifyError(v.error)}\n${JSON.stringify(a.json).slice(0, 400)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(validated).toBeGreaterThanOrEqual(30);
  }, 60_000);

  it('the core answers are described field by field, not as "an object"', () => {
    for (const key of [
      'get /tasks',
      'post /tasks/{name}/runs',
      'get /queues/{queue}/jobs/{id}',
      'get /queues',
      'get /queues/{queue}/jobs',
      'get /schedules',
      'get /health',
    ]) {
      const d = documented.find((x) => x.key === key)!;
      const [, r] = Object.entries(d.op.responses).find(([s]) => Number(s) < 300)!;
      const schema = r.content!['application/json']!.schema;
      expect(schema.additionalProperties, key).toBe(false);
      expect(Object.keys(schema.properties ?? {}).length, key).toBeGreaterThan(0);
      // Every field typed (a list down to its items); one that holds any JSON (a job's arguments) says so.
      for (const [name, field] of Object.entries(schema.properties!)) {
        expect(field.type ?? field.anyOf ?? field.oneOf ?? field.description, `${key} ${name}`).toBeDefined();
        if (field.type === 'array') expect((field.items as JsonSchema).properties ?? (field.items as JsonSchema).type, `${key} ${name}[]`).toBeDefined();
      }
    }
  });

  it('a documented answer schema refuses an answer that is not one (so the check above can fail)', () => {
    const d = documented.find((x) => x.key === 'get /queues/{queue}/jobs')!;
    const check = z.fromJSONSchema(d.op.responses['200']!.content!['application/json']!.schema as Parameters<typeof z.fromJSONSchema>[0]);
    const page = { queue: 'q', state: 'waiting', name: null, page: 1, pageSize: 25, total: 0, more: false, jobs: [] };
    expect(check.safeParse(page).success).toBe(true);
    expect(check.safeParse({ ...page, state: 'sleeping' }).success).toBe(false);
    expect(check.safeParse({ ...page, total: '0' }).success).toBe(false);
    expect(check.safeParse({ ...page, extra: 1 }).success).toBe(false);
  });
});

describe('OpenAPI document: the documented requests are the ones the routes parse', () => {
  /** A probe: one field of an otherwise valid request set to a value (or left out, or an unknown key added). */
  interface Probe {
    field: string;
    what: string;
    value: Record<string, unknown>;
  }

  /** Values worth trying for one property, from its own JSON Schema (bounds, enums) plus a few of every type. */
  function candidates(s: JsonSchema, inQuery: boolean): unknown[] {
    const out: unknown[] = [];
    for (const v of s.enum ?? []) out.push(v);
    if (s.enum) out.push('no-such-value');
    if (s.const !== undefined) out.push(s.const, typeof s.const === 'number' ? s.const + 1 : 'other');
    const x = (n: number) => 'x'.repeat(n);
    // An empty query value means "not given" to some routes (the results filters): not a useful probe in a query string.
    if (s.minLength !== undefined) out.push(x(s.minLength), ...(s.minLength > 0 && !(inQuery && s.minLength === 1) ? [x(s.minLength - 1)] : []));
    if (s.maxLength !== undefined) out.push(x(s.maxLength), x(s.maxLength + 1));
    const whole = s.type === 'integer';
    if (s.minimum !== undefined) out.push(s.minimum, s.minimum - 1);
    if (s.exclusiveMinimum !== undefined) out.push(s.exclusiveMinimum, s.exclusiveMinimum + 1);
    if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) out.push(s.maximum, s.maximum + 1);
    if (whole) out.push((s.minimum ?? s.exclusiveMinimum ?? 0) + 1.5);
    if (inQuery) out.push('abc', '7');
    else out.push(12345, 'abc', true, null, [], {});
    return out;
  }

  /** A query string value as the document means it (numbers for numeric parameters). */
  function typed(v: unknown, s: JsonSchema): unknown {
    if (typeof v === 'string' && (s.type === 'number' || s.type === 'integer') && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
    return v;
  }

  /**
   * What each operation needs besides the probed field: path parameters of
   * things that exist, and the required fields of a valid request.
   */
  const SETUP: Record<string, { url: (ids: Record<string, string>) => string; base?: Record<string, unknown> }> = {};
  /**
   * Fields whose accepted values the route narrows for reasons a JSON Schema
   * cannot carry: a rule against other data, not a shape. Only the "document
   * accepts → route accepts" direction is skipped for them.
   */
  const BEYOND_SHAPE: Record<string, Record<string, string>> = {
    'post /tasks/{name}/runs': { args: "checked against the task's own schema (GET /tasks/{name} documents it)" },
    'post /queues/{queue}/jobs/{id}/rerun': { args: "checked against the task's own schema" },
    'post /schedules': {
      task: 'must name a task in the catalogue',
      workflow: 'must name a workflow in the catalogue, and a schedule names a task or a workflow, not both',
      args: "checked against the task's own schema",
    },
    'put /schedules/{name}': {
      task: 'must name a task in the catalogue',
      workflow: 'must name a workflow in the catalogue, and a schedule names a task or a workflow, not both',
      args: "checked against the task's own schema",
      name: 'must be the name in the path',
    },
    'post /queues/{queue}/obliterate': { confirm: "must repeat the queue's name" },
    'get /results': { from: 'a date-time or ms', to: 'a date-time or ms', cursor: 'an opaque cursor from a previous page' },
    'get /schedules/preview': { trigger: 'JSON text of a trigger (components.schemas.Trigger)' },
    'get /alerts/preview': { rule: 'JSON text of a rule (the body of POST /alerts/rules)' },
    'put /tasks/{name}/override': { rateLimit: 'a rate in the syntax of code (`5/s`, parsed by lib/registry/task-throttle.ts), or `none`' },
  };

  let ids: Record<string, string>;

  beforeAll(async () => {
    // Fresh things to act on (the answers test above used up the first ones).
    const q = encodeURIComponent(QUEUE);
    const add = await call('post', `/api/v1/tasks/${TASK}/runs`, { args: { a: 1, b: 1 } });
    expect(add.status).toBe(201);
    const schedule = await call('post', '/api/v1/schedules', scheduleBody('oa-probed'));
    expect(schedule.status).toBe(201);
    ids = { queue: q, job: (add.json as { id: string }).id, schedule: 'oa-probed' };
    expect((await call('post', '/api/v1/alerts/channels', { id: 'oa-probed-hook', config: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } })).status).toBe(
      201,
    );
    expect((await call('post', '/api/v1/alerts/rules', { kind: 'backlog', name: 'oa-probed-rule', queue: QUEUE, maxWaiting: 5 })).status).toBe(201);
    const jobUrl = (i: Record<string, string>) => `/api/v1/queues/${i.queue}/jobs/${i.job}`;
    Object.assign(SETUP, {
      'post /tasks/{name}/runs': { url: () => `/api/v1/tasks/${TASK}/runs`, base: { args: { a: 1, b: 2 } } },
      'get /queues/{queue}/jobs': { url: (i) => `/api/v1/queues/${i.queue}/jobs` },
      'post /queues/{queue}/jobs': { url: (i) => `/api/v1/queues/${i.queue}/jobs`, base: { name: TASK } },
      'get /queues/{queue}/jobs/{id}/logs': { url: (i) => `${jobUrl(i)}/logs` },
      'get /queues/{queue}/jobs/{id}/download': { url: (i) => `${jobUrl(i)}/download`, base: { part: 'args' } },
      'post /queues/{queue}/jobs/{id}/priority': { url: (i) => `${jobUrl(i)}/priority`, base: { priority: 1 } },
      'post /queues/{queue}/jobs/{id}/rerun': { url: (i) => `${jobUrl(i)}/rerun` },
      'post /queues/{queue}/clean': { url: (i) => `/api/v1/queues/${i.queue}/clean`, base: { state: 'failed', olderThanMs: 3_600_000 } },
      'post /queues/{queue}/drain': { url: (i) => `/api/v1/queues/${i.queue}/drain` },
      'post /queues/{queue}/obliterate': { url: (i) => `/api/v1/queues/${i.queue}/obliterate`, base: { confirm: 'not the name' } },
      'get /results': { url: () => '/api/v1/results' },
      'post /schedules': { url: () => '/api/v1/schedules', base: scheduleBody('oa-probe-created') },
      'get /schedules/preview': { url: () => '/api/v1/schedules/preview', base: { trigger: JSON.stringify({ type: 'interval', every: 5, unit: 'minutes' }) } },
      'put /schedules/{name}': { url: (i) => `/api/v1/schedules/${i.schedule}`, base: scheduleBody('oa-probed') },
      'patch /schedules/{name}': { url: (i) => `/api/v1/schedules/${i.schedule}` },
      'post /workers/{id}/concurrency': { url: () => '/api/v1/workers/no-such-worker/concurrency', base: { concurrency: 2 } },
      'get /dashboard/history': { url: () => '/api/v1/dashboard/history' },
      'post /tokens': { url: () => '/api/v1/tokens', base: { name: 'oa-probe-token', scope: 'read' } },
      'put /tasks/{name}/override': { url: () => `/api/v1/tasks/${TASK}/override` },
      'post /alerts/rules': { url: () => '/api/v1/alerts/rules', base: { kind: 'backlog', name: 'oa-probed-rule', queue: QUEUE, maxWaiting: 5 } },
      'get /alerts/preview': {
        url: () => '/api/v1/alerts/preview',
        base: { rule: JSON.stringify({ kind: 'backlog', name: 'oa-probed-rule', queue: QUEUE, maxWaiting: 5 }) },
      },
      'put /alerts/rules/{name}': {
        url: () => '/api/v1/alerts/rules/oa-probed-rule',
        base: { kind: 'backlog', name: 'oa-probed-rule', queue: QUEUE, maxWaiting: 5 },
      },
      'patch /alerts/rules/{name}': { url: () => '/api/v1/alerts/rules/oa-probed-rule' },
      'post /alerts/channels': {
        url: () => '/api/v1/alerts/channels',
        base: { id: 'oa-probed-hook', config: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } },
      },
      'put /alerts/channels/{id}': {
        url: () => '/api/v1/alerts/channels/oa-probed-hook',
        base: { config: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } },
      },
      'get /alerts/deliveries': { url: () => '/api/v1/alerts/deliveries' },
      // A workflow no worker published: the body is parsed first (400 names the field), a valid one answers 404 at once.
      'post /workflows/{name}/runs': { url: () => '/api/v1/workflows/oa-no-such-flow/runs' },
      'get /workflow-runs': { url: () => '/api/v1/workflow-runs' },
      'get /alerts/incidents': { url: () => '/api/v1/alerts/incidents' },
      'post /alerts/incidents/{id}/silence': { url: () => '/api/v1/alerts/incidents/no-such-incident/silence', base: { forMs: 1000 } },
    } satisfies typeof SETUP);
  });

  /** The documented request of an operation: its body schema, or its query parameters as one object schema. */
  function requestSchema(op: DocOperation): { schema: JsonSchema; inQuery: boolean } | undefined {
    const body = op.requestBody?.content['application/json']?.schema;
    if (body) return { schema: body, inQuery: false };
    const params = (op.parameters ?? []).filter((p) => p.in === 'query');
    if (!params.length) return undefined;
    return {
      schema: {
        type: 'object',
        properties: Object.fromEntries(params.map((p) => [p.name, p.schema])),
        required: params.filter((p) => p.required).map((p) => p.name),
      },
      inQuery: true,
    };
  }

  function probes(schema: JsonSchema, base: Record<string, unknown>, inQuery: boolean): Probe[] {
    const out: Probe[] = [{ field: '', what: 'the base request', value: base }];
    for (const [name, s] of Object.entries(schema.properties ?? {})) {
      for (const v of candidates(s, inQuery)) out.push({ field: name, what: `${name}=${JSON.stringify(v).slice(0, 40)}`, value: { ...base, [name]: v } });
      if (schema.required?.includes(name)) {
        const { [name]: _gone, ...rest } = base;
        out.push({ field: name, what: `without ${name}`, value: rest });
      }
    }
    if (schema.additionalProperties === false) out.push({ field: '', what: 'an unknown key', value: { ...base, 'no-such-key': 1 } });
    return out;
  }

  it("the document's body and query schemas are the very objects the routes parse with", async () => {
    const problems: string[] = [];
    for (const op of shown) {
      const schema = op.body ?? op.query;
      if (!schema) continue;
      const key = `${op.method} ${op.path.replace(/^\/api\/v1/, '')}`;
      const setup = SETUP[key];
      if (!setup) {
        problems.push(`${key}: documents a request; add it to SETUP here`);
        continue;
      }
      const base = setup.base ?? {};
      parsedWith.length = 0;
      const r = op.body
        ? await call(op.method, setup.url(ids), base)
        : await call(op.method, `${setup.url(ids)}?${new URLSearchParams(Object.entries(base).map(([k, v]) => [k, String(v)]))}`);
      if (!parsedWith.includes(schema)) problems.push(`${key} (answered ${r.status}): the route did not parse with the schema the document shows`);
    }
    expect(problems).toEqual([]);
  });

  it('every body and query parameter gets the same verdict from the document and from the route', async () => {
    const disagreements: string[] = [];
    let checked = 0;
    for (const { key, method, op } of documented) {
      const req = requestSchema(op);
      if (!req) continue;
      const setup = SETUP[key];
      if (!setup) {
        disagreements.push(`${key}: documents a request; add it to SETUP here`);
        continue;
      }
      const verdict = z.fromJSONSchema(req.schema as Parameters<typeof z.fromJSONSchema>[0]);
      for (const p of probes(req.schema, setup.base ?? {}, req.inQuery)) {
        const docValue = req.inQuery ? Object.fromEntries(Object.entries(p.value).map(([k, v]) => [k, typed(v, req.schema.properties![k]!)])) : p.value;
        const docAccepts = verdict.safeParse(docValue).success;
        const url = setup.url(ids);
        const r = req.inQuery
          ? await call(method, `${url}?${new URLSearchParams(Object.entries(p.value).map(([k, v]) => [k, String(v)]))}`)
          : await call(method, url, p.value);
        const field = fieldOf(r);
        const namesIt = field !== undefined && (p.field === '' || field === p.field || field.startsWith(`${p.field}.`));
        checked++;
        if (!docAccepts && r.status !== 400) disagreements.push(`${key} ${p.what}: the document refuses it, the route answered ${r.status}`);
        else if (!docAccepts && p.field && !namesIt) disagreements.push(`${key} ${p.what}: the document refuses it, the route's 400 names "${field}"`);
        else if (docAccepts && namesIt && !BEYOND_SHAPE[key]?.[p.field] && !(p.field === '' && Object.keys(BEYOND_SHAPE[key] ?? {}).includes(field ?? ''))) {
          disagreements.push(`${key} ${p.what}: the document accepts it, the route refused it: ${JSON.stringify(r.json)}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(checked).toBeGreaterThan(300);
  }, 120_000);

  it('the comparison notices a route stricter or looser than its document (so the test above can fail)', () => {
    // The job-list query as documented, against a route that would accept 1,000 jobs a page or refuse 200.
    const d = documented.find((x) => x.key === 'get /queues/{queue}/jobs')!;
    const { schema } = requestSchema(d.op)!;
    const verdict = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    const looser = z.object({ pageSize: z.coerce.number().int().min(1).max(1000).default(25) });
    const stricter = z.object({ pageSize: z.coerce.number().int().min(1).max(100).default(25) });
    const values = probes(schema, {}, true).filter((p) => p.field === 'pageSize');
    const differs = (route: z.ZodType) =>
      values.some(
        (p) =>
          verdict.safeParse({ pageSize: typed(p.value.pageSize, schema.properties!.pageSize!) }).success !==
          route.safeParse({ pageSize: String(p.value.pageSize) }).success,
      );
    expect(differs(looser)).toBe(true);
    expect(differs(stricter)).toBe(true);
  });
});
