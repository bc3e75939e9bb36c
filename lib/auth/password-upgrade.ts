import { createHash } from 'node:crypto';
import type { RedisConnection } from '../redis';
import { celerityKeys } from '../keys';
import { hashPassword, isWeakerThanDefault, parsePasswordHash } from './password';
import type { User } from './users';

/**
 * Hashes made with older, cheaper scrypt parameters are replaced at the next
 * successful sign-in. The accounts themselves are configuration
 * (CELERITY_USERS or the users file), which the console never writes, so the
 * new hash is kept in Redis, keyed by the user name and the configured hash it
 * replaces: when the operator changes that hash (a new password, or a line
 * from today's `npm run user:add`), the key changes with it and the
 * configuration wins again; the stale entry expires. Sessions keep working
 * across an upgrade: their fingerprint is taken from the configured hash
 * (lib/auth/users.ts userFingerprint).
 */

/** How long an upgraded hash is kept; once gone, the next sign-in checks the configured hash and upgrades again. */
export const UPGRADED_HASH_TTL_DAYS = 90;

function upgradeKey(user: User): string {
  const h = createHash('sha256').update(`${user.name}\u0000${user.hash}`).digest('hex').slice(0, 32);
  return celerityKeys().passwordUpgrade(h);
}

/** The hash to check `user`'s password against: the upgraded one stored for its configured hash, else the configured one. */
export async function currentPasswordHash(redis: RedisConnection, user: User): Promise<string> {
  const upgraded = await redis.get(upgradeKey(user));
  return upgraded && parsePasswordHash(upgraded) ? upgraded : user.hash;
}

/**
 * After `password` matched `checked` (what {@link currentPasswordHash} gave):
 * when that hash is weaker than today's parameters, store a fresh hash of the
 * password for the next sign-ins. Costs one more hash, once per account.
 */
export async function upgradePasswordHash(redis: RedisConnection, user: User, password: string, checked: string): Promise<void> {
  if (!isWeakerThanDefault(checked)) return;
  const fresh = await hashPassword(password);
  await redis.set(upgradeKey(user), fresh, 'PX', UPGRADED_HASH_TTL_DAYS * 24 * 3600 * 1000);
}
