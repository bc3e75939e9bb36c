import { z } from 'zod';
import { apiRoute, json, param, readJson } from '@/lib/http/api-route';
import { parseOrThrow } from '@/lib/validation';
import { listJobs } from '@/lib/data/job-list';
import { JOB_STATES } from '@/lib/data/queue-states';
import { addRawJob } from '@/lib/queue/queue-actions';

export const dynamic = 'force-dynamic';

const listQuery = z.object({
  state: z.enum(JOB_STATES).default('waiting'),
  page: z.coerce.number({ error: 'page must be a number' }).int('page must be a whole number').min(1, 'page must be 1 or more').default(1),
  pageSize: z.coerce.number({ error: 'pageSize must be a number' }).int('pageSize must be a whole number').min(1).max(500).default(25),
  name: z.string().trim().min(1).max(200).optional(),
});

/** A page of jobs in one state (optionally only those named `name`), newest first. A page past the end gives the last page. */
export const GET = apiRoute<{ queue: string }>(async (req, p) => {
  const q = parseOrThrow(listQuery, Object.fromEntries(new URL(req.url).searchParams));
  return listJobs(param(p, 'queue'), q.state, q.page, q.pageSize, q.name);
});

/** Add a raw job `{ name, data, options? }` to any queue (for queues filled by other producers). */
export const POST = apiRoute<{ queue: string }>(async (req, p) => json(await addRawJob(param(p, 'queue'), await readJson(req, z.unknown())), 201));
