import { describe, expect, it } from 'vitest';
import { buildTimeline, type TimelineInput } from './job-timeline';
import { attachment } from '../http/attachment';

const base: TimelineInput = {
  state: 'waiting',
  createdAt: 1000,
  delayMs: 0,
  lastStartedAt: null,
  finishedAt: null,
  attemptsMade: 0,
  error: null,
  stack: [],
  progress: 0,
  attempts: [],
  hasChildren: false,
};

const kinds = (i: Partial<TimelineInput>) => buildTimeline({ ...base, ...i }).map((e) => `${e.kind}${e.attempt ? `#${e.attempt}` : ''}:${e.tone}`);

describe('buildTimeline', () => {
  it('a waiting job: created, then waiting', () => {
    expect(kinds({})).toEqual(['created:info', 'waiting:info']);
  });

  it('a delayed job says when it is due', () => {
    const t = buildTimeline({ ...base, state: 'delayed', delayMs: 5000 });
    expect(t[1]).toMatchObject({ kind: 'delayed', at: 1000, until: 6000 });
  });

  it('a running job after one failure: the failure, then the running attempt and its progress', () => {
    expect(kinds({ state: 'active', attemptsMade: 1, lastStartedAt: 2000, stack: ['Error: x\n at y'], progress: 40 })).toEqual([
      'created:info',
      'attempt#1:error',
      'attempt#2:running',
      'progress:info',
    ]);
  });

  it('keeps stack traces aligned with the newest attempts when BullMQ dropped older ones', () => {
    // 3 failed attempts, only the last 2 stacks kept (stackTraceLimit 2).
    const t = buildTimeline({
      ...base,
      state: 'failed',
      attemptsMade: 3,
      lastStartedAt: 5000,
      finishedAt: 5100,
      error: 'third',
      stack: ['Error: second', 'Error: third'],
    });
    expect(t.filter((e) => e.kind === 'attempt').map((e) => [e.attempt, e.detail])).toEqual([
      [1, undefined],
      [2, 'Error: second'],
      [3, 'third'],
    ]);
  });

  it('uses the worker’s record and adds a final attempt it does not cover', () => {
    const t = buildTimeline({
      ...base,
      state: 'completed',
      attemptsMade: 2,
      lastStartedAt: 3000,
      finishedAt: 3500,
      attempts: [{ attempt: 1, startedAt: 1500, finishedAt: 1600, outcome: 'failed', error: 'boom' }],
    });
    expect(t.filter((e) => e.kind === 'attempt').map((e) => [e.attempt, e.at, e.until, e.tone])).toEqual([
      [1, 1500, 1600, 'error'],
      [2, 3000, 3500, 'ok'],
    ]);
  });
});

describe('attachment', () => {
  it('keeps odd file names exact (RFC 5987) with an ASCII fallback that cannot break the header', () => {
    expect(attachment('q-1-result.json')).toBe(`attachment; filename="q-1-result.json"; filename*=UTF-8''q-1-result.json`);
    const h = attachment('my "queue"; ü-1.json');
    expect(h).toContain('filename="my _queue__ _-1.json"');
    expect(h).toContain(`filename*=UTF-8''my%20%22queue%22%3B%20%C3%BC-1.json`);
  });
});
