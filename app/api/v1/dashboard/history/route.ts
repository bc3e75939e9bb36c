import { z } from 'zod';
import { apiRoute } from '@/lib/http/api-route';
import { parseOrThrow } from '@/lib/validation';
import { discoverQueues } from '@/lib/queue/queue-registry';
import { HISTORY_RANGES, readThroughputHistory, type HistoryRange } from '@/lib/data/dashboard-history';

export const dynamic = 'force-dynamic';

const query = z.object({
  range: z.enum(Object.keys(HISTORY_RANGES) as [HistoryRange, ...HistoryRange[]], { error: 'range must be 1h or 24h' }).default('1h'),
});

/** Completed and failed jobs per minute (1h) or per 15 minutes (24h), from BullMQ's metrics. */
export const GET = apiRoute(async (req) => {
  const { range } = parseOrThrow(query, Object.fromEntries(new URL(req.url).searchParams));
  return readThroughputHistory(await discoverQueues({ maxAgeMs: 'auto' }), range);
});
