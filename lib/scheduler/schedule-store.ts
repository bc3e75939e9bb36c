import { z } from 'zod';
import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import { parseStoredSchedule, type ScheduleDefinition } from './schedule-model';
import type { RunKind } from './schedule-jobs';

/**
 * Schedules in Redis: definitions (the source of truth), their runtime state
 * and their recent runs. BullMQ's job schedulers are derived from the
 * definitions by schedule-apply.ts; nothing here talks to BullMQ.
 */

export const runRecordSchema = z.object({
  jobId: z.string(),
  queue: z.string(),
  kind: z.enum(['scheduled', 'once', 'manual']),
  /** The slot this run stands for (ms); null for a manual run. */
  slot: z.number().nullable(),
  state: z.enum(['active', 'completed', 'failed', 'skipped']),
  startedAt: z.number(),
  finishedAt: z.number().nullable(),
  error: z.string().nullable(),
  /** The workflow run this run started (a schedule that targets a workflow). */
  workflowRun: z.string().optional(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

export interface ScheduleState {
  /** Hash of what was last applied to BullMQ; reconcile compares it to skip unchanged schedules. */
  appliedHash: string | null;
  /** Runs that finished (scheduled, one-off and manual). */
  runCount: number;
  /** Runs of the trigger's own slots: what `limit` counts (a "run now" does not use up a run). */
  scheduledRuns: number;
  failureCount: number;
  /** When a one-off ran (or a bounded schedule ran out). */
  doneAt: number | null;
  /** Since when the schedule has been enabled (missed slots are counted from here). */
  enabledAt: number | null;
  /** The job id of the one-off that `doneAt` refers to (a moved one-off has a new id and is not done). */
  onceJobId: string | null;
}

/** How many runs a schedule keeps in its history. */
export const RUN_HISTORY = 200;

export async function readDefinition(redis: RedisConnection, name: string): Promise<ScheduleDefinition | undefined> {
  const json = await redis.hget(celerityKeys().schedules, name);
  return json ? parseStoredSchedule(JSON.parse(json)) : undefined;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Parsed definitions by their stored JSON: the watchdog reads every definition
 * each second, and validating a thousand of them again costs ~20 ms of CPU a
 * time. Only what the last read saw is kept; the values are frozen, as they are shared.
 */
let parsedByJson = new Map<string, ScheduleDefinition>();

/** Every stored definition, by name. A corrupt entry is skipped (and reported) rather than hiding the others. */
export async function readDefinitions(redis: RedisConnection, onCorrupt?: (name: string, err: Error) => void): Promise<ScheduleDefinition[]> {
  const all = await redis.hgetall(celerityKeys().schedules);
  const out: ScheduleDefinition[] = [];
  const parsed = new Map<string, ScheduleDefinition>();
  for (const [name, json] of Object.entries(all)) {
    try {
      const def = parsedByJson.get(json) ?? deepFreeze(parseStoredSchedule(JSON.parse(json)));
      parsed.set(json, def);
      out.push(def);
    } catch (err) {
      onCorrupt?.(name, err as Error);
    }
  }
  parsedByJson = parsed;
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Store a definition. `onlyIfNew` makes it fail (false) when the name exists: two creates never overwrite each other. */
export async function writeDefinition(redis: RedisConnection, def: ScheduleDefinition, onlyIfNew = false): Promise<boolean> {
  const key = celerityKeys().schedules;
  if (onlyIfNew) return (await redis.hsetnx(key, def.name, JSON.stringify(def))) === 1;
  await redis.hset(key, def.name, JSON.stringify(def));
  return true;
}

/** Remove a definition with its state and history. */
export async function removeDefinition(redis: RedisConnection, name: string): Promise<void> {
  const k = celerityKeys();
  await redis.multi().hdel(k.schedules, name).del(k.scheduleState(name), k.scheduleRuns(name), k.scheduleRunIndex(name)).exec();
}

export async function readState(redis: RedisConnection, name: string): Promise<ScheduleState> {
  const h = await redis.hgetall(celerityKeys().scheduleState(name));
  const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  return {
    appliedHash: h.appliedHash || null,
    runCount: num(h.runCount) ?? 0,
    scheduledRuns: num(h.scheduledRuns) ?? 0,
    failureCount: num(h.failureCount) ?? 0,
    doneAt: num(h.doneAt),
    enabledAt: num(h.enabledAt),
    onceJobId: h.onceJobId || null,
  };
}

export async function writeState(redis: RedisConnection, name: string, patch: Partial<Record<keyof ScheduleState, string | number | null>>): Promise<void> {
  const key = celerityKeys().scheduleState(name);
  const set: string[] = [];
  const del: string[] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined) del.push(k);
    else set.push(k, String(v));
  }
  const m = redis.multi();
  if (set.length) m.hset(key, ...set);
  if (del.length) m.hdel(key, ...del);
  await m.exec();
}

/** Record a run starting or finishing (the worker calls this). Keeps the last RUN_HISTORY runs. */
export async function recordRun(
  redis: RedisConnection,
  name: string,
  run: RunRecord,
  counters: { run?: boolean; failure?: boolean; scheduled?: boolean } = {},
): Promise<void> {
  const k = celerityKeys();
  const m = redis.multi().hset(k.scheduleRuns(name), run.jobId, JSON.stringify(run)).zadd(k.scheduleRunIndex(name), run.startedAt, run.jobId);
  if (counters.run) m.hincrby(k.scheduleState(name), 'runCount', 1);
  if (counters.failure) m.hincrby(k.scheduleState(name), 'failureCount', 1);
  if (counters.scheduled) m.hincrby(k.scheduleState(name), 'scheduledRuns', 1);
  m.zcard(k.scheduleRunIndex(name));
  const res = await m.exec();
  const size = Number(res?.at(-1)?.[1] ?? 0);
  if (size > RUN_HISTORY + 20) {
    const old = await redis.zrange(k.scheduleRunIndex(name), 0, size - RUN_HISTORY - 1);
    if (old.length)
      await redis
        .multi()
        .zrem(k.scheduleRunIndex(name), ...old)
        .hdel(k.scheduleRuns(name), ...old)
        .exec();
  }
}

/** The most recent runs, newest first. */
export async function readRuns(redis: RedisConnection, name: string, limit = RUN_HISTORY): Promise<RunRecord[]> {
  const k = celerityKeys();
  const ids = await redis.zrevrange(k.scheduleRunIndex(name), 0, limit - 1);
  if (ids.length === 0) return [];
  const values = await redis.hmget(k.scheduleRuns(name), ...ids);
  const out: RunRecord[] = [];
  for (const v of values) {
    if (!v) continue;
    const parsed = runRecordSchema.safeParse(JSON.parse(v));
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

export type { RunKind };
