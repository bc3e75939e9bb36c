import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../redis';
import { ConflictError, InvalidError, NotFoundError } from '../errors';
import { parseOrThrow } from '../validation';
import { alertKeys } from './alert-keys';
import { channelDto, channelInputSchema, channelReplaceSchema, type Channel, type ChannelConfig, type ChannelDTO } from './channel-model';
import { verifyEmail } from './channel-send';
import { readRules } from './rule-store';

/**
 * Channels in Redis (one hash, id → JSON with the secrets). Reads for the API
 * go through channelDto; the secrets are read only by the delivery sender.
 */

export interface SaveOptions {
  /** Check an email channel's SMTP server before saving (on by default; the timeout of that check). */
  verifyTimeoutMs?: number;
  now?: Date;
}

/** A channel with its secrets (for sending), or undefined. */
export async function readChannel(redis: RedisConnection, id: string): Promise<Channel | undefined> {
  const json = await redis.hget(alertKeys().channels, id);
  return json ? (JSON.parse(json) as Channel) : undefined;
}

export async function requireChannel(redis: RedisConnection, id: string): Promise<Channel> {
  const c = await readChannel(redis, id);
  if (!c) throw new NotFoundError(`No alert channel "${id}"`);
  return c;
}

/** Every channel as the console shows it, with its last delivery's outcome. */
export async function listChannels(redis: RedisConnection): Promise<(ChannelDTO & { health: ChannelHealth | null })[]> {
  const k = alertKeys();
  const [all, health] = await Promise.all([redis.hgetall(k.channels), redis.hgetall(k.channelHealth)]);
  return Object.values(all)
    .map((json) => JSON.parse(json) as Channel)
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((c) => ({ ...channelDto(c), health: health[c.id] ? (JSON.parse(health[c.id]!) as ChannelHealth) : null }));
}

/** A channel's last delivery outcome: `failing` from the first failed delivery until one succeeds. */
export interface ChannelHealth {
  status: 'ok' | 'failing';
  at: number;
  lastError: string | null;
  failingSince: number | null;
}

/** Record a delivery's outcome for its channel (the sender and "send test" call it). */
export async function recordChannelOutcome(redis: RedisConnection, id: string, error: string | null, at = Date.now()): Promise<void> {
  const k = alertKeys().channelHealth;
  const old = await redis.hget(k, id);
  const prev = old ? (JSON.parse(old) as ChannelHealth) : null;
  const next: ChannelHealth = error
    ? { status: 'failing', at, lastError: error, failingSince: prev?.failingSince ?? at }
    : { status: 'ok', at, lastError: null, failingSince: null };
  await redis.hset(k, id, JSON.stringify(next));
}

/**
 * Create a channel. A webhook without a secret gets one, returned this once
 * (`secret`); an email channel's server is checked first (400 on `config.host`
 * when it does not answer, nothing stored).
 */
export async function createChannel(redis: RedisConnection, raw: unknown, opts: SaveOptions = {}): Promise<{ channel: ChannelDTO; secret?: string }> {
  const input = parseOrThrow(channelInputSchema, raw);
  let secret: string | undefined;
  const config = { ...input.config };
  if (config.type === 'webhook' && !config.secret) config.secret = secret = randomBytes(24).toString('base64url');
  await checkReachable(config, opts);
  const stamp = (opts.now ?? new Date()).toISOString();
  const channel: Channel = { id: input.id, name: input.name ?? input.id, config, createdAt: stamp, updatedAt: stamp };
  if (!(await redis.hsetnx(alertKeys().channels, channel.id, JSON.stringify(channel)))) throw new ConflictError(`An alert channel "${channel.id}" exists`);
  return secret ? { channel: channelDto(channel), secret } : { channel: channelDto(channel) };
}

/** Replace a channel's config; a secret (signing key, SMTP password) left out keeps the stored one. */
export async function replaceChannel(redis: RedisConnection, id: string, raw: unknown, opts: SaveOptions = {}): Promise<ChannelDTO> {
  const input = parseOrThrow(channelReplaceSchema, raw);
  const old = await requireChannel(redis, id);
  const config = keepSecrets(input.config, old.config);
  await checkReachable(config, opts);
  const channel: Channel = { ...old, name: input.name ?? old.name, config, updatedAt: (opts.now ?? new Date()).toISOString() };
  await redis.hset(alertKeys().channels, id, JSON.stringify(channel));
  return channelDto(channel);
}

function keepSecrets(next: ChannelConfig, old: ChannelConfig): ChannelConfig {
  if (next.type === 'webhook' && old.type === 'webhook' && !next.secret) return { ...next, secret: old.secret };
  if (next.type === 'email' && old.type === 'email' && next.password === undefined && next.user === old.user) return { ...next, password: old.password };
  return next;
}

async function checkReachable(config: ChannelConfig, opts: SaveOptions): Promise<void> {
  if (config.type !== 'email') return;
  try {
    await verifyEmail(config, opts.verifyTimeoutMs);
  } catch (err) {
    throw new InvalidError(`config.host: the SMTP server ${config.host}:${config.port} did not accept a connection (${(err as Error).message})`, 'config.host');
  }
}

/** Delete a channel; 409 while a rule still sends to it (the message names the rules). */
export async function deleteChannel(redis: RedisConnection, id: string): Promise<void> {
  await requireChannel(redis, id);
  const users = (await readRules(redis)).filter((r) => r.channels.includes(id)).map((r) => r.name);
  if (users.length) throw new ConflictError(`Alert channel "${id}" is used by ${users.map((u) => `"${u}"`).join(', ')}`);
  const k = alertKeys();
  await redis.multi().hdel(k.channels, id).hdel(k.channelHealth, id).exec();
}
