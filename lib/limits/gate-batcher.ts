import type { RedisConnection } from '../redis';
import { admitAndLease, admitMany, settleLease, MAX_BATCH, type GateAnswer, type GateAsk, type GateKeys, type GateLimits } from './throttle-gate';
import { leasePrefix, StartLeases } from './start-lease';

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
 * Leases (lib/limits/start-lease.ts): a budget whose jobs ask often asks,
 * with its calls, for a lease of starts, and hands them to its next fresh
 * jobs (a first attempt, never held: nothing of an earlier wait to clear in
 * its hash) without a call, while the lease is young enough; before it runs
 * out a call asks for the next. Only for a rate limit alone: a concurrency
 * slot belongs to a job.
 */

/** A gate's answer, and when the call that carried it left this process (performance.now()); the admission came after. */
export interface SentAnswer {
  answer: GateAnswer;
  sent: number;
}

interface Ask {
  jobId: string;
  jobKey: string;
  giveBack?: string;
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
  /** Leased starts (none for a budget with a concurrency limit). */
  leases?: StartLeases;
}

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
  return `${keys.rateLog}\n${keys.runningByKey}\n${rate?.limit}\n${rate?.windowMs}\n${global}\n${perKey}\n${concurrencyRetryMs}`;
}

function budgetOf(redis: RedisConnection, queue: string, keys: GateKeys, limits: GateLimits): [Map<string, Budget>, string, Budget] {
  let map = budgets.get(redis);
  if (!map) budgets.set(redis, (map = new Map()));
  const id = budgetId(keys, limits);
  let budget = map.get(id);
  if (!budget) map.set(id, (budget = newBudget(redis, map!, id, queue, keys, limits)));
  return [map, id, budget];
}

function newBudget(redis: RedisConnection, map: Map<string, Budget>, id: string, queue: string, keys: GateKeys, limits: GateLimits): Budget {
  const budget: Budget = { queue, keys, limits, asks: [], inFlight: 0, scheduled: false };
  if (limits.rate && !limits.global && !limits.perKey) {
    budget.leases = new StartLeases(
      // Lost with the connection: the unused entries leave the log with the window, the jobs lack the record.
      (lease) => void settleLease(redis, keys, lease).catch(() => {}),
      () => forgetIfIdle(map, id, budget),
    );
  }
  return budget;
}

/** An idle budget is forgotten (per-key budgets come and go): no ask waiting, no call on its way, no lease held. */
function forgetIfIdle(map: Map<string, Budget>, id: string, budget: Budget): void {
  if (!budget.asks.length && !budget.inFlight && !budget.scheduled && (budget.leases?.empty ?? true) && map.get(id) === budget) map.delete(id);
}

/**
 * Ask the gate whether the job may start now (see {@link admitMany}); the ask shares a call with the other
 * jobs of its budget asking meanwhile on this connection, unless `alone`. `giveBack` as in throttle-gate's `admit`.
 * `fresh`: the job's first attempt, never held: it may take a leased start.
 */
export function askGate(
  redis: RedisConnection,
  queue: string,
  jobId: string,
  keys: GateKeys,
  limits: GateLimits,
  opts: { giveBack?: string; alone?: boolean; fresh?: boolean } = {},
): Promise<SentAnswer> {
  const { giveBack, alone } = opts;
  if (alone) return askAlone(redis, queue, { jobId, jobKey: keys.job, ...(giveBack === undefined ? {} : { giveBack }) }, keys, limits);
  const [map, id, budget] = budgetOf(redis, queue, keys, limits);
  const leased = opts.fresh && budget.leases ? takeLeased(redis, map, id, budget, budget.leases, keys.job) : undefined;
  if (leased) return Promise.resolve(leased);
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

/** A leased start for a fresh job, if one is at hand; the next lease asked for when this one runs low. */
function takeLeased(redis: RedisConnection, map: Map<string, Budget>, id: string, budget: Budget, leases: StartLeases, jobKey: string): SentAnswer | undefined {
  const now = performance.now();
  leases.noteAsk(now);
  const start = leases.take(now, jobKey);
  if (!start) return undefined;
  if (leases.runningLow(now)) schedule(redis, map, id, budget);
  return { answer: { admitted: true, at: start.at, member: start.member }, sent: start.sent };
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
  const { leases } = budget;
  const want = leases?.want() ?? 0;
  if (!batch.length && !want) return forgetIfIdle(map, id, budget);
  const lease = want ? { want, prefix: leasePrefix() } : undefined;
  if (lease) leases!.asking = true;
  budget.inFlight++;
  const sent = performance.now();
  try {
    const reply = await admitAndLease(redis, budget.queue, budget.keys, budget.limits, batch, lease);
    if (lease) leases!.add(lease.prefix, reply.lease, sent);
    batch.forEach((ask, i) => ask.resolve({ answer: reply.answers[i]!, sent }));
  } catch (err) {
    for (const ask of batch) ask.reject(err);
  } finally {
    budget.inFlight--;
    if (lease) leases!.asking = false;
    // The asks that came meanwhile go next; an idle budget is forgotten.
    if (budget.asks.length) schedule(redis, map, id, budget);
    else forgetIfIdle(map, id, budget);
  }
}
