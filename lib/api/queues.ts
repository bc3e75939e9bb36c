import { z } from 'zod';
import { json } from '../http/api-route';
import { getQueueDetail, listQueueSummaries } from '../data/queue-dto';
import { queueDetailSchema, queueListSchema } from '../data/dto-schemas';
import {
  addJobBodySchema,
  addRawJob,
  cleanBodySchema,
  cleanQueue,
  drainBodySchema,
  drainQueue,
  obliterateBodySchema,
  obliterateQueue,
  pauseQueue,
  resumeQueue,
  retryAllFailed,
} from '../queue/queue-actions';
import { removeOrphan } from '../scheduler/schedule-service';
import { jobCreatedFrom, paramTarget } from './audit-targets';
import { defineOperation, jsonAnswer, type Operation } from './operation';
import { ENQUEUED_JOB, IDEMPOTENCY_HEADERS, NO_CONTENT, OK, enqueuedStatus, idempotencyHeader } from './answers';

/** A queue action's audit target: the queue. */
const queueTarget = paramTarget('queue');

/** `POST /api/v1/queues/{queue}/<action>` without a body: `{ ok: true }`. */
function queueAction(action: string, summary: string, run: (queue: string) => Promise<void>): Operation {
  return defineOperation({
    method: 'post',
    path: `/api/v1/queues/{queue}/${action}`,
    summary,
    tag: 'queues',
    access: 'write',
    audit: { action: `queue.${action}`, target: queueTarget },
    answers: { 200: OK },
    errors: [404],
    handler: async ({ params }) => {
      await run(params.queue!);
      return { ok: true };
    },
  });
}

/** Queues: their counts, the actions on a whole queue, raw jobs added by hand, orphan schedulers. */
export const queueOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/queues',
    summary: 'Every queue with its counts per state',
    tag: 'queues',
    access: 'read',
    answers: { 200: jsonAnswer('`{ queues }`', queueListSchema) },
    handler: async () => ({ queues: await listQueueSummaries() }),
  }),
  defineOperation({
    method: 'get',
    path: '/api/v1/queues/{queue}',
    summary: 'One queue: counts per state, paused, workers, retention',
    tag: 'queues',
    access: 'read',
    answers: { 200: jsonAnswer('The queue', queueDetailSchema) },
    errors: [404],
    handler: ({ params }) => getQueueDetail(params.queue!),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/queues/{queue}/jobs',
    summary: 'Add a raw job to any queue; 200 with the existing job when an idempotency key holds',
    tag: 'jobs',
    access: 'write',
    audit: { action: 'job.add', target: jobCreatedFrom('queue') },
    body: addJobBodySchema,
    headers: IDEMPOTENCY_HEADERS,
    answers: ENQUEUED_JOB,
    errors: [404],
    handler: async ({ params, raw, req }) => {
      const job = await addRawJob(params.queue!, raw, idempotencyHeader(req));
      return json(job, enqueuedStatus(job));
    },
  }),
  queueAction('pause', 'Pause a queue (workers take no new jobs)', pauseQueue),
  queueAction('resume', 'Resume a paused queue', resumeQueue),
  defineOperation({
    method: 'post',
    path: '/api/v1/queues/{queue}/clean',
    summary: 'Remove finished jobs older than an age',
    tag: 'queues',
    access: 'write',
    audit: { action: 'queue.clean', target: queueTarget },
    body: cleanBodySchema,
    answers: { 200: jsonAnswer('How many jobs were removed', z.object({ removed: z.number().int().min(0) })) },
    errors: [404],
    handler: ({ params, raw }) => cleanQueue(params.queue!, raw),
  }),
  defineOperation({
    method: 'post',
    path: '/api/v1/queues/{queue}/drain',
    summary: 'Remove every waiting job',
    tag: 'queues',
    access: 'write',
    audit: { action: 'queue.drain', target: queueTarget },
    body: drainBodySchema,
    answers: { 200: OK },
    errors: [404],
    handler: async ({ params, raw }) => {
      await drainQueue(params.queue!, raw);
      return { ok: true };
    },
  }),
  queueAction('retry-failed', 'Move every failed job back to waiting', retryAllFailed),
  defineOperation({
    method: 'post',
    path: '/api/v1/queues/{queue}/obliterate',
    summary: 'Delete the queue and all its jobs',
    tag: 'queues',
    access: 'write',
    audit: { action: 'queue.obliterate', target: queueTarget },
    body: obliterateBodySchema,
    answers: { 200: OK },
    errors: [404],
    handler: async ({ params, raw }) => {
      await obliterateQueue(params.queue!, raw);
      return { ok: true };
    },
  }),
  defineOperation({
    method: 'delete',
    path: '/api/v1/queues/{queue}/schedulers/{id}',
    summary: 'Remove an orphan job scheduler (one no schedule owns)',
    tag: 'schedules',
    access: 'write',
    audit: { action: 'scheduler.remove', target: ({ params }) => `${params.queue}/${params.id}` },
    answers: { 204: NO_CONTENT },
    errors: [404],
    handler: async ({ params }) => {
      await removeOrphan(params.queue!, params.id!);
      return new Response(null, { status: 204 });
    },
  }),
];
