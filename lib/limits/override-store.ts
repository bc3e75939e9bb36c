import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import { publishControl } from '../queue/control-publish';
import type { ControlMessage } from '../worker/control';
import { overrideIsEmpty, taskOverrideSchema, type TaskOverride } from './task-override';

/**
 * Tasks' live overrides in Redis: one hash (`…:{__celerity}:task-overrides`,
 * task name → override JSON), written by the console, read by every worker.
 * A change is announced on the workers' control channel, so each worker
 * re-reads at once; workers also re-read every second, which corrects a
 * message lost to a reconnection (lib/limits/live-overrides.ts).
 */

function parse(json: string | null | undefined): TaskOverride | undefined {
  if (!json) return undefined;
  try {
    const r = taskOverrideSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    // A malformed entry is no override (the code's limits hold), not a failure of every job.
    return undefined;
  }
}

/** Every task's override, by task name (one HGETALL). */
export async function readOverrides(redis: RedisConnection): Promise<Map<string, TaskOverride>> {
  const raw = await redis.hgetall(celerityKeys().taskOverrides);
  const out = new Map<string, TaskOverride>();
  for (const [task, json] of Object.entries(raw)) {
    const o = parse(json);
    if (o) out.set(task, o);
  }
  return out;
}

/** One task's override, if it has one. */
export async function readOverride(redis: RedisConnection, task: string): Promise<TaskOverride | undefined> {
  return parse(await redis.hget(celerityKeys().taskOverrides, task));
}

/** Store a task's override (deleted when it sets nothing) and tell every worker. */
export async function saveOverride(redis: RedisConnection, task: string, o: TaskOverride): Promise<void> {
  const key = celerityKeys().taskOverrides;
  if (overrideIsEmpty(o)) await redis.hdel(key, task);
  else await redis.hset(key, task, JSON.stringify(taskOverrideSchema.parse(o)));
  const msg: ControlMessage = { type: 'overrides', task };
  await publishControl(redis, JSON.stringify(msg));
}
