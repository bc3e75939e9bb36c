import { describe, expect, it } from 'vitest';
import type { Queue } from 'bullmq';
import { createLogger } from '@/lib/logger';
import { createRegistry } from '@/lib/registry/task-registry';
import { getIncident, listIncidents } from '@/lib/alerts/incident-store';
import type { RuleInput } from '@/lib/alerts/rule-model';
import { clearHeartbeat, writeHeartbeat, type Heartbeat } from '@/lib/worker/heartbeat';
import { writeDefinition, recordRun } from '@/lib/scheduler/schedule-store';
import { validateSchedule } from '@/lib/scheduler/schedule-model';
import { add, fail, sleep } from '@/worker/tasks/demo-tasks';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { alertHarness } from './fixtures/alert-harness';

/**
 * Every rule kind against real figures (real workers, jobs, heartbeats,
 * schedule runs) and a real webhook receiver that checks signatures: it fires
 * on the condition, notifies once per incident, reminds after the cooldown,
 * and resolves saying so. The engine is ticked by the test (one evaluation per
 * call), so "exactly once" is counted over evaluations, not over a guessed sleep.
 */
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('alerts-rules', 'error');
const COOLDOWN_MS = 600;

/** The whole life of an incident: fires once, reminds once after the cooldown, resolves with its duration. */
async function lifecycle(rule: RuleInput, makeTrue: () => Promise<unknown>, makeFalse: () => Promise<unknown>) {
  const h = await alertHarness(stack, rule, { cooldownMs: COOLDOWN_MS, logger });
  expect(await h.tick()).toEqual([]);
  await makeTrue();
  expect(await h.until('the incident to open', 1)).toEqual(['firing']);
  // More evaluations inside the cooldown (counted from the incident's opening): nothing more is sent.
  for (let i = 0; i < 3; i++) await h.tick();
  const openedAt = h.receiver.accepted()[0]!.body.incident!.openedAt;
  if (Date.now() - openedAt < COOLDOWN_MS) expect(h.events()).toEqual(['firing']);
  expect(await h.until('a reminder after the cooldown', 2)).toEqual(['firing', 'reminder']);
  await makeFalse();
  const events = await waitFor('the resolution', h.tick, (e) => e.includes('resolved'), 10_000);
  // A reminder may have been due once more while the condition was being cleared.
  expect(events[0]).toBe('firing');
  expect(events.at(-1)).toBe('resolved');
  expect(events.filter((e) => e === 'firing')).toHaveLength(1);
  for (let i = 0; i < 3; i++) await h.tick();
  expect(h.events()).toEqual(events);

  const got = h.receiver.accepted();
  expect(got.every((r) => r.signed === true)).toBe(true);
  expect(new Set(got.map((r) => r.deliveryId)).size).toBe(got.length);
  const firing = got[0]!.body;
  const resolved = got.at(-1)!.body;
  expect(firing.rule).toEqual({ name: rule.name, kind: rule.kind });
  expect(firing.title).toMatch(/^\[FIRING\] /);
  expect(firing.link).toMatch(/^http:\/\/console\.test\/base\//);
  expect(resolved.title).toMatch(/^\[RESOLVED\] .* resolved after \d/);
  expect(resolved.incident!.id).toBe(firing.incident!.id);
  expect(resolved.incident!.durationMs).toBeGreaterThan(0);

  const [incident] = await listIncidents(redis, { rule: rule.name });
  expect(incident).toMatchObject({ id: firing.incident!.id, status: 'resolved', notifications: events.length });
  const { timeline } = await getIncident(redis, incident!.id);
  expect(timeline.map((t) => t.type)).toEqual(['opened', ...events.map((e) => ({ firing: 'notified', reminder: 'reminded', resolved: 'resolved' })[e])]);
  return got;
}

const waitCounts = (q: Queue, what: 'completed' | 'failed' | 'active', n: number) =>
  waitFor(
    `${n} ${what}`,
    () => q.getJobCounts(what),
    (c) => (c[what] ?? 0) >= n,
  );

describe('alert rules, one incident each', () => {
  it('failure rate of a queue over a window, with a minimum of jobs', async () => {
    const { name, queue } = await stack.workerOnOwnQueue([add, fail], { logger }, 'rate');
    const rule = { kind: 'failure_rate', name: uniqueName('rate'), queue: name, windowMs: 60_000, percent: 50, minJobs: 4 } as const;
    const got = await lifecycle(
      rule,
      async () => {
        // Three failures are below the minimum of jobs: no incident yet.
        await queue.addBulk(Array.from({ length: 3 }, () => ({ name: 'fail', data: { message: 'boom' } })));
        await waitCounts(queue, 'failed', 3);
        await queue.add('fail', { message: 'boom' });
        await waitCounts(queue, 'failed', 4);
      },
      async () => {
        await queue.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'add', data: { a: i, b: 1 } })));
        await waitCounts(queue, 'completed', 10);
      },
    );
    expect(got[0]!.body.value).toBe(100);
    expect(got[0]!.body.details).toMatchObject({ queue: name, completed: 0, failed: 4 });
    expect(got.at(-1)!.body.text).toMatch(/28.6% of 14 jobs/);
  });

  it('a job failed for good: the error and a link to the job', async () => {
    const { name, queue } = await stack.workerOnOwnQueue([fail], { logger }, 'failed');
    const rule = { kind: 'job_failed', name: uniqueName('failed'), queue: name, windowMs: 2_000 } as const;
    let jobId = '';
    const got = await lifecycle(
      rule,
      async () => {
        jobId = (await queue.add('fail', { message: 'card declined' })).id!;
        await waitCounts(queue, 'failed', 1);
      },
      // Resolves once no job failed within the window.
      async () => {},
    );
    expect(got[0]!.body.details).toMatchObject({ queue: name, job: jobId, task: 'fail', error: 'card declined' });
    expect(got[0]!.body.link).toBe(`http://console.test/base/queues/${name}/jobs/${jobId}`);
    expect(got[0]!.body.text).toContain('Error: card declined');
  });

  it('backlog: more jobs waiting than the limit', async () => {
    const name = uniqueName('backlog');
    const queue = stack.queue(name);
    await lifecycle(
      { kind: 'backlog', name: uniqueName('backlog'), queue: name, maxWaiting: 2 },
      () => queue.addBulk(Array.from({ length: 3 }, (_, i) => ({ name: 'add', data: { a: i, b: 1 } }))),
      () => queue.drain(),
    );
  });

  it('a queue with jobs and no worker; a worker comes and takes them', async () => {
    const name = uniqueName('orphan');
    const queue = stack.queue(name);
    await lifecycle(
      { kind: 'no_worker', name: uniqueName('no-worker'), queue: name },
      () => queue.add('add', { a: 1, b: 2 }),
      () => stack.worker(createRegistry([{ ...add, queue: name }]), { logger }),
    );
  });

  it('a worker lost (its heartbeat expired without a clean shutdown)', async () => {
    const name = uniqueName('lost');
    const id = uniqueName('worker');
    const now = Date.now();
    const hb: Heartbeat = {
      id,
      host: 'h1',
      pid: 1,
      queues: [name],
      tasks: ['add'],
      concurrency: 1,
      running: [],
      processed: 0,
      failed: 0,
      startedAt: now,
      lastSeen: now,
      version: 't',
      state: 'running',
      ttlMs: 100,
    };
    await lifecycle(
      { kind: 'worker_lost', name: uniqueName('lost'), queue: name, windowMs: 60_000 },
      () => writeHeartbeat(redis, hb),
      // The worker is cleared from the list (as a clean restart under the same id would).
      () => clearHeartbeat(redis, id),
    );
  });

  it('a schedule whose last run failed, until a run succeeds', async () => {
    const name = uniqueName('nightly');
    await writeDefinition(
      redis,
      validateSchedule({ name, task: 'hello', trigger: { type: 'interval', every: 1, unit: 'hours' }, source: 'ui' }, { now: new Date() }),
    );
    const run = (jobId: string, state: 'completed' | 'failed') =>
      recordRun(redis, name, {
        jobId,
        queue: 'default',
        kind: 'manual',
        slot: null,
        state,
        startedAt: Date.now(),
        finishedAt: Date.now(),
        error: state === 'failed' ? 'exit 1' : null,
      });
    const got = await lifecycle(
      { kind: 'schedule', name: uniqueName('sched'), schedule: name, on: 'failed' },
      () => run('1', 'failed'),
      () => run('2', 'completed'),
    );
    expect(got[0]!.body.details).toMatchObject({ schedule: name, job: '1', error: 'exit 1' });
    expect(got[0]!.body.link).toBe(`http://console.test/base/schedules/${name}`);
  });

  it('a job running longer than the limit', async () => {
    const { name, queue } = await stack.workerOnOwnQueue([sleep], { logger }, 'long');
    await lifecycle(
      { kind: 'long_running', name: uniqueName('long'), queue: name, maxMs: 200 },
      async () => {
        await queue.add('sleep', { ms: 2_500 });
        await waitCounts(queue, 'active', 1);
      },
      () => waitCounts(queue, 'completed', 1),
    );
  });
});
