import { apiRoute, param } from '@/lib/http/api-route';
import { getQueueSummary } from '@/lib/data/queue-dto';

export const dynamic = 'force-dynamic';

/** One queue: counts per state and paused flag; 404 when it does not exist. */
export const GET = apiRoute<{ queue: string }>(async (_req, p) => getQueueSummary(param(p, 'queue')));
