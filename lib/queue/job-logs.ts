import type { RedisConnection } from '../redis';
import { bullKey } from '../keys';
import { luaScript } from './lua-script';
import { PREVIEW_BYTES } from './job-snapshot';

/**
 * A job's log lines a page at a time, oldest first (page 1 holds the first
 * lines; the last page the newest). Lines are cut inside Redis: each to
 * PREVIEW_BYTES, and once a page has used LOG_PAGE_BYTES the rest of its lines
 * to LOG_LINE_MIN_BYTES — a job that logged megabytes per line still gives a
 * small page. A cut line can be downloaded whole.
 */

export const LOG_PAGE_SIZE = 200;
export const MAX_LOG_PAGE_SIZE = 1000;
export const LOG_PAGE_BYTES = 1024 * 1024;
export const LOG_LINE_MIN_BYTES = 1024;

const SCRIPT = luaScript(`
local key = KEYS[1]
local size = tonumber(ARGV[1])
local page = tonumber(ARGV[2])
local lineMax = tonumber(ARGV[3])
local budget = tonumber(ARGV[4])
local lineMin = tonumber(ARGV[5])
local total = redis.call('LLEN', key)
local pages = math.max(1, math.ceil(total / size))
local start
if page == 0 then
  -- The tail: the newest lines, whatever page they fall on.
  start = math.max(0, total - size)
else
  if page < 1 or page > pages then page = pages end
  start = (page - 1) * size
end
local lines = redis.call('LRANGE', key, start, start + size - 1)
local out = {}
for i = 1, #lines do
  local v = lines[i]
  local n = #v
  local cap = lineMax
  if budget < cap then cap = math.max(budget, lineMin) end
  local cut = 0
  if n > cap then v = string.sub(v, 1, cap) cut = 1 end
  budget = budget - #v
  out[#out + 1] = v
  out[#out + 1] = n
  out[#out + 1] = cut
end
return { total, page, start, out }
`);

export interface LogLine {
  /** Position from the oldest kept line (0-based): what the download takes. */
  index: number;
  text: string;
  /** Full length in bytes. */
  bytes: number;
  truncated: boolean;
}

export interface LogPage {
  lines: LogLine[];
  total: number;
  /** 1-based; 0 for the tail. */
  page: number;
  pageSize: number;
  pages: number;
}

/**
 * One page of a job's log; a page past the end gives the last page. Page 0
 * is the tail: the newest `pageSize` lines (the live view), reported as page 0.
 */
export async function readLogPage(redis: RedisConnection, queue: string, id: string, page: number, pageSize = LOG_PAGE_SIZE): Promise<LogPage> {
  const size = Math.min(Math.max(1, Math.floor(pageSize)), MAX_LOG_PAGE_SIZE);
  const key = bullKey(queue, `${id}:logs`);
  const [total, p, start, flat] = (await SCRIPT.run(redis, [key], [size, Math.floor(page), PREVIEW_BYTES, LOG_PAGE_BYTES, LOG_LINE_MIN_BYTES])) as [
    number,
    number,
    number,
    (string | number)[],
  ];
  const lines: LogLine[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) {
    lines.push({ index: start + i / 3, text: String(flat[i]), bytes: Number(flat[i + 1]), truncated: flat[i + 2] === 1 });
  }
  return { lines, total, page: p, pageSize: size, pages: Math.max(1, Math.ceil(total / size)) };
}
