import { apiRoute } from '@/lib/http/api-route';
import { listQueueSummaries } from '@/lib/data/queue-dto';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(async () => ({ queues: await listQueueSummaries() }));
