import { z } from 'zod';

/**
 * The two settings of BullMQ's lock semantics, with BullMQ's own defaults.
 * `lockDurationMs`: how long a worker's lock on a running job lasts unless
 * renewed (renewed every half of it). `stalledIntervalMs`: how often each
 * worker looks for active jobs whose lock expired (stall detection), which
 * then run again. A job of a worker that stopped renewing its lock runs again
 * after at most lock + interval (see the README, "Delivery guarantees").
 */
export interface LockSettings {
  lockDurationMs: number;
  stalledIntervalMs: number;
}

export const LOCK_DEFAULTS: LockSettings = { lockDurationMs: 30_000, stalledIntervalMs: 30_000 };

const ms = (min: number, max: number) =>
  z.number({ error: 'must be a number of milliseconds' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

// Under 1 s a renewal (every half) competes with the jobs themselves; over an hour nobody means it.
// The same bounds as CELERITY_LOCK_DURATION_MS and CELERITY_STALLED_INTERVAL_MS (lib/env.ts).
export const lockDurationMsSchema = ms(1000, 3_600_000);
export const stalledIntervalMsSchema = ms(1000, 3_600_000);

/** The settings as `startWorker` takes them, each optional. */
export const lockSettingsSchema = z.object({
  lockDurationMs: lockDurationMsSchema.optional(),
  stalledIntervalMs: stalledIntervalMsSchema.optional(),
});
