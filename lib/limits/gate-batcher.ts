import type { RedisConnection } from '../redis';
import { randomUUID } from 'node:crypto';
import {
  admitBatch,
  admitMany,
  MAX_BATCH,
  START_MARGIN_MS,
  type GateAnswer,
  type GateAsk,
  type GateKeys,
  type GateLimits,
  type SpareRecord,
} from './throttle-gate';

/**
 * The worker's side of the throttle gate: the jobs of one budget (task, key,
 * limits) that ask while a gate call of theirs is on its way, or within the
 * same turn of the event loop, share the next call (lib/limits/throttle-gate.ts
 * admits a batch in order, each job answered as if it had asked alone just
 * after the ones before it). At most MAX_IN_FLIGHT calls on their way per
 * budget and connection, so an idle worker asks at once and a busy one asks a
 * few times per round trip for all its arrivals: a rate limit far above the
 * load costs a few calls per round trip, not one per job.
 *
 * Why the limits hold unchanged: the script is the same for a batch of one and
 * of many (one Redis instant, one atomic run: no other worker's admission
 * between two of a batch), and each answer carries the time its call was SENT,
 * before Redis admitted it. The start margin is measured from then, as it was
 * from the ask before batching, so "the handler starts within START_MARGIN_MS
 * of its admission, or its start is moved in the log" holds for every job of
 * the batch. A job that waited for an earlier call's reply is not penalised:
 * its margin starts when its own call leaves.
 *
 * Spare starts (far below the limit only): each call also asks for as many
 * starts, logged at its admission time, as jobs asked since the last call; the
 * script grants them only while the window is at most half full with them
 * (throttle-gate.ts). A job that asks while a grant is fresh takes one at once:
 * no call of its own, so a rate limit far above the load adds no round trip
 * to a slot's loop. The margin holds as for a batch's ask: a spare counts from
 * when the call that got it left, and a handler starting later than the margin
 * after that has its start moved (job-throttle.ts). Its job's admission record
 * rides on the budget's next call. A spare not taken counts as a start for one
 * window: only room nobody near the limit needed.
 */

/** A gate's answer, and when the call that carried it left this process (performance.now()); the admission came after. */
export interface SentAnswer {
  answer: GateAnswer;
  sent: number;
}

interface Ask {
  jobId: string;
  jobKey: string;
  giveBack?: number;
  resolve: (a: SentAnswer) => void;
  reject: (err: unknown) => void;
}

/** One budget's queue of asks on one connection. */
interface Budget {
  queue: string;
  keys: GateKeys;
  limits: GateLimits;
  asks: Ask[];
  /** Calls on their way. */
  inFlight: number;
  scheduled: boolean;
  /** The latest grant of spare starts (an older one's left-overs are dropped) and the jobs that took one, to record. */
  spares: Grant | undefined;
  records: SpareRecord[];
  /** Jobs that asked or took a spare since the last call left: as many spares are asked for in the next. */
  arrivals: number;
}

/** Spare starts granted by one call: `left` of them, named `owner`.1…`owner`.left in the log. */
interface Grant {
  owner: string;
  at: number;
  sent: number;
  left: number;
}

/** A spare is taken only this soon after its call left: its handler then starts within the margin, or very nearly (else its start is moved). */
const SPARE_FRESH_MS = (START_MARGIN_MS * 3) / 4;
/** Names the spare starts of this process's grants apart from other workers' and from job ids (`~`). */
const SPARE_PREFIX = `~${randomUUID().slice(0, 8)}.`;
let grants = 0;

/**
 * Calls of one budget on their way at once: more asks wait for one of them and go together. With one, a job
 * waits up to a round trip for the call before its own (seen: far-above-the-load throughput stayed at
 * 3,000–3,700 jobs/s in rounds where the same worker without the gate ran 6,000+); a few keep that wait short.
 */
export const MAX_IN_FLIGHT = 4;

const budgets = new WeakMap<RedisConnection, Map<string, Budget>>();

/** The asks that may share a call: same rate log, running sets and limits (they differ only in the job). */
function budgetId(keys: GateKeys, limits: GateLimits): string {
  const { rate, global, perKey, concurrencyRetryMs } = limits;
  return [keys.rateLog, keys.runningByKey, rate?.limit, rate?.windowMs, global, perKey, concurrencyRetryMs].join('\n');
}

function budgetOf(redis: RedisConnection, queue: string, keys: GateKeys, limits: GateLimits): [Map<string, Budget>, string, Budget] {
  let map = budgets.get(redis);
  if (!map) budgets.set(redis, (map = new Map()));
  const id = budgetId(keys, limits);
  let budget = map.get(id);
  if (!budget) map.set(id, (budget = { queue, keys, limits, asks: [], inFlight: 0, scheduled: false, spares: undefined, records: [], arrivals: 0 }));
  return [map, id, budget];
}

/**
 * Ask the gate whether the job may start now (see {@link admitMany}); the ask shares a call with the other
 * jobs of its budget asking meanwhile on this connection, unless `alone`. `giveBack` as in throttle-gate's `admit`.
 */
export function askGate(
  redis: RedisConnection,
  queue: string,
  jobId: string,
  keys: GateKeys,
  limits: GateLimits,
  opts: { giveBack?: number; alone?: boolean } = {},
): Promise<SentAnswer> {
  const { giveBack, alone } = opts;
  if (alone) return askAlone(redis, queue, { jobId, jobKey: keys.job, ...(giveBack === undefined ? {} : { giveBack }) }, keys, limits);
  const [map, id, budget] = budgetOf(redis, queue, keys, limits);
  budget.arrivals++;
  const spare = takeSpare(budget, keys.job);
  if (spare) {
    schedule(redis, map, id, budget); // the record goes with the next call
    return Promise.resolve(spare);
  }
  return new Promise<SentAnswer>((resolve, reject) => {
    budget.asks.push({ jobId, jobKey: keys.job, ...(giveBack === undefined ? {} : { giveBack }), resolve, reject });
    schedule(redis, map, id, budget);
  });
}

/**
 * A job that waited in its worker for the slot the gate named asks at that moment, in a call of its own: waiting
 * for a call on its way would start it up to a round trip after its slot, a loss to the limit's use each time.
 */
async function askAlone(redis: RedisConnection, queue: string, ask: GateAsk, keys: GateKeys, limits: GateLimits): Promise<SentAnswer> {
  const sent = performance.now();
  const [answer] = await admitMany(redis, queue, keys, limits, [ask]);
  return { answer: answer!, sent };
}

/** A fresh spare start for the job, if the budget has one: its answer, the job's record queued for the next call. */
function takeSpare(budget: Budget, jobKey: string): SentAnswer | undefined {
  const g = budget.spares;
  if (!g || g.left <= 0 || budget.records.length >= MAX_BATCH) return undefined;
  if (performance.now() - g.sent > SPARE_FRESH_MS) {
    budget.spares = undefined;
    return undefined;
  }
  budget.records.push({ jobKey, at: g.at });
  return { answer: { admitted: true, at: g.at, owner: `${g.owner}.${g.left--}` }, sent: g.sent };
}

/** Send at the end of this turn of the event loop (asks of the same turn go together), unless MAX_IN_FLIGHT calls are on their way. */
function schedule(redis: RedisConnection, map: Map<string, Budget>, id: string, budget: Budget): void {
  if (budget.inFlight >= MAX_IN_FLIGHT || budget.scheduled) return;
  budget.scheduled = true;
  setImmediate(() => {
    budget.scheduled = false;
    void send(redis, map, id, budget);
  });
}

async function send(redis: RedisConnection, map: Map<string, Budget>, id: string, budget: Budget): Promise<void> {
  const batch = budget.asks.splice(0, MAX_BATCH);
  const records = budget.records.splice(0, MAX_BATCH);
  const wanted = Math.min(budget.arrivals, MAX_BATCH);
  budget.arrivals = 0;
  const owner = `${SPARE_PREFIX}${grants++}`;
  budget.inFlight++;
  const sent = performance.now();
  try {
    const { answers, granted, at } = await admitBatch(redis, budget.queue, budget.keys, budget.limits, batch, records, { owner, count: wanted });
    if (granted > 0) budget.spares = { owner, at, sent, left: granted };
    batch.forEach((ask, i) => ask.resolve({ answer: answers[i]!, sent }));
  } catch (err) {
    // Records lost with the call: those jobs run without their admission record (their starts are in the log).
    for (const ask of batch) ask.reject(err);
  } finally {
    budget.inFlight--;
    // The asks and records that came meanwhile go next; an idle budget is forgotten (per-key budgets come and go),
    // once its spares are stale.
    if (budget.asks.length || budget.records.length) schedule(redis, map, id, budget);
    else if (budget.spares) setTimeout(() => forget(map, id, budget), SPARE_FRESH_MS).unref();
    else forget(map, id, budget);
  }
}

function forget(map: Map<string, Budget>, id: string, budget: Budget): void {
  if (!budget.inFlight && !budget.scheduled && !budget.asks.length && !budget.records.length && map.get(id) === budget) map.delete(id);
}
