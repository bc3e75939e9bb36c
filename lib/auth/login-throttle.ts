import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { celerityKeys } from '../keys';
import { TooManyRequestsError } from '../errors';

/**
 * Failed-login throttling, in Redis (so every console process shares it):
 * - per user name and client address: the first {@link FREE_FAILURES} failures
 *   cost nothing; each one after locks that pair out for twice as long as the
 *   one before (15 s, 30 s, 1 min … up to an hour);
 * - per client address, whatever the user names: after {@link FREE_ADDRESS_FAILURES}
 *   failures the same backoff applies to the address — so cycling through user
 *   names buys nothing (and cannot flood the audit log or burn CPU on hashes).
 * A success clears the pair (not the address: one valid account must not reset
 * a guesser's budget). An hour without failures forgets both.
 */
export const FREE_FAILURES = 5;
export const FREE_ADDRESS_FAILURES = 50;
const FIRST_LOCK_SEC = 15;
const MAX_LOCK_SEC = 3600;
const FORGET_AFTER_MS = 3600 * 1000;

function keyFor(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
  return celerityKeys().loginThrottle(h);
}

const pairKey = (user: string, ip: string) => keyFor('pair', user.toLowerCase(), ip);
const addressKey = (ip: string) => keyFor('address', ip);

/** Lock length after `failures` failures when `free` are allowed (0 while still free). */
export function lockSeconds(failures: number, free = FREE_FAILURES): number {
  if (failures < free) return 0;
  return Math.min(FIRST_LOCK_SEC * 2 ** (failures - free), MAX_LOCK_SEC);
}

/** Throw TooManyRequestsError (429 with Retry-After) while the pair or the address is locked out. */
export async function assertNotThrottled(redis: Redis, user: string, ip: string, now = Date.now()): Promise<void> {
  const [pair, address] = await Promise.all([redis.hget(pairKey(user, ip), 'lockedUntil'), redis.hget(addressKey(ip), 'lockedUntil')]);
  const until = Math.max(Number(pair ?? 0), Number(address ?? 0));
  if (until > now) {
    throw new TooManyRequestsError('Too many failed sign-in attempts; try again later', Math.ceil((until - now) / 1000));
  }
}

async function count(redis: Redis, key: string, free: number, now: number): Promise<number> {
  const [[, failures]] = (await redis.multi().hincrby(key, 'failures', 1).pexpire(key, FORGET_AFTER_MS).exec()) as [[Error | null, number]];
  const lock = lockSeconds(failures, free);
  if (lock > 0) await redis.hset(key, 'lockedUntil', String(now + lock * 1000));
  return lock;
}

/** Count a failure; returns how long the caller is now locked out (seconds, 0: not locked). */
export async function recordLoginFailure(redis: Redis, user: string, ip: string, now = Date.now()): Promise<number> {
  const [pair, address] = await Promise.all([count(redis, pairKey(user, ip), FREE_FAILURES, now), count(redis, addressKey(ip), FREE_ADDRESS_FAILURES, now)]);
  return Math.max(pair, address);
}

/** A successful sign-in clears the pair's failures. */
export async function clearLoginFailures(redis: Redis, user: string, ip: string): Promise<void> {
  await redis.del(pairKey(user, ip));
}
