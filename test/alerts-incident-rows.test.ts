import { describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/logger';
import { consoleHref, getIncidentDetail, lastNotified, listIncidentRows, ruleTarget } from '@/lib/data/incident-dto';
import type { TimelineEntry } from '@/lib/alerts/incident-store';
import type { AlertRule } from '@/lib/alerts/rule-model';
import { uniqueName } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { alertHarness } from './fixtures/alert-harness';

/**
 * What the Alerts page shows of incidents (lib/data/incident-dto.ts): the
 * rule's target, the last notification, the link as a console path, the open
 * ones apart from the resolved ones, and an incident's deliveries.
 */
const stack = queueStack();
const logger = createLogger('alerts-incident-rows', 'error');
const entry = (at: number, type: TimelineEntry['type'], text = ''): TimelineEntry => ({ at, type, text });

describe('incident rows', () => {
  it('the last notification is the last one sent: a resolution while silenced was not', () => {
    expect(lastNotified([entry(1, 'opened'), entry(2, 'notified', 'Notified → ops'), entry(3, 'acknowledged')])).toBe(2);
    expect(lastNotified([entry(1, 'opened'), entry(2, 'notified'), entry(5, 'reminded'), entry(9, 'resolved', 'Resolved after 9s → ops')])).toBe(9);
    expect(lastNotified([entry(1, 'opened'), entry(2, 'notified'), entry(9, 'resolved', 'Resolved (silenced: not notified): ok')])).toBe(2);
    expect(lastNotified([entry(1, 'opened')])).toBeNull();
  });

  it('a link to this console becomes a path of it; another stays as it is', () => {
    expect(consoleHref('http://console.test/base/queues/default', 'http://console.test/base')).toBe('/queues/default');
    expect(consoleHref('http://other.test/queues/default', 'http://console.test/base')).toBe('http://other.test/queues/default');
  });

  it('the target is the rule’s schedule, task or queue; none for a rule that is gone', () => {
    const rule = (r: object) => r as AlertRule;
    expect(ruleTarget(rule({ kind: 'schedule', schedule: 'nightly' }))).toEqual({ kind: 'schedule', name: 'nightly' });
    expect(ruleTarget(rule({ kind: 'failure_rate', task: 'send-email' }))).toEqual({ kind: 'task', name: 'send-email' });
    expect(ruleTarget(rule({ kind: 'backlog', queue: 'images' }))).toEqual({ kind: 'queue', name: 'images' });
    expect(ruleTarget(rule({ kind: 'worker_lost' }))).toBeNull();
    expect(ruleTarget(undefined)).toBeNull();
  });

  it('lists an open incident with its target and last notification, then as past once resolved, with its deliveries', async () => {
    const queue = stack.queue(uniqueName('q'));
    const name = uniqueName('backlog');
    const h = await alertHarness(stack, { kind: 'backlog', name, queue: queue.name, maxWaiting: 0 }, { logger });
    await queue.add('add', { a: 1, b: 1 });
    await h.until('the incident to open', 1);
    const open = (await listIncidentRows()).open.find((i) => i.rule === name);
    expect(open).toMatchObject({ status: 'open', target: { kind: 'queue', name: queue.name } });
    expect(open!.lastNotifiedAt).toBeGreaterThanOrEqual(open!.openedAt);

    await queue.drain();
    await h.until('the resolution', 2);
    const rows = await listIncidentRows();
    expect(rows.open.find((i) => i.rule === name)).toBeUndefined();
    const past = rows.past.find((i) => i.rule === name);
    expect(past).toMatchObject({ id: open!.id, status: 'resolved' });
    expect(past!.resolvedAt).toBeGreaterThanOrEqual(past!.openedAt);

    const detail = await getIncidentDetail(open!.id);
    expect(detail.timeline.map((e) => e.type)).toEqual(['opened', 'notified', 'resolved']);
    expect(detail.deliveries.map((d) => [d.event, d.status]).sort()).toEqual([
      ['firing', 'delivered'],
      ['resolved', 'delivered'],
    ]);
    // The message body (with its details) is not in the page's data.
    expect(Object.keys(detail.deliveries[0]!)).not.toContain('message');
  });

  it('pages the past incidents: one more than the page says whether there is another', async () => {
    const queue = stack.queue(uniqueName('q'));
    const name = uniqueName('backlog');
    const h = await alertHarness(stack, { kind: 'backlog', name, queue: queue.name, maxWaiting: 0 }, { logger });
    for (let n = 1; n <= 3; n++) {
      await queue.add('add', { a: 1, b: 1 });
      await h.until('the incident to open', 2 * n - 1);
      await queue.drain();
      await h.until('the incident to resolve', 2 * n);
    }
    const first = await listIncidentRows(0, 2);
    expect(first.past).toHaveLength(2);
    expect(first.hasMore).toBe(true);
    const second = await listIncidentRows(1, 2);
    expect(second.page).toBe(1);
    expect(second.past.map((i) => i.id)).not.toContain(first.past[0]!.id);
    const all = await listIncidentRows(0, 100);
    expect(all.hasMore).toBe(false);
    expect([...first.past, ...second.past].map((i) => i.id)).toEqual(all.past.slice(0, first.past.length + second.past.length).map((i) => i.id));
  });
});
