import { json } from '../http/api-route';
import { listTaskDtos, getTaskDto } from '../data/task-dto';
import { taskDtoSchema, taskListSchema } from '../data/dto-schemas';
import { z } from 'zod';
import { runRequestSchema, runTask } from '../queue/run-task';
import { enqueuedJobSchema } from '../data/dto-schemas';
import { MAX_DEDUPE_KEY_LENGTH } from '../registry/dedupe';
import { jobCreatedFrom } from './audit-targets';
import { defineOperation, jsonAnswer } from './operation';

/** A run's answer: the job, and whether this request created it. */
const runAnswerSchema = enqueuedJobSchema.extend({ created: z.boolean().describe('False when a dedupe or idempotency key returned an existing job') });

const idempotencyHeaders = z.object({
  'Idempotency-Key': z
    .string()
    .min(1)
    .max(MAX_DEDUPE_KEY_LENGTH)
    .optional()
    .describe("A retry with the same key within the task's idempotency window (24 h by default) returns the first request's job (200) instead of a new one"),
});

/** The task catalogue, and enqueuing a job of a task. */
export const taskOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/tasks',
    summary: 'Every task in the catalogue',
    tag: 'tasks',
    access: 'read',
    answers: { 200: jsonAnswer('`{ tasks }`', taskListSchema) },
    handler: async () => ({ tasks: await listTaskDtos() }),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/tasks/{name}',
    summary: 'One task: description, queue, JSON Schema of its arguments',
    tag: 'tasks',
    access: 'read',
    answers: { 200: jsonAnswer('The task', taskDtoSchema) },
    errors: [404],
    handler: ({ params }) => getTaskDto(params.name!),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/tasks/{name}/runs',
    summary: "Enqueue a job of a task (arguments checked against the task's schema); 200 with the existing job when a dedupe or idempotency key holds",
    tag: 'tasks',
    access: 'write',
    audit: { action: 'task.run', target: jobCreatedFrom('name') },
    body: runRequestSchema,
    headers: idempotencyHeaders,
    answers: {
      200: jsonAnswer('`{ queue, id, created: false }`: the job a dedupe or idempotency key returned (nothing new was enqueued)', runAnswerSchema),
      201: jsonAnswer('`{ queue, id, created: true }` of the new job', runAnswerSchema),
    },
    errors: [404],
    handler: async ({ params, raw, req }) => {
      const run = await runTask(params.name!, raw, req.headers.get('idempotency-key') ?? undefined);
      return json(run, run.created ? 201 : 200);
    },
  }),
];
