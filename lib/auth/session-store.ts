import { createHash, randomBytes } from 'node:crypto';
import type { RedisConnection } from '../redis';
import { z } from 'zod';
import { env } from '../env';
import { celerityKeys } from '../keys';
import { newCsrfToken } from '../http/csrf';

/**
 * Console sessions in Redis. The cookie holds a random 256-bit id; Redis holds
 * the session under the SHA-256 of that id, so someone who can read Redis (a
 * backup, a replica) still cannot take over a session. Expiry is sliding: every
 * read renews it (GETEX), up to an absolute lifetime.
 */

/** However active, a session ends this long after sign-in. */
export const SESSION_MAX_LIFETIME_MS = 7 * 24 * 3600 * 1000;

const sessionSchema = z.object({
  user: z.string(),
  /** userFingerprint() at sign-in: a changed password or role ends the session. */
  fp: z.string(),
  /** The CSRF token bound to this session (the double-submit cookie carries the same value). */
  csrf: z.string(),
  createdAt: z.number(),
  ip: z.string(),
});
export type SessionRecord = z.infer<typeof sessionSchema>;

/** SHA-256 (hex) of a session id: the Redis key part. */
export function sessionHash(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** Session ids are 32 random bytes, base64url (43 characters). Anything else is not ours. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

function ttlMs(): number {
  return env().CELERITY_SESSION_TTL * 1000;
}

/** Create a session; returns the id for the cookie and the record. */
export async function createSession(redis: RedisConnection, init: { user: string; fp: string; ip: string }): Promise<{ id: string; record: SessionRecord }> {
  const id = randomBytes(32).toString('base64url');
  const record: SessionRecord = { ...init, csrf: newCsrfToken(), createdAt: Date.now() };
  await redis.set(celerityKeys().session(sessionHash(id)), JSON.stringify(record), 'PX', ttlMs());
  return { id, record };
}

/**
 * The session for a cookie value, renewed for another TTL (unless `touch` is
 * false: a background check is not activity); undefined when it does not
 * exist, expired or is past its absolute lifetime.
 */
export async function readSession(redis: RedisConnection, id: string | undefined, touch = true): Promise<{ hash: string; record: SessionRecord } | undefined> {
  if (!id || !SESSION_ID.test(id)) return undefined;
  const hash = sessionHash(id);
  const key = celerityKeys().session(hash);
  const raw = touch ? await redis.getex(key, 'PX', ttlMs()) : await redis.get(key);
  if (!raw) return undefined;
  let parsed;
  try {
    parsed = sessionSchema.safeParse(JSON.parse(raw));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success || Date.now() - parsed.data.createdAt > SESSION_MAX_LIFETIME_MS) {
    await redis.del(key);
    return undefined;
  }
  return { hash, record: parsed.data };
}

/** End a session by its hash (logout, or a session that no longer matches its account). */
export async function deleteSession(redis: RedisConnection, hash: string): Promise<void> {
  await redis.del(celerityKeys().session(hash));
}
