import { alertOperations } from './alerts';
import { authOperations } from './auth';
import { dashboardOperations } from './dashboard';
import { healthOperations } from './health';
import { jobOperations } from './jobs';
import { metricsOperations } from './metrics';
import { queueOperations } from './queues';
import { resultOperations } from './results';
import { scheduleOperations } from './schedules';
import { taskOperations } from './tasks';
import { tokenOperations } from './tokens';
import { workerOperations } from './workers';
import { workflowOperations } from './workflows';
import { defineOperation, jsonAnswer, type Operation } from './operation';
import { openApiDocument } from './openapi-document';
import { consoleBasePath } from '../env';

let document: Record<string, unknown> | undefined;

/** `GET /api/v1/openapi.json`: the document of the operations below (made once: the definitions do not change while the console runs). */
const openApiOperation = defineOperation({
  method: 'get',
  path: '/api/v1/openapi.json',
  summary: 'This document',
  tag: 'meta',
  access: 'read',
  answers: { 200: jsonAnswer('OpenAPI 3.1') },
  // Its servers' URLs are the paths a client calls: under the console's base path.
  handler: async () => (document ??= openApiDocument(API_OPERATIONS, `${consoleBasePath()}/`)),
});

/** Every operation the console serves under /api and at /metrics: the router and the document read this list. */
export const API_OPERATIONS: readonly Operation[] = [
  ...taskOperations,
  ...queueOperations,
  ...jobOperations,
  ...resultOperations,
  ...scheduleOperations,
  ...workerOperations,
  ...workflowOperations,
  ...dashboardOperations,
  ...tokenOperations,
  ...alertOperations,
  openApiOperation,
  ...healthOperations,
  ...authOperations,
  ...metricsOperations,
];
