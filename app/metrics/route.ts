import { apiRoute } from '@/lib/http/api-route';
import { getRedis } from '@/lib/redis';
import { collectMetrics } from '@/lib/metrics/collect-metrics';
import { PROMETHEUS_CONTENT_TYPE } from '@/lib/metrics/prometheus';

export const dynamic = 'force-dynamic';

/**
 * Prometheus metrics. Protected like the API: a session or any API token
 * (`Authorization: Bearer …` in the scrape config); open when no accounts are configured.
 */
export const GET = apiRoute(async () => new Response(await collectMetrics(getRedis()), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } }));
