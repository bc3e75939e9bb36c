import type { Redis } from 'ioredis';
import { env } from '../env';
import { celerityKeys } from '../keys';
import { tokenName } from './api-tokens';

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
export async function appendAudit(redis: Redis, e: NewAuditEntry, log: AuditLogName = 'actions'): Promise<string> {
  const fields: string[] = ['action', e.action, 'target', e.target, 'actor', e.actor, 'ip', e.ip, 'method', e.method, 'path', e.path, 'status', String(e.status)];
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
  redis: Redis,
  opts: { before?: string; limit?: number; log?: AuditLogName } = {},
): Promise<{ entries: AuditEntry[]; next: string | null }> {
  const limit = Math.max(1, Math.min(opts.limit ?? 50, 500));
  const end = opts.before && STREAM_ID.test(opts.before) ? `(${opts.before}` : '+';
  const rows = (await redis.xrevrange(streamKey(opts.log ?? 'actions'), end, '-', 'COUNT', limit + 1)) as [string, string[]][];
  const entries = rows.slice(0, limit).map(([id, fields]) => toEntry(id, fields));
  return { entries, next: rows.length > limit ? entries[entries.length - 1]!.id : null };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** What a target is derived from: the path parameters, and for creations the request and the answer. */
export interface AuditContext {
  /** Decoded path parameters, in order. */
  params: string[];
  /** The parsed JSON body of the request, when the handler read one (see lib/http/api-route.ts readJson). */
  request?: unknown;
  /** The parsed JSON answer, when it was a success with a JSON body. */
  response?: unknown;
  /** Who made the call (as in the entry's actor). */
  actor: string;
  /** What the route's `lookup` found before the request ran (see {@link auditLookup}). */
  found?: string;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const field = (o: unknown, k: string): unknown => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined);

/** `queue/id` of a job an answer created (`{ queue, id }`), if it is one. */
function createdJob(response: unknown): string | undefined {
  const q = str(field(response, 'queue'));
  const id = str(field(response, 'id'));
  return q && id ? `${q}/${id}` : undefined;
}

/** A source and what it made: `default/41 → default/42`; just the source when nothing was made. */
const made = (source: string, created: string | undefined) => (created ? `${source} → ${created}` : source);

/** A token's `id (name)`, or the id alone when the name is unknown. */
const tokenTarget = (id: string, name: string | undefined) => (name !== undefined ? `${id} (${name})` : id);

interface ActionRule {
  method: string;
  path: RegExp;
  action: string;
  target: (c: AuditContext) => string;
  /**
   * Read before the request runs, from the decoded path parameters: what a
   * deletion removes is gone afterwards, and the entry should still name it.
   */
  lookup?: (redis: Redis, params: string[]) => Promise<string | undefined>;
}

/**
 * Known state-changing routes → audit action names (`$n`: the n-th path
 * parameter) and targets. A creation names what it created, from the answer
 * (a job's `queue/id`, a schedule's name, a token's `id (name)`: never the
 * token itself); a refused one names what the request asked for; a token's
 * revocation names it as its creation did (`id (name)`, the name read before).
 */
const ACTIONS: ActionRule[] = [
  { method: 'POST', path: /^\/api\/v1\/tasks\/([^/]+)\/runs$/, action: 'task.run', target: (c) => createdJob(c.response) ?? c.params[0]! },
  { method: 'POST', path: /^\/api\/v1\/queues\/([^/]+)\/jobs$/, action: 'job.add', target: (c) => createdJob(c.response) ?? c.params[0]! },
  {
    method: 'POST',
    path: /^\/api\/v1\/queues\/([^/]+)\/jobs\/([^/]+)\/([^/]+)$/,
    action: 'job.$3',
    target: (c) => made(`${c.params[0]}/${c.params[1]}`, c.params[2] === 'rerun' ? createdJob(c.response) : undefined),
  },
  { method: 'DELETE', path: /^\/api\/v1\/queues\/([^/]+)\/schedulers\/([^/]+)$/, action: 'scheduler.remove', target: (c) => `${c.params[0]}/${c.params[1]}` },
  { method: 'POST', path: /^\/api\/v1\/queues\/([^/]+)\/([^/]+)$/, action: 'queue.$2', target: (c) => c.params[0]! },
  { method: 'POST', path: /^\/api\/v1\/schedules$/, action: 'schedule.create', target: (c) => str(field(c.response, 'name')) ?? str(field(c.request, 'name')) ?? '(no name given)' },
  { method: 'PUT', path: /^\/api\/v1\/schedules\/([^/]+)$/, action: 'schedule.replace', target: (c) => c.params[0]! },
  { method: 'PATCH', path: /^\/api\/v1\/schedules\/([^/]+)$/, action: 'schedule.update', target: (c) => c.params[0]! },
  { method: 'DELETE', path: /^\/api\/v1\/schedules\/([^/]+)$/, action: 'schedule.delete', target: (c) => c.params[0]! },
  { method: 'POST', path: /^\/api\/v1\/schedules\/([^/]+)\/runs$/, action: 'schedule.run', target: (c) => made(c.params[0]!, createdJob(c.response)) },
  { method: 'POST', path: /^\/api\/v1\/workers\/([^/]+)\/([^/]+)$/, action: 'worker.$2', target: (c) => c.params[0]! },
  {
    method: 'POST',
    path: /^\/api\/v1\/tokens$/,
    action: 'token.create',
    target: (c) => {
      const record = field(c.response, 'record');
      const id = str(field(record, 'id'));
      return id ? tokenTarget(id, str(field(record, 'name')) ?? '') : `(${str(field(c.request, 'name')) ?? 'no name given'})`;
    },
  },
  {
    method: 'DELETE',
    path: /^\/api\/v1\/tokens\/([^/]+)$/,
    action: 'token.revoke',
    target: (c) => tokenTarget(c.params[0]!, c.found),
    lookup: (redis, params) => tokenName(redis, params[0]!),
  },
  { method: 'POST', path: /^\/api\/auth\/logout$/, action: 'logout', target: (c) => c.actor },
];

/**
 * The audit action and target of a request, derived centrally from its method
 * and path, and for creations from the answer (routes need not declare
 * anything); an unknown route gets `<method> <path>` and the path as target.
 */
export function auditActionFor(method: string, pathname: string, ctx: Omit<AuditContext, 'params'> = { actor: '' }): { action: string; target: string } {
  const m = method.toUpperCase();
  const rule = ruleFor(m, pathname);
  if (rule) {
    const { a, params } = rule;
    return { action: a.action.replace(/\$(\d)/g, (_, n: string) => params[Number(n) - 1] ?? ''), target: a.target({ ...ctx, params }) };
  }
  const path = decode(pathname.replace(/^\/api\/v1/, ''));
  return { action: `${m.toLowerCase()} ${path}`, target: path };
}

function ruleFor(method: string, pathname: string): { a: ActionRule; params: string[] } | undefined {
  for (const a of ACTIONS) {
    if (a.method !== method) continue;
    const match = a.path.exec(pathname);
    if (match) return { a, params: match.slice(1).map(decode) };
  }
  return undefined;
}

/**
 * What the audit entry of this request must read before it runs (a revoked
 * token's name; see `lookup` above), for {@link auditActionFor}'s `found`;
 * undefined, without a Redis read, for every route that needs nothing.
 */
export async function auditLookup(redis: Redis, method: string, pathname: string): Promise<string | undefined> {
  const rule = ruleFor(method.toUpperCase(), pathname);
  return rule?.a.lookup?.(redis, rule.params);
}
