import { z } from 'zod';
import type { JobDTO } from '../data/job-dto';

/**
 * The live-update contract between the console and its browsers (version 1).
 * Server → client payloads are typed here; client → server payloads are
 * parsed with zod, because they come from outside.
 */
export const EVENTS_VERSION = 1 as const;

export type QueueCounts = Record<string, number>;

export interface ServerToClient {
  /** Health of the console's Redis connection; sent on connect and on every change. */
  status: (p: { v: 1; redis: 'up' | 'down'; since: number }) => void;
  /** A watched job changed (null: it no longer exists). At most ~10 per second per job. */
  job: (p: { v: 1; queue: string; id: string; job: JobDTO | null }) => void;
  /** Counts per state of the queues that changed since the last frame. */
  counts: (p: { v: 1; queues: Record<string, QueueCounts>; at: number }) => void;
  /** Live data may have been missed (Redis came back, stream gap): re-read snapshots. */
  resync: (p: { v: 1; reason: string }) => void;
}

export interface ClientToServer {
  subscribe: (room: string, ack?: (r: { ok: boolean; error?: string }) => void) => void;
  unsubscribe: (room: string) => void;
}

/** Rooms a client may join: the dashboard, the workers view, one queue, one job. */
export const roomSchema = z.union([
  z.literal('dashboard'),
  z.literal('workers'),
  z.string().regex(/^queue:[^:]{1,200}$/),
  z.string().regex(/^job:[^:]{1,200}:.{1,300}$/),
]);

export const rooms = {
  dashboard: 'dashboard',
  workers: 'workers',
  queue: (name: string) => `queue:${name}`,
  job: (queue: string, id: string) => `job:${queue}:${id}`,
} as const;
