import type { RedisConnection } from '../redis';
import { queueKeyPrefix } from '../keys';
import { luaScript } from '../queue/lua-script';

/**
 * The gate a throttled task's job passes before its handler starts: rate limit
 * and concurrency checked, and the start recorded, in one Lua script, so every
 * worker sees one budget (Redis's clock, Redis's atomicity; no per-process state).
 *
 * Rate: a sliding-window log: a sorted set of the start times of the last
 * window, trimmed and counted in the script that also records the start, so
 * no window of that length, wherever it begins, holds more than the limit
 * (a fixed window could allow twice the limit across its boundary). A job over
 * the limit is told when the window frees for it: waiting jobs are given
 * successive free slots (a second sorted set of the waiters' slots), so they do
 * not all come back at the same instant only for one of them to get in.
 *
 * Concurrency: a set of the ids of the task's running jobs (and one per key).
 * A member counts only while its BullMQ lock exists, so the slot of a worker
 * that was killed frees itself when its lock expires (or when another worker
 * gives its job back); the lock is the lease, renewed by BullMQ already. Jobs
 * refused a slot queue up in the order they first waited and look again
 * sooner the nearer the front they are, so a long line does not poll Redis
 * at the rate of a short one; a release names the front of the line, as many
 * as slots are free, for the worker to wake (lib/limits/waiter-wake.ts).
 *
 * Batches: one run admits several jobs of one budget in order (admitMany;
 * the worker's lib/limits/gate-batcher.ts sends the asks made while a call is
 * on its way together), each answered as if asked alone right after the ones
 * before it: one Redis instant, one atomic run, so the guarantees below are
 * those of single asks.
 *
 * The rate counts starts when the gate admits them (Redis's clock), but what
 * must hold is the handlers' starts, a reply's travel and a busy event loop
 * later. So the log's window is START_MARGIN_MS longer than the rate's, and a
 * worker whose admission reached it within that margin of asking starts the
 * handler at once: it starts between its admission and START_MARGIN_MS after
 * it. A later reply (slow network, busy worker) moves the job's entry in the
 * log to the time Redis gets the worker's word, sent as the handler starts
 * (RESTAMP, not waited for): until then the admission's entry counts, after
 * that the new one, so every later admission still counts this start while it
 * is within a window of it. Either way no window of the rate's length holds
 * more handler starts than the limit — measured in elapsed time on the worker,
 * no clock shared between hosts. The cost is the margin's share of the window:
 * 2 % of a per-second rate. A reply later than half a window, or a connection
 * not ready to send at once, gives the start back and asks again instead.
 *
 * Leases: a worker whose jobs of one budget ask often may ask, with a batch, for a lease of
 * starts: that many entries written in the log at the instant of the batch, under names of
 * the worker's making, which it hands to its next jobs without a call (lib/limits/start-lease.ts).
 * Each is a start counted at the lease's instant, like an admission, and the worker hands one
 * out only within half the start margin of the call's sending, so a handler on a leased start
 * also starts within START_MARGIN_MS of it or is moved in the log: the guarantee is that of an
 * admission. Unused entries are given back, and the lease's instant is written as the admission of
 * each job that took a start (settleLease). A lease is granted only while the log, lease
 * included, stays within half the limit and nobody waits for the rate, on a budget without
 * concurrency limits (a slot is a job's, not a count): a limit far above the load is then
 * passed without a round trip per job, and a limit in use is never leased away from the
 * workers that wait for it.
 *
 * Every key is under the queue's own key prefix (`bull:{images}:…`): on a Redis
 * Cluster they share the slot of the queue's keys, the job's hash and its lock.
 */

/** How long after its admission a handler may start (ms); the rate log's window is this much longer than the rate's. */
export const START_MARGIN_MS = 20;

/** A held job's record in its own hash (read by the console): why, and from when it may run (ms, Redis's clock). */
export const HELD_FIELD = 'cel:held';
/** When the gate let the job start (ms, Redis's clock): the time the rate limit counts. */
export const ADMITTED_FIELD = 'cel:admitted';
/** When Redis got word of a late handler start (ms, Redis's clock): the log counts the start from then on. */
export const RESTAMPED_FIELD = 'cel:restamped';

export interface GateLimits {
  rate?: { limit: number; windowMs: number };
  global?: number;
  perKey?: number;
  /** How long a job refused for concurrency waits before it looks again (ms), first in line; later in line, longer. */
  concurrencyRetryMs: number;
}

export interface GateKeys {
  job: string;
  rateLog: string;
  rateWaiters: string;
  running: string;
  runningByKey: string;
  /** The lines of jobs waiting for a slot of `running` / `runningByKey`. */
  waiting: string;
  waitingByKey: string;
  /** The job's key values (for the held record the console shows), when its budgets are per key. */
  rateKey?: string;
  concKey?: string;
}

/** An admission names its start's entry in the rate log (`member`): a late start moves it, a start given back removes it. */
export type GateAnswer = { admitted: true; at: number; member: string } | { admitted: false; waitMs: number; reason: 'rate' | 'concurrency' };

/** A lease asked for with a batch (see Leases above): how many starts, and the prefix of their log entries' names. */
export interface LeaseAsk {
  want: number;
  prefix: string;
}

/** A lease granted: its entries are `${prefix}:1` … `${prefix}:${granted}`, all at `at` (ms, Redis's clock). */
export interface LeaseGrant {
  granted: number;
  at: number;
}

/** A lease settled (see {@link settleLease}): its instant, its entries not handed out, and the hashes of the jobs that took the others. */
export interface SettledLease {
  at: number;
  unused: readonly string[];
  takers: readonly string[];
}

// One call admits a batch of jobs of one budget (the same rate log and running sets; each job its own hash,
// KEYS[7..]), in order, exactly as as many calls in a row at one instant would: each job's answer counts the
// admissions before it in the batch; then, if asked, a lease of starts. ARGV[1..9] are the budget's, ARGV[10..11]
// the lease's (how many; the prefix of their names), then a (jobId, giveBack) pair per job; the reply's last
// element is the lease's {granted, now}.
const ADMIT = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate, windowMs = tonumber(ARGV[1]), tonumber(ARGV[2])
local global, perKey, lockPrefix = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local retryMs, recordWindowMs, rateKey, concKey = tonumber(ARGV[6]), ARGV[7], ARGV[8], ARGV[9]
local leaseWant, leasePrefix = tonumber(ARGV[10]), ARGV[11]
local LOG, WAITERS, RUNNING, RUNNING_KEY, WAITING, WAITING_KEY = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]

-- The log's starts within the window: trimmed and counted once per batch, then kept up to date here.
-- Whether any job waits for the rate: if none did when the batch began, none of its jobs has a place in line to
-- leave (a job asks once per batch, and the ones held in it are not admitted in it).
local logged, anyWaiters = 0, false
if rate > 0 then
  redis.call('ZREMRANGEBYSCORE', LOG, '-inf', now - windowMs)
  logged = redis.call('ZCARD', LOG)
  anyWaiters = redis.call('EXISTS', WAITERS) == 1
end

-- The batch's admitted starts, not yet in the log: added with one ZADD (the cost of a call per start, at
-- thousands of starts a second, is the gate's largest), before anything reads the log by rank, and at the end.
-- \`logged\` already counts them.
local pending, added = {}, false
local function flush()
  if #pending == 0 then return end
  redis.call('ZADD', LOG, unpack(pending))
  pending, added = {}, true
end

-- The held job's record, for the console (lib/limits/held-record.ts): why (which budget, its limit, the key),
-- until when, since when and how many holds in a row (kept from the previous record: admission removes it),
-- and BullMQ's attempts-started count, by which the console knows a record left behind by a later run.
-- \`again\`: the job gave back an earlier admission in this ask; its slots go too.
local function hold(jobKey, jobId, again, reason, wait, scope, limit, key)
  if again then
    redis.call('ZREM', RUNNING, jobId)
    redis.call('ZREM', RUNNING_KEY, jobId)
    redis.call('HDEL', jobKey, '${ADMITTED_FIELD}')
  end
  local rec = {reason = reason, ['until'] = now + wait, at = now, scope = scope, limit = limit, since = now, holds = 1}
  rec.ats = tonumber(redis.call('HGET', jobKey, 'ats'))
  if reason == 'rate' then rec.windowMs = tonumber(recordWindowMs) end
  if scope == 'key' and key ~= '' then rec.key = key end
  local prev = redis.call('HGET', jobKey, '${HELD_FIELD}')
  local ok, p = pcall(cjson.decode, prev or 'null')
  if ok and type(p) == 'table' and tonumber(p.since) then
    rec.since = tonumber(p.since)
    rec.holds = (tonumber(p.holds) or 1) + 1
  end
  redis.call('HSET', jobKey, '${HELD_FIELD}', cjson.encode(rec))
  return {0, wait, reason}
end

-- Running jobs of a set, others than this one; members whose lock is gone have ended (or died): dropped.
local function running(key, jobId)
  local n = 0
  for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    if id ~= jobId then
      if redis.call('EXISTS', lockPrefix .. id .. ':lock') == 1 then n = n + 1 else redis.call('ZREM', key, id) end
    end
  end
  return n
end

-- Jobs waiting for a concurrency slot, in the order they first waited: the first \`limit\` of them look
-- again after one retry period, each further \`limit\` one period later (at most 20): however many wait,
-- the looks per second stay bounded, and the first in line look most often. A head of the line whose
-- job is gone (removed while delayed) is dropped.
local function waitInLine(jobKey, jobId, again, key, limit, scope)
  local head = redis.call('ZRANGE', key, 0, 0)[1]
  if head and head ~= jobId and redis.call('EXISTS', lockPrefix .. head) == 0 then redis.call('ZREM', key, head) end
  redis.call('ZADD', key, 'NX', now, jobId)
  redis.call('PEXPIRE', key, 3600000)
  local rank = redis.call('ZRANK', key, jobId)
  return hold(jobKey, jobId, again, 'concurrency', retryMs * math.min(1 + math.floor(rank / limit), 20), scope, limit, concKey)
end

-- Over the rate: waiters queue by their slots; one whose slot passed a window ago without coming back is
-- dropped. A job keeps its place in line when it comes back (its rank); a new one joins at the end. The j-th
-- in line gets the j-th slot to free: when the (n - rate + j mod rate)-th start of the log leaves the window,
-- plus a window for each round of rate waiters ahead of it.
local function waitForRate(jobKey, jobId, again)
  flush()
  redis.call('ZREMRANGEBYSCORE', WAITERS, '-inf', now - windowMs)
  local j = redis.call('ZRANK', WAITERS, jobId) or redis.call('ZCARD', WAITERS)
  local idx = (logged - rate) + (j % rate)
  local start = tonumber(redis.call('ZRANGE', LOG, idx, idx, 'WITHSCORES')[2])
  local at = start + windowMs * (1 + math.floor(j / rate))
  redis.call('ZADD', WAITERS, at, jobId)
  redis.call('PEXPIRE', WAITERS, at - now + windowMs)
  return hold(jobKey, jobId, again, 'rate', at - now, rateKey ~= '' and 'key' or 'task', rate, rateKey)
end

local function admitOne(jobKey, jobId, giveBack)
  -- Asked again after an admission that reached the worker too late (giveBack: its time): that start is given
  -- back first (never one of this batch's: a job asks once per batch). Its slots stay the job's unless it is
  -- held now (they are set again when it is admitted).
  local again = giveBack ~= ''
  if again then logged = logged - redis.call('ZREM', LOG, giveBack) end

  if global > 0 and running(RUNNING, jobId) >= global then return waitInLine(jobKey, jobId, again, WAITING, global, 'task') end
  if perKey > 0 and running(RUNNING_KEY, jobId) >= perKey then return waitInLine(jobKey, jobId, again, WAITING_KEY, perKey, 'key') end
  if global > 0 then redis.call('ZREM', WAITING, jobId) end
  if perKey > 0 then redis.call('ZREM', WAITING_KEY, jobId) end

  -- Unique member per start (a job may start again after a retry), answered to the worker: its name for the start.
  local member = jobId .. ':' .. now
  if rate > 0 then
    if logged >= rate then return waitForRate(jobKey, jobId, again) end
    if anyWaiters then redis.call('ZREM', WAITERS, jobId) end
    -- Counted now, written with the batch's others.
    pending[#pending + 1] = now
    pending[#pending + 1] = member
    logged = logged + 1
  end
  if global > 0 then redis.call('ZADD', RUNNING, now, jobId) end
  if perKey > 0 then redis.call('ZADD', RUNNING_KEY, now, jobId) end
  -- A new start: the job's record of a held wait, and of an earlier attempt's moved start, go.
  redis.call('HDEL', jobKey, '${HELD_FIELD}', '${RESTAMPED_FIELD}')
  redis.call('HSET', jobKey, '${ADMITTED_FIELD}', now)
  return {1, now, member}
end

local out = {}
for i = 1, #KEYS - 6 do
  out[i] = admitOne(KEYS[6 + i], ARGV[10 + 2 * i], ARGV[11 + 2 * i])
end

-- A lease: only while the log stays within half the limit with it, and nobody waits for the rate (a job held in
-- this batch means the log is full: no lease). Counted as starts now, like the batch's.
local leased = 0
if leaseWant > 0 and rate > 0 and global == 0 and perKey == 0 and not anyWaiters then
  leased = math.max(0, math.min(leaseWant, math.floor(rate / 2) - logged))
  for i = 1, leased do
    pending[#pending + 1] = now
    pending[#pending + 1] = leasePrefix .. ':' .. i
  end
  logged = logged + leased
end
flush()
if added then redis.call('PEXPIRE', LOG, windowMs) end
out[#out + 1] = {leased, now}
return out
`);

// A start the worker gives back (its handler would have started too late): its log entry and slots go, as if never admitted.
const WITHDRAW = luaScript(`
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], '${ADMITTED_FIELD}')
return 1
`);

// A handler started later than the margin after its admission: its log entry moves to now (Redis's clock).
const RESTAMP = luaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[1], now, ARGV[1] .. ':' .. now)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('HSET', KEYS[2], '${RESTAMPED_FIELD}', now)
return now
`);

// A lease settled: the entries not handed out (ARGV[2..]) leave the log; each job that took one of the others
// (KEYS[2..]: its hash, if it still exists) gets the lease's instant (ARGV[1]) as its admission.
const SETTLE_LEASE = luaScript(`
if #ARGV > 1 then redis.call('ZREM', KEYS[1], unpack(ARGV, 2)) end
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('HSET', KEYS[i], '${ADMITTED_FIELD}', ARGV[1]) end
end
return 1
`);

// A running job's slots free; the jobs at the front of the lines, as many as slots are free now (by the running
// sets' sizes: a member whose lock is gone still counts until an admission drops it, so this may name fewer),
// are named to be woken. They are not admitted here: woken, they ask the gate like any job, so a slot taken
// meanwhile by another job only sends them back to wait; the limit is the gate's alone.
const RELEASE = luaScript(`
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local woken = {}
local function front(running, line, limit)
  if limit <= 0 then return end
  local free = limit - redis.call('ZCARD', running)
  if free <= 0 then return end
  for _, id in ipairs(redis.call('ZRANGE', line, 0, free - 1)) do woken[#woken + 1] = id end
end
front(KEYS[1], KEYS[3], tonumber(ARGV[2]))
front(KEYS[2], KEYS[4], tonumber(ARGV[3]))
return woken
`);

/** The keys of a budget (all but the job's hash), by queue, task and key values: the same for every job of it. */
const budgetKeys = new Map<string, Omit<GateKeys, 'job'>>();
/** Budgets whose keys are kept: per-key budgets come and go; past this many the cache starts over. */
const BUDGET_KEYS_KEPT = 1000;

/**
 * The gate's keys for one job of `task` on `queue`: `rateKey`/`concKey` are the
 * job's key values (undefined: the task-wide budget).
 */
export function gateKeys(queue: string, task: string, jobId: string, rateKey?: string, concKey?: string): GateKeys {
  const prefix = queueKeyPrefix(queue);
  const id = `${prefix}\n${task}\n${rateKey === undefined ? '' : `r${rateKey}`}\n${concKey === undefined ? '' : `c${concKey}`}`;
  let shared = budgetKeys.get(id);
  if (!shared) {
    if (budgetKeys.size >= BUDGET_KEYS_KEPT) budgetKeys.clear();
    budgetKeys.set(id, (shared = budgetKeysOf(prefix, task, rateKey, concKey)));
  }
  return { ...shared, job: `${prefix}${jobId}` };
}

function budgetKeysOf(prefix: string, task: string, rateKey?: string, concKey?: string): Omit<GateKeys, 'job'> {
  const base = `${prefix}cel:throttle:${encodeURIComponent(task)}`;
  const rk = rateKey === undefined ? '' : `:${rateKey}`;
  return {
    rateLog: `${base}:rate${rk}`,
    rateWaiters: `${base}:rate-wait${rk}`,
    running: `${base}:running`,
    runningByKey: `${base}:running-key:${concKey ?? ''}`,
    waiting: `${base}:waiting`,
    waitingByKey: `${base}:waiting-key:${concKey ?? ''}`,
    ...(rateKey === undefined ? {} : { rateKey }),
    ...(concKey === undefined ? {} : { concKey }),
  };
}

/** One job's question to the gate: its id, and the log entry of an earlier admission it gives back (see {@link admit}). */
export interface GateAsk {
  jobId: string;
  /** The job's hash (its GateKeys' `job`). */
  jobKey: string;
  giveBack?: string;
}

/** Most jobs one gate call admits: keeps each script run short (Redis runs nothing else meanwhile). */
export const MAX_BATCH = 100;

/**
 * Ask the gate, in one call, whether each of `asks` may start now — jobs of one budget: `keys` are any of
 * theirs (all but `job` must be the same for each). Answers in the asks' order, each counting the
 * admissions before it, as the same asks made one after another would be answered.
 */
export async function admitMany(redis: RedisConnection, queue: string, keys: GateKeys, limits: GateLimits, asks: readonly GateAsk[]): Promise<GateAnswer[]> {
  return (await admitAndLease(redis, queue, keys, limits, asks)).answers;
}

/** {@link admitMany}, and with it a lease of starts when `lease` asks for one (see Leases above; asks may be empty). */
export async function admitAndLease(
  redis: RedisConnection,
  queue: string,
  keys: GateKeys,
  limits: GateLimits,
  asks: readonly GateAsk[],
  lease?: LeaseAsk,
): Promise<{ answers: GateAnswer[]; lease: LeaseGrant }> {
  if (asks.length > MAX_BATCH) throw new Error(`admitMany: at most ${MAX_BATCH} asks in one call, got ${asks.length}`);
  const shared = [
    limits.rate?.limit ?? 0,
    limits.rate ? limits.rate.windowMs + START_MARGIN_MS : 0,
    limits.global ?? 0,
    limits.perKey ?? 0,
    queueKeyPrefix(queue),
    limits.concurrencyRetryMs,
    // For the held record only: the rate's own window and the key values.
    limits.rate?.windowMs ?? 0,
    keys.rateKey ?? '',
    keys.concKey ?? '',
    lease?.want ?? 0,
    lease?.prefix ?? '',
  ];
  const reply = (await ADMIT.run(
    redis,
    [keys.rateLog, keys.rateWaiters, keys.running, keys.runningByKey, keys.waiting, keys.waitingByKey, ...asks.map((a) => a.jobKey)],
    [...shared, ...asks.flatMap((a) => [a.jobId, a.giveBack ?? ''])],
  )) as [number, number, string?][];
  const [granted, at] = reply.pop()!;
  return { answers: reply.map(toAnswer), lease: { granted: Number(granted), at: Number(at) } };
}

/** A job's answer: {1, at, its start's name in the log} or {0, wait, reason}. */
function toAnswer(reply: [number, number, string?]): GateAnswer {
  if (reply[0] === 1) return { admitted: true, at: Number(reply[1]), member: reply[2]! };
  return { admitted: false, waitMs: Number(reply[1]), reason: reply[2] === 'rate' ? 'rate' : 'concurrency' };
}

/**
 * Ask the gate whether the job may start now; if so its start is recorded (rate log, running sets).
 * `giveBack`: the log entry of this job's previous admission, which reached the worker too late to start
 * within the margin: that start is withdrawn in the same call.
 */
export async function admit(redis: RedisConnection, queue: string, jobId: string, keys: GateKeys, limits: GateLimits, giveBack?: string): Promise<GateAnswer> {
  const [answer] = await admitMany(redis, queue, keys, limits, [{ jobId, jobKey: keys.job, ...(giveBack === undefined ? {} : { giveBack }) }]);
  return answer!;
}

/** Give back a start (its log entry `member`: the admission's reply came too late for the handler to start within the margin). */
export async function withdraw(redis: RedisConnection, jobId: string, keys: GateKeys, member: string): Promise<void> {
  await WITHDRAW.run(redis, [keys.rateLog, keys.running, keys.runningByKey, keys.job], [jobId, member]);
}

/**
 * A job whose start is the log's entry `member` starts its handler now, later than the margin: its start counts
 * from when Redis gets this (sent before the handler starts; the caller does not wait for the reply).
 */
export function restamp(redis: RedisConnection, jobId: string, keys: GateKeys, member: string, rate: { windowMs: number }): Promise<unknown> {
  return RESTAMP.run(redis, [keys.rateLog, keys.job], [jobId, member, rate.windowMs + START_MARGIN_MS]);
}

/**
 * Settle a lease: give back its entries not handed out (`unused`: their names in the log), and record its
 * instant `at` as the admission of the jobs that took the others (`takers`: their hashes).
 */
export async function settleLease(redis: RedisConnection, keys: Pick<GateKeys, 'rateLog'>, lease: SettledLease): Promise<void> {
  await SETTLE_LEASE.run(redis, [keys.rateLog, ...lease.takers], [lease.at, ...lease.unused]);
}

/**
 * The job no longer runs: its concurrency slots free at once (its lock going away would free them too, later).
 * Answers the ids of the jobs waiting for those slots that may take them now (at the front of their line).
 */
export async function release(redis: RedisConnection, jobId: string, keys: GateKeys, limits: Pick<GateLimits, 'global' | 'perKey'> = {}): Promise<string[]> {
  const woken = (await RELEASE.run(
    redis,
    [keys.running, keys.runningByKey, keys.waiting, keys.waitingByKey],
    [jobId, limits.global ?? 0, limits.perKey ?? 0],
  )) as string[];
  return [...new Set(woken)];
}
