import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { env, type Env } from '../env';
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

/** A checked account and where it was written (`CELERITY_USERS entry 2`, `… line 5`), for messages. */
interface Located {
  user: User;
  where: string;
}

/** One `name:role:hash` entry (the hash may itself contain no colon). */
function parseEntry(entry: string, where: string): Located {
  const parts = entry.split(':');
  // The entry itself is not echoed: it could be a password pasted by mistake.
  if (parts.length !== 3) throw new UsersConfigError(`${where}: expected name:role:hash (3 fields separated by ":"), found ${parts.length}`);
  return checkUser({ name: parts[0]!.trim(), role: parts[1]!.trim(), hash: parts[2]!.trim() }, where);
}

function checkUser(raw: unknown, where: string): Located {
  const r = userSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new UsersConfigError(`${where}: ${i.path.join('.') || 'entry'} ${i.message}`);
  }
  return { user: r.data, where };
}

/** Names are compared without case: `Alice` and `alice` would be two accounts nobody can tell apart in the audit. */
function noDuplicates(entries: Located[]): User[] {
  const seen = new Map<string, string>();
  for (const { user, where } of entries) {
    const k = user.name.toLowerCase();
    const first = seen.get(k);
    if (first !== undefined) throw new UsersConfigError(`user "${user.name}" is listed twice: ${first} and ${where}`);
    seen.set(k, where);
  }
  return entries.map((e) => e.user);
}

function listEntries(value: string, source: string): Located[] {
  return value
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((e, i) => parseEntry(e, `${source} entry ${i + 1}`));
}

function fileEntries(text: string, source: string): Located[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      // V8's message may quote the file (hashes, or a pasted password): only its position is kept, as a line.
      const at = /at position (\d+)/.exec((err as Error).message);
      const line = at ? ` (line ${text.slice(0, Number(at[1])).split('\n').length})` : '';
      throw new UsersConfigError(`${source}: not valid JSON${line}`);
    }
    if (!Array.isArray(data)) throw new UsersConfigError(`${source}: expected a JSON array`);
    return data.map((u, i) => checkUser(u, `${source} entry ${i + 1}`));
  }
  const out: Located[] = [];
  text.split('\n').forEach((line, i) => {
    const l = line.trim();
    if (l && !l.startsWith('#')) out.push(parseEntry(l, `${source} line ${i + 1}`));
  });
  return out;
}

/** Where accounts come from: the two variables of lib/env.ts. */
export type UsersConfig = Pick<Env, 'CELERITY_USERS' | 'CELERITY_USERS_FILE'>;

/**
 * The accounts of `config`, read and checked now (no cache: {@link loadUsers}
 * caches this for the process's own environment). Throws UsersConfigError,
 * naming the variable, the file and the entry or line, for: a bad entry, an
 * unreadable or malformed file, a name listed twice (in one source or across
 * both), or a variable or file that is set but holds no account — a console
 * the operator meant to protect must not come up open.
 */
export function readUsers(config: UsersConfig): User[] {
  const entries: Located[] = [];
  if (config.CELERITY_USERS !== undefined) {
    const fromVar = listEntries(config.CELERITY_USERS, 'CELERITY_USERS');
    if (!fromVar.length) throw new UsersConfigError('CELERITY_USERS is set but lists no account (name:role:hash, separated by commas)');
    entries.push(...fromVar);
  }
  const file = config.CELERITY_USERS_FILE;
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsersConfigError(`CELERITY_USERS_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const source = `CELERITY_USERS_FILE (${file})`;
    const fromFile = fileEntries(text, source);
    if (!fromFile.length) throw new UsersConfigError(`${source}: the file holds no account (one name:role:hash a line, or a JSON array)`);
    entries.push(...fromFile);
  }
  return noDuplicates(entries);
}

type Holder = { __celerityUsers?: User[] };
const holder = globalThis as unknown as Holder;

/**
 * The configured accounts (empty: none), from this process's environment.
 * Read once; throws UsersConfigError on a bad list (see {@link readUsers}),
 * which the console turns into a refusal to start.
 */
export function loadUsers(): User[] {
  holder.__celerityUsers ??= readUsers(env());
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
