import { describe, expect, it } from 'vitest';
import { ATTEMPT_FIELD_PREFIX, parseAttempts, type AttemptRecord } from './attempt-log';

const written = (r: AttemptRecord): [string, string] => [`${ATTEMPT_FIELD_PREFIX}${r.startedAt}`, JSON.stringify(r)];

/** BullMQ's fields of a job a named worker completed: started at 1000, ended at 1500, its third attempt. */
const completedByBullmq: [string, string][] = [
  ['name', 'add'],
  ['processedOn', '1000'],
  ['finishedOn', '1500'],
  ['atm', '3'],
  ['pb', 'host:1:abcd'],
  ['returnvalue', '5'],
];

describe('parseAttempts', () => {
  it("reads the attempt that completed a job from BullMQ's fields, after the written failed attempts", () => {
    const failed: AttemptRecord = { attempt: 2, startedAt: 500, finishedAt: 600, outcome: 'failed', error: 'boom', worker: 'host:1:abcd' };
    expect(parseAttempts([written(failed), ...completedByBullmq])).toEqual([
      failed,
      { attempt: 3, startedAt: 1000, finishedAt: 1500, outcome: 'completed', worker: 'host:1:abcd' },
    ]);
  });

  it('reads none for a job that did not complete, or that no named worker ran', () => {
    const notCompleted = completedByBullmq.filter(([k]) => k !== 'returnvalue');
    const unnamed = completedByBullmq.filter(([k]) => k !== 'pb');
    expect(parseAttempts(notCompleted)).toEqual([]);
    expect(parseAttempts(unnamed)).toEqual([]);
  });

  it("keeps a written record of the completion (a worker from before) instead of a second one, but not an earlier run's", () => {
    const sameRun: AttemptRecord = { attempt: 3, startedAt: 1001, finishedAt: 1499, outcome: 'completed', worker: 'host:1:abcd' };
    expect(parseAttempts([written(sameRun), ...completedByBullmq])).toEqual([sameRun]);
    const earlierRun: AttemptRecord = { attempt: 1, startedAt: 100, finishedAt: 200, outcome: 'completed', worker: 'old' };
    expect(parseAttempts([written(earlierRun), ...completedByBullmq]).map((a) => a.startedAt)).toEqual([100, 1000]);
  });
});
