import { z } from 'zod';

/**
 * What a worker says about itself every few seconds (plain zod, no Redis: the
 * browser's live contract imports it too). Stored with an expiry: no heartbeat, no worker.
 */
export const heartbeatSchema = z.object({
  id: z.string(),
  host: z.string(),
  /**
   * The local IP address of the worker's Redis connection: how other hosts see it.
   * Absent from heartbeats of workers older than this field, and before the first connect.
   */
  address: z.string().optional().describe('The local IP address of the worker’s Redis connection (how other hosts see it)'),
  pid: z.number(),
  queues: z.array(z.string()),
  tasks: z.array(z.string()),
  concurrency: z.number(),
  running: z.array(
    z.object({
      queue: z.string(),
      jobId: z.string(),
      task: z.string(),
      startedAt: z.number(),
      progress: z.unknown().optional(),
    }),
  ),
  processed: z.number(),
  failed: z.number(),
  startedAt: z.number(),
  lastSeen: z.number(),
  version: z.string(),
  /** `paused`: takes no new jobs (remote pause); running ones finish. */
  state: z.enum(['running', 'paused', 'stopping']),
  /** How long the heartbeat lives; a worker silent for longer is lost. */
  ttlMs: z.number(),
});
export type Heartbeat = z.infer<typeof heartbeatSchema>;

/** A worker whose heartbeat expired without a clean shutdown, with what it said last (null: that copy expired too). */
export const lostWorkerSchema = z.object({
  id: z.string(),
  lastSeen: z.number(),
  last: heartbeatSchema.nullable(),
});
export type LostWorker = z.infer<typeof lostWorkerSchema>;
