import type { RedisConnection } from '../redis';
import { z } from 'zod';
import { bullKey, queueKeyPrefix } from '../keys';
import { InvalidError } from '../errors';
import { luaScript } from './lua-script';
import { groupByHashTag, mergeGroupAnswers, type GroupAnswer } from './search-slots';

/**
 * Search of finished jobs (the completed and failed sets of every queue, or
 * one) by task, state, finish time and text in the arguments, result or
 * error — over whatever history retention has kept.
 *
 * BullMQ scores its completed and failed sets by finish time, so the time
 * range is a range of scores, and newest-first across all queues is a k-way
 * merge of those sets. One Lua call does the merge and the matching inside
 * Redis, reading only the fields it needs, and stops after `maxScan` jobs
 * or `limit` matches: no request blocks Redis for long, whatever the history
 * holds. The reply's cursor continues exactly where it stopped.
 */

const SCRIPT = luaScript(`
local maxS = ARGV[1]
local minS = ARGV[2]
local task = ARGV[3]
local q = ARGV[4]
local limit = tonumber(ARGV[5])
local maxScan = tonumber(ARGV[6])
local cell = tonumber(ARGV[7])
local n = tonumber(ARGV[8])
local cursorScore = tonumber(ARGV[9])
local chunk = 200
local rcall = redis.call
local src = {}
local atScore = {}
for i = 1, n do
  local skip = tonumber(ARGV[9 + 2 * i])
  src[i] = { key = KEYS[i], prefix = ARGV[8 + 2 * i], skip = skip, buf = {}, pos = 1, offset = 0, exhausted = false }
  atScore[i] = skip
end
local lastScore = cursorScore
local function head(s)
  if s.pos > #s.buf then
    if s.exhausted then return nil end
    local r = rcall('ZREVRANGEBYSCORE', s.key, maxS, minS, 'WITHSCORES', 'LIMIT', s.skip + s.offset, chunk)
    s.buf = r
    s.pos = 1
    s.offset = s.offset + #r / 2
    if #r / 2 < chunk then s.exhausted = true end
    if #r == 0 then return nil end
  end
  return s.buf[s.pos], tonumber(s.buf[s.pos + 1])
end
local function cut(v)
  if not v then return '' end
  if #v > cell then return string.sub(v, 1, cell) end
  return v
end
local function len(v)
  if not v then return 0 end
  return #v
end
local found = {}
local lastSrc = 0
local scanned = 0
local all = 0
while scanned < maxScan and #found < limit do
  local best, bestId, bestScore = nil, nil, nil
  for i = 1, n do
    local id, sc = head(src[i])
    if id and (best == nil or sc > bestScore) then best = i bestId = id bestScore = sc end
  end
  if not best then all = 1 break end
  local s = src[best]
  s.pos = s.pos + 2
  scanned = scanned + 1
  if bestScore ~= lastScore then
    lastScore = bestScore
    for i = 1, n do atScore[i] = 0 end
  end
  atScore[best] = atScore[best] + 1
  lastSrc = best
  local v = rcall('HMGET', s.prefix .. bestId, 'name', 'data', 'returnvalue', 'failedReason', 'timestamp', 'processedOn', 'finishedOn', 'atm', 'attemptsMade')
  local ok = v[1] ~= false
  if ok and task ~= '' and v[1] ~= task then ok = false end
  if ok and q ~= '' then
    ok = (v[2] and string.find(string.lower(v[2]), q, 1, true)) or (v[3] and string.find(string.lower(v[3]), q, 1, true)) or (v[4] and string.find(string.lower(v[4]), q, 1, true))
    ok = ok and true or false
  end
  if ok then
    found[#found + 1] = { best - 1, bestId, tostring(bestScore), v[1], cut(v[2]), len(v[2]), cut(v[3]), len(v[3]), cut(v[4]), len(v[4]), v[5] or '', v[6] or '', v[7] or '', v[8] or v[9] or '0', atScore[best] }
  end
end
if not (scanned < maxScan and #found < limit) then
  -- Stopped by a bound: are there entries left at all?
  local left = false
  for i = 1, n do if head(src[i]) then left = true break end end
  if not left then all = 1 end
end
return { found, scanned, all, tostring(lastScore), atScore, lastSrc - 1 }
`);

export const RESULT_STATES = ['completed', 'failed'] as const;
export type ResultState = (typeof RESULT_STATES)[number];

/**
 * Most jobs one call looks at: a Lua script holds Redis for its whole run, and
 * a job costs ~15 µs to look at (more with large data), so a call stays around
 * 30 ms and workers are never held up for long. Callers loop for more.
 */
export const SEARCH_MAX_SCAN = 2_000;
export const SEARCH_MAX_LIMIT = 500;

/** Where a search stopped: the finish time it reached and how many jobs of that exact millisecond each source had given. */
export interface SearchCursor {
  score: number;
  skips: Record<string, number>;
}

export interface SearchFilter {
  /** Queues to search (at least one). */
  queues: string[];
  states: readonly ResultState[];
  /** Exact job (task) name. */
  task?: string;
  /** Finish time window, ms since the epoch, inclusive. */
  from?: number;
  to?: number;
  /** Text the arguments, result or error contain (case-insensitive for ASCII letters). */
  q?: string;
}

export interface FoundJob {
  queue: string;
  state: ResultState;
  id: string;
  finishedAt: number;
  name: string;
  /** Stored JSON of the arguments, cut to the cell limit, and its full size. */
  data: string;
  dataBytes: number;
  result: string;
  resultBytes: number;
  error: string;
  errorBytes: number;
  createdAt: number | null;
  startedAt: number | null;
  attemptsMade: number;
}

export interface SearchBatch {
  jobs: FoundJob[];
  scanned: number;
  /** Null when the whole window was searched. */
  next: SearchCursor | null;
}

const sourceId = (state: ResultState, queue: string) => `${state}:${queue}`;

interface Source {
  queue: string;
  state: ResultState;
}

type Reply = [(string | number)[][], number, number, string, number[], number];

/**
 * One bounded step of a search. `limit` matches at most, `maxScan` jobs
 * looked at at most; `cell` bytes at most of each long value in the reply.
 * On a Redis Cluster, one Lua call per slot (lib/queue/search-slots.ts).
 */
export async function searchFinishedJobs(
  redis: RedisConnection,
  filter: SearchFilter,
  opts: { cursor?: SearchCursor | null; limit: number; maxScan?: number; cell: number; perSlot?: boolean },
): Promise<SearchBatch> {
  const sources: Source[] = filter.queues.flatMap((queue) => filter.states.map((state) => ({ queue, state })));
  if (sources.length === 0) return { jobs: [], scanned: 0, next: null };
  const keys = sources.map((s) => bullKey(s.queue, s.state));
  const to = filter.to ?? Number.POSITIVE_INFINITY;
  // A cursor past the window's end (the window moved) starts over at the end.
  const cursor = opts.cursor && opts.cursor.score <= to ? opts.cursor : null;
  const skips = new Map(sources.map((s, i) => [i, cursor?.skips[sourceId(s.state, s.queue)] ?? 0]));
  // perSlot: a Lua call per slot group, as a cluster needs (tests set it on a single Redis to check the merge against one call).
  const groups = (opts.perSlot ?? redis.isCluster) ? groupByHashTag(keys) : [sources.map((_, i) => i)];
  const limit = Math.max(1, Math.min(opts.limit, SEARCH_MAX_LIMIT));
  // The groups share one call's budget: the merged answer looks at no more jobs than one call on a single Redis.
  const maxScan = Math.max(1, Math.floor(Math.max(1, Math.min(opts.maxScan ?? SEARCH_MAX_SCAN, SEARCH_MAX_SCAN)) / groups.length));
  const step = { redis, filter, to: cursor ? Math.min(cursor.score, to) : to, cursorScore: cursor ? cursor.score : -1, limit, maxScan, cell: opts.cell };
  const answers = await Promise.all(groups.map((g) => searchGroup(step, g, sources, keys, skips)));
  const merged = await mergeGroupAnswers(answers, { limit, cursor: cursor ? { score: cursor.score, skips } : null }, (src, score) =>
    redis.zcount(keys[src]!, score, score),
  );
  let next: SearchCursor | null = null;
  if (merged.next) {
    const skipsOut: Record<string, number> = {};
    for (const [i, n] of merged.next.skips) skipsOut[sourceId(sources[i]!.state, sources[i]!.queue)] = n;
    next = { score: merged.next.score, skips: skipsOut };
  }
  return { jobs: merged.jobs, scanned: merged.scanned, next };
}

interface Step {
  redis: RedisConnection;
  filter: SearchFilter;
  /** Highest finish time to look at (the cursor's or the window's end). */
  to: number;
  cursorScore: number;
  limit: number;
  maxScan: number;
  cell: number;
}

/** One Lua call over the sources of one slot group (`group`: indexes into `sources`). */
async function searchGroup(step: Step, group: number[], sources: Source[], keys: string[], skips: Map<number, number>): Promise<GroupAnswer<FoundJob>> {
  const { filter } = step;
  const args: (string | number)[] = [
    step.to === Number.POSITIVE_INFINITY ? '+inf' : String(step.to),
    filter.from === undefined ? '-inf' : String(filter.from),
    filter.task ?? '',
    (filter.q ?? '').toLowerCase(),
    step.limit,
    step.maxScan,
    step.cell,
    group.length,
    step.cursorScore,
  ];
  for (const i of group) args.push(queueKeyPrefix(sources[i]!.queue), skips.get(i) ?? 0);
  const [found, scanned, all, lastScore, atScore, lastSrc] = (await SCRIPT.run(
    step.redis,
    group.map((i) => keys[i]!),
    args,
  )) as Reply;
  const n = (v: string | number) => (v === '' ? null : Number.isFinite(Number(v)) ? Number(v) : null);
  const rows = found.map((r) => {
    const src = group[Number(r[0])]!;
    const job: FoundJob = {
      queue: sources[src]!.queue,
      state: sources[src]!.state,
      id: String(r[1]),
      finishedAt: n(r[12]!) ?? Number(r[2]),
      name: String(r[3]),
      data: String(r[4]),
      dataBytes: Number(r[5]),
      result: String(r[6]),
      resultBytes: Number(r[7]),
      error: String(r[8]),
      errorBytes: Number(r[9]),
      createdAt: n(r[10]!),
      startedAt: n(r[11]!),
      attemptsMade: n(r[13]!) ?? 0,
    };
    return { job, score: Number(r[2]), src, at: Number(r[14]) };
  });
  return {
    sources: group,
    rows,
    scanned: Number(scanned),
    exhausted: all === 1,
    lastScore: Number(lastScore),
    atScore: atScore.map(Number),
    lastSrc: lastSrc >= 0 ? group[lastSrc]! : -1,
  };
}

const cursorSchema = z.object({ score: z.number().finite(), skips: z.record(z.string(), z.number().int().min(0)) }).strict();

/** A cursor as an opaque URL-safe string. */
export function encodeCursor(c: SearchCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** Parse a cursor from a URL; InvalidError (field `cursor`) when it is not one of ours. */
export function decodeCursor(s: string): SearchCursor {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(s, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  throw new InvalidError('cursor: not a valid search cursor', 'cursor');
}
