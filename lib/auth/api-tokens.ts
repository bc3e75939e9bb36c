import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RedisConnection } from '../redis';
import { z } from 'zod';
import { celerityKeys } from '../keys';
import { ConflictError, NotFoundError } from '../errors';
import { parseOrThrow } from '../validation';
import { TOKEN_SCOPES, type TokenScope } from './principal';
import { authEnabled, findUser } from './users';

/**
 * API tokens for scripts: `cel_<id>_<secret>` with 256 bits of secret. Redis
 * keeps only the SHA-256 of the whole token (a fast hash is right here: the
 * input is random, not a password), so the token is shown once, at creation.
 *
 * A token acts on its creator's authority: it works only while its creator is
 * still a configured admin. Removing an admin from CELERITY_USERS (or the
 * users file), or making them a viewer, stops their tokens at once, as it ends
 * their sessions; giving the role back revives the tokens not revoked meanwhile.
 */

export interface TokenRecord {
  id: string;
  name: string;
  scope: TokenScope;
  /** SHA-256 (hex) of the token. Never leaves the server. */
  hash: string;
  createdAt: number;
  createdBy: string;
}

/** What the UI and the API list: the record without its hash, with when it was last used. */
export interface TokenDTO {
  id: string;
  name: string;
  scope: TokenScope;
  createdAt: number;
  createdBy: string;
  lastUsedAt: number | null;
}

/** At most this many tokens: each is a standing credential, and the list is read whole. */
export const MAX_TOKENS = 200;

const TOKEN_FORMAT = /^cel_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

const recordSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(TOKEN_SCOPES),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  createdAt: z.number(),
  createdBy: z.string(),
});

/** Body of POST /api/v1/tokens. */
export const createTokenSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'Required')
      .max(100, 'At most 100 characters')
      // eslint-disable-next-line no-control-regex
      .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'No control characters'),
    scope: z.enum(TOKEN_SCOPES, { error: 'read or write' }),
  })
  .strict();

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function parseRecord(json: string): TokenRecord | undefined {
  try {
    const r = recordSchema.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** Create a token; returns its DTO and the token itself (shown once). */
export async function createToken(redis: RedisConnection, body: unknown, createdBy: string): Promise<{ token: string; record: TokenDTO }> {
  const input = parseOrThrow(createTokenSchema, body);
  const keys = celerityKeys();
  const existing = await listTokens(redis);
  if (existing.length >= MAX_TOKENS) throw new ConflictError(`At most ${MAX_TOKENS} tokens; revoke some first`);
  if (existing.some((t) => t.name === input.name)) throw new ConflictError(`A token named "${input.name}" exists`);
  const id = randomBytes(6).toString('hex');
  const token = `cel_${id}_${randomBytes(32).toString('base64url')}`;
  const record: TokenRecord = { id, name: input.name, scope: input.scope, hash: sha256(token), createdAt: Date.now(), createdBy };
  // HSETNX: ids are random; a collision (2^-48) must not overwrite another token.
  if (!(await redis.hsetnx(keys.tokens, id, JSON.stringify(record)))) throw new ConflictError('Token id collision; try again');
  return { token, record: toDto(record, null) };
}

function toDto(r: TokenRecord, lastUsedAt: number | null): TokenDTO {
  return { id: r.id, name: r.name, scope: r.scope, createdAt: r.createdAt, createdBy: r.createdBy, lastUsedAt };
}

/** Every token, newest first. */
export async function listTokens(redis: RedisConnection): Promise<TokenDTO[]> {
  const keys = celerityKeys();
  const [all, usage] = await Promise.all([redis.hgetall(keys.tokens), redis.hgetall(keys.tokenUsage)]);
  const out: TokenDTO[] = [];
  for (const json of Object.values(all)) {
    const r = parseRecord(json);
    if (r) out.push(toDto(r, usage[r.id] ? Number(usage[r.id]) : null));
  }
  return out.sort((a, b) => b.createdAt - a.createdAt);
}

/** A token's name (for the audit entry of its revocation); undefined when there is no such token. */
export async function tokenName(redis: RedisConnection, id: string): Promise<string | undefined> {
  const json = await redis.hget(celerityKeys().tokens, id);
  return json ? parseRecord(json)?.name : undefined;
}

/** Revoke a token at once; NotFoundError when there is no such token. */
export async function revokeToken(redis: RedisConnection, id: string): Promise<void> {
  const keys = celerityKeys();
  const [[, removed]] = (await redis.multi().hdel(keys.tokens, id).hdel(keys.tokenUsage, id).exec()) as [[Error | null, number]];
  if (!removed) throw new NotFoundError(`Token ${id} not found`);
}

/** How often "last used" is written: at most once a minute per token, not on every request. */
const USAGE_RESOLUTION_MS = 60_000;

/**
 * Whether a token made by `createdBy` may act: its creator is a configured
 * admin. Without accounts (the open console, where everyone may do everything)
 * any creator is; a token made then (by `anonymous`) stops once accounts exist.
 */
export function creatorIsAdmin(createdBy: string): boolean {
  return !authEnabled() || findUser(createdBy)?.role === 'admin';
}

export type TokenCheck =
  | { ok: true; record: TokenRecord }
  /** `bad-token`: not a token, or not (or no longer) stored; `creator-not-admin`: see {@link creatorIsAdmin}. */
  | { ok: false; reason: 'bad-token' | 'creator-not-admin' };

/**
 * Check a presented token: well-formed, stored (not revoked), the hash equal
 * (compared in constant time), and its creator still an admin. Records when a
 * valid token was last used.
 */
export async function checkToken(redis: RedisConnection, token: string): Promise<TokenCheck> {
  const bad = { ok: false, reason: 'bad-token' } as const;
  const m = TOKEN_FORMAT.exec(token);
  if (!m) return bad;
  const keys = celerityKeys();
  const [json, lastUsed] = await Promise.all([redis.hget(keys.tokens, m[1]!), redis.hget(keys.tokenUsage, m[1]!)]);
  const record = json ? parseRecord(json) : undefined;
  if (!record) return bad;
  const a = Buffer.from(sha256(token), 'hex');
  const b = Buffer.from(record.hash, 'hex');
  if (a.length !== b.length || !timingSafeEqual(a, b)) return bad;
  if (!creatorIsAdmin(record.createdBy)) return { ok: false, reason: 'creator-not-admin' };
  const now = Date.now();
  if (!lastUsed || now - Number(lastUsed) > USAGE_RESOLUTION_MS) {
    // A separate hash, so this write can never bring back a token revoked meanwhile.
    await redis.hset(keys.tokenUsage, record.id, String(now));
  }
  return { ok: true, record };
}
