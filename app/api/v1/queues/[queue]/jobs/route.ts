import { z } from 'zod';
import { apiRoute, json, param, readJson } from '@/lib/http/api-route';
import { jobListQuerySchema } from '@/lib/http/request-schemas';
import { parseOrThrow } from '@/lib/validation';
import { listJobs } from '@/lib/data/job-list';
import { addRawJob } from '@/lib/queue/queue-actions';

export const dynamic = 'force-dynamic';

/** A page of jobs in one state (optionally only those named `name`), newest first. A page past the end gives the last page. */
export const GET = apiRoute<{ queue: string }>(async (req, p) => {
  const q = parseOrThrow(jobListQuerySchema, Object.fromEntries(new URL(req.url).searchParams));
  return listJobs(param(p, 'queue'), q.state, q.page, q.pageSize, q.name);
});

/** Add a raw job `{ name, data, options? }` to any queue (for queues filled by other producers). */
export const POST = apiRoute<{ queue: string }>(async (req, p) => json(await addRawJob(param(p, 'queue'), await readJson(req, z.unknown())), 201));
