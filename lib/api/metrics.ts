import { getRedis } from '../redis';
import { collectMetrics } from '../metrics/collect-metrics';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus';
import { defineOperation } from './operation';

/**
 * Prometheus metrics, at /metrics (where scrapers look). Protected like the
 * API: a session or any API token (`Authorization: Bearer …` in the scrape
 * config); open when no accounts are configured.
 */
export const metricsOperations = [
  defineOperation({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics',
    tag: 'meta',
    access: 'read',
    answers: { 200: { description: 'The Prometheus text format', content: { [PROMETHEUS_CONTENT_TYPE.split(';')[0]!]: { schema: { type: 'string' } } } } },
    hidden: true,
    handler: async () => new Response(await collectMetrics(getRedis()), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' } }),
  }),
];
