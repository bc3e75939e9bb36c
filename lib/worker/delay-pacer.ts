import type { Queue } from 'bullmq';
import type { RedisConnection } from '../redis';

/** How often the pacer looks again for the earliest delayed job (another producer may add an earlier one). */
const POLL_MS = 250;

export interface DelayPacer {
  stop(): Promise<void>;
}

/**
 * When a delayed job is due, from its score in the delayed set: BullMQ scores
 * it `dueMs * 0x1000 + n` (n orders jobs due in the same millisecond). Not the
 * job's `timestamp + delay`: a retry's backoff delay counts from the failure,
 * not from the job's creation, so that sum would put every retry after the
 * first one early.
 */
export function dueFromScore(score: number): number {
  return Math.floor(score / 0x1000);
}

/**
 * Runs delayed jobs — a schedule's next run is one — on the millisecond they
 * are due. Left to itself, a worker waits for the next delayed job with a
 * blocking Redis call that Redis times out only on its next cron tick (every
 * 1000/hz ms: up to 100 ms late on a Redis with the default hz 10, 10 ms at hz
 * 100). The pacer reads the earliest delayed job, sleeps until it is due by
 * this process's clock (the clock BullMQ itself promotes by), and promotes it:
 * the promotion wakes the workers at once, and their fetch moves every other
 * due job along with it. With several workers one promotion wins; the others
 * find the job already moved and carry on.
 */
export function startDelayPacer(
  queue: Queue,
  opts: {
    /** A command connection to the queue's Redis (to read the delayed set's scores, which BullMQ does not expose). */
    redis: RedisConnection;
    isActive: () => boolean;
    onError: (err: Error) => void;
  },
): DelayPacer {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, Math.max(0, ms));
    });
  let lastPromoted: string | undefined;

  const step = async (): Promise<void> => {
    if (!opts.isActive()) return sleep(POLL_MS);
    const [id, score] = await opts.redis.zrange(queue.keys.delayed!, 0, 0, 'WITHSCORES');
    if (id === undefined || score === undefined) return sleep(POLL_MS);
    const due = dueFromScore(Number(score));
    if (stopped || !opts.isActive()) return;
    const wait = due - Date.now();
    if (wait > POLL_MS) return sleep(POLL_MS);
    if (wait > 0) {
      await sleep(wait);
      // A timer can fire a millisecond early by Date.now(): then look again rather than promote early.
      if (stopped || Date.now() < due) return;
    }
    if (id === lastPromoted) return sleep(POLL_MS); // it stays delayed (moved by hand?): no tight loop
    lastPromoted = id;
    // Another worker may have promoted it, or a fetch moved it already: nothing to do then.
    const job = await queue.getJob(id);
    // Asked again after every wait on Redis: a worker that began stopping meanwhile fetches no more, and a
    // job promoted now would sit in `waiting` until some worker starts, instead of staying delayed.
    if (stopped || !opts.isActive()) return;
    await job?.promote().catch(() => {});
  };

  const loop = (async () => {
    while (!stopped) {
      try {
        await step();
      } catch (err) {
        opts.onError(err as Error);
        if (!stopped) await sleep(POLL_MS);
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
