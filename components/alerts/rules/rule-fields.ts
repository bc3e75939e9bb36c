import type { AlertRule, RuleInput, RuleKind } from '@/lib/alerts/rule-model';

/**
 * The rule form's fields as text, and the rule they make. Durations are typed
 * in seconds and sent in milliseconds (the API's unit); a field the kind does
 * not have is never sent. Keys are the API's field names, so a 400's `fields`
 * land on the input that shows them.
 */

export type Scope = 'queue' | 'task';

export interface RuleFields {
  kind: RuleKind;
  name: string;
  description: string;
  /** failure_rate, job_failed, long_running: which jobs are counted. */
  scope: Scope;
  queue: string;
  task: string;
  schedule: string;
  on: 'missed' | 'failed' | 'missed_or_failed';
  /** Numbers as typed (durations in seconds). */
  numbers: Partial<Record<NumberField, string>>;
  channels: string[];
  enabled: boolean;
}

export type NumberField = 'windowMs' | 'percent' | 'minJobs' | 'maxWaiting' | 'maxAgeMs' | 'maxMs' | 'forMs' | 'cooldownMs';

interface NumberSpec {
  label: string;
  /** Seconds in the form, milliseconds in the API. */
  seconds: boolean;
  help: string;
}

export const NUMBER_FIELDS: Record<NumberField, NumberSpec> = {
  windowMs: { label: 'Window (seconds)', seconds: true, help: 'How far back the condition looks.' },
  percent: { label: 'Failure rate above (%)', seconds: false, help: 'failed / (failed + completed) over the window.' },
  minJobs: { label: 'Minimum jobs', seconds: false, help: 'Fewer finished jobs in the window never fire (empty: 20).' },
  maxWaiting: { label: 'Waiting jobs above', seconds: false, help: 'Fires when more jobs than this wait (empty: not checked).' },
  maxAgeMs: { label: 'Oldest waiting above (seconds)', seconds: true, help: 'Fires when the oldest waiting job waited longer (empty: not checked).' },
  maxMs: { label: 'Running longer than (seconds)', seconds: true, help: 'Fires when a job has been running longer than this.' },
  forMs: { label: 'For (seconds)', seconds: true, help: 'The condition must hold this long before an incident opens (damps flapping; empty: 0).' },
  cooldownMs: { label: 'Remind every (seconds)', seconds: true, help: 'Re-notify an open, unacknowledged incident this often (empty or 0: never).' },
};

export const KIND_LABELS: Record<RuleKind, string> = {
  failure_rate: 'Failure rate',
  job_failed: 'Job failed for good',
  backlog: 'Queue backlog',
  no_worker: 'No worker for a queue',
  worker_lost: 'Worker lost',
  schedule: 'Schedule missed or failed',
  long_running: 'Job running too long',
};

/** What each kind asks for besides the settings every rule has. */
export const KIND_FIELDS: Record<RuleKind, { target: 'scope' | 'queue' | 'optional-queue' | 'schedule'; numbers: NumberField[] }> = {
  failure_rate: { target: 'scope', numbers: ['windowMs', 'percent', 'minJobs'] },
  job_failed: { target: 'scope', numbers: ['windowMs'] },
  backlog: { target: 'queue', numbers: ['maxWaiting', 'maxAgeMs'] },
  no_worker: { target: 'queue', numbers: [] },
  worker_lost: { target: 'optional-queue', numbers: ['windowMs'] },
  schedule: { target: 'schedule', numbers: ['windowMs'] },
  long_running: { target: 'scope', numbers: ['maxMs'] },
};

export const SETTINGS_FIELDS: NumberField[] = ['forMs', 'cooldownMs'];

/** The form's starting values: empty for a new rule, the rule's own when editing. */
export function ruleFields(rule?: AlertRule): RuleFields {
  const numbers: RuleFields['numbers'] = {};
  if (rule) {
    for (const [key, spec] of Object.entries(NUMBER_FIELDS) as [NumberField, NumberSpec][]) {
      const v = (rule as unknown as Record<string, unknown>)[key];
      if (typeof v === 'number') numbers[key] = String(spec.seconds ? v / 1000 : v);
    }
  }
  const r = (rule ?? {}) as Partial<Record<'queue' | 'task' | 'schedule' | 'on', string>>;
  return {
    kind: rule?.kind ?? 'failure_rate',
    name: rule?.name ?? '',
    description: rule?.description ?? '',
    scope: r.task !== undefined ? 'task' : 'queue',
    queue: r.queue ?? '',
    task: r.task ?? '',
    schedule: r.schedule ?? '',
    on: (r.on as RuleFields['on'] | undefined) ?? 'missed_or_failed',
    numbers,
    channels: rule?.channels ?? [],
    enabled: rule?.enabled ?? true,
  };
}

/** A number as typed → what the API gets: a number (seconds made ms), or the text itself so the server names the field. */
function numberValue(text: string, seconds: boolean): number | string {
  const s = text.trim();
  if (!/^-?\d+(\.\d+)?$/.test(s)) return s;
  const n = Number(s);
  return seconds ? Math.round(n * 1000) : n;
}

/** The rule the fields describe, as POST /api/v1/alerts/rules takes it. Empty numbers are left out (the server's default, or its "Required"). */
export function buildRule(f: RuleFields): RuleInput {
  const shape = KIND_FIELDS[f.kind];
  const body: Record<string, unknown> = { kind: f.kind, name: f.name.trim(), enabled: f.enabled, channels: f.channels };
  if (f.description.trim()) body.description = f.description.trim();
  if (shape.target === 'scope') {
    if (f.scope === 'task') body.task = f.task;
    else body.queue = f.queue;
  } else if (shape.target === 'queue') body.queue = f.queue;
  else if (shape.target === 'optional-queue' && f.queue) body.queue = f.queue;
  else if (shape.target === 'schedule') {
    body.schedule = f.schedule;
    body.on = f.on;
  }
  for (const key of [...shape.numbers, ...SETTINGS_FIELDS]) {
    const text = f.numbers[key] ?? '';
    if (text.trim() !== '') body[key] = numberValue(text, NUMBER_FIELDS[key].seconds);
  }
  return body as unknown as RuleInput;
}

/** What a rule watches, in words: "task send-email", "queue images", "every queue". */
export function ruleTarget(rule: AlertRule): string {
  const r = rule as unknown as Partial<Record<'queue' | 'task' | 'schedule', string>>;
  if (r.task) return `task ${r.task}`;
  if (r.queue) return `queue ${r.queue}`;
  if (r.schedule) return `schedule ${r.schedule}`;
  return 'every queue';
}

const ON_WORDS = { missed: 'missed a slot', failed: 'last run failed', missed_or_failed: 'missed a slot or its last run failed' } as const;

/** The condition in words, from the rule's own figures ("above 10% of at least 20 jobs over 5 min 0 s"). */
export function ruleCondition(rule: AlertRule, duration: (ms: number) => string): string {
  const held = rule.forMs > 0 ? ` for ${duration(rule.forMs)}` : '';
  switch (rule.kind) {
    case 'failure_rate':
      return `failure rate above ${rule.percent}% over ${duration(rule.windowMs)}, at least ${rule.minJobs} jobs${held}`;
    case 'job_failed':
      return `a job failed for good (open while another fails within ${duration(rule.windowMs)})`;
    case 'backlog': {
      const parts = [
        rule.maxWaiting !== undefined ? `more than ${rule.maxWaiting} jobs waiting` : null,
        rule.maxAgeMs !== undefined ? `oldest waiting longer than ${duration(rule.maxAgeMs)}` : null,
      ].filter(Boolean);
      return `${parts.join(' or ')}${held}`;
    }
    case 'no_worker':
      return `jobs and no worker connected${held}`;
    case 'worker_lost':
      return `a worker's heartbeat expired within ${duration(rule.windowMs)}`;
    case 'schedule':
      return `${ON_WORDS[rule.on]} (within ${duration(rule.windowMs)})`;
    case 'long_running':
      return `a job running longer than ${duration(rule.maxMs)}${held}`;
  }
}
