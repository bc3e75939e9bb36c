import { describe, expect, it } from 'vitest';
import { FENCE_TICK_MS, LockFence } from './lock-fence';

/** A fence on a clock the test moves; records the jobs it gives up and the heartbeats it asks for. */
function fenceAt(heartbeatMs: number | undefined) {
  let now = 1_000_000;
  const lost: string[] = [];
  let beats = 0;
  let beatDone: () => void = () => {};
  const fence = new LockFence({
    lockDurationMs: 30_000,
    heartbeatMs,
    onLost: (queue, jobId) => lost.push(`${queue}/${jobId}`),
    beat: () => {
      beats++;
      return new Promise<void>((r) => (beatDone = r));
    },
    now: () => now,
  });
  /** Move the clock in ticks, checking at each, as the timer does. */
  const advance = (ms: number) => {
    for (let t = 0; t < ms; t += FENCE_TICK_MS) {
      now += FENCE_TICK_MS;
      fence.check();
    }
  };
  return { fence, lost, advance, beats: () => beats, finishBeat: () => beatDone(), now: () => now, jump: (ms: number) => (now += ms) };
}

describe('LockFence', () => {
  it('aborts a job whose lock was not renewed for 3/4 of the lock (less a tick), not before', () => {
    const f = fenceAt(undefined);
    f.fence.taken('q', '1');
    f.advance(22_500 - 2 * FENCE_TICK_MS);
    expect(f.lost).toEqual([]);
    f.advance(2 * FENCE_TICK_MS);
    expect(f.lost).toEqual(['q/1']);
  });

  it('keeps a job whose renewals are acknowledged, counting from when each was sent', () => {
    const f = fenceAt(undefined);
    f.fence.taken('q', '1');
    // BullMQ renews every half of the lock; each acknowledgement comes a little after its send.
    for (let i = 0; i < 4; i++) {
      f.advance(15_000 - 500);
      const sentAt = f.now();
      f.advance(500);
      f.fence.renewed('q', ['1'], sentAt);
    }
    expect(f.lost).toEqual([]);
  });

  it('aborts every running job 1.5 heartbeat intervals (less a tick) after the last acknowledged heartbeat', () => {
    const f = fenceAt(5000);
    f.fence.taken('q', '1');
    f.fence.taken('q', '2');
    f.fence.heartbeatWritten(f.now());
    f.advance(7000);
    expect(f.lost).toEqual([]);
    f.advance(500);
    expect(f.lost.sort()).toEqual(['q/1', 'q/2']);
  });

  it('after a blocked event loop, asks for a heartbeat and judges only once it is written', () => {
    const f = fenceAt(1000);
    f.fence.taken('q', '1');
    f.jump(5000);
    f.fence.check();
    expect(f.beats()).toBe(1);
    expect(f.lost).toEqual([]);
    f.advance(1000);
    expect(f.lost).toEqual([]);
    f.fence.heartbeatWritten(f.now());
    f.finishBeat();
    return Promise.resolve().then(() => {
      f.advance(500);
      expect(f.lost).toEqual([]);
    });
  });

  it('aborts at once when BullMQ says the lock is gone, and forgets released jobs', () => {
    const f = fenceAt(1000);
    f.fence.taken('q', '1');
    f.fence.taken('q', '2');
    f.fence.released('q', '2');
    f.fence.lost('q', '1');
    f.fence.lost('q', '2');
    expect(f.lost).toEqual(['q/1']);
  });
});
