import { describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/logger';
import { defineAlert } from '@/lib/alerts/define-alert';
import { syncCodeAlerts } from '@/lib/alerts/code-alerts';
import { createRule, patchRule, readRule } from '@/lib/alerts/rule-store';
import { createRegistry } from '@/lib/registry/task-registry';
import { add } from '@/worker/tasks/demo-tasks';
import { uniqueName } from './helpers';
import { queueStack } from './fixtures/queue-stack';

/**
 * Rules declared in code (`defineAlert`, stored when a worker starts, like
 * `defineSchedule`): written once, rewritten only when the code changes, with
 * the console's enable/disable kept; a console rule of the same name wins.
 */
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('alerts-code', 'error');

describe('defineAlert', () => {
  it('stores code rules, rewrites them only when the code changes, and keeps a pause made in the console', async () => {
    const name = uniqueName('emails');
    const v1 = defineAlert({ kind: 'failure_rate', name, task: 'send-email', windowMs: 300_000, percent: 10 });
    await syncCodeAlerts(redis, [v1], logger, new Date('2026-12-01T00:00:00Z'));
    const stored = await readRule(redis, name);
    expect(stored).toMatchObject({ source: 'code', enabled: true, minJobs: 20, percent: 10, updatedAt: '2026-12-01T00:00:00.000Z' });

    // The same code again: nothing written.
    await syncCodeAlerts(redis, [v1], logger, new Date('2026-12-02T00:00:00Z'));
    expect((await readRule(redis, name))!.updatedAt).toBe('2026-12-01T00:00:00.000Z');

    // Paused in the console, then the code changes: rewritten, still paused.
    await patchRule(redis, name, { enabled: false });
    const v2 = defineAlert({ kind: 'failure_rate', name, task: 'send-email', windowMs: 300_000, percent: 20 });
    await syncCodeAlerts(redis, [v2], logger, new Date('2026-12-03T00:00:00Z'));
    expect(await readRule(redis, name)).toMatchObject({
      percent: 20,
      enabled: false,
      createdAt: '2026-12-01T00:00:00.000Z',
      updatedAt: '2026-12-03T00:00:00.000Z',
    });
  });

  it('a worker started with code rules stores them', async () => {
    const name = uniqueName('stuck');
    const alerts = [defineAlert({ kind: 'long_running', name, task: 'add', maxMs: 60_000, forMs: 5_000 })];
    await stack.worker(createRegistry([add]), { alerts, logger });
    expect(await readRule(redis, name)).toMatchObject({ source: 'code', kind: 'long_running', task: 'add', maxMs: 60_000, forMs: 5_000 });
  });

  it('a console rule of the same name wins; a name defined twice is refused', async () => {
    const name = uniqueName('backlog');
    await createRule(redis, { kind: 'backlog', name, queue: 'default', maxWaiting: 100 });
    await syncCodeAlerts(redis, [defineAlert({ kind: 'backlog', name, queue: 'default', maxWaiting: 5 })], logger);
    expect(await readRule(redis, name)).toMatchObject({ source: 'console', maxWaiting: 100 });
    const twice = defineAlert({ kind: 'no_worker', name: uniqueName('nw'), queue: 'default' });
    await expect(syncCodeAlerts(redis, [twice, twice], logger)).rejects.toThrow(/defined twice/);
  });
});
