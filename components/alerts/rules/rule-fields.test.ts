import { describe, expect, it } from 'vitest';
import { ruleInputSchema, type AlertRule } from '@/lib/alerts/rule-model';
import { buildRule, ruleCondition, ruleFields, ruleTarget } from './rule-fields';

const stored = (input: unknown): AlertRule => ({ ...ruleInputSchema.parse(input), source: 'console', createdAt: '', updatedAt: '' });
const dur = (ms: number) => `${ms / 1000}s`;

describe('rule form fields', () => {
  it('sends durations in ms and only the fields of the chosen kind', () => {
    const f = { ...ruleFields(), name: 'emails', scope: 'task' as const, task: 'send-email', queue: 'left-over' };
    f.numbers = { windowMs: '300', percent: '10', minJobs: '20', maxMs: '5', forMs: '60' };
    expect(buildRule(f)).toEqual({
      kind: 'failure_rate',
      name: 'emails',
      enabled: true,
      channels: [],
      task: 'send-email',
      windowMs: 300_000,
      percent: 10,
      minJobs: 20,
      forMs: 60_000,
    });
  });

  it('sends what is not a number as typed, so the server names the field; a negative window stays negative', () => {
    const f = { ...ruleFields(), name: 'x', queue: 'q', numbers: { windowMs: '-5', percent: 'ten' } };
    const r = buildRule(f) as Record<string, unknown>;
    expect(r.windowMs).toBe(-5000);
    expect(r.percent).toBe('ten');
    const parsed = ruleInputSchema.safeParse(r);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['windowMs', 'percent']));
  });

  it('reads a stored rule back into the same fields (round trip)', () => {
    const rule = stored({ kind: 'backlog', name: 'imgs', queue: 'images', maxAgeMs: 600_000, forMs: 60_000, cooldownMs: 3_600_000, channels: ['ops'] });
    const f = ruleFields(rule);
    expect(f.numbers).toMatchObject({ maxAgeMs: '600', forMs: '60', cooldownMs: '3600' });
    expect(ruleInputSchema.parse(buildRule(f))).toEqual(ruleInputSchema.parse(rule));
  });

  it('says the target and the condition in words from the rule’s own figures', () => {
    const rule = stored({ kind: 'failure_rate', name: 'e', task: 'send-email', windowMs: 300_000, percent: 12.5, minJobs: 7 });
    expect(ruleTarget(rule)).toBe('task send-email');
    expect(ruleCondition(rule, dur)).toBe('failure rate above 12.5% over 300s, at least 7 jobs');
    const s = stored({ kind: 'schedule', name: 's', schedule: 'nightly', on: 'failed', windowMs: 60_000 });
    expect(ruleCondition(s, dur)).toBe('last run failed (within 60s)');
    expect(ruleTarget(stored({ kind: 'worker_lost', name: 'w' }))).toBe('every queue');
  });
});
