import { createHash } from 'node:crypto';
import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import { TooManyRequestsError } from '../errors';
import { luaScript } from '../queue/lua-script';
import { addressGroup } from './address-group';

/**
 * Failed-login throttling, in Redis (so every console process shares it).
 * Addresses are counted as {@link addressGroup}s: an IPv6 client as its /64,
 * an IPv4-mapped address as the IPv4 address. Three counters:
 * - per user name and address: the first {@link FREE_FAILURES} failures cost
 *   nothing; each one after locks that pair out for twice as long as the one
 *   before (15 s, 30 s, 1 min … up to an hour);
 * - per address, whatever the user names: after {@link FREE_ADDRESS_FAILURES}
 *   the same backoff applies to the address — so cycling through user names
 *   buys nothing (and cannot flood the audit log or burn CPU on hashes);
 * - per user name, whatever the address: after {@link FREE_USER_FAILURES}
 *   (from many addresses: a botnet, or a large IPv6 range) the same backoff,
 *   capped at {@link MAX_USER_LOCK_SEC}, applies to the account — except from
 *   addresses it signed in from successfully in the last
 *   {@link KNOWN_ADDRESS_DAYS} days. The trade-off: a lock per account is what
 *   stops a distributed guesser, but it is also a way for anyone to lock the
 *   real user out. Exempting the user's known addresses keeps them signing in
 *   during an attack; someone signing in from a new address waits at most
 *   {@link MAX_USER_LOCK_SEC} per attempt, and a guesser gets about one try
 *   per {@link MAX_USER_LOCK_SEC} at the account (plus 5 per address it owns,
 *   which the pair counter already limits).
 *
 * Every attempt is counted BEFORE the password is checked, atomically with the
 * lock check (one Lua script): concurrent requests cannot all slip past a lock
 * that the first failures are about to set, and a refused attempt costs no
 * password check and no audit entry. Attempts that did not fail give their
 * count back: a success clears the pair and returns its count to the address
 * and the user (one valid account must not reset a guesser's budget, nor many
 * sign-ins behind one NAT lock it); an attempt refused before its password was
 * checked (server busy) returns every count. An hour without attempts forgets
 * a counter.
 */
export const FREE_FAILURES = 5;
export const FREE_ADDRESS_FAILURES = 50;
export const FREE_USER_FAILURES = 20;
const FIRST_LOCK_SEC = 15;
export const MAX_LOCK_SEC = 3600;
/** The longest an account is locked for new addresses: the most a distributed attack can make its real user wait. */
export const MAX_USER_LOCK_SEC = 15 * 60;
const FORGET_AFTER_MS = 3600 * 1000;
/** How long an address the user signed in from stays exempt from the per-account lock. */
export const KNOWN_ADDRESS_DAYS = 30;

function keyFor(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
  return celerityKeys().loginThrottle(h);
}

/** The four keys of an attempt: pair, address, user, and the "user signed in from here" marker. */
function keysFor(user: string, ip: string): [string, string, string, string] {
  const name = user.toLowerCase();
  const group = addressGroup(ip);
  return [keyFor('pair', name, group), keyFor('address', group), keyFor('user', name), keyFor('known', name, group)];
}

/** Lock length after `failures` failures when `free` are allowed (0 while still free), at most `max`. */
export function lockSeconds(failures: number, free = FREE_FAILURES, max = MAX_LOCK_SEC): number {
  if (failures < free) return 0;
  return Math.min(FIRST_LOCK_SEC * 2 ** (failures - free), max);
}

/**
 * KEYS: pair, address, user, known. ARGV: now, forget ms, first lock ms, then
 * free and max lock ms of pair, address, user. The user counter is skipped
 * when the known marker exists. Refuses while any counted key is locked.
 * Returns {1, 0, pairLock, addressLock, userLock} (each the lockedUntil this
 * attempt set, 0 none, -1 not counted) or {0, ms until the latest lock ends}.
 */
const START = luaScript(`
local now = tonumber(ARGV[1])
local n = 3
if redis.call('EXISTS', KEYS[4]) == 1 then n = 2 end
local latest = 0
for i = 1, n do
  local l = tonumber(redis.call('HGET', KEYS[i], 'lockedUntil') or '0') or 0
  if l > latest then latest = l end
end
if latest > now then return {0, latest - now} end
local out = {1, 0, 0, 0, -1}
for i = 1, n do
  local failures = redis.call('HINCRBY', KEYS[i], 'failures', 1)
  local free = tonumber(ARGV[2 + 2 * i])
  local lockMs = 0
  if failures >= free then lockMs = math.min(tonumber(ARGV[3]) * math.pow(2, failures - free), tonumber(ARGV[3 + 2 * i])) end
  -- The count is forgotten a while after the lock ends, not with it: else the longest lock
  -- would end with the count gone, and the next guesses would be free again.
  redis.call('PEXPIRE', KEYS[i], lockMs + tonumber(ARGV[2]))
  out[2 + i] = 0
  if lockMs > 0 then
    local lockedUntil = string.format('%d', now + lockMs)
    redis.call('HSET', KEYS[i], 'lockedUntil', lockedUntil)
    out[2 + i] = tonumber(lockedUntil)
  end
end
return out
`);

/**
 * KEYS: pair, address, user, known. ARGV: outcome (success | cancel), the
 * locks the attempt set (pair, address, user, as START returned them), known ms.
 * Gives an attempt's count back; a lock it set goes with it.
 */
const SETTLE = luaScript(`
local function giveBack(key, lockedUntil)
  if lockedUntil == '-1' then return end
  local left = redis.call('HINCRBY', key, 'failures', -1)
  if left <= 0 then
    redis.call('DEL', key)
  elseif lockedUntil ~= '0' and redis.call('HGET', key, 'lockedUntil') == lockedUntil then
    redis.call('HDEL', key, 'lockedUntil')
  end
end
if ARGV[1] == 'success' then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[5])
else
  giveBack(KEYS[1], ARGV[2])
end
giveBack(KEYS[2], ARGV[3])
giveBack(KEYS[3], ARGV[4])
return 1
`);

/** A counted sign-in attempt, to settle once its password was checked (or was not). */
export interface LoginAttempt {
  readonly keys: readonly [string, string, string, string];
  /** lockedUntil (ms) this attempt set on the pair, address and user counters (0: none; -1 for the user: not counted, a known address). */
  readonly locks: readonly [number, number, number];
  /** How long the caller is locked out if this attempt fails (seconds, 0: not locked). */
  readonly lockSeconds: number;
}

/**
 * Count a sign-in attempt before its password is checked. Throws
 * TooManyRequestsError (429 with Retry-After) while the pair, the address or
 * (from an address it never signed in from) the account is locked; nothing is
 * counted then.
 */
export async function startLoginAttempt(redis: RedisConnection, user: string, ip: string, now = Date.now()): Promise<LoginAttempt> {
  const keys = keysFor(user, ip);
  const ms = (s: number) => s * 1000;
  const r = (await START.run(redis, keys, [
    now,
    FORGET_AFTER_MS,
    ms(FIRST_LOCK_SEC),
    FREE_FAILURES,
    ms(MAX_LOCK_SEC),
    FREE_ADDRESS_FAILURES,
    ms(MAX_LOCK_SEC),
    FREE_USER_FAILURES,
    ms(MAX_USER_LOCK_SEC),
  ])) as number[];
  if (r[0] === 0) {
    throw new TooManyRequestsError('Too many failed sign-in attempts; try again later', Math.ceil(r[1]! / 1000));
  }
  const locks = [r[2]!, r[3]!, r[4]!] as const;
  const latest = Math.max(...locks);
  return { keys, locks, lockSeconds: latest > now ? Math.ceil((latest - now) / 1000) : 0 };
}

/** The password was right: clear the pair, give the count back to address and account, remember the address for the account. */
export async function loginSucceeded(redis: RedisConnection, attempt: LoginAttempt): Promise<void> {
  await SETTLE.run(redis, attempt.keys, ['success', ...attempt.locks, KNOWN_ADDRESS_DAYS * 24 * 3600 * 1000]);
}

/** The password was never checked (the server was busy): the attempt counts for nothing. */
export async function loginNotChecked(redis: RedisConnection, attempt: LoginAttempt): Promise<void> {
  await SETTLE.run(redis, attempt.keys, ['cancel', ...attempt.locks, 0]);
}
