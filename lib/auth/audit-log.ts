import type { RedisConnection } from '../redis';
import { env } from '../env';
import { celerityKeys } from '../keys';

/**
 * The audit log: one entry per state-changing request (who, what, on what,
 * from where, when, and how it ended), in a Redis stream capped at
 * CELERITY_AUDIT_MAXLEN entries (XADD MAXLEN ~, so trimming stays O(1)).
 *
 * Two streams, each with that cap:
 * - `actions`: everything callers allowed to make the request did or tried
 *   (successes, and their 400/404/409… failures), and sign-ins;
 * - `refused`: writes refused before anything ran because the caller may not
 *   make them (403: a viewer or read token writing, a non-admin on an admin
 *   route, a failed CSRF check). Such a caller can send these without limit;
 *   in one shared capped stream they would push every real action out within
 *   seconds. Apart, they can only push out older refusals.
 */

/** Which of the two streams. */
export type AuditLogName = 'actions' | 'refused';

/** The stream of a log (`refused` sits next to the actions' key, so both go with the prefix). */
function streamKey(log: AuditLogName): string {
  const key = celerityKeys().audit;
  return log === 'refused' ? `${key}-refused` : key;
}

export interface AuditEntry {
  /** Stream id (time-ordered); also the pagination cursor. */
  id: string;
  at: number;
  /** `job.retry`, `queue.pause`, `login`, … */
  action: string;
  /** What it acted on, e.g. `default/42` (queue/job) or a schedule name. */
  target: string;
  /** User name, `token:<name>`, or `anonymous` when no accounts are configured. */
  actor: string;
  ip: string;
  method: string;
  path: string;
  status: number;
  /** The error message when the request was refused or failed. */
  error?: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

/** Longest value stored per field: a hostile path or name must not bloat the log. */
const MAX_FIELD = 500;
const clip = (s: string) => (s.length > MAX_FIELD ? `${s.slice(0, MAX_FIELD)}…` : s);

/** Append an entry to a log (default: the actions). */
export async function appendAudit(redis: RedisConnection, e: NewAuditEntry, log: AuditLogName = 'actions'): Promise<string> {
  const fields: string[] = [
    'action',
    e.action,
    'target',
    e.target,
    'actor',
    e.actor,
    'ip',
    e.ip,
    'method',
    e.method,
    'path',
    e.path,
    'status',
    String(e.status),
  ];
  if (e.error) fields.push('error', e.error);
  const id = await redis.xadd(streamKey(log), 'MAXLEN', '~', String(env().CELERITY_AUDIT_MAXLEN), '*', ...fields.map(clip));
  return id!;
}

function toEntry(id: string, fields: string[]): AuditEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return {
    id,
    at: Number(id.split('-')[0]),
    action: f.action ?? '',
    target: f.target ?? '',
    actor: f.actor ?? '',
    ip: f.ip ?? '',
    method: f.method ?? '',
    path: f.path ?? '',
    status: Number(f.status ?? 0),
    ...(f.error ? { error: f.error } : {}),
  };
}

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/**
 * A page of a log's entries (default: the actions), newest first. `before` is
 * the id of the last entry of the previous page (exclusive); `next` is the
 * cursor of the following page, or null at the end.
 */
export async function readAudit(
  redis: RedisConnection,
  opts: { before?: string; limit?: number; log?: AuditLogName } = {},
): Promise<{ entries: AuditEntry[]; next: string | null }> {
  const limit = Math.max(1, Math.min(opts.limit ?? 50, 500));
  const end = opts.before && STREAM_ID.test(opts.before) ? `(${opts.before}` : '+';
  const rows = (await redis.xrevrange(streamKey(opts.log ?? 'actions'), end, '-', 'COUNT', limit + 1)) as [string, string[]][];
  const entries = rows.slice(0, limit).map(([id, fields]) => toEntry(id, fields));
  return { entries, next: rows.length > limit ? entries[entries.length - 1]!.id : null };
}

/** What a target is derived from: the path parameters, and for creations the request and the answer. */
export interface AuditContext {
  /** Decoded path parameters, by name (as they appear in the URL when they are not valid UTF-8). */
  params: Record<string, string>;
  /** The parsed JSON body of the request, when the handler read one (see lib/http/api-route.ts readJson). */
  request?: unknown;
  /** The parsed JSON answer, when it was a success with a JSON body. */
  response?: unknown;
  /** Who made the call (as in the entry's actor). */
  actor: string;
  /** What the rule's `lookup` found before the request ran. */
  found?: string;
}

/**
 * How a state-changing operation is logged (declared with the operation, in
 * lib/api/*.ts): its action name (`noun.verb`) and target. A creation names
 * what it created, from the answer; a refused one what the request asked for.
 */
export interface AuditRule {
  action: string;
  target: (c: AuditContext) => string;
  /**
   * Read before the request runs, from the decoded path parameters: what a
   * deletion removes is gone afterwards, and the entry should still name it.
   */
  lookup?: (redis: RedisConnection, params: Record<string, string>) => Promise<string | undefined>;
}
