import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { celerityKeys } from '../keys';
import { TooManyRequestsError } from '../errors';

/**
 * Failed-login throttling per user name and client address. The first
 * {@link FREE_FAILURES} failures cost nothing; each one after locks that pair out
 * for twice as long as the one before (15 s, 30 s, 1 min … up to an hour).
 * A success clears it; an hour without attempts forgets it.
 */
export const FREE_FAILURES = 5;
const FIRST_LOCK_SEC = 15;
const MAX_LOCK_SEC = 3600;
const FORGET_AFTER_MS = 3600 * 1000;

function keyFor(user: string, ip: string): string {
  const h = createHash('sha256').update(`${user.toLowerCase()}\u0000${ip}`).digest('hex').slice(0, 32);
  return celerityKeys().loginThrottle(h);
}

/** Lock length after `failures` failures (0 while still free). */
export function lockSeconds(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(FIRST_LOCK_SEC * 2 ** (failures - FREE_FAILURES), MAX_LOCK_SEC);
}

/** Throw TooManyRequestsError (429 with Retry-After) while the pair is locked out. */
export async function assertNotThrottled(redis: Redis, user: string, ip: string, now = Date.now()): Promise<void> {
  const until = Number((await redis.hget(keyFor(user, ip), 'lockedUntil')) ?? 0);
  if (until > now) {
    throw new TooManyRequestsError('Too many failed sign-in attempts; try again later', Math.ceil((until - now) / 1000));
  }
}

/** Count a failure; returns how long the pair is now locked out (seconds, 0: not locked). */
export async function recordLoginFailure(redis: Redis, user: string, ip: string, now = Date.now()): Promise<number> {
  const key = keyFor(user, ip);
  const [[, failures]] = (await redis.multi().hincrby(key, 'failures', 1).pexpire(key, FORGET_AFTER_MS).exec()) as [[Error | null, number]];
  const lock = lockSeconds(failures);
  if (lock > 0) await redis.hset(key, 'lockedUntil', String(now + lock * 1000));
  return lock;
}

/** A successful sign-in clears the pair's failures. */
export async function clearLoginFailures(redis: Redis, user: string, ip: string): Promise<void> {
  await redis.del(keyFor(user, ip));
}
