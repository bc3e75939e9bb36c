import type { RedisConnection } from '../redis';
import { z } from 'zod';
import { UnauthorizedError } from '../errors';
import { parseOrThrow } from '../validation';
import { appendAudit } from './audit-log';
import { loginNotChecked, loginSucceeded, startLoginAttempt } from './login-throttle';
import { MAX_PASSWORD_LENGTH, PasswordCheckBusyError, verifyPassword } from './password';
import { currentPasswordHash, upgradePasswordHash } from './password-upgrade';
import { safeNextPath } from './next-path';
import { createSession, deleteSession, sessionHash, type SessionRecord } from './session-store';
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
 * UnauthorizedError with the same message and about the same time either way.
 * The attempt is counted before the password is checked, in one atomic step
 * with the lock check (lib/auth/login-throttle.ts): while the user name from
 * this address, the address, or the account is locked out → TooManyRequestsError
 * before any password check, so a locked-out guesser learns nothing, however
 * many requests it sends at once. Too many checks already waiting →
 * PasswordCheckBusyError (503), not counted. Successes and failures go to the
 * audit log; refused attempts do not (they are bounded by nothing but the sender).
 * A hash made with older scrypt parameters is upgraded on success
 * (lib/auth/password-upgrade.ts).
 * `replaces`: the session id the browser already had, ended on success — a
 * sign-in always starts a new session (no session fixation).
 */
export async function login(redis: RedisConnection, body: unknown, ctx: { ip: string; path: string; replaces?: string }): Promise<LoginResult> {
  const input = parseOrThrow(loginSchema, body);
  const attempt = await startLoginAttempt(redis, input.username, ctx.ip);
  const user = findUser(input.username);
  const hash = user ? await currentPasswordHash(redis, user) : undefined;
  let ok: boolean;
  try {
    ok = (await verifyPassword(input.password, hash)) && user !== undefined;
  } catch (err) {
    if (err instanceof PasswordCheckBusyError) await loginNotChecked(redis, attempt);
    throw err;
  }
  // The target is the account signed in to (or tried).
  const entry = { target: input.username.slice(0, 64), ip: ctx.ip, method: 'POST', path: ctx.path };
  if (!ok || !user) {
    const locked = attempt.lockSeconds;
    await appendAudit(redis, {
      ...entry,
      action: 'login.failed',
      actor: input.username.slice(0, 64),
      status: 401,
      error: locked ? `locked for ${locked} s` : 'wrong user name or password',
    });
    throw new UnauthorizedError('Wrong user name or password');
  }
  await loginSucceeded(redis, attempt);
  await upgradePasswordHash(redis, user, input.password, hash!);
  if (ctx.replaces) await deleteSession(redis, sessionHash(ctx.replaces));
  const { id, record } = await createSession(redis, { user: user.name, fp: userFingerprint(user), ip: ctx.ip });
  await appendAudit(redis, { ...entry, action: 'login', actor: user.name, status: 200 });
  return { sessionId: id, session: record, user, next: safeNextPath(input.next) };
}
