import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTask } from '@/lib/registry/define-task';
import { createRegistry } from '@/lib/registry/task-registry';
import { chain, group, step, type Sig } from '@/lib/workflows/canvas';
import { defineWorkflow } from '@/lib/workflows/define-workflow';
import { workflowRunPageSchema, workflowRunSchema, type WorkflowRunDTO } from '@/lib/workflows/run-dto';
import { START_JOB } from '@/lib/workflows/flow-build';
import { getQueue } from '@/lib/queue/queue-registry';
import { queueStack } from './fixtures/queue-stack';
import { serveApi } from './api-server';
import { uniqueName, waitFor } from './helpers';

/**
 * The workflows API over HTTP (lib/api/workflows.ts) with a worker in this process:
 * start a run from the published definition, list and read runs, retry a failed step,
 * cancel; bad input answers 400 naming the step and enqueues no step.
 */
const stack = queueStack();
const queue = uniqueName('wfa');
let failOnce = true;

const num = defineTask({ name: 'num', description: '', queue, schema: z.object({ n: z.number() }), handler: ({ n }) => n });
const addTo = defineTask({
  name: 'add-to',
  description: '',
  queue,
  schema: z.object({ n: z.number() }),
  input: z.number(),
  handler: ({ n }, ctx) => ctx.input + n,
});
const once = defineTask({
  name: 'fails-once',
  description: '',
  queue,
  schema: z.object({}),
  handler: (_, ctx) => {
    if (failOnce) throw new Error('first time fails');
    return ctx.input as number;
  },
});
const stranger = defineTask({ name: 'not-on-any-worker', description: '', queue, schema: z.object({}), handler: () => 1 });

const quick = defineWorkflow({
  name: 'quick',
  description: 'num then add-to',
  queue,
  schema: z.object({ n: z.number().default(1) }),
  build: ({ n }) => chain(step(num, { n }), step(addTo, { n: 10 })),
});
const retried = defineWorkflow({
  name: 'retried',
  description: '',
  queue,
  schema: z.object({}),
  build: () => chain(step(num, { n: 4 }), step(once), step(addTo, { n: 1 })),
});
// Bad plans the worker refuses: arguments that fail a step's schema, an unknown task, a cycle.
const badArgs = defineWorkflow({
  name: 'bad-args',
  description: '',
  queue,
  schema: z.object({}),
  build: () => chain(step(num, { n: 1 }), step(addTo, { n: 'x' as never })),
});
const unknownTask = defineWorkflow({
  name: 'unknown-task',
  description: '',
  queue,
  schema: z.object({}),
  build: () => group(step(num, { n: 1 }), step(stranger)),
});
const cyclic = defineWorkflow({
  name: 'cyclic',
  description: '',
  queue,
  schema: z.object({}),
  build: () => {
    const steps: Sig['node'][] = [step(num, { n: 1 }).node];
    const loop = { node: { kind: 'chain' as const, steps } };
    steps.push(loop.node); // a chain that contains itself
    return loop as Sig<undefined, unknown>;
  },
});
const registry = createRegistry([num, addTo, once], { workflows: [quick, retried, badArgs, unknownTask, cyclic] });

let base: string;
let close: () => Promise<void>;
beforeAll(async () => {
  await stack.worker(registry);
  ({ base, close } = await serveApi());
});
afterAll(() => close());

const post = (path: string, body?: unknown) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
const getRun = async (id: string): Promise<WorkflowRunDTO> => workflowRunSchema.parse(await (await fetch(`${base}/api/v1/workflow-runs/${id}`)).json());
const ended = (id: string) =>
  waitFor(
    `run ${id} to end`,
    () => getRun(id),
    (r) => !['pending', 'running'].includes(r.state),
    10_000,
  );

describe('workflows API', () => {
  it('lists the published workflows with the JSON Schema of their arguments', async () => {
    const body = (await (await fetch(`${base}/api/v1/workflows`)).json()) as { workflows: { name: string; argsSchema: { properties?: object } }[] };
    expect(body.workflows.map((w) => w.name)).toEqual(['bad-args', 'cyclic', 'quick', 'retried', 'unknown-task']);
    expect(body.workflows.find((w) => w.name === 'quick')!.argsSchema.properties).toHaveProperty('n');
  });

  it('starts a run, which completes; the run shows its steps, edges, attempts and result', async () => {
    const res = await post('/api/v1/workflows/quick/runs', { args: { n: 5 } });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const run = await ended(id);
    expect(run).toMatchObject({ workflow: 'quick', state: 'completed', result: 15, steps: { done: 2, total: 2 }, args: { n: 5 } });
    expect(run.edges).toEqual([{ from: '0.0', to: '0.1' }]);
    expect(run.nodes.map((n) => [n.id, n.task, n.state, n.parents, n.children])).toEqual([
      ['0.0', 'num', 'completed', [], ['0.1']],
      ['0.1', 'add-to', 'completed', ['0.0'], []],
    ]);
    const second = run.nodes[1]!.attempts[0]!;
    expect(second.outcome).toBe('completed');
    expect(second.queuedAt).toBe(run.nodes[0]!.attempts[0]!.finishedAt); // ready when its predecessor finished
  });

  it('arguments that fail the workflow schema answer 400 naming the field', async () => {
    const res = await post('/api/v1/workflows/quick/runs', { args: { n: 'five' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('args.n');
    expect((await post('/api/v1/workflows/nope/runs', {})).status).toBe(404);
  });

  it.each([
    ['bad-args', 'steps.0.1.args.n', /Step 0\.1 \(add-to\): args\.n/],
    ['unknown-task', 'steps.0.1', /Step 0\.1: unknown task "not-on-any-worker"/],
    ['cyclic', 'steps.0.1', /Step 0\.1: cycle/],
  ])('a plan the worker refuses (%s) answers 400 naming the step; no step is enqueued', async (name, field, message) => {
    const before = await getQueue(queue).getJobCountByTypes('waiting', 'waiting-children', 'active', 'delayed', 'failed');
    const res = await post(`/api/v1/workflows/${name}/runs`, {});
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { field: string; message: string } };
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(await getQueue(queue).getJobCountByTypes('waiting', 'waiting-children', 'active', 'delayed', 'failed')).toBe(before);
    const completed = await getQueue(queue).getJobs(['completed'], 0, 1000);
    expect(completed.filter((j) => j.name !== START_JOB && j.data?.workflow === name)).toEqual([]);
  });

  it('retry of the failed step over the API resumes the run; cancel of an ended run is a 409', async () => {
    failOnce = true;
    const { id } = (await (await post('/api/v1/workflows/retried/runs', {})).json()) as { id: string };
    const failed = await ended(id);
    expect(failed.state).toBe('failed');
    expect(failed.error).toEqual({ step: '0.1', message: 'first time fails' });
    expect(failed.nodes.find((n) => n.id === '0.1')).toMatchObject({ state: 'failed', canRetry: true, error: 'first time fails' });
    expect(failed.nodes.find((n) => n.id === '0.2')).toMatchObject({ state: 'waiting', canRetry: false });
    failOnce = false;
    expect((await post(`/api/v1/workflow-runs/${id}/steps/0.1/retry`)).status).toBe(200);
    const done = await ended(id);
    expect(done).toMatchObject({ state: 'completed', result: 5 });
    expect(done.nodes.find((n) => n.id === '0.1')!.attempts.map((a) => a.outcome)).toEqual(['failed', 'completed']);
    expect((await post(`/api/v1/workflow-runs/${id}/cancel`)).status).toBe(409);
    expect((await post(`/api/v1/workflow-runs/${id}/steps/0.1/retry`)).status).toBe(409);
  });

  it('lists runs newest first, filtered by workflow and state, a page at a time', async () => {
    for (let i = 0; i < 3; i++) await ended(((await (await post('/api/v1/workflows/quick/runs', { args: { n: i } })).json()) as { id: string }).id);
    const page = workflowRunPageSchema.parse(await (await fetch(`${base}/api/v1/workflow-runs?workflow=quick&state=completed&pageSize=2`)).json());
    expect(page.total).toBeGreaterThanOrEqual(4);
    expect(page.runs).toHaveLength(2);
    expect(page.more).toBe(true);
    expect(page.runs[0]!.createdAt).toBeGreaterThanOrEqual(page.runs[1]!.createdAt);
    expect(page.runs.every((r) => r.workflow === 'quick' && r.state === 'completed')).toBe(true);
    const failed = workflowRunPageSchema.parse(await (await fetch(`${base}/api/v1/workflow-runs?state=failed`)).json());
    expect(failed.runs.map((r) => r.workflow).sort()).toEqual(['bad-args', 'cyclic', 'unknown-task']);
    const doc = (await (await fetch(`${base}/api/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/workflows/{name}/runs',
        '/workflow-runs',
        '/workflow-runs/{id}',
        '/workflow-runs/{id}/steps/{step}/retry',
        '/workflow-runs/{id}/cancel',
      ]),
    );
  });
});
