import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/logger';
import { acknowledgeIncident, listIncidents, silenceIncident } from '@/lib/alerts/incident-store';
import { onIncidentChange } from '@/lib/alerts/incident-feed';
import type { IncidentFrame } from '@/lib/events/contract';
import { uniqueName } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { alertHarness } from './fixtures/alert-harness';

/**
 * The incident feed the console pushes to its pages (lib/alerts/incident-feed.ts):
 * every change of an incident — opened, its figure changed, acknowledged,
 * silenced, resolved — is published once, by the side that made it; the
 * `for` clock alone publishes nothing. Also the incident list's pages (offset).
 */
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('alerts-incident-feed', 'error');
const stops: (() => void)[] = [];
afterEach(() => stops.splice(0).forEach((s) => s()));

/** The frames published for one rule, in order. */
function framesOf(rule: string): IncidentFrame[] {
  const frames: IncidentFrame[] = [];
  stops.push(onIncidentChange((f) => f.rule === rule && frames.push(f)));
  return frames;
}

describe('incident feed', () => {
  it('publishes an incident’s opening, acknowledgement, silence and resolution once each; the `for` clock publishes nothing', async () => {
    const queue = stack.queue(uniqueName('q'));
    const name = uniqueName('backlog');
    const h = await alertHarness(stack, { kind: 'backlog', name, queue: queue.name, maxWaiting: 0, forMs: 300 }, { logger });
    const frames = framesOf(name);
    await queue.add('add', { a: 1, b: 1 });
    // The condition holds but not yet for 300 ms: pending, nothing to show.
    await h.tick();
    expect(frames).toEqual([]);
    expect(await h.until('the incident to open', 1)).toEqual(['firing']);
    const [incident] = await listIncidents(redis, { rule: name, status: 'open' });
    expect(frames.map((f) => [f.id, f.change])).toEqual([[incident!.id, 'opened']]);

    await acknowledgeIncident(redis, incident!.id, 'ops');
    await silenceIncident(redis, incident!.id, 60_000, 'ops');
    expect(frames.map((f) => f.change)).toEqual(['opened', 'acknowledged', 'silenced']);
    // Still firing: the figure (the waiting job's age) changed, and the pages are told.
    await h.tick();
    expect(frames.at(-1)!.change).toBe('updated');

    await queue.drain();
    await h.tick();
    expect(frames.map((f) => f.change).filter((c) => c !== 'updated')).toEqual(['opened', 'acknowledged', 'silenced', 'resolved']);
    expect(frames.at(-1)!.change).toBe('resolved');
    expect(new Set(frames.map((f) => f.id))).toEqual(new Set([incident!.id]));
    expect(frames.every((f) => f.v === 1 && f.at > 0)).toBe(true);
  });

  it('a listener that throws neither breaks the change nor the other listeners', async () => {
    const queue = stack.queue(uniqueName('q'));
    const name = uniqueName('backlog');
    const h = await alertHarness(stack, { kind: 'backlog', name, queue: queue.name, maxWaiting: 0 }, { logger });
    stops.push(
      onIncidentChange(() => {
        throw new Error('a broken listener');
      }),
    );
    const frames = framesOf(name);
    await queue.add('add', { a: 1, b: 1 });
    expect(await h.until('the incident to open', 1)).toEqual(['firing']);
    const [incident] = await listIncidents(redis, { rule: name, status: 'open' });
    expect((await acknowledgeIncident(redis, incident!.id, 'ops')).ackedBy).toBe('ops');
    expect(frames.map((f) => f.change)).toEqual(['opened', 'acknowledged']);
  });

  it('lists incidents page by page: `offset` skips the newest matching ones', async () => {
    const queue = stack.queue(uniqueName('q'));
    const name = uniqueName('backlog');
    const h = await alertHarness(stack, { kind: 'backlog', name, queue: queue.name, maxWaiting: 0 }, { logger });
    for (let n = 1; n <= 3; n++) {
      await queue.add('add', { a: 1, b: 1 });
      await h.until('the incident to open', 2 * n - 1);
      await queue.drain();
      await h.until('the incident to resolve', 2 * n);
    }
    const all = await listIncidents(redis, { rule: name, status: 'resolved' });
    expect(all).toHaveLength(3);
    expect((await listIncidents(redis, { rule: name, status: 'resolved', limit: 2 })).map((i) => i.id)).toEqual(all.slice(0, 2).map((i) => i.id));
    expect((await listIncidents(redis, { rule: name, status: 'resolved', limit: 2, offset: 2 })).map((i) => i.id)).toEqual([all[2]!.id]);
    expect(await listIncidents(redis, { rule: name, offset: 3 })).toEqual([]);
  });
});
