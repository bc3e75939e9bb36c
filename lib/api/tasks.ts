import { json } from '../http/api-route';
import { listTaskDtos, getTaskDto } from '../data/task-dto';
import { taskDtoSchema, taskListSchema } from '../data/dto-schemas';
import { runRequestSchema, runTask } from '../queue/run-task';
import { jobCreatedFrom } from './audit-targets';
import { defineOperation, jsonAnswer } from './operation';
import { z } from 'zod';
import { deadLetterDtos, deadLetterDtoSchema, replayDeadLetters } from '../queue/dead-letter';
import { ENQUEUED_JOB, IDEMPOTENCY_HEADERS, enqueuedStatus, idempotencyHeader } from './answers';
import { taskControlOperations } from './task-controls';

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
    headers: IDEMPOTENCY_HEADERS,
    answers: ENQUEUED_JOB,
    errors: [404],
    handler: async ({ params, raw, req }) => {
      const run = await runTask(params.name!, raw, idempotencyHeader(req));
      return json(run, enqueuedStatus(run));
    },
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/tasks/{name}/dead-letters',
    summary: "A task's dead letters (jobs that failed for good, when the task sets deadLetter), oldest first, at most 100",
    tag: 'tasks',
    access: 'read',
    answers: { 200: jsonAnswer('`{ deadLetters }`', z.object({ deadLetters: z.array(deadLetterDtoSchema) })) },
    handler: async ({ params }) => ({ deadLetters: await deadLetterDtos(params.name!) }),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/tasks/{name}/dead-letters/replay',
    summary: 'Send every dead letter of a task (up to 1000) back to its queue as a new job; they leave the dead-letter queue',
    tag: 'tasks',
    access: 'write',
    audit: { action: 'task.replay-dead-letters', target: ({ params }) => params.name! },
    answers: { 200: jsonAnswer('`{ replayed }`: the new jobs', z.object({ replayed: z.array(z.object({ queue: z.string(), id: z.string() })) })) },
    handler: async ({ params }) => ({ replayed: await replayDeadLetters(params.name!) }),
  }),
  ...taskControlOperations,
];
