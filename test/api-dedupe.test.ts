import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { getRedis } from '@/lib/redis';
import { readAudit } from '@/lib/auth/audit-log';
import { publishCatalogue } from '@/lib/registry/catalogue';
import { defineTask } from '@/lib/registry/define-task';
import { uniqueName } from './helpers';
import { serveApi } from './api-server';
import { queueStack } from './fixtures/queue-stack';

/**
 * Idempotent runs over HTTP: `POST /api/v1/tasks/{name}/runs` with an
 * `Idempotency-Key` header (or `idempotencyKey` in the body) or for a task
 * whose dedupe key is made of argument names answers 201 for the job it
 * created and 200 with the existing job otherwise.
 */
const stack = queueStack();
const q = uniqueName('api-dedupe');
const schema = z.object({ customer: z.string() });
const tasks = [
  defineTask({ name: uniqueName('bill'), description: 'no dedupe of its own', queue: q, schema, handler: () => 0 }),
  defineTask({
    name: uniqueName('sync'),
    description: 'one per customer per minute',
    queue: q,
    schema,
    dedupe: { key: ['customer'], ttl: 60_000 },
    handler: () => 0,
  }),
  defineTask({
    name: uniqueName('coded'),
    description: 'key made by code',
    queue: q,
    schema,
    dedupe: { key: (a) => a.customer, ttl: 60_000 },
    handler: () => 0,
  }),
];
const [bill, sync, coded] = tasks.map((t) => t.name) as [string, string, string];
const queue = stack.observe(q);
let served: Awaited<ReturnType<typeof serveApi>>;

beforeAll(async () => {
  await publishCatalogue(getRedis(), tasks, 'api-dedupe-test');
  served = await serveApi();
});
afterAll(() => served.close());

interface RunAnswer {
  queue: string;
  id: string;
  created: boolean;
}

function run(task: string, body: unknown, key?: string): Promise<Response> {
  return fetch(`${served.base}/api/v1/tasks/${encodeURIComponent(task)}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key !== undefined ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
}
const jobCount = async () => (await queue.getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed'])).length;

describe('POST /api/v1/tasks/{name}/runs with keys', () => {
  it('answers 201 then 200 with the same job for one Idempotency-Key, and audits both', async () => {
    const before = await jobCount();
    const first = await run(bill, { args: { customer: 'c1' } }, 'invoice-2026-12');
    expect(first.status).toBe(201);
    const created = (await first.json()) as RunAnswer;
    expect(created).toMatchObject({ queue: q, created: true });
    const again = await run(bill, { args: { customer: 'c1' } }, 'invoice-2026-12');
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ queue: q, id: created.id, created: false });
    // The body's field is the same key.
    const viaBody = await run(bill, { args: { customer: 'c1' }, idempotencyKey: 'invoice-2026-12' });
    expect([viaBody.status, ((await viaBody.json()) as RunAnswer).id]).toEqual([200, created.id]);
    expect(await jobCount()).toBe(before + 1);

    const { entries } = await readAudit(stack.redis, { limit: 50 });
    const runs = entries.filter((e) => e.action === 'task.run' && e.path.includes(encodeURIComponent(bill)));
    expect(runs.map((e) => [e.status, e.target]).reverse()).toEqual([
      [201, `${q}/${created.id}`],
      [200, `${q}/${created.id}`],
      [200, `${q}/${created.id}`],
    ]);
  });

  it('shows each task’s setting in the catalogue: mode, window and key arguments (none for a key made by code)', async () => {
    const task = async (name: string) => (await (await fetch(`${served.base}/api/v1/tasks/${encodeURIComponent(name)}`)).json()) as Record<string, unknown>;
    expect(await task(sync)).toMatchObject({ dedupe: { mode: 'window', ttl: 60_000, keyArgs: ['customer'] }, idempotencyTtl: 24 * 3600 * 1000 });
    expect((await task(coded)).dedupe).toEqual({ mode: 'window', ttl: 60_000 });
    expect((await task(bill)).dedupe).toBeUndefined();
  });

  it('applies a task’s key made of argument names; a key computed by code applies only to enqueue() in code', async () => {
    const [a, b, c] = [
      await run(sync, { args: { customer: 'c2' } }),
      await run(sync, { args: { customer: 'c2' } }),
      await run(sync, { args: { customer: 'c3' } }),
    ];
    expect([a.status, b.status, c.status]).toEqual([201, 200, 201]);
    expect(((await b.json()) as RunAnswer).id).toBe(((await a.json()) as RunAnswer).id);
    const [x, y] = [await run(coded, { args: { customer: 'c2' } }), await run(coded, { args: { customer: 'c2' } })];
    expect([x.status, y.status]).toEqual([201, 201]);
    // An idempotency key wins over the task's key.
    const [k1, k2] = [await run(sync, { args: { customer: 'c2' } }, 'sync-k1'), await run(sync, { args: { customer: 'c2' } }, 'sync-k1')];
    expect([k1.status, k2.status]).toEqual([201, 200]);
  });

  it('answers 400 naming the field for a key over 256 characters, an empty one, one of another type, or two that differ; nothing is enqueued', async () => {
    const before = await jobCount();
    const cases: [Response, string][] = [
      [await run(bill, { args: { customer: 'c' } }, 'k'.repeat(257)), 'Idempotency-Key'],
      [await run(bill, { args: { customer: 'c' } }, ''), 'Idempotency-Key'],
      [await run(bill, { args: { customer: 'c' }, idempotencyKey: 'k'.repeat(257) }), 'idempotencyKey'],
      [await run(bill, { args: { customer: 'c' }, idempotencyKey: 42 }), 'idempotencyKey'],
      [await run(bill, { args: { customer: 'c' }, idempotencyKey: 'a' }, 'b'), 'Idempotency-Key'],
    ];
    for (const [res, field] of cases) {
      expect(res.status, field).toBe(400);
      expect(((await res.json()) as { error: { field: string } }).error.field).toBe(field);
    }
    expect(await jobCount()).toBe(before);
    // 256 characters is a key.
    expect((await run(bill, { args: { customer: 'c' } }, 'k'.repeat(256))).status).toBe(201);
  });

  it('takes an idempotency key when adding a raw job to a queue: 201, then 200 with the same job; 400 for a bad key', async () => {
    const add = (body: unknown, key?: string) =>
      fetch(`${served.base}/api/v1/queues/${encodeURIComponent(q)}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(key !== undefined ? { 'idempotency-key': key } : {}) },
        body: JSON.stringify(body),
      });
    const first = await add({ name: 'foreign', data: { n: 1 } }, 'raw-1');
    const created = (await first.json()) as RunAnswer;
    expect([first.status, created.created]).toEqual([201, true]);
    const again = await add({ name: 'foreign', data: { n: 2 }, idempotencyKey: 'raw-1' });
    expect([again.status, await again.json()]).toEqual([200, { queue: q, id: created.id, created: false }]);
    const bad = await add({ name: 'foreign' }, 'k'.repeat(257));
    expect([bad.status, ((await bad.json()) as { error: { field: string } }).error.field]).toEqual([400, 'Idempotency-Key']);
  });

  it('documents the header and both answers in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${served.base}/api/v1/openapi.json`)).json()) as {
      paths: Record<string, { post?: { parameters?: { name: string; in: string; schema: { maxLength?: number } }[]; responses: Record<string, unknown> } }>;
    };
    for (const path of ['/tasks/{name}/runs', '/queues/{queue}/jobs']) {
      const op = doc.paths[path]!.post!;
      expect(
        op.parameters?.find((p) => p.in === 'header'),
        path,
      ).toMatchObject({ name: 'Idempotency-Key', schema: { maxLength: 256 } });
      expect(Object.keys(op.responses), path).toEqual(expect.arrayContaining(['200', '201', '400']));
    }
  });
});
