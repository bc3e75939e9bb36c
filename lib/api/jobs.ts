import { z } from 'zod';
import { json } from '../http/api-route';
import { attachment } from '../http/attachment';
import { listJobs } from '../data/job-list';
import { getJobDto } from '../data/job-dto';
import { getJobLogPage } from '../data/job-logs-dto';
import { jobDtoSchema, jobPageSchema, logPageSchema } from '../data/dto-schemas';
import { readJobPart } from '../queue/job-download';
import { cancelJob, changeJobPriority, priorityBodySchema, promoteJob, removeJob, rerunBodySchema, rerunJob, retryJob } from '../queue/job-actions';
import { jobDownloadQuerySchema, jobListQuerySchema, jobLogsQuerySchema } from '../http/request-schemas';
import { createdJob, jobTarget, made } from './audit-targets';
import { defineOperation, jsonAnswer, type Operation } from './operation';
import { CREATED_JOB, OK } from './answers';

const JOB = '/api/v1/queues/{queue}/jobs/{id}';

/** `POST …/jobs/{id}/<action>` without a body: `{ ok: true }`; 409 when the job's state does not allow it. */
function jobAction(action: string, summary: string, run: (queue: string, id: string) => Promise<void>): Operation {
  return defineOperation({
    method: 'post',
    path: `${JOB}/${action}`,
    summary,
    tag: 'jobs',
    access: 'write',
    audit: { action: `job.${action}`, target: jobTarget },
    answers: { 200: OK },
    errors: [404, 409],
    handler: async ({ params }) => {
      await run(params.queue!, params.id!);
      return { ok: true };
    },
  });
}

/** Jobs: pages of a queue's jobs, one job, its log, its parts as files, and the actions on it. */
export const jobOperations = [
  defineOperation({
    method: 'get',
    path: '/api/v1/queues/{queue}/jobs',
    summary: 'A page of jobs in one state, newest first',
    tag: 'jobs',
    access: 'read',
    query: jobListQuerySchema,
    answers: { 200: jsonAnswer('A page of jobs', jobPageSchema) },
    errors: [404],
    handler: ({ params, query: q }) => listJobs(params.queue!, q.state, q.page, q.pageSize, q.name),
  }),
  defineOperation({
    method: 'get',
    path: JOB,
    summary: 'One job: arguments, state, progress, result, error',
    tag: 'jobs',
    access: 'read',
    answers: { 200: jsonAnswer('The job', jobDtoSchema) },
    errors: [404],
    handler: ({ params }) => getJobDto(params.queue!, params.id!),
  }),
  defineOperation({
    method: 'get',
    path: `${JOB}/logs`,
    summary: "A page of a job's log",
    tag: 'jobs',
    access: 'read',
    query: jobLogsQuerySchema,
    answers: { 200: jsonAnswer('A page of log lines', logPageSchema) },
    errors: [404],
    handler: ({ params, query: q }) => getJobLogPage(params.queue!, params.id!, q.page, q.pageSize),
  }),
  defineOperation({
    method: 'get',
    path: `${JOB}/download`,
    summary: 'A part of a job (arguments, result, error, stack, progress, options, a log line, or all of it) as a file',
    tag: 'jobs',
    access: 'read',
    query: jobDownloadQuerySchema,
    answers: {
      200: {
        description: 'The part as stored: JSON (arguments, result, stack, progress, options, the whole job) or text (error, a log line)',
        content: { 'application/json': { schema: {} }, 'text/plain': { schema: { type: 'string' } } },
      },
    },
    errors: [404],
    handler: async ({ params, query: q }) => {
      const d = await readJobPart(params.queue!, params.id!, q.part, q.line);
      return new Response(new Uint8Array(d.body), {
        headers: {
          'content-type': d.contentType,
          'content-length': String(d.body.length),
          'content-disposition': attachment(d.filename),
          'cache-control': 'no-store',
        },
      });
    },
  }),
  jobAction('retry', 'Retry a failed or completed job', retryJob),
  jobAction('remove', 'Remove a job', removeJob),
  jobAction('promote', 'Run a delayed job now', promoteJob),
  defineOperation({
    method: 'post',
    path: `${JOB}/priority`,
    summary: 'Change the priority of a waiting job',
    tag: 'jobs',
    access: 'write',
    audit: { action: 'job.priority', target: jobTarget },
    body: priorityBodySchema,
    answers: { 200: OK },
    errors: [404, 409],
    handler: async ({ params, raw }) => {
      await changeJobPriority(params.queue!, params.id!, raw);
      return { ok: true };
    },
  }),
  defineOperation({
    method: 'post',
    path: `${JOB}/cancel`,
    summary: 'Ask the worker running the job to stop it',
    tag: 'jobs',
    access: 'write',
    audit: { action: 'job.cancel', target: jobTarget },
    answers: { 202: jsonAnswer('Workers that got the request', z.object({ delivered: z.number().int().min(0) })) },
    errors: [404, 409],
    handler: async ({ params }) => json(await cancelJob(params.queue!, params.id!), 202),
  }),
  defineOperation({
    method: 'post',
    path: `${JOB}/rerun`,
    summary: 'Run the job again as a new job, optionally with edited arguments',
    tag: 'jobs',
    access: 'write',
    // The job re-run and the new job it made: `q/6 → q/6-rerun`.
    audit: { action: 'job.rerun', target: (c) => made(jobTarget(c), createdJob(c.response)) },
    body: rerunBodySchema,
    answers: { 201: CREATED_JOB },
    errors: [404, 409],
    handler: async ({ params, raw }) => json(await rerunJob(params.queue!, params.id!, raw), 201),
  }),
];
