import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { env } from '@/lib/env';
import { bullKey } from '@/lib/keys';
import { closeRedis, createRedis, getRedis } from '@/lib/redis';
import { closeQueues } from '@/lib/queue/queue-registry';
import { publishCatalogue } from '@/lib/registry/catalogue';
import { registry } from '@/worker/tasks';
import { serveApi } from './api-server';
import { bullQueueName } from '@/lib/queue/queue-names';

/**
 * The tasks API over HTTP: the operations of lib/api/tasks.ts, served by the
 * API app as server.ts serves it, behind a real Node server,
 * against the test Redis (no accounts: the console is open, as on loopback).
 */

const prefix = env().CELERITY_PREFIX;
const redis = createRedis('command');
// An observer; skipMetasUpdate: it writes nothing of its own into the queue.
const queue = new Queue(bullQueueName('default'), { connection: redis, prefix, skipMetasUpdate: true });
let served: Awaited<ReturnType<typeof serveApi>>;
let base: string;

beforeAll(async () => {
  // What a worker publishes at start (the console reads the catalogue, never the task code).
  await publishCatalogue(getRedis(), registry.tasks, 'api-tasks-test');
  served = await serveApi();
  base = served.base;
});

afterAll(async () => {
  await served.close();
  await queue.close();
  await redis.quit();
  await closeQueues();
  await closeRedis();
});

interface ErrorBody {
  error: { code: string; message: string; field?: string; fields?: Record<string, string> };
}

function run(task: string, body: unknown): Promise<Response> {
  return fetch(`${base}/api/v1/tasks/${encodeURIComponent(task)}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** What "no job was created" means: the queue's id counter and job counts did not move. */
async function queueSnapshot(): Promise<{ lastId: string | null; counts: Record<string, number> }> {
  return { lastId: await redis.get(bullKey('default', 'id')), counts: await queue.getJobCounts() };
}

describe('GET /api/v1/tasks', () => {
  it('lists the catalogue: each task with its description, queue and the JSON Schema of its arguments', async () => {
    const res = await fetch(`${base}/api/v1/tasks`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const { tasks } = (await res.json()) as {
      tasks: { name: string; description: string; queue: string; argsSchema: Record<string, unknown>; defaults: unknown; workers: number }[];
    };
    expect(tasks.map((t) => t.name)).toEqual([
      'add',
      'api-call',
      'fail',
      'fetch-page',
      'flaky',
      'hello',
      'notify-failure',
      'parse-page',
      'report',
      'sleep',
      'store-page',
      'summarize-thumbnails',
      'thumbnail',
      'validate-page',
    ]);
    for (const t of tasks) {
      expect(t.description, t.name).toBe(registry.get(t.name)!.description);
      // The rate-limited demo task has a queue of its own (the task controls' e2e counts its jobs there).
      expect(t.queue, t.name).toBe(t.name === 'api-call' ? 'api' : 'default');
      expect(t.argsSchema.$schema, t.name).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(t.workers, t.name).toBe(0);
    }
    const byName = new Map(tasks.map((t) => [t.name, t]));
    expect(byName.get('add')!.argsSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number', description: 'First number' }, b: { type: 'number', description: 'Second number' } },
      required: ['a', 'b'],
    });
    // Defaults make a field optional on the input side, and show up as the schema's default.
    const report = byName.get('report')!.argsSchema as {
      properties: Record<string, { type: string; default?: unknown; minimum?: number }>;
      required?: string[];
    };
    expect(report.properties.durationMs).toMatchObject({ type: 'integer', default: 10_000, minimum: 0 });
    expect(report.properties.steps).toMatchObject({ type: 'integer', default: 10, minimum: 1 });
    expect(report.required ?? []).toEqual([]);
    expect(byName.get('flaky')!.defaults).toEqual({ attempts: 5, backoff: { type: 'exponential', delay: 500 } });
  });
});

describe('POST /api/v1/tasks/{name}/runs', () => {
  it('answers 404 with the error shape for an unknown task, and creates no job', async () => {
    const before = await queueSnapshot();
    const res = await run('no-such-task', { args: {} });
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorBody;
    expect(body).toEqual({ error: { code: 'not_found', message: expect.stringContaining('no-such-task') } });
    expect(await queueSnapshot()).toEqual(before);
  });

  it.each([
    { args: { a: 'x', b: 1 }, field: 'args.a' },
    { args: { a: 1 }, field: 'args.b' },
    { args: { durationMs: 1.5 }, field: 'args.durationMs', task: 'report' },
  ])('answers 400 naming $field for invalid arguments, and creates no job', async ({ args, field, task = 'add' }) => {
    const before = await queueSnapshot();
    const res = await run(task, { args });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: 'invalid', field });
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(await queueSnapshot()).toEqual(before);
  });

  it('answers 400 naming the option for invalid options, and 400 for a body that is not JSON', async () => {
    const before = await queueSnapshot();
    const bad = await run('add', { args: { a: 1, b: 2 }, options: { attempts: 0 } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).error).toMatchObject({ code: 'invalid', field: 'options.attempts' });
    const notJson = await fetch(`${base}/api/v1/tasks/add/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"args":' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as ErrorBody).error).toMatchObject({ code: 'invalid', field: 'body' });
    expect(await queueSnapshot()).toEqual(before);
  });

  it('answers 400 naming the body (never an empty field) for unknown keys at the top of the body, and creates no job', async () => {
    const before = await queueSnapshot();
    const res = await run('add', { a: 1, b: 2 });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorBody;
    expect(error).toEqual({
      code: 'invalid',
      message: expect.stringMatching(/^body: Unrecognized keys: "a", "b"/),
      field: 'body',
      fields: { body: expect.stringMatching(/^Unrecognized keys/) },
    });
    expect(await queueSnapshot()).toEqual(before);
  });

  it('answers 201 { queue, id } for valid arguments: a job of that task, with those arguments and options, waits in the queue', async () => {
    const res = await run('add', { args: { a: 2, b: 3 }, options: { attempts: 2, priority: 4 } });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { queue: string; id: string };
    expect(Object.keys(body).sort()).toEqual(['created', 'id', 'queue']);
    expect((body as { created?: boolean }).created).toBe(true);
    expect(body.queue).toBe('default');
    const job = await queue.getJob(body.id);
    expect(job?.name).toBe('add');
    expect(job?.data).toEqual({ a: 2, b: 3 });
    expect(job?.opts).toMatchObject({ attempts: 2, priority: 4 });
    expect(await queue.getJobState(body.id)).toBe('prioritized');
    // Read back through the job route: the same job.
    const dto = (await (await fetch(`${base}/api/v1/queues/default/jobs/${body.id}`)).json()) as { id: string; name: string; args: unknown; state: string };
    expect(dto).toMatchObject({ id: body.id, name: 'add', args: { a: 2, b: 3 }, state: 'prioritized' });
  });

  it('answers 201 to a bare POST (no body, no Content-Type) for a task without arguments, as `curl -X POST` sends it', async () => {
    const res = await fetch(`${base}/api/v1/tasks/hello/runs`, { method: 'POST' });
    expect(res.status, await res.clone().text()).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect((await queue.getJob(id))?.name).toBe('hello');
  });
});
