import { z } from 'zod';
import { json } from '../http/api-route';
import { defineOperation, jsonAnswer } from './operation';
import { listWorkflowDefinitions, listWorkflowRuns, getWorkflowRun } from '../workflows/workflow-data';
import { requestWorkflowRun, workflowRunRequestSchema } from '../workflows/request-run';
import { cancelRun, retryStep } from '../workflows/run-actions';
import { enqueuedJobSchema } from '../data/dto-schemas';
import { workflowDefinitionSchema, workflowRunCreatedSchema, workflowRunPageSchema, workflowRunQuerySchema, workflowRunSchema } from '../workflows/run-dto';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** Workflows (lib/workflows): the published definitions, starting a run, the runs, and retry / cancel. */
export const workflowOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/workflows',
    summary: 'Every workflow the workers published, with the JSON Schema of its arguments',
    tag: 'workflows',
    access: 'read',
    answers: { 200: jsonAnswer('`{ workflows }`', z.object({ workflows: z.array(workflowDefinitionSchema) })) },
    handler: async () => ({ workflows: await listWorkflowDefinitions() }),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/workflows/{name}/runs',
    summary:
      'Start a run of a workflow (arguments checked against its schema; a worker of its queue builds and checks the plan: a refused step answers 400 naming it, with nothing enqueued)',
    tag: 'workflows',
    access: 'write',
    audit: {
      action: 'workflow.run',
      target: ({ params, response }) => (str((response as { id?: unknown })?.id) ? `${params.name}/${(response as { id: string }).id}` : params.name!),
    },
    body: workflowRunRequestSchema,
    answers: { 201: jsonAnswer('`{ id, workflow, state }` of the new run (`pending` until a worker planned it)', workflowRunCreatedSchema) },
    errors: [404],
    handler: async ({ params, raw }) => json(await requestWorkflowRun(params.name!, raw), 201),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/workflow-runs',
    summary: 'Workflow runs, newest first, by workflow and/or state, a page at a time',
    tag: 'workflows',
    access: 'read',
    query: workflowRunQuerySchema,
    answers: { 200: jsonAnswer('A page of runs', workflowRunPageSchema) },
    handler: ({ query }) => listWorkflowRuns(query),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/workflow-runs/{id}',
    summary: 'One run: its steps (state, progress, attempts), the graph, its result or failure',
    tag: 'workflows',
    access: 'read',
    answers: { 200: jsonAnswer('The run', workflowRunSchema) },
    errors: [404],
    handler: ({ params }) => getWorkflowRun(params.id!),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/workflow-runs/{id}/steps/{step}/retry',
    summary: 'Retry a step that failed: its job runs again and the run resumes from it',
    tag: 'workflows',
    access: 'write',
    audit: { action: 'workflow.retry-step', target: ({ params }) => `${params.id}/${params.step}` },
    answers: { 200: jsonAnswer("`{ queue, id }` of the step's job", enqueuedJobSchema) },
    errors: [404, 409],
    handler: ({ params }) => retryStep(params.id!, params.step!),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/workflow-runs/{id}/cancel',
    summary: 'Cancel a run: running steps are cancelled, nothing more runs',
    tag: 'workflows',
    access: 'write',
    audit: { action: 'workflow.cancel', target: ({ params }) => params.id! },
    answers: {
      200: jsonAnswer(
        '`{ cancelled, removed }`: steps cancelled while running, jobs removed before they ran',
        z.object({ cancelled: z.number(), removed: z.number() }),
      ),
    },
    errors: [404, 409],
    handler: ({ params }) => cancelRun(params.id!),
  }),
];
