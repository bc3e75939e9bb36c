import { getRedis } from '../redis';
import { getQueue } from '../queue/queue-registry';
import { readTargetQueue, readTargetQueues } from '../scheduler/target-queues';
import type { ScheduleDefinition } from '../scheduler/schedule-model';
import { scheduleQueue } from '../scheduler/schedule-apply';
import { readDefinitions, readRuns, readState, type RunRecord } from '../scheduler/schedule-store';
import { requireSchedule, listOrphans, type OrphanDTO } from '../scheduler/schedule-service';
import { schedulerId } from '../scheduler/schedule-jobs';
import { describeTrigger } from '../scheduler/describe-trigger';
import { nextRuns } from '../scheduler/next-runs';
import { missedSlots } from '../scheduler/missed-slots';

/** A schedule as the console shows it in the table. */
export interface ScheduleDTO {
  definition: ScheduleDefinition;
  queue: string;
  /** The trigger in words: "every 5 seconds", "at 17:03 on Sunday, Europe/Paris"… */
  words: string;
  /** active: will run; paused: disabled; done: a one-off that ran, or a bounded schedule with no run left. */
  status: 'active' | 'paused' | 'done';
  /** Next run (ms): BullMQ's own `next` when a scheduler exists, else computed the same way. */
  nextRun: number | null;
  lastRun: RunRecord | null;
  runCount: number;
  failureCount: number;
}

export interface ScheduleDetailDTO extends ScheduleDTO {
  /** The next five runs (ISO), for the preview on the detail page. */
  upcoming: string[];
  runs: RunRecord[];
  /** Slots no worker ran (ms), newest first. */
  missed: number[];
}

async function toDto(def: ScheduleDefinition, taskQueue: string | undefined, runsToRead: number): Promise<ScheduleDTO & { runs: RunRecord[] }> {
  const redis = getRedis();
  const queue = scheduleQueue(def, taskQueue);
  const [state, runs, scheduler] = await Promise.all([
    readState(redis, def.name),
    readRuns(redis, def.name, runsToRead),
    def.trigger.type === 'once' || !def.enabled ? undefined : getQueue(queue).getJobScheduler(schedulerId(def.name)),
  ]);
  const now = Date.now();
  const computed = nextRuns(def.trigger, { schedule: def.name, from: new Date(now), count: 1, runsSoFar: state.scheduledRuns })[0]?.getTime() ?? null;
  // Done: a one-off that ran, or a bounded schedule with no run left (limit used up, end date passed) —
  // BullMQ keeps such a scheduler with a `next` in the past, so its `next` is not trusted then.
  const done = state.doneAt !== null || (def.trigger.type !== 'once' && computed === null);
  return {
    definition: def,
    queue,
    words: describeTrigger(def.trigger),
    status: done ? 'done' : def.enabled ? 'active' : 'paused',
    nextRun: done || !def.enabled ? null : scheduler?.next && scheduler.next >= now - 1000 ? scheduler.next : computed,
    lastRun: runs[0] ?? null,
    runCount: state.runCount,
    failureCount: state.failureCount,
    runs,
  };
}

/** Every schedule with its state, and the orphan schedulers. */
export async function listScheduleDtos(): Promise<{ schedules: ScheduleDTO[]; orphans: OrphanDTO[] }> {
  const redis = getRedis();
  const [defs, targetQueue] = await Promise.all([readDefinitions(redis), readTargetQueues(redis)]);
  const schedules = await Promise.all(
    defs.map(async (d) => {
      // The table shows only the last run: read one, not the history.
      const { runs: _runs, ...dto } = await toDto(d, targetQueue(d), 1);
      return dto;
    }),
  );
  return { schedules, orphans: await listOrphans(defs) };
}

/** One schedule with its history, upcoming runs and missed slots. */
export async function getScheduleDetail(name: string): Promise<ScheduleDetailDTO> {
  const redis = getRedis();
  const def = await requireSchedule(name);
  const dto = await toDto(def, await readTargetQueue(redis, def), 50);
  const state = await readState(redis, name);
  const now = Date.now();
  return {
    ...dto,
    upcoming:
      dto.status === 'active'
        ? nextRuns(def.trigger, { schedule: def.name, from: new Date(now), count: 5, runsSoFar: state.scheduledRuns }).map((d) => d.toISOString())
        : [],
    missed: dto.status === 'active' ? missedSlots(def, state, dto.runs, now) : [],
  };
}
