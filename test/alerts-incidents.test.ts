import { describe, expect, it } from 'vitest';
import { createLogger } from '@/lib/logger';
import { acknowledgeIncident, getIncident, listIncidents, openIncidentCommands, trimIncidents } from '@/lib/alerts/incident-store';
import { deleteRule, patchRule } from '@/lib/alerts/rule-store';
import { alertKeys } from '@/lib/alerts/alert-keys';
import { uniqueName, waitFor } from './helpers';
import { queueStack } from './fixtures/queue-stack';
import { alertHarness } from './fixtures/alert-harness';

/**
 * An incident's life beyond fire-remind-resolve: the `for` duration damps a
 * flapping condition; an acknowledged incident is not reminded of; a rule
 * disabled while firing resolves its incident; the history stays bounded.
 */
const stack = queueStack();
const { redis } = stack;
const logger = createLogger('alerts-incidents', 'error');

/** A backlog rule (fires while a job waits on its queue) and the queue. */
async function backlog(extra: { forMs?: number; cooldownMs?: number } = {}) {
  const queue = stack.queue(uniqueName('q'));
  const name = uniqueName('backlog');
  const h = await alertHarness(
    stack,
    { kind: 'backlog', name, queue: queue.name, maxWaiting: 0, forMs: extra.forMs },
    { cooldownMs: extra.cooldownMs, logger },
  );
  return { h, queue, name };
}

describe('incidents', () => {
  it('a condition shorter than `forMs` opens nothing; one that holds that long opens one incident', async () => {
    const { h, queue, name } = await backlog({ forMs: 400 });
    // A flap: true for two evaluations, well under 400 ms, then false.
    await queue.add('add', { a: 1, b: 1 });
    await h.tick();
    await h.tick();
    await queue.drain();
    await h.tick();
    expect(await listIncidents(redis, { rule: name })).toEqual([]);
    // Held: the incident opens once the condition has held for 400 ms, not before.
    await queue.add('add', { a: 1, b: 1 });
    const since = Date.now();
    expect(await h.tick()).toEqual([]);
    expect(await h.until('the incident to open', 1)).toEqual(['firing']);
    expect(h.receiver.accepted()[0]!.body.incident!.openedAt - since).toBeGreaterThanOrEqual(400);
  });

  it('an acknowledged incident gets no reminder; its resolution is still sent', async () => {
    const { h, queue, name } = await backlog({ cooldownMs: 200 });
    await queue.add('add', { a: 1, b: 1 });
    expect(await h.until('the incident to open', 1)).toEqual(['firing']);
    const [incident] = await listIncidents(redis, { rule: name, status: 'open' });
    await acknowledgeIncident(redis, incident!.id, 'ops');
    // Evaluations over three cooldowns: no reminder.
    const until = Date.now() + 700;
    await waitFor('three cooldowns', h.tick, () => Date.now() > until);
    expect(h.events()).toEqual(['firing']);
    await queue.drain();
    expect(await h.until('the resolution', 2)).toEqual(['firing', 'resolved']);
  });

  it('a rule disabled while firing resolves its incident, and says so', async () => {
    const { h, queue, name } = await backlog();
    await queue.add('add', { a: 1, b: 1 });
    expect(await h.until('the incident to open', 1)).toEqual(['firing']);
    await patchRule(redis, name, { enabled: false });
    expect(await h.until('the resolution', 2)).toEqual(['firing', 'resolved']);
    expect(h.receiver.accepted()[1]!.body.text).toContain('Now: rule disabled');
    // Disabled and resolved: later evaluations send nothing, though the job still waits.
    await h.tick();
    expect(h.events()).toEqual(['firing', 'resolved']);
  });

  it('a rule deleted while firing takes its open incident with it: resolved, in its timeline, not notified', async () => {
    const { h, queue, name } = await backlog();
    await queue.add('add', { a: 1, b: 1 });
    expect(await h.until('the incident to open', 1)).toEqual(['firing']);
    const [open] = await listIncidents(redis, { rule: name, status: 'open' });
    await deleteRule(redis, name, 'ops');
    const { timeline, ...closed } = await getIncident(redis, open!.id);
    expect(closed).toMatchObject({ status: 'resolved', summary: 'rule deleted' });
    expect(timeline.at(-1)).toMatchObject({ type: 'resolved', by: 'ops' });
    // Nothing more is sent for it, though the job still waits.
    expect(await h.tick()).toEqual(['firing']);
    expect(await listIncidents(redis, { rule: name, status: 'open' })).toEqual([]);
  });

  it('the history keeps the newest resolved incidents and every open one', async () => {
    const rule = uniqueName('many');
    const tx = redis.multi();
    // Opened after every other incident of this file (so they are the newest), all resolved but one.
    const base = Date.now() + 86_400_000;
    for (let i = 0; i < 8; i++) {
      for (const c of openIncidentCommands({ id: `${rule}-${i}`, rule, kind: 'backlog', openedAt: base + i, summary: 's', value: 1, link: 'l' }))
        tx.call(c[0]!, ...c.slice(1));
      if (i !== 1) tx.hset(alertKeys().incident(`${rule}-${i}`), 'status', 'resolved');
    }
    await tx.exec();
    // Keep 3: the three newest stay, and the older open one.
    expect(await trimIncidents(redis, 3)).toBeGreaterThanOrEqual(4);
    const left = (await listIncidents(redis, { rule })).map((i) => i.id);
    expect(left).toEqual([`${rule}-7`, `${rule}-6`, `${rule}-5`, `${rule}-1`]);
  });
});
