import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { env } from '../env';
import { parsePasswordHash } from './password';

/**
 * Console accounts, configured by the operator (no sign-up, no user store in
 * Redis): `CELERITY_USERS=alice:admin:<hash>,bob:viewer:<hash>` or a file named
 * by `CELERITY_USERS_FILE`. Read once per process; change them and restart.
 */

export const ROLES = ['admin', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface User {
  name: string;
  role: Role;
  /** `scrypt$N$r$p$salt$hash` (lib/auth/password.ts). */
  hash: string;
}

/** Thrown for a bad account list; the message says where and what. */
export class UsersConfigError extends Error {
  override name = 'UsersConfigError';
}

/** User names: letters, digits and `. _ @ -`, 1–64 characters (they appear in cookies' sessions, logs and the audit). */
export const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

const userSchema = z.object({
  name: z.string().regex(USER_NAME, 'must be 1–64 letters, digits or . _ @ -'),
  role: z.enum(ROLES, { error: 'must be admin or viewer' }),
  hash: z.string().refine((h) => parsePasswordHash(h) !== undefined, 'must be a scrypt$N$r$p$salt$hash line from `npm run user:add`'),
});

/** One `name:role:hash` entry (the hash may itself contain no colon). */
function parseEntry(entry: string, where: string): User {
  const parts = entry.split(':');
  // The entry itself is not echoed: it could be a password pasted by mistake.
  if (parts.length !== 3) throw new UsersConfigError(`${where}: expected name:role:hash (3 fields separated by ":"), found ${parts.length}`);
  return checkUser({ name: parts[0]!.trim(), role: parts[1]!.trim(), hash: parts[2]!.trim() }, where);
}

function checkUser(raw: unknown, where: string): User {
  const r = userSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsersConfigError(`${where}: ${i.path.join('.') || 'entry'} ${i.message}`);
  }
  return r.data;
}

function noDuplicates(users: User[], source: string): User[] {
  const seen = new Set<string>();
  for (const u of users) {
    const k = u.name.toLowerCase();
    if (seen.has(k)) throw new UsersConfigError(`${source}: user "${u.name}" is listed twice`);
    seen.add(k);
  }
  return users;
}

/** Parse `CELERITY_USERS`: comma-separated `name:role:hash`. */
export function parseUsersList(value: string, source = 'CELERITY_USERS'): User[] {
  const entries = value
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return noDuplicates(
    entries.map((e, i) => parseEntry(e, `${source} entry ${i + 1}`)),
    source,
  );
}

/** Parse a users file: a JSON array of `{ name, role, hash }`, or lines `name:role:hash` (`#` comments). */
export function parseUsersFile(text: string, source: string): User[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch {
      throw new UsersConfigError(`${source}: not valid JSON`);
    }
    if (!Array.isArray(data)) throw new UsersConfigError(`${source}: expected a JSON array`);
    return noDuplicates(
      data.map((u, i) => checkUser(u, `${source} entry ${i + 1}`)),
      source,
    );
  }
  const users: User[] = [];
  trimmed.split('\n').forEach((line, i) => {
    const l = line.trim();
    if (l && !l.startsWith('#')) users.push(parseEntry(l, `${source} line ${i + 1}`));
  });
  return noDuplicates(users, source);
}

type Holder = { __celerityUsers?: User[] };
const holder = globalThis as unknown as Holder;

/**
 * The configured accounts (empty: none). Read once; throws UsersConfigError on
 * a bad list, which the console turns into a refusal to start.
 */
export function loadUsers(): User[] {
  if (holder.__celerityUsers) return holder.__celerityUsers;
  const e = env();
  const users: User[] = [];
  if (e.CELERITY_USERS) users.push(...parseUsersList(e.CELERITY_USERS));
  if (e.CELERITY_USERS_FILE) {
    let text: string;
    try {
      text = readFileSync(e.CELERITY_USERS_FILE, 'utf8');
    } catch (err) {
      throw new UsersConfigError(`CELERITY_USERS_FILE: cannot read ${e.CELERITY_USERS_FILE} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    users.push(...parseUsersFile(text, `CELERITY_USERS_FILE (${e.CELERITY_USERS_FILE})`));
  }
  holder.__celerityUsers = noDuplicates(users, 'CELERITY_USERS and CELERITY_USERS_FILE');
  return holder.__celerityUsers;
}

/** True when accounts are configured: the console then requires a login. */
export function authEnabled(): boolean {
  return loadUsers().length > 0;
}

/** The account named `name` (case-sensitive), if any. */
export function findUser(name: string): User | undefined {
  return loadUsers().find((u) => u.name === name);
}

/**
 * A short fingerprint of an account's password hash, kept in its sessions:
 * changing the password (or the role) ends every session made before.
 */
export function userFingerprint(u: User): string {
  return createHash('sha256').update(`${u.role}\u0000${u.hash}`).digest('base64url').slice(0, 16);
}
