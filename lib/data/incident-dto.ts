import type { RedisConnection } from '../redis';
import { getRedis } from '../redis';
import { alertKeys } from '../alerts/alert-keys';
import { consolePublicUrl } from '../alerts/console-url';
import { listDeliveries, type Delivery } from '../alerts/deliveries';
import { getIncident, listIncidents, type Incident, type TimelineEntry } from '../alerts/incident-store';
import type { AlertRule } from '../alerts/rule-model';
import { readRules } from '../alerts/rule-store';

/** What a rule watches: a queue, a task or a schedule (none: every worker, or the rule is gone). */
export interface IncidentTarget {
  kind: 'queue' | 'task' | 'schedule';
  name: string;
}

/** An incident as the Alerts page shows it. */
export interface IncidentRowDTO extends Incident {
  target: IncidentTarget | null;
  /** The page to look at: a console path when the link points at this console, else the link as sent. */
  href: string;
  /** When the last notification (firing, reminder, resolved) was sent for it; null: none (no channel, or silenced). */
  lastNotifiedAt: number | null;
}

/** One delivery of an incident's notifications, without the message body. */
export interface IncidentDeliveryDTO {
  id: string;
  channel: string;
  event: Delivery['event'];
  status: Delivery['status'];
  attempts: number;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

export interface IncidentDetailDTO extends IncidentRowDTO {
  timeline: TimelineEntry[];
  deliveries: IncidentDeliveryDTO[];
}

export interface IncidentListDTO {
  open: IncidentRowDTO[];
  /** One page of resolved incidents, newest first. */
  past: IncidentRowDTO[];
  page: number;
  pageSize: number;
  hasMore: boolean;
}

/** Open incidents shown at most (a deployment with more has bigger problems than this list). */
const OPEN_SHOWN = 200;
export const PAST_PAGE_SIZE = 20;
const NOTIFIED: ReadonlySet<TimelineEntry['type']> = new Set(['notified', 'reminded', 'resolved']);

/** What a rule watches, from its definition. */
export function ruleTarget(rule: AlertRule | undefined): IncidentTarget | null {
  if (!rule) return null;
  if ('schedule' in rule) return { kind: 'schedule', name: rule.schedule };
  if ('task' in rule && rule.task) return { kind: 'task', name: rule.task };
  if ('queue' in rule && rule.queue) return { kind: 'queue', name: rule.queue };
  return null;
}

/** A link of this console as a path of it (pages link within the app); any other link stays as it is. */
export function consoleHref(link: string, publicUrl = consolePublicUrl()): string {
  if (!link.startsWith(publicUrl)) return link;
  const rest = link.slice(publicUrl.length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/** The last notification's time, from a timeline (a resolution not notified — silenced — says so and does not count). */
export function lastNotified(timeline: readonly TimelineEntry[]): number | null {
  for (let i = timeline.length - 1; i >= 0; i--) {
    const e = timeline[i]!;
    if (NOTIFIED.has(e.type) && !e.text.includes('not notified')) return e.at;
  }
  return null;
}

async function rows(redis: RedisConnection, incidents: Incident[], rules: Map<string, AlertRule>): Promise<IncidentRowDTO[]> {
  if (incidents.length === 0) return [];
  const k = alertKeys();
  const pipe = redis.pipeline();
  // The last few entries hold the last notification (acknowledgements and silences come after at most a few).
  for (const i of incidents) pipe.lrange(k.timeline(i.id), -20, -1);
  const timelines = ((await pipe.exec()) ?? []).map(([, v]) => ((v as string[] | null) ?? []).map((r) => JSON.parse(r) as TimelineEntry));
  const publicUrl = consolePublicUrl();
  return incidents.map((i, n) => ({
    ...i,
    target: ruleTarget(rules.get(i.rule)),
    href: consoleHref(i.link, publicUrl),
    lastNotifiedAt: lastNotified(timelines[n] ?? []),
  }));
}

const rulesByName = async (redis: RedisConnection) => new Map((await readRules(redis)).map((r) => [r.name, r]));

/** The Alerts page: every open incident, then one page (from 0) of resolved ones. */
export async function listIncidentRows(page = 0, pageSize = PAST_PAGE_SIZE): Promise<IncidentListDTO> {
  const redis = getRedis();
  const [open, past, rules] = await Promise.all([
    listIncidents(redis, { status: 'open', limit: OPEN_SHOWN }),
    // One more than the page: whether there is a next one.
    listIncidents(redis, { status: 'resolved', limit: pageSize + 1, offset: page * pageSize }),
    rulesByName(redis),
  ]);
  const [openRows, pastRows] = await Promise.all([rows(redis, open, rules), rows(redis, past.slice(0, pageSize), rules)]);
  return { open: openRows, past: pastRows, page, pageSize, hasMore: past.length > pageSize };
}

/** One incident with its timeline and its deliveries (NotFoundError when there is none). */
export async function getIncidentDetail(id: string): Promise<IncidentDetailDTO> {
  const redis = getRedis();
  const [{ timeline, ...incident }, deliveries, rules] = await Promise.all([
    getIncident(redis, id),
    listDeliveries(redis, { incident: id, limit: 100 }),
    rulesByName(redis),
  ]);
  return {
    ...incident,
    target: ruleTarget(rules.get(incident.rule)),
    href: consoleHref(incident.link),
    lastNotifiedAt: lastNotified(timeline),
    timeline,
    deliveries: deliveries.map((d) => ({
      id: d.id,
      channel: d.channel,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      lastError: d.lastError,
      createdAt: d.createdAt,
      deliveredAt: d.deliveredAt,
    })),
  };
}
