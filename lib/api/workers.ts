import { z } from 'zod';
import { json } from '../http/api-route';
import { getRedis } from '../redis';
import { listWorkerDtos } from '../data/worker-dto';
import { workersSchema } from '../data/dto-schemas';
import { ackSchema, commandWorker } from '../worker/control';
import { workerConcurrencyBodySchema } from '../http/request-schemas';
import { paramTarget } from './audit-targets';
import { defineOperation, jsonAnswer, type Operation } from './operation';

/**
 * The answer of a remote command: it goes through Redis, and the response
 * waits (up to 3 s) for the worker's acknowledgement: 202 with it, 504 when
 * none came, 404 for a worker that is not alive.
 */
const ACK = jsonAnswer("The worker's acknowledgement", z.object({ requestId: z.string(), delivered: z.number().int().min(0), ack: ackSchema }));

function workerCommand(type: 'pause' | 'resume' | 'shutdown', summary: string): Operation {
  return defineOperation({
    method: 'post',
    path: `/api/v1/workers/{id}/${type}`,
    summary,
    tag: 'workers',
    access: 'write',
    audit: { action: `worker.${type}`, target: paramTarget('id') },
    answers: { 202: ACK },
    errors: [404, 504],
    handler: async ({ params }) => json(await commandWorker(getRedis(), { type, workerId: params.id! }), 202),
  });
}

/** Worker processes: the live and lost ones, and their remote control. */
export const workerOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/workers',
    summary: 'Live and lost workers',
    tag: 'workers',
    access: 'read',
    answers: { 200: jsonAnswer('`{ alive, lost, at }`', workersSchema) },
    handler: () => listWorkerDtos(),
  }),
  workerCommand('pause', 'Ask a worker process to stop taking jobs'),
  workerCommand('resume', 'Ask a paused worker process to take jobs again'),
  defineOperation({
    method: 'post',
    path: '/api/v1/workers/{id}/concurrency',
    summary: "Change a worker process's concurrency",
    tag: 'workers',
    access: 'write',
    audit: { action: 'worker.concurrency', target: paramTarget('id') },
    body: workerConcurrencyBodySchema,
    answers: { 202: ACK },
    errors: [404, 504],
    handler: async ({ params, body }) =>
      json(await commandWorker(getRedis(), { type: 'concurrency', workerId: params.id!, concurrency: body.concurrency }), 202),
  }),
  workerCommand('shutdown', 'Ask a worker process to finish its jobs and exit'),
];
