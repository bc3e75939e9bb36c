import type { RedisConnection } from '../redis';
import { readCatalogue, readCatalogueEntry } from '../registry/catalogue';
import { readWorkflowDefinition, readWorkflowDefinitions } from '../workflows/workflow-catalogue';
import { scheduleTarget, type ScheduleDefinition } from './schedule-model';

/**
 * Where a schedule's target lives: a task's queue from the task catalogue, a workflow's
 * from the workflow catalogue (the queue its workers publish it on). Undefined when no
 * worker advertises the target right now.
 */

/** The queue of one schedule's target. */
export async function readTargetQueue(redis: RedisConnection, def: Pick<ScheduleDefinition, 'task' | 'workflow'>): Promise<string | undefined> {
  const t = scheduleTarget(def);
  return t.kind === 'task' ? (await readCatalogueEntry(redis, t.name))?.queue : (await readWorkflowDefinition(redis, t.name))?.queue;
}

/** Both catalogues read once, for passes over many schedules: a look-up of a schedule's target queue. */
export async function readTargetQueues(redis: RedisConnection): Promise<(def: Pick<ScheduleDefinition, 'task' | 'workflow'>) => string | undefined> {
  const [tasks, workflows] = await Promise.all([readCatalogue(redis), readWorkflowDefinitions(redis)]);
  const queues = { task: new Map(tasks.map((e) => [e.name, e.queue])), workflow: new Map(workflows.map((w) => [w.name, w.queue])) };
  return (def) => {
    const t = scheduleTarget(def);
    return queues[t.kind].get(t.name);
  };
}
