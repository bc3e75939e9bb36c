import { getDashboardSnapshot } from '../data/dashboard-snapshot';
import { readThroughputHistory } from '../data/dashboard-history';
import { discoverQueues } from '../queue/queue-registry';
import { dashboardHistoryQuerySchema } from '../http/request-schemas';
import { defineOperation, jsonAnswer } from './operation';

/** The dashboard's figures. */
export const dashboardOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/dashboard',
    summary: "The dashboard's live figures: throughput, active jobs, latest failures, timings, workers",
    tag: 'dashboard',
    access: 'read',
    answers: { 200: jsonAnswer('The figures') },
    handler: () => getDashboardSnapshot(),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/dashboard/history',
    summary: 'Completed and failed jobs per minute (1h) or per 15 minutes (24h)',
    tag: 'dashboard',
    access: 'read',
    query: dashboardHistoryQuerySchema,
    answers: { 200: jsonAnswer('The series') },
    handler: async ({ query }) => readThroughputHistory(await discoverQueues({ maxAgeMs: 'auto' }), query.range),
  }),
];
