import { apiRoute, param } from '@/lib/http/api-route';
import { getQueueDetail } from '@/lib/data/queue-dto';

export const dynamic = 'force-dynamic';

/** One queue: counts per state, paused flag, workers, oldest waiting job and the retention of its tasks; 404 when it does not exist. */
export const GET = apiRoute<{ queue: string }>(async (_req, p) => getQueueDetail(param(p, 'queue')));
