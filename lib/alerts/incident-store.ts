import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RedisConnection } from '../redis';
import { ConflictError, NotFoundError } from '../errors';
import { alertKeys } from './alert-keys';
import { publishIncidentChange } from './incident-feed';

/**
 * Incidents: one per firing of a rule, from opened to resolved, with a
 * timeline. Each incident is a hash whose fields are written by one side
 * only — status and times by the evaluator, acknowledgement and silence by the
 * console's API — so neither overwrites the other; the timeline is a list both append to.
 */

export interface Incident {
  id: string;
  rule: string;
  kind: string;
  status: 'open' | 'resolved';
  openedAt: number;
  resolvedAt: number | null;
  /** The rule's reading when it opened, and the latest while open. */
  summary: string;
  value: number | null;
  link: string;
  ackedAt: number | null;
  ackedBy: string | null;
  /** No notification (reminder or resolved) until then. */
  silencedUntil: number | null;
  silencedBy: string | null;
  notifications: number;
}

export interface TimelineEntry {
  at: number;
  type: 'opened' | 'notified' | 'reminded' | 'resolved' | 'acknowledged' | 'silenced' | 'unsilenced';
  text: string;
  by?: string;
}

export function newIncidentId(now = Date.now()): string {
  return `${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));

function fromHash(h: Record<string, string>): Incident | undefined {
  if (!h.id) return undefined;
  return {
    id: h.id,
    rule: h.rule ?? '',
    kind: h.kind ?? '',
    status: h.status === 'resolved' ? 'resolved' : 'open',
    openedAt: Number(h.openedAt),
    resolvedAt: num(h.resolvedAt),
    summary: h.summary ?? '',
    value: num(h.value),
    link: h.link ?? '',
    ackedAt: num(h.ackedAt),
    ackedBy: h.ackedBy || null,
    silencedUntil: num(h.silencedUntil),
    silencedBy: h.silencedBy || null,
    notifications: Number(h.notifications ?? 0),
  };
}

/** The commands that open an incident (for the evaluator's transition script). */
export function openIncidentCommands(i: Pick<Incident, 'id' | 'rule' | 'kind' | 'openedAt' | 'summary' | 'value' | 'link'>): string[][] {
  const k = alertKeys();
  return [
    [
      'HSET',
      k.incident(i.id),
      'id',
      i.id,
      'rule',
      i.rule,
      'kind',
      i.kind,
      'status',
      'open',
      'openedAt',
      String(i.openedAt),
      'summary',
      i.summary,
      'value',
      i.value === null ? '' : String(i.value),
      'link',
      i.link,
      'notifications',
      '0',
    ],
    ['ZADD', k.incidents, String(i.openedAt), i.id],
    timelineCommand(i.id, { at: i.openedAt, type: 'opened', text: i.summary }),
  ];
}

export function timelineCommand(id: string, e: TimelineEntry): string[] {
  return ['RPUSH', alertKeys().timeline(id), JSON.stringify(e)];
}

/** Read one incident (undefined: none). */
export async function readIncident(redis: RedisConnection, id: string): Promise<Incident | undefined> {
  return fromHash(await redis.hgetall(alertKeys().incident(id)));
}

/** One incident with its timeline; NotFoundError when there is none. */
export async function getIncident(redis: RedisConnection, id: string): Promise<Incident & { timeline: TimelineEntry[] }> {
  const k = alertKeys();
  const [h, rows] = await Promise.all([redis.hgetall(k.incident(id)), redis.lrange(k.timeline(id), 0, -1)]);
  const incident = fromHash(h);
  if (!incident) throw new NotFoundError(`No incident "${id}"`);
  return { ...incident, timeline: rows.map((r) => JSON.parse(r) as TimelineEntry) };
}

export const incidentQuerySchema = z.object({
  status: z.enum(['open', 'resolved']).optional(),
  rule: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** How many matching incidents to skip (the pages after the first). */
  offset: z.coerce.number().int().min(0).max(10_000).default(0),
});

/** Incidents, newest first, optionally only open or resolved ones, or one rule's; `offset` matching ones skipped. */
export async function listIncidents(
  redis: RedisConnection,
  q: { status?: 'open' | 'resolved'; rule?: string; limit?: number; offset?: number } = {},
): Promise<Incident[]> {
  const k = alertKeys();
  const offset = q.offset ?? 0;
  const limit = (q.limit ?? 50) + offset;
  const out: Incident[] = [];
  // Filters read pages further back until the limit is met (bounded by the trimmed index).
  for (let start = 0; out.length < limit; start += 200) {
    const ids = await redis.zrevrange(k.incidents, start, start + 199);
    if (ids.length === 0) break;
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hgetall(k.incident(id));
    const rows = (await pipe.exec()) ?? [];
    for (const [, h] of rows) {
      const i = fromHash((h ?? {}) as Record<string, string>);
      if (!i || (q.status && i.status !== q.status) || (q.rule && i.rule !== q.rule)) continue;
      out.push(i);
      if (out.length >= limit) break;
    }
    if (ids.length < 200) break;
  }
  return out.slice(offset);
}

async function requireOpen(redis: RedisConnection, id: string): Promise<Incident> {
  const i = await readIncident(redis, id);
  if (!i) throw new NotFoundError(`No incident "${id}"`);
  if (i.status !== 'open') throw new ConflictError(`Incident "${id}" is resolved`);
  return i;
}

/** Acknowledge an open incident: someone is on it, no more reminders (its resolution is still notified). */
export async function acknowledgeIncident(redis: RedisConnection, id: string, by: string, now = Date.now()): Promise<Incident> {
  await requireOpen(redis, id);
  const k = alertKeys();
  await redis
    .multi()
    .hset(k.incident(id), 'ackedAt', String(now), 'ackedBy', by)
    .rpush(k.timeline(id), JSON.stringify({ at: now, type: 'acknowledged', text: `Acknowledged by ${by}`, by } satisfies TimelineEntry))
    .exec();
  const incident = (await readIncident(redis, id))!;
  publishIncidentChange(id, incident.rule, 'acknowledged', now);
  return incident;
}

export const silenceBodySchema = z
  .object({
    forMs: z
      .number()
      .int()
      .min(0, 'Must not be negative')
      .max(30 * 86_400_000),
  })
  .strict();

/** Silence an open incident for a time (0 lifts a silence): no reminders, no resolved message meanwhile. */
export async function silenceIncident(redis: RedisConnection, id: string, forMs: number, by: string, now = Date.now()): Promise<Incident> {
  await requireOpen(redis, id);
  const k = alertKeys();
  const until = forMs > 0 ? now + forMs : null;
  const entry: TimelineEntry =
    until === null
      ? { at: now, type: 'unsilenced', text: `Silence lifted by ${by}`, by }
      : { at: now, type: 'silenced', text: `Silenced by ${by} until ${new Date(until).toISOString()}`, by };
  await redis
    .multi()
    .hset(k.incident(id), 'silencedUntil', until === null ? '' : String(until), 'silencedBy', until === null ? '' : by)
    .rpush(k.timeline(id), JSON.stringify(entry))
    .exec();
  const incident = (await readIncident(redis, id))!;
  publishIncidentChange(id, incident.rule, 'silenced', now);
  return incident;
}

/** Incidents kept (the newest; an open one is never dropped). */
export const INCIDENTS_KEPT = 1_000;

/** Drop the oldest resolved incidents beyond `keep`, with their timelines. */
export async function trimIncidents(redis: RedisConnection, keep = INCIDENTS_KEPT): Promise<number> {
  const k = alertKeys();
  const old = await redis.zrange(k.incidents, 0, -(keep + 1));
  if (old.length === 0) return 0;
  const pipe = redis.pipeline();
  for (const id of old) pipe.hget(k.incident(id), 'status');
  const statuses = ((await pipe.exec()) ?? []).map(([, v]) => v as string | null);
  const done = old.filter((_, i) => statuses[i] !== 'open');
  if (done.length === 0) return 0;
  const tx = redis.multi().zrem(k.incidents, ...done);
  for (const id of done) tx.del(k.incident(id), k.timeline(id));
  await tx.exec();
  return done.length;
}
