import { apiRoute } from '@/lib/http/api-route';
import { dashboardHistoryQuerySchema } from '@/lib/http/request-schemas';
import { parseOrThrow } from '@/lib/validation';
import { discoverQueues } from '@/lib/queue/queue-registry';
import { readThroughputHistory } from '@/lib/data/dashboard-history';

export const dynamic = 'force-dynamic';

/** Completed and failed jobs per minute (1h) or per 15 minutes (24h), from BullMQ's metrics. */
export const GET = apiRoute(async (req) => {
  const { range } = parseOrThrow(dashboardHistoryQuerySchema, Object.fromEntries(new URL(req.url).searchParams));
  return readThroughputHistory(await discoverQueues({ maxAgeMs: 'auto' }), range);
});
