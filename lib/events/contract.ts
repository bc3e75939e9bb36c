import { z } from 'zod';
import type { JobDTO } from '../data/job-dto';
import { heartbeatSchema, lostWorkerSchema } from '../worker/heartbeat-schema';
import { heldSummarySchema } from '../data/held-schemas';

/**
 * The live-update contract between the console and its browsers (version 1).
 * Every payload is described by a zod schema: the server builds frames of
 * these types, the browser parses what arrives (a console of another version
 * must not crash a page), and client → server payloads are parsed because
 * they come from outside. Adding an optional field or a new event keeps the
 * version; changing or removing one bumps it.
 *
 * Rooms: `dashboard` (all queues' counts and the dashboard's live figures),
 * `queue:<name>` (one queue's counts), `job:<queue>:<id>` (one job),
 * `workers` (the worker processes), `alerts` (incidents opened, changed, resolved). Each room gets at most one frame per
 * frame interval (~110 ms): ≤ 10 frames per second whatever the job rate.
 */
export const EVENTS_VERSION = 1 as const;
const v = z.literal(EVENTS_VERSION);

export type QueueCounts = Record<string, number>;

/** Completed and failed jobs in one second (`t`: the second's start, ms). In frames: a delta to add to that second. */
export const throughputPointSchema = z.object({
  t: z.number(),
  completed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type ThroughputPoint = z.infer<typeof throughputPointSchema>;

/** A job a worker is running now. */
export const activeJobSchema = z.object({
  queue: z.string(),
  id: z.string(),
  task: z.string(),
  /** 0–100, an object the task reported, or null before any progress. */
  progress: z.union([z.number(), z.record(z.string(), z.unknown())]).nullable(),
  startedAt: z.number().nullable(),
});
export type ActiveJob = z.infer<typeof activeJobSchema>;
export const activeJobsSchema = z.object({
  /** Active jobs over all queues. */
  total: z.number().int().nonnegative(),
  /** The longest-running ones (at most 20). */
  jobs: z.array(activeJobSchema),
});
export type ActiveJobs = z.infer<typeof activeJobsSchema>;

/** A job that failed for good (no attempts left). */
export const failureSchema = z.object({
  queue: z.string(),
  id: z.string(),
  task: z.string(),
  reason: z.string(),
  failedAt: z.number().nullable(),
  attemptsMade: z.number(),
});
export type Failure = z.infer<typeof failureSchema>;

/** Wait (enqueue → start) and run (start → end) time percentiles of one task, in ms, from recent completed jobs. */
export const taskTimingSchema = z.object({
  queue: z.string(),
  task: z.string(),
  samples: z.number().int(),
  waitP50: z.number(),
  waitP95: z.number(),
  runP50: z.number(),
  runP95: z.number(),
});
export type TaskTiming = z.infer<typeof taskTimingSchema>;
export const timingsSchema = z.object({
  /** When the sample was taken. */
  at: z.number(),
  /** How many recent completed jobs per queue were looked at, at most. */
  perQueue: z.number().int(),
  tasks: z.array(taskTimingSchema),
});
export type Timings = z.infer<typeof timingsSchema>;

/**
 * What changed on the dashboard since the previous frame, besides the counts.
 * `throughput` holds deltas (add them to the second they name); the other
 * parts replace what the page shows.
 */
export const dashboardDeltaSchema = z.object({
  throughput: z.array(throughputPointSchema).optional(),
  active: activeJobsSchema.optional(),
  failures: z.array(failureSchema).optional(),
  timings: timingsSchema.optional(),
  workers: z.object({ alive: z.number().int(), lost: z.number().int() }).optional(),
});
export type DashboardDelta = z.infer<typeof dashboardDeltaSchema>;

export const statusFrameSchema = z.object({ v, redis: z.enum(['up', 'down']), since: z.number() });
export const jobFrameSchema = z.object({ v, queue: z.string(), id: z.string(), job: z.custom<JobDTO | null>((x) => x === null || typeof x === 'object') });
export const countsFrameSchema = z.object({
  v,
  /** Counts per state of the queues that changed since the last frame (absolute: a missed frame costs nothing). */
  queues: z.record(z.string(), z.record(z.string(), z.number())),
  at: z.number(),
  /** Only in the `dashboard` room's frames. */
  dashboard: dashboardDeltaSchema.optional(),
  /** Only in a queue room's frames: the queue's jobs held back by their tasks' limits (absolute, like the counts). */
  held: z.record(z.string(), heldSummarySchema).optional(),
});
export const resyncFrameSchema = z.object({ v, reason: z.string() });
export const workersFrameSchema = z.object({
  v,
  at: z.number(),
  alive: z.array(heartbeatSchema),
  lost: z.array(lostWorkerSchema),
});

/**
 * An alert incident opened, changed (its figure, a reminder, acknowledged, silenced) or resolved:
 * to the `alerts` and `dashboard` rooms. Pages re-read what they show (the frame only says which one).
 */
export const incidentFrameSchema = z.object({
  v,
  id: z.string(),
  rule: z.string(),
  change: z.enum(['opened', 'updated', 'acknowledged', 'silenced', 'resolved']),
  at: z.number(),
});

/** The other consoles of the deployment (their public URLs): where a page goes when its own console stops. */
export const peersFrameSchema = z.object({ v, consoles: z.array(z.string().regex(/^https?:\/\/[^/]+/)) });

export type StatusFrame = z.infer<typeof statusFrameSchema>;
export type PeersFrame = z.infer<typeof peersFrameSchema>;
export type JobFrame = z.infer<typeof jobFrameSchema>;
export type CountsFrame = z.infer<typeof countsFrameSchema>;
export type ResyncFrame = z.infer<typeof resyncFrameSchema>;
export type WorkersFrame = z.infer<typeof workersFrameSchema>;
export type IncidentFrame = z.infer<typeof incidentFrameSchema>;

/** Schema of each server → client event, for the browser to parse frames with. */
export const serverFrameSchemas = {
  status: statusFrameSchema,
  job: jobFrameSchema,
  counts: countsFrameSchema,
  resync: resyncFrameSchema,
  workers: workersFrameSchema,
  peers: peersFrameSchema,
  incident: incidentFrameSchema,
} as const;

export interface ServerToClient {
  /** Health of the console's Redis connection; sent on connect and on every change. */
  status: (p: StatusFrame) => void;
  /** A watched job changed (null: it no longer exists). At most ~10 per second per job. */
  job: (p: JobFrame) => void;
  /** Counts per state of the queues that changed since the last frame; the dashboard room's frames also carry its live figures. */
  counts: (p: CountsFrame) => void;
  /** Live data may have been missed (Redis came back, stream gap, reader fell behind): re-read snapshots. */
  resync: (p: ResyncFrame) => void;
  /** The worker processes, whole (to the `workers` room, when anything in them changed). */
  workers: (p: WorkersFrame) => void;
  /** The other consoles now running (on connect and when they change); none with one console. */
  peers: (p: PeersFrame) => void;
  /** An alert incident opened, changed or resolved (to the `alerts` and `dashboard` rooms). */
  incident: (p: IncidentFrame) => void;
}

export interface ClientToServer {
  subscribe: (room: string, ack?: (r: { ok: boolean; error?: string }) => void) => void;
  unsubscribe: (room: string) => void;
}

/** Rooms a client may join: the dashboard, the workers view, the alerts' incidents, one queue, one job. */
export const roomSchema = z.union([
  z.literal('dashboard'),
  z.literal('workers'),
  z.literal('alerts'),
  z.string().regex(/^queue:[^:]{1,200}$/),
  z.string().regex(/^job:[^:]{1,200}:.{1,300}$/),
]);

export const rooms = {
  dashboard: 'dashboard',
  workers: 'workers',
  alerts: 'alerts',
  queue: (name: string) => `queue:${name}`,
  job: (queue: string, id: string) => `job:${queue}:${id}`,
} as const;
