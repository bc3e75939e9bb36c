import { describe, expect, it } from 'vitest';
import { ruleInputSchema } from './rule-model';
import { channelInputSchema } from './channel-model';
import { defineAlert } from './define-alert';
import { parseOrThrow } from '../validation';
import { InvalidError } from '../errors';
import { signWebhook, verifyWebhook } from './webhook-signature';
import { formatDuration } from './alert-message';

/** The field a refused input names (what the API's 400 carries). */
function fieldOf(schema: Parameters<typeof parseOrThrow>[0], value: unknown): string | undefined {
  try {
    parseOrThrow(schema, value);
    return undefined;
  } catch (err) {
    return (err as InvalidError).field;
  }
}

describe('rule model', () => {
  it('takes each kind with its defaults', () => {
    const r = ruleInputSchema.parse({ kind: 'failure_rate', name: 'f', queue: 'default', windowMs: 300_000, percent: 10 });
    expect(r).toMatchObject({ enabled: true, forMs: 0, cooldownMs: 0, channels: [], minJobs: 20 });
    expect(ruleInputSchema.parse({ kind: 'job_failed', name: 'j', task: 'fail' })).toMatchObject({ windowMs: 300_000 });
    expect(ruleInputSchema.parse({ kind: 'schedule', name: 's', schedule: 'nightly' })).toMatchObject({ on: 'missed_or_failed' });
    expect(ruleInputSchema.parse({ kind: 'worker_lost', name: 'w' })).toMatchObject({ windowMs: 600_000 });
  });

  it('names the wrong field', () => {
    expect(fieldOf(ruleInputSchema, { kind: 'failure_rate', name: 'f', queue: 'q', windowMs: -5, percent: 10 })).toBe('windowMs');
    expect(fieldOf(ruleInputSchema, { kind: 'failure_rate', name: 'f', queue: 'q', windowMs: 1000, percent: 120 })).toBe('percent');
    expect(fieldOf(ruleInputSchema, { kind: 'long_running', name: 'l', queue: 'q', maxMs: 0 })).toBe('maxMs');
    expect(fieldOf(ruleInputSchema, { kind: 'backlog', name: 'b', queue: 'q', forMs: -1, maxWaiting: 3 })).toBe('forMs');
    expect(fieldOf(ruleInputSchema, { kind: 'nope', name: 'x' })).toBe('kind');
    expect(fieldOf(ruleInputSchema, { kind: 'backlog', name: 'bad name', queue: 'q', maxWaiting: 1 })).toBe('name');
  });

  it('wants exactly one of queue and task where a rule counts jobs, and a limit for a backlog', () => {
    expect(fieldOf(ruleInputSchema, { kind: 'failure_rate', name: 'f', windowMs: 1000, percent: 1 })).toBe('queue');
    expect(fieldOf(ruleInputSchema, { kind: 'job_failed', name: 'f', queue: 'a', task: 'b' })).toBe('queue');
    expect(fieldOf(ruleInputSchema, { kind: 'backlog', name: 'b', queue: 'q' })).toBe('maxWaiting');
  });

  it('defineAlert refuses a bad rule where it is declared, naming the rule and the field', () => {
    expect(() => defineAlert({ kind: 'failure_rate', name: 'oops', queue: 'q', windowMs: -1, percent: 5 })).toThrow(/alert "oops": windowMs/);
  });
});

describe('channel model', () => {
  it('refuses an invalid URL and a non-HTTP scheme on the url field', () => {
    expect(fieldOf(channelInputSchema, { id: 'w', config: { type: 'webhook', url: 'not a url' } })).toBe('config.url');
    expect(fieldOf(channelInputSchema, { id: 'w', config: { type: 'webhook', url: 'file:///etc/passwd' } })).toBe('config.url');
    expect(fieldOf(channelInputSchema, { id: 's', config: { type: 'slack', url: 'javascript:alert(1)' } })).toBe('config.url');
    expect(fieldOf(channelInputSchema, { id: 'w', config: { type: 'webhook', url: 'https://example.test/hook' } })).toBeUndefined();
  });

  it('checks email addresses', () => {
    expect(fieldOf(channelInputSchema, { id: 'm', config: { type: 'email', host: 'h', from: 'x', to: ['ops@example.com'] } })).toBe('config.from');
    expect(fieldOf(channelInputSchema, { id: 'm', config: { type: 'email', host: 'h', from: 'ops@example.com', to: [] } })).toBe('config.to');
  });
});

describe('webhook signature', () => {
  const secret = 'a-signing-key-of-enough-length';
  it('verifies its own signature and refuses a changed body, another key or an old timestamp', () => {
    const body = '{"event":"firing"}';
    const at = Date.now();
    const header = signWebhook(secret, body, at);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(secret, body, header)).toBe(true);
    expect(verifyWebhook(secret, body + ' ', header)).toBe(false);
    expect(verifyWebhook('another-key-of-enough-length', body, header)).toBe(false);
    // A replay ten minutes later: the signature is right, the time is not.
    expect(verifyWebhook(secret, body, header, { now: at + 600_000 })).toBe(false);
    expect(verifyWebhook(secret, body, `t=${at + 1},v1=${header.split('v1=')[1]}`)).toBe(false);
  });
});

describe('formatDuration', () => {
  it('says durations briefly', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(133_000)).toBe('2m 13s');
    expect(formatDuration(3_900_000)).toBe('1h 5m');
    expect(formatDuration(300_000)).toBe('5m');
  });
});
