import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { UnavailableError } from '../errors';

/**
 * Password hashes in a self-describing format: `scrypt$N$r$p$salt$hash`
 * (salt and hash in base64url). The parameters travel with the hash, so they
 * can be raised later without invalidating existing accounts.
 */

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's minimum for scrypt, in the variant that keeps 32 MiB per hash:
 * N=2^15, r=8, p=3 (the listed equivalent of N=2^17, r=8, p=1). With p=3 the
 * same 32 MiB block is filled three times in a row, so a hash costs about 3/4
 * of the CPU of N=2^17 (~130 ms on an idle core here) and a quarter of its
 * memory: {@link MAX_CONCURRENT} checks at once stay at 64 MiB, not 256 MiB,
 * on the small servers a console runs on. Hashes made with lower parameters
 * still verify and are replaced at the next sign-in (lib/auth/password-upgrade.ts).
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 3 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** Longest password accepted: scrypt is fast on long input, but there is no reason for more. */
export const MAX_PASSWORD_LENGTH = 1024;

function scrypt(password: string, salt: Buffer, keylen: number, params: ScryptParams): Promise<Buffer> {
  // Node refuses by default at 32 MiB; allow what the parameters need (128·N·r for the block, 128·r·p for the lanes) plus headroom.
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 2 * 128 * params.N * params.r + 128 * params.r * params.p + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize('NFC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

/**
 * At most this many hashes at once: each takes 32 MiB (with the default
 * parameters), so a burst of login attempts must queue instead of exhausting memory.
 */
export const MAX_CONCURRENT = 2;
/**
 * At most this many password checks wait for a turn (about a second of work
 * at ~130 ms per hash, two at a time); more are refused at once with
 * {@link PasswordCheckBusyError}. Otherwise a flood of sign-in attempts from
 * addresses the throttle has not seen yet queues without bound: memory for
 * every pending request, and every real user behind all of them.
 */
export const MAX_WAITING = 16;
let active = 0;
const waiting: (() => void)[] = [];

/** Too many password checks already waiting: refused without checking (503 with Retry-After). */
export class PasswordCheckBusyError extends UnavailableError {
  override name = 'PasswordCheckBusyError';
  constructor() {
    super('Too many sign-ins at once; try again in a few seconds');
  }
}

/**
 * Run `fn` (a hash) when one of the {@link MAX_CONCURRENT} slots is free,
 * waiting in line otherwise; with `maxWaiting`, throw PasswordCheckBusyError
 * at once (before `fn` runs) when that many already wait.
 */
export async function withPasswordSlot<T>(fn: () => Promise<T>, maxWaiting = Infinity): Promise<T> {
  if (active >= MAX_CONCURRENT) {
    if (waiting.length >= maxWaiting) throw new PasswordCheckBusyError();
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  active++;
  try {
    return await fn();
  } finally {
    active--;
    waiting.shift()?.();
  }
}

export interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

const FORMAT = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{16,})$/;

/** Parse `scrypt$N$r$p$salt$hash`; undefined when it is not one (or has unsafe parameters). */
export function parsePasswordHash(encoded: string): ParsedHash | undefined {
  const m = FORMAT.exec(encoded.trim());
  if (!m) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // N a power of two ≥ 2^14, and parameters small enough that a hash cannot be used to exhaust memory.
  if (N < 1 << 14 || N > 1 << 20 || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16 || N * r * p > (1 << 20) * 8) return undefined;
  const salt = Buffer.from(m[4]!, 'base64url');
  const hash = Buffer.from(m[5]!, 'base64url');
  if (salt.length < 8 || hash.length < 16) return undefined;
  return { params: { N, r, p }, salt, hash };
}

/**
 * Hash a password with a fresh random salt, with {@link DEFAULT_SCRYPT} unless
 * `params` says otherwise (tests that hash many times pass cheaper ones).
 */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await withPasswordSlot(() => scrypt(password, salt, KEY_LENGTH, params));
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/**
 * A valid hash of a random password nobody knows: checked when the user name is
 * unknown, so a wrong name costs the same time as a wrong password (no user enumeration).
 */
const DUMMY_HASH = `scrypt$${DEFAULT_SCRYPT.N}$${DEFAULT_SCRYPT.r}$${DEFAULT_SCRYPT.p}$${randomBytes(SALT_LENGTH).toString('base64url')}$${randomBytes(KEY_LENGTH).toString('base64url')}`;

/**
 * True when `password` matches `encoded`. With `encoded` undefined (unknown
 * user) it still spends the time of one check and returns false. Throws
 * {@link PasswordCheckBusyError} without checking when {@link MAX_WAITING}
 * checks are already waiting (for a known and an unknown user alike).
 */
export async function verifyPassword(password: string, encoded: string | undefined): Promise<boolean> {
  const parsed = parsePasswordHash(encoded ?? DUMMY_HASH) ?? parsePasswordHash(DUMMY_HASH)!;
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  const key = await withPasswordSlot(() => scrypt(password, parsed.salt, parsed.hash.length, parsed.params), MAX_WAITING);
  return encoded !== undefined && key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
}

/**
 * True when `encoded` costs a guesser less work (N·r·p) than a hash made today
 * with {@link DEFAULT_SCRYPT}: it is replaced at the next sign-in. A stronger
 * one (say N=2^17, p=1) is kept. False for what is not a hash at all.
 */
export function isWeakerThanDefault(encoded: string): boolean {
  const parsed = parsePasswordHash(encoded);
  if (!parsed) return false;
  const work = (q: ScryptParams) => q.N * q.r * q.p;
  return work(parsed.params) < work(DEFAULT_SCRYPT);
}
