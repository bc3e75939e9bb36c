import { describe, expect, it } from 'vitest';
import { taskControlsDto } from '@/lib/data/task-controls-dto';
import type { CatalogueEntry } from '@/lib/registry/catalogue';
import { controlRows } from './control-rows';

const entry: CatalogueEntry = {
  name: 'sync',
  description: 'Syncs a customer',
  queue: 'default',
  argsSchema: {},
  defaults: { attempts: 3, backoff: { type: 'exponential', delay: 1000, jitter: 0.5 } },
  throttle: { rateLimit: '5/s', rateKeyArgs: ['customerId'], concurrency: { global: 4, perKey: 1, keyArgs: ['customerId'] } },
  timing: { timeLimit: 30_000, softTimeLimit: 20_000, expires: 60_000, retryOn: ['TimeoutError'], deadLetter: true },
  dedupe: { mode: 'window', ttl: 5000, keyArgs: ['customerId'] },
  publishedAt: 1,
  publishedBy: 'w',
};
const ms = (n: number) => `${n} ms`;
const byLabel = (rows: ReturnType<typeof controlRows>) => Object.fromEntries(rows.map((r) => [r.label, `${r.value} [${r.source}]`]));

describe('controlRows', () => {
  it('lists every control of the code, each with its source', () => {
    expect(byLabel(controlRows(taskControlsDto(entry, undefined), ms))).toEqual({
      'Rate limit': '5/s per customerId [code]',
      'Global concurrency': '4 running at once [code]',
      Paused: 'no [code]',
      'Concurrency per key': '1 running at once per customerId [code]',
      Attempts: '3 [code]',
      Backoff: 'exponential, from 1000 ms, jitter 0.5 [code]',
      'Time limit': 'soft 20000 ms, hard 30000 ms [code]',
      Expires: '60000 ms after enqueue, unless started [code]',
      'Retries only': 'TimeoutError [code]',
      'Dead letters': 'jobs that fail for good wait in its dead-letter queue (<task>.dlq) [code]',
      Deduplication: 'one job per 5000 ms; by customerId [code]',
    });
  });

  it('shows the override’s limits and pause as the override’s', () => {
    const rows = byLabel(controlRows(taskControlsDto(entry, { rateLimit: '1/m', concurrency: 'none', paused: true, setBy: 'alice', setAt: 1 }), ms));
    expect(rows['Rate limit']).toBe('1/m per customerId [override]');
    expect(rows['Global concurrency']).toBe('none [override]');
    expect(rows.Paused).toBe('yes: its jobs are held until it is resumed [override]');
    expect(byLabel(controlRows(taskControlsDto(entry, { rateLimit: 'none', setBy: 'a', setAt: 1 }), ms))['Rate limit']).toBe('none [override]');
  });
});
