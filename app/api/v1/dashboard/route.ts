import { apiRoute } from '@/lib/http/api-route';
import { getDashboardSnapshot } from '@/lib/data/dashboard-snapshot';

export const dynamic = 'force-dynamic';

/** The dashboard's live figures at once (throughput of the last minutes, active jobs, latest failures, timings, workers). */
export const GET = apiRoute(async () => getDashboardSnapshot());
