import type { RedisConnection } from '../redis';
import { workerCounts } from '../queue/queue-workers';
import { readCatalogue, type CatalogueEntry } from '../registry/catalogue';
import { readHeartbeats, type LostWorker } from '../worker/heartbeat';
import { readDefinition, readRuns, readState } from '../scheduler/schedule-store';
import { missedSlots } from '../scheduler/missed-slots';
import { formatDuration } from './alert-message';
import type { FinishedFeed } from './finished-feed';
import { ruleTask, type RuleSpec } from './rule-model';
import { addNeeds, readQueueFigures, type LongRunningJob, type QueueFigures, type QueueNeeds } from './queue-figures';

/** What a rule sees at one evaluation. */
export interface Reading {
  firing: boolean;
  /** The figure the condition is about (a rate in %, a count, an age in ms); null when unknown. */
  value: number | null;
  /** The figure in words: "35% of 40 jobs failed in the last 5m". */
  summary: string;
  /** Console path of what to look at (`/queues/default`), without the public URL. */
  path: string;
  details: Record<string, unknown>;
}

const enc = encodeURIComponent;
const pct = (x: number) => `${Math.round(x * 10) / 10}%`;

/**
 * The figures of one evaluation, each read at most once however many rules
 * use it (counts of a queue, the catalogue, workers per queue, heartbeats).
 */
export class ReadingContext {
  private readonly memo = new Map<string, Promise<unknown>>();
  /** Figures read by prefetch(), per queue: they cover every need of this evaluation's rules. */
  private readonly prefetched = new Map<string, Promise<QueueFigures>>();

  constructor(
    readonly redis: RedisConnection,
    readonly feed: FinishedFeed,
    readonly now: number,
  ) {}

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) this.memo.set(key, (p = read()));
    return p;
  }

  catalogue(): Promise<CatalogueEntry[]> {
    return this.once('catalogue', () => readCatalogue(this.redis));
  }
  workers(): Promise<Map<string, number>> {
    return this.once('workers', () => workerCounts(this.redis));
  }
  lost(): Promise<LostWorker[]> {
    return this.once('lost', async () => (await readHeartbeats(this.redis)).lost);
  }

  /**
   * Read, in one go, the queue figures all these rules need (one script call
   * per group of queues: see readQueueFigures), so that each rule's reading
   * finds them ready instead of asking Redis itself.
   */
  async prefetch(rules: readonly RuleSpec[]): Promise<void> {
    const needs = new Map<string, QueueNeeds>();
    for (const r of rules) {
      const n = ruleNeeds(r);
      const queue = n && (await this.queueOf(r));
      if (n && queue) addNeeds(needs, queue, n);
    }
    if (needs.size === 0) return;
    const figures = readQueueFigures(this.redis, needs, this.now);
    for (const queue of needs.keys())
      this.prefetched.set(
        queue,
        figures.then((m) => m.get(queue)!),
      );
  }

  /** A queue's figures: prefetched, or read now for this queue alone (a preview). */
  private figures(queue: string, need: QueueNeeds): Promise<QueueFigures> {
    const key = `figures:${queue}:${need.counts}:${need.oldest}:${need.longerThanMs ?? ''}`;
    const read = async () => (await readQueueFigures(this.redis, new Map([[queue, need]]), this.now)).get(queue)!;
    return this.prefetched.get(queue) ?? this.once(key, read);
  }
  counts(queue: string): Promise<QueueFigures> {
    return this.figures(queue, { counts: true, oldest: true });
  }
  async longRunning(queue: string, maxMs: number): Promise<LongRunningJob[]> {
    const f = await this.figures(queue, { counts: false, oldest: false, longerThanMs: maxMs });
    return f.longRunning.filter((j) => j.startedAt < this.now - maxMs);
  }

  /** The queue a rule's jobs are on: its own, or its task's (from the catalogue). */
  async queueOf(rule: RuleSpec): Promise<string | undefined> {
    if ('queue' in rule && rule.queue) return rule.queue;
    const task = ruleTask(rule);
    return task ? (await this.catalogue()).find((e) => e.name === task)?.queue : undefined;
  }
}

/** What a rule needs of its queue's figures (undefined: none). */
function ruleNeeds(r: RuleSpec): Partial<QueueNeeds> | undefined {
  // The summary of a backlog rule says how old the oldest waiting job is, whichever its limit.
  if (r.kind === 'backlog') return { counts: true, oldest: true };
  if (r.kind === 'no_worker') return { counts: true };
  if (r.kind === 'long_running') return { longerThanMs: r.maxMs };
  return undefined;
}

/** The queues whose finished jobs the feed must read for these rules. */
export async function feedQueues(rules: readonly RuleSpec[], ctx: ReadingContext): Promise<string[]> {
  const out = new Set<string>();
  for (const r of rules) {
    if (r.kind !== 'failure_rate' && r.kind !== 'job_failed') continue;
    const q = await ctx.queueOf(r);
    if (q) out.add(q);
  }
  return [...out];
}

/** How much history the feed keeps for these rules. */
export function feedWindowMs(rules: readonly RuleSpec[]): number {
  let max = 60_000;
  for (const r of rules) if (r.kind === 'failure_rate' || r.kind === 'job_failed') max = Math.max(max, r.windowMs);
  return max;
}

const unknown = (summary: string, path = '/alerts'): Reading => ({ firing: false, value: null, summary, path, details: {} });

/** Evaluate one rule's condition now. */
export async function readRule(rule: RuleSpec, ctx: ReadingContext): Promise<Reading> {
  switch (rule.kind) {
    case 'failure_rate':
    case 'job_failed':
    case 'long_running': {
      const queue = await ctx.queueOf(rule);
      if (!queue) return unknown(`no task "${rule.task}" in the catalogue`);
      if (rule.kind === 'failure_rate') return failureRate(rule, queue, ctx);
      if (rule.kind === 'job_failed') return jobFailed(rule, queue, ctx);
      return longRunning(rule, queue, ctx);
    }
    case 'backlog':
      return backlog(rule, ctx);
    case 'no_worker':
      return noWorker(rule, ctx);
    case 'worker_lost':
      return workerLost(rule, ctx);
    case 'schedule':
      return schedule(rule, ctx);
  }
}

type Of<K extends RuleSpec['kind']> = Extract<RuleSpec, { kind: K }>;
const what = (r: { task?: string }, queue: string) => (r.task ? `task ${r.task}` : `queue ${queue}`);
const whatPath = (r: { task?: string }, queue: string) => (r.task ? `/tasks/${enc(r.task)}` : `/queues/${enc(queue)}`);

function failureRate(r: Of<'failure_rate'>, queue: string, ctx: ReadingContext): Reading {
  const { completed, failed } = ctx.feed.counts(queue, r.task, ctx.now - r.windowMs);
  const total = completed + failed;
  const rate = total ? (failed / total) * 100 : 0;
  return {
    firing: total >= r.minJobs && rate > r.percent,
    value: total ? rate : null,
    summary: `${pct(rate)} of ${total} jobs of ${what(r, queue)} failed in the last ${formatDuration(r.windowMs)} (limit ${pct(r.percent)}, at least ${r.minJobs} jobs)`,
    path: whatPath(r, queue),
    details: { queue, task: r.task ?? null, completed, failed },
  };
}

function jobFailed(r: Of<'job_failed'>, queue: string, ctx: ReadingContext): Reading {
  const failures = ctx.feed.failuresSince(queue, r.task, ctx.now - r.windowMs);
  const last = failures.at(-1);
  if (!last)
    return {
      firing: false,
      value: 0,
      summary: `no job of ${what(r, queue)} failed for good in the last ${formatDuration(r.windowMs)}`,
      path: whatPath(r, queue),
      details: { queue },
    };
  return {
    firing: true,
    value: failures.length,
    summary: `${failures.length} job${failures.length > 1 ? 's' : ''} of ${what(r, queue)} failed for good; last: ${last.task} ${last.id}`,
    path: `/queues/${enc(queue)}/jobs/${enc(last.id)}`,
    details: { queue, job: last.id, task: last.task, error: last.reason, failedAt: last.at, count: failures.length },
  };
}

async function longRunning(r: Of<'long_running'>, queue: string, ctx: ReadingContext): Promise<Reading> {
  const jobs = (await ctx.longRunning(queue, r.maxMs)).filter((j) => !r.task || j.task === r.task);
  const oldest = jobs.reduce<(typeof jobs)[number] | undefined>((a, j) => (!a || j.startedAt < a.startedAt ? j : a), undefined);
  const age = oldest ? ctx.now - oldest.startedAt : 0;
  return {
    firing: jobs.length > 0,
    value: oldest ? age : 0,
    summary: oldest
      ? `${jobs.length} job${jobs.length > 1 ? 's' : ''} of ${what(r, queue)} running longer than ${formatDuration(r.maxMs)}; the oldest, ${oldest.task} ${oldest.id}, for ${formatDuration(age)}`
      : `no job of ${what(r, queue)} running longer than ${formatDuration(r.maxMs)}`,
    path: oldest ? `/queues/${enc(queue)}/jobs/${enc(oldest.id)}` : whatPath(r, queue),
    details: { queue, jobs: jobs.slice(0, 10) },
  };
}

async function backlog(r: Of<'backlog'>, ctx: ReadingContext): Promise<Reading> {
  const counts = await ctx.counts(r.queue);
  const [waiting, oldestAt] = [counts.waiting, counts.oldestWaitingAt];
  const age = waiting > 0 && oldestAt !== null ? ctx.now - oldestAt : 0;
  const tooMany = r.maxWaiting !== undefined && waiting > r.maxWaiting;
  const tooOld = r.maxAgeMs !== undefined && age > r.maxAgeMs;
  const limits = [r.maxWaiting !== undefined ? `${r.maxWaiting} waiting` : '', r.maxAgeMs !== undefined ? `oldest ${formatDuration(r.maxAgeMs)}` : '']
    .filter(Boolean)
    .join(', ');
  return {
    firing: tooMany || tooOld,
    value: r.maxWaiting !== undefined ? waiting : age,
    summary: `queue ${r.queue}: ${waiting} jobs waiting${waiting ? `, the oldest for ${formatDuration(age)}` : ''} (limits: ${limits})`,
    path: `/queues/${enc(r.queue)}`,
    details: { queue: r.queue, waiting, oldestWaitingMs: age },
  };
}

async function noWorker(r: Of<'no_worker'>, ctx: ReadingContext): Promise<Reading> {
  const [counts, workers] = await Promise.all([ctx.counts(r.queue), ctx.workers()]);
  const jobs = counts.waiting + counts.prioritized + counts.active;
  const n = workers.get(r.queue) ?? 0;
  return {
    firing: jobs > 0 && n === 0,
    value: n,
    summary: `queue ${r.queue}: ${jobs} jobs waiting or running, ${n} worker${n === 1 ? '' : 's'} connected`,
    path: `/queues/${enc(r.queue)}`,
    details: { queue: r.queue, jobs, workers: n },
  };
}

async function workerLost(r: Of<'worker_lost'>, ctx: ReadingContext): Promise<Reading> {
  const lost = (await ctx.lost()).filter((w) => w.lastSeen >= ctx.now - r.windowMs && (!r.queue || (w.last?.queues ?? []).includes(r.queue)));
  const names = lost.map((w) => `${w.id}${w.last ? ` on ${w.last.host}` : ''}`);
  return {
    firing: lost.length > 0,
    value: lost.length,
    summary: lost.length
      ? `${lost.length} worker${lost.length > 1 ? 's' : ''} lost${r.queue ? ` on queue ${r.queue}` : ''}: ${names.slice(0, 5).join(', ')}`
      : `no worker lost${r.queue ? ` on queue ${r.queue}` : ''} in the last ${formatDuration(r.windowMs)}`,
    path: '/workers',
    details: { workers: lost.map((w) => ({ id: w.id, lastSeen: w.lastSeen, host: w.last?.host ?? null, running: w.last?.running.length ?? 0 })) },
  };
}

async function schedule(r: Of<'schedule'>, ctx: ReadingContext): Promise<Reading> {
  const path = `/schedules/${enc(r.schedule)}`;
  const def = await readDefinition(ctx.redis, r.schedule);
  if (!def) return unknown(`no schedule "${r.schedule}"`, path);
  const [state, runs] = await Promise.all([readState(ctx.redis, r.schedule), readRuns(ctx.redis, r.schedule, 50)]);
  const missed = r.on === 'failed' ? [] : missedSlots(def, state, runs, ctx.now).filter((t) => t >= ctx.now - r.windowMs);
  const lastDone = runs.find((x) => x.state === 'completed' || x.state === 'failed');
  const failed = r.on !== 'missed' && lastDone?.state === 'failed';
  const parts = [
    missed.length
      ? `missed ${missed.length} slot${missed.length > 1 ? 's' : ''} in the last ${formatDuration(r.windowMs)} (latest ${new Date(missed[0]!).toISOString()})`
      : '',
    failed ? `its last run failed (job ${lastDone!.jobId})` : '',
  ].filter(Boolean);
  return {
    firing: missed.length > 0 || failed,
    value: missed.length,
    summary: `schedule ${r.schedule}: ${parts.length ? parts.join('; ') : 'runs on time'}`,
    path,
    details: {
      schedule: r.schedule,
      missed: missed.slice(0, 10),
      ...(failed ? { job: lastDone!.jobId, queue: lastDone!.queue, error: lastDone!.error ?? '' } : {}),
    },
  };
}
