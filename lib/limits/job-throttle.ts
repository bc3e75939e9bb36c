import type { Job } from 'bullmq';
import type { RedisConnection } from '../redis';
import type { Throttle } from '../registry/task-throttle';
import { throttleKeyOf } from '../registry/task-throttle';
import { gateKeys, release, restamp, withdraw, START_MARGIN_MS, type GateKeys, type GateLimits } from './throttle-gate';
import { askGate } from './gate-batcher';
import { wakeWaiters } from './waiter-wake';

/**
 * A throttled task's job on its way to its handler (the worker calls this only
 * for tasks with a rate limit or concurrency: the others make no Redis call).
 * Over a limit the job waits, it does not fail: it goes back to the delayed set
 * until the time the gate named (BullMQ's manual pattern: `job.moveToDelayed`
 * then `DelayedError`), with the reason in its hash for the console.
 */

/** A wait this short is spent in the worker (the job stays active): the delayed set's wake-up is not that precise. */
export const SHORT_WAIT_MS = 250;
/**
 * A job waiting for the rate limit comes back this much before its slot and
 * spends the rest in the worker: the promotion of a delayed job can be late by
 * Redis's timer granularity (~100 ms at `hz 10`), which would lose that much of
 * each window and keep the start rate below the limit.
 */
const COME_BACK_EARLY_MS = 200;
/**
 * A job refused for concurrency looks again after this, plus up to as much jitter: a freed slot wakes the first in
 * line at once (lib/limits/waiter-wake.ts), and this timer is for a wake that is lost (its worker killed meanwhile).
 */
export const CONCURRENCY_RETRY_MS = 250;
/** In-worker waits before giving the job back to the delayed set (another job may take the slot it waited for). */
const MAX_SHORT_WAITS = 3;
/**
 * Admissions that came back too late to be moved (each given back in the next ask) before the job goes back to
 * the delayed set for a while: on a machine so loaded that round trips take half a window, it stops asking.
 */
const MAX_LATE_ADMISSIONS = 10;

/**
 * What the worker does with a job after the gate: run it and then release, or leave it (it was moved back to
 * delayed). `starting` is called on the handler's hand-over, synchronously before it: a start later than the
 * margin after its admission is moved in the gate's log to then (throttle-gate.ts).
 */
export type ThrottleEntry = { held: true } | { held: false; starting: () => void; release: () => Promise<void> };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The gate's limits of a throttle: one object per throttle (a live override brings a new throttle). */
const gateLimits = new WeakMap<Throttle, GateLimits>();
function limitsOf(t: Throttle): GateLimits {
  let limits = gateLimits.get(t);
  if (!limits) {
    limits = { rate: t.rate, global: t.concurrency?.global, perKey: t.concurrency?.perKey, concurrencyRetryMs: CONCURRENCY_RETRY_MS };
    gateLimits.set(t, limits);
  }
  return limits;
}

function keysFor(queue: string, task: string, jobId: string, t: Throttle, args: unknown): GateKeys {
  const rateKey = t.rateKey ? throttleKeyOf(t.rateKey, args) : undefined;
  const concKey = t.concurrency?.key && t.concurrency.perKey ? throttleKeyOf(t.concurrency.key, args) : undefined;
  return gateKeys(queue, task, jobId, rateKey, concKey);
}

/**
 * Pass the gate, waiting briefly in the worker if the slot is near; else move
 * the job to delayed (it holds the lock, `token`) and answer `held` — the
 * caller then throws BullMQ's DelayedError.
 */
export async function enterThrottle(
  redis: RedisConnection,
  queue: string,
  job: Job,
  token: string | undefined,
  t: Throttle,
  args: unknown,
): Promise<ThrottleEntry> {
  const jobId = job.id!;
  const keys = keysFor(queue, job.name, jobId, t, args);
  const limits = limitsOf(t);
  let giveBack: string | undefined;
  for (let waits = 0, late = 0; ;) {
    // `asked`: when the call carrying this ask left (lib/limits/gate-batcher.ts: asks of one budget share a call);
    // the admission came after it, so the margin counted from it is the margin from the admission, or more.
    // After a wait in the worker for its slot, the job asks alone, at once (not behind a call on its way).
    // A first attempt never held may take a leased start (its hash has no earlier wait to clear).
    const fresh = job.attemptsStarted <= 1 && giveBack === undefined && waits === 0;
    const { answer, sent: asked } = await askGate(redis, queue, jobId, keys, limits, {
      ...(giveBack === undefined ? {} : { giveBack }),
      alone: waits > 0,
      fresh,
    });
    giveBack = undefined;
    // The gate's rate window counts on each handler starting within START_MARGIN_MS of its admission
    // (throttle-gate.ts). One that starts later has its start moved to then: `starting`, called on the hand-over
    // (after whatever the processor awaits in between), sends it before the handler starts and does not wait.
    // An answer later than half a window, or with no connection to send on at once, is given back and asked for
    // again instead. Concurrency needs no margin: a handler runs inside its admission and release.
    if (answer.admitted && t.rate && (performance.now() - asked >= t.rate.windowMs / 2 || redis.status !== 'ready')) {
      giveBack = answer.member;
      if (++late < MAX_LATE_ADMISSIONS) continue;
      await withdraw(redis, jobId, keys, answer.member);
      await job.moveToDelayed(Date.now() + CONCURRENCY_RETRY_MS, token);
      return { held: true };
    }
    if (answer.admitted) {
      const { member } = answer;
      const rate = t.rate;
      const starting = () => {
        if (rate && performance.now() - asked > START_MARGIN_MS) void restamp(redis, jobId, keys, member, rate).catch(() => {});
      };
      // A task without concurrency holds no slot: nothing to release (a round trip per job saved).
      return { held: false, starting, release: t.concurrency ? () => releaseSlot(redis, queue, jobId, keys, limits) : async () => {} };
    }
    if (answer.reason === 'rate' && answer.waitMs <= SHORT_WAIT_MS && waits++ < MAX_SHORT_WAITS) {
      await sleep(answer.waitMs);
      continue;
    }
    const wait = answer.reason === 'rate' ? answer.waitMs - COME_BACK_EARLY_MS : answer.waitMs + Math.random() * CONCURRENCY_RETRY_MS;
    await job.moveToDelayed(Date.now() + Math.max(1, Math.round(wait)), token);
    return { held: true };
  }
}

/**
 * Free the job's concurrency slots and wake the jobs waiting for them (lib/limits/waiter-wake.ts; not waited
 * for: the job's end does not wait on another's promote). A failed release is not the job's failure: the slot
 * frees itself once the job's lock is gone.
 */
async function releaseSlot(redis: RedisConnection, queue: string, jobId: string, keys: GateKeys, limits: GateLimits): Promise<void> {
  const woken = await release(redis, jobId, keys, limits).catch(() => []);
  if (woken.length) void wakeWaiters(redis, queue, woken);
}
