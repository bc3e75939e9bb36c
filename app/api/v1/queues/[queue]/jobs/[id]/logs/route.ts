import { z } from 'zod';
import { apiRoute, param } from '@/lib/http/api-route';
import { parseOrThrow } from '@/lib/validation';
import { getJobLogPage } from '@/lib/data/job-logs-dto';
import { MAX_LOG_PAGE_SIZE, LOG_PAGE_SIZE } from '@/lib/queue/job-logs';

export const dynamic = 'force-dynamic';

const query = z.object({
  page: z.coerce.number({ error: 'page must be a number' }).int().min(0, 'page must be 0 (the newest lines) or more').default(0),
  pageSize: z.coerce.number({ error: 'pageSize must be a number' }).int().min(1).max(MAX_LOG_PAGE_SIZE).default(LOG_PAGE_SIZE),
});

/** A page of a job's log, oldest line first (page 1 = the first lines; 0 or none = the newest). A page past the end gives the last page. */
export const GET = apiRoute<{ queue: string; id: string }>(async (req, p) => {
  const q = parseOrThrow(query, Object.fromEntries(new URL(req.url).searchParams));
  return getJobLogPage(param(p, 'queue'), param(p, 'id'), q.page, q.pageSize);
});
