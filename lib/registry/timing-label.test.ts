import { describe, expect, it } from 'vitest';
import { describeTiming } from './timing-label';

describe('describeTiming', () => {
  // The page passes its own formatter (components/ui/format.ts); any will do here.
  const formatDuration = (ms: number) => `${ms} ms`;
  it('names each control a task sets, and nothing else', () => {
    expect(
      describeTiming(
        { timeLimit: 60_000, softTimeLimit: 30_000, expires: 300_000, retryOn: ['Flaky'], isolation: 'process', deadLetter: true },
        formatDuration,
      ),
    ).toEqual([
      ['Time limit', `soft ${formatDuration(30_000)}, hard ${formatDuration(60_000)}`],
      ['Expires', `${formatDuration(300_000)} after enqueue, unless started`],
      ['Retries only', 'Flaky'],
      ['Isolation', 'process (each attempt in a process of its own)'],
      ['Dead letters', 'jobs that fail for good wait in its dead-letter queue (<task>.dlq)'],
    ]);
    expect(describeTiming({ timeLimit: 1000 }, formatDuration)).toEqual([['Time limit', `hard ${formatDuration(1000)}`]]);
    expect(describeTiming({}, formatDuration)).toEqual([]);
  });
});
