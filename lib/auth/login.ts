import type { Redis } from 'ioredis';
import { z } from 'zod';
import { UnauthorizedError } from '../errors';
import { parseOrThrow } from '../validation';
import { appendAudit } from './audit-log';
import { assertNotThrottled, clearLoginFailures, recordLoginFailure } from './login-throttle';
import { MAX_PASSWORD_LENGTH, verifyPassword } from './password';
import { safeNextPath } from './next-path';
import { createSession, type SessionRecord } from './session-store';
import { findUser, userFingerprint, type User } from './users';

/** Body of POST /api/auth/login. */
export const loginSchema = z
  .object({
    username: z.string().min(1, 'Required').max(200),
    password: z.string().min(1, 'Required').max(MAX_PASSWORD_LENGTH),
    /** Where to go afterwards (a path on this site; anything else becomes `/`). */
    next: z.string().max(2000).optional(),
  })
  .strict();

export interface LoginResult {
  sessionId: string;
  session: SessionRecord;
  user: User;
  next: string;
}

/**
 * Check a user name and password and open a session. Wrong name or password →
 * UnauthorizedError with the same message and about the same time either way;
 * too many failures from this address for this name → TooManyRequestsError
 * (checked before the password, so a locked-out guesser learns nothing).
 * Successes and failures go to the audit log.
 */
export async function login(redis: Redis, body: unknown, ctx: { ip: string; path: string }): Promise<LoginResult> {
  const input = parseOrThrow(loginSchema, body);
  await assertNotThrottled(redis, input.username, ctx.ip);
  const user = findUser(input.username);
  const ok = (await verifyPassword(input.password, user?.hash)) && user !== undefined;
  // The target is the account signed in to (or tried).
  const entry = { target: input.username.slice(0, 64), ip: ctx.ip, method: 'POST', path: ctx.path };
  if (!ok || !user) {
    const locked = await recordLoginFailure(redis, input.username, ctx.ip);
    await appendAudit(redis, { ...entry, action: 'login.failed', actor: input.username.slice(0, 64), status: 401, error: locked ? `locked for ${locked} s` : 'wrong user name or password' });
    throw new UnauthorizedError('Wrong user name or password');
  }
  await clearLoginFailures(redis, input.username, ctx.ip);
  const { id, record } = await createSession(redis, { user: user.name, fp: userFingerprint(user), ip: ctx.ip });
  await appendAudit(redis, { ...entry, action: 'login', actor: user.name, status: 200 });
  return { sessionId: id, session: record, user, next: safeNextPath(input.next) };
}
