import { describe, expect, it } from 'vitest';
import { jobTiming, type JobTimingInput } from './job-timing';
import type { AttemptRecord } from '../queue/attempt-log';

const base: JobTimingInput = { state: 'waiting', processedOn: null, finishedAt: null, attemptsMade: 0, maxAttempts: 1, attempts: [] };
const rec = (attempt: number, startedAt: number, finishedAt: number, outcome: AttemptRecord['outcome']): AttemptRecord => ({
  attempt,
  startedAt,
  finishedAt,
  outcome,
});

describe('jobTiming', () => {
  it('a job not started yet has no times', () => {
    expect(jobTiming(base)).toEqual({
      startedAt: null,
      firstStartKnown: true,
      lastAttemptStartedAt: null,
      finishedAt: null,
      durationMs: null,
      lastAttemptDurationMs: null,
    });
  });

  it('one attempt: BullMQ’s processedOn is both starts, even when the worker recorded it a few ms later', () => {
    const t = jobTiming({ ...base, state: 'completed', processedOn: 1000, finishedAt: 1005, attemptsMade: 1, attempts: [rec(1, 1002, 1004, 'completed')] });
    expect(t).toEqual({ startedAt: 1000, firstStartKnown: true, lastAttemptStartedAt: 1000, finishedAt: 1005, durationMs: 5, lastAttemptDurationMs: 5 });
  });

  it('a job that succeeded on its third attempt: started at the first, duration over all three and the backoffs', () => {
    // flaky: attempts at 1000, 1510 (after 500 ms backoff) and 2520 (after 1000 ms); the last took 5 ms.
    const t = jobTiming({
      ...base,
      state: 'completed',
      processedOn: 2520,
      finishedAt: 2525,
      attemptsMade: 3,
      maxAttempts: 5,
      attempts: [rec(1, 1001, 1004, 'failed'), rec(2, 1511, 1514, 'failed'), rec(3, 2521, 2524, 'completed')],
    });
    expect(t).toEqual({ startedAt: 1001, firstStartKnown: true, lastAttemptStartedAt: 2520, finishedAt: 2525, durationMs: 1524, lastAttemptDurationMs: 5 });
  });

  it('a running retry: first start from the record, the running attempt from processedOn, no durations yet', () => {
    const t = jobTiming({
      ...base,
      state: 'active',
      processedOn: 3000,
      attemptsMade: 2,
      maxAttempts: 3,
      attempts: [rec(2, 2000, 2100, 'failed'), rec(1, 1000, 1100, 'failed')],
    });
    expect(t).toMatchObject({ startedAt: 1000, firstStartKnown: true, lastAttemptStartedAt: 3000, durationMs: null, lastAttemptDurationMs: null });
  });

  it('waiting for its retry (backoff): started at the first attempt, not finished', () => {
    const t = jobTiming({
      ...base,
      state: 'delayed',
      processedOn: 2000,
      attemptsMade: 2,
      maxAttempts: 3,
      attempts: [rec(1, 1000, 1100, 'failed'), rec(2, 2001, 2100, 'failed')],
    });
    expect(t).toMatchObject({ startedAt: 1000, lastAttemptStartedAt: 2000, finishedAt: null, durationMs: null });
  });

  it('a plain BullMQ worker’s retried job: only the last start is known, and it says so', () => {
    const t = jobTiming({ ...base, state: 'failed', processedOn: 5000, finishedAt: 5100, attemptsMade: 3, maxAttempts: 3 });
    expect(t).toEqual({ startedAt: 5000, firstStartKnown: false, lastAttemptStartedAt: 5000, finishedAt: 5100, durationMs: 100, lastAttemptDurationMs: 100 });
  });

  it('after a retry from the console (attempts reset to 1), the earlier run’s records are not this run’s start', () => {
    // Run 1: attempts 1 and 2 failed (of 2). Retried: attempt 1 of the new run is running, then done.
    const earlier = [rec(1, 1000, 1100, 'failed'), rec(2, 1200, 1300, 'failed')];
    expect(jobTiming({ ...base, state: 'active', processedOn: 9000, attemptsMade: 0, maxAttempts: 2, attempts: earlier })).toMatchObject({
      startedAt: 9000,
      firstStartKnown: true,
    });
    const second = jobTiming({
      ...base,
      state: 'failed',
      processedOn: 9500,
      finishedAt: 9600,
      attemptsMade: 2,
      maxAttempts: 2,
      attempts: [...earlier, rec(1, 9001, 9100, 'failed'), rec(2, 9501, 9590, 'failed')],
    });
    expect(second).toMatchObject({ startedAt: 9001, firstStartKnown: true, lastAttemptStartedAt: 9500, durationMs: 599 });
    // A completed single-attempt run, retried: attempt numbers repeat (1 then 1), still two runs.
    const rerun = jobTiming({
      ...base,
      state: 'completed',
      processedOn: 7000,
      finishedAt: 7010,
      attemptsMade: 1,
      attempts: [rec(1, 1000, 1100, 'completed'), rec(1, 7001, 7009, 'completed')],
    });
    expect(rerun).toMatchObject({ startedAt: 7000, durationMs: 10 });
  });

  it('an attempt handed back at worker shutdown is tried again under the same number, in the same run', () => {
    const t = jobTiming({
      ...base,
      state: 'completed',
      processedOn: 4000,
      finishedAt: 4050,
      attemptsMade: 1,
      attempts: [rec(1, 1000, 1500, 'requeued'), rec(1, 4001, 4049, 'completed')],
    });
    expect(t).toMatchObject({ startedAt: 1000, firstStartKnown: true, lastAttemptStartedAt: 4000, durationMs: 3050, lastAttemptDurationMs: 50 });
  });

  it('earlier attempts unrecorded but later ones recorded: the earliest known start, flagged', () => {
    const t = jobTiming({
      ...base,
      state: 'completed',
      processedOn: 3000,
      finishedAt: 3010,
      attemptsMade: 3,
      maxAttempts: 3,
      attempts: [rec(2, 2000, 2100, 'failed')],
    });
    expect(t).toMatchObject({ startedAt: 2000, firstStartKnown: false, durationMs: 1010 });
  });
});
