/**
 * What a notification says, the same for every channel: the webhook sends it
 * as JSON, Slack gets `text`, email gets `title` as subject and `text` as body.
 */
export type NotificationEvent = 'firing' | 'reminder' | 'resolved' | 'test';

export interface AlertMessage {
  version: 1;
  event: NotificationEvent;
  rule: { name: string; kind: string } | null;
  incident: { id: string; openedAt: number; resolvedAt: number | null; durationMs: number | null } | null;
  /** One line: "FIRING failures-default: 35% of 40 jobs failed in the last 5m". */
  title: string;
  /** A few readable lines, the link last. */
  text: string;
  /** The rule's figure when it was evaluated (a rate in %, a count, an age in ms). */
  value: number | null;
  /** Where to look in the console. */
  link: string;
  /** What the rule saw: the failed job (queue, id, task, error), the lost workers… */
  details: Record<string, unknown>;
  sentAt?: number;
}

const LABEL: Record<NotificationEvent, string> = { firing: 'FIRING', reminder: 'STILL FIRING', resolved: 'RESOLVED', test: 'TEST' };

/** A duration in words: `2m 13s`, `1h 5m`, `850ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  const parts: string[] = [];
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s % 60 || parts.length === 0) parts.push(`${s % 60}s`);
  return parts.slice(0, 2).join(' ');
}

/** Build the message of an incident's event. */
export function incidentMessage(input: {
  event: Exclude<NotificationEvent, 'test'>;
  rule: { name: string; kind: string; description?: string };
  incident: { id: string; openedAt: number; resolvedAt?: number | null };
  summary: string;
  value: number | null;
  link: string;
  details: Record<string, unknown>;
}): AlertMessage {
  const resolvedAt = input.incident.resolvedAt ?? null;
  const durationMs = resolvedAt !== null ? resolvedAt - input.incident.openedAt : null;
  const headline =
    input.event === 'resolved'
      ? `${input.rule.name} resolved after ${formatDuration(durationMs ?? 0)}`
      : input.event === 'reminder'
        ? `${input.rule.name}: ${input.summary} (open for ${formatDuration(Date.now() - input.incident.openedAt)})`
        : `${input.rule.name}: ${input.summary}`;
  const title = `[${LABEL[input.event]}] ${headline}`;
  const lines = [title];
  if (input.rule.description) lines.push(input.rule.description);
  if (input.event === 'resolved') lines.push(`Now: ${input.summary}`);
  const error = input.details.error;
  if (typeof error === 'string' && input.event !== 'resolved') lines.push(`Error: ${error}`);
  lines.push(input.link);
  return {
    version: 1,
    event: input.event,
    rule: { name: input.rule.name, kind: input.rule.kind },
    incident: { id: input.incident.id, openedAt: input.incident.openedAt, resolvedAt, durationMs },
    title,
    text: lines.join('\n'),
    value: input.value,
    link: input.link,
    details: input.details,
  };
}

/** The message of a channel's "send test". */
export function testMessage(channelName: string, link: string): AlertMessage {
  const title = `[TEST] Celerity alerts reach "${channelName}"`;
  return { version: 1, event: 'test', rule: null, incident: null, title, text: `${title}\n${link}`, value: null, link, details: {} };
}
