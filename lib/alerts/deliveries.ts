import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '../redis';
import { alertKeys } from './alert-keys';
import type { AlertMessage, NotificationEvent } from './alert-message';

/**
 * A delivery: one message to one channel, with its attempts. Written in the
 * same script as the incident change that caused it (lib/alerts/alert-engine.ts),
 * so a notification is queued exactly when its transition happens; sent and
 * retried by lib/alerts/delivery-sender.ts.
 */
export interface Delivery {
  id: string;
  channel: string;
  rule: string | null;
  incident: string | null;
  event: NotificationEvent;
  message: AlertMessage;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  deliveredAt: number | null;
}

/** Deliveries kept for the console (older ones are trimmed once finished). */
export const DELIVERIES_KEPT = 2_000;

export function newDeliveryId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(5).toString('hex')}`;
}

/** A new delivery of `message` to `channel`. */
export function newDelivery(channel: string, message: AlertMessage, now = Date.now()): Delivery {
  return {
    id: newDeliveryId(now),
    channel,
    rule: message.rule?.name ?? null,
    incident: message.incident?.id ?? null,
    event: message.event,
    message,
    status: 'pending',
    attempts: 0,
    lastError: null,
    createdAt: now,
    updatedAt: now,
    deliveredAt: null,
  };
}

/** The Redis commands that queue a delivery (due now). */
export function queueDeliveryCommands(d: Delivery): string[][] {
  const k = alertKeys();
  return [
    ['HSET', k.deliveries, d.id, JSON.stringify(d)],
    ['ZADD', k.due, String(d.createdAt), d.id],
    ['ZADD', k.deliveryIndex, String(d.createdAt), d.id],
  ];
}

/** Recent deliveries, newest first (optionally of one channel or incident). */
export async function listDeliveries(redis: RedisConnection, filter: { channel?: string; incident?: string; limit?: number } = {}): Promise<Delivery[]> {
  const k = alertKeys();
  const limit = Math.min(filter.limit ?? 50, 500);
  // Filtering reads further back than the limit; the index is capped, so this stays bounded.
  const ids = await redis.zrevrange(k.deliveryIndex, 0, filter.channel || filter.incident ? DELIVERIES_KEPT : limit - 1);
  if (ids.length === 0) return [];
  const rows = await redis.hmget(k.deliveries, ...ids);
  const out: Delivery[] = [];
  for (const json of rows) {
    if (!json) continue;
    const d = JSON.parse(json) as Delivery;
    if (filter.channel && d.channel !== filter.channel) continue;
    if (filter.incident && d.incident !== filter.incident) continue;
    out.push(d);
    if (out.length >= limit) break;
  }
  return out;
}

/** Drop the oldest finished deliveries beyond DELIVERIES_KEPT (pending ones stay until sent or failed). */
export async function trimDeliveries(redis: RedisConnection): Promise<void> {
  const k = alertKeys();
  const old = await redis.zrange(k.deliveryIndex, 0, -(DELIVERIES_KEPT + 1));
  if (old.length === 0) return;
  const due = await redis.zmscore(k.due, ...old);
  const done = old.filter((_, i) => due[i] === null);
  if (done.length)
    await redis
      .multi()
      .hdel(k.deliveries, ...done)
      .zrem(k.deliveryIndex, ...done)
      .exec();
}
