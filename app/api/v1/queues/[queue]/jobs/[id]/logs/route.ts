import { apiRoute, param } from '@/lib/http/api-route';
import { jobLogsQuerySchema } from '@/lib/http/request-schemas';
import { parseOrThrow } from '@/lib/validation';
import { getJobLogPage } from '@/lib/data/job-logs-dto';

export const dynamic = 'force-dynamic';

/** A page of a job's log, oldest line first (page 1 = the first lines; 0 or none = the newest). A page past the end gives the last page. */
export const GET = apiRoute<{ queue: string; id: string }>(async (req, p) => {
  const q = parseOrThrow(jobLogsQuerySchema, Object.fromEntries(new URL(req.url).searchParams));
  return getJobLogPage(param(p, 'queue'), param(p, 'id'), q.page, q.pageSize);
});
