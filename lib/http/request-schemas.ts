import { z } from 'zod';
import { JOB_STATES } from '../data/queue-states';
import { JOB_PARTS } from '../data/job-dto';
import { HISTORY_RANGES, type HistoryRange } from '../data/dashboard-history';
import { LOG_PAGE_SIZE, MAX_LOG_PAGE_SIZE } from '../queue/job-logs';

/**
 * Query strings and bodies of /api/v1 operations whose schema has no home in a
 * lib/ function. Each schema is declared here once and named in its operation's
 * definition (lib/api/), from which the request is validated and the OpenAPI
 * document generated, so the document cannot drift from what is accepted.
 * (Bodies parsed inside lib/ functions keep their schema next to the function:
 * cleanBodySchema, drainBodySchema… in lib/queue/queue-actions.ts.)
 */

/** `GET /queues/{queue}/jobs`: a page of jobs in one state, optionally only those named `name`. */
export const jobListQuerySchema = z.object({
  state: z.enum(JOB_STATES).default('waiting'),
  page: z.coerce.number({ error: 'page must be a number' }).int('page must be a whole number').min(1, 'page must be 1 or more').default(1),
  pageSize: z.coerce.number({ error: 'pageSize must be a number' }).int('pageSize must be a whole number').min(1).max(500).default(25),
  name: z.string().trim().min(1).max(200).optional().describe('Only jobs with this name'),
});

/** `GET /queues/{queue}/jobs/{id}/logs`: a page of a job's log. */
export const jobLogsQuerySchema = z.object({
  page: z.coerce
    .number({ error: 'page must be a number' })
    .int()
    .min(0, 'page must be 0 (the newest lines) or more')
    .default(0)
    .describe('1 = the first lines; 0 = the newest'),
  pageSize: z.coerce.number({ error: 'pageSize must be a number' }).int().min(1).max(MAX_LOG_PAGE_SIZE).default(LOG_PAGE_SIZE),
});

/** `GET /queues/{queue}/jobs/{id}/download`: which part of the job, as a file. */
export const jobDownloadQuerySchema = z.object({
  part: z.enum(JOB_PARTS, { error: `part must be one of ${JOB_PARTS.join(', ')}` }),
  line: z.coerce.number({ error: 'line must be a number' }).int().min(0).optional().describe('With part=log: the line'),
});

const PREVIEW_EXAMPLE = JSON.stringify({ type: 'cron', expression: '3 17 * * 0', tz: 'Europe/Paris' });

/**
 * `GET /schedules/preview`: a trigger as JSON text (parsed here; its fields are
 * checked by the schedule model, with `trigger.<field>` in errors).
 */
export const schedulePreviewQuerySchema = z.object({
  trigger: z
    .string({ error: 'required (JSON)' })
    .transform((raw, ctx): unknown => {
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .describe(`A trigger as JSON: ${PREVIEW_EXAMPLE}`),
  count: z.coerce
    .number({ error: 'a whole number from 1 to 20' })
    .int('a whole number from 1 to 20')
    .min(1, 'a whole number from 1 to 20')
    .max(20, 'a whole number from 1 to 20')
    .default(5),
  schedule: z
    .string()
    .max(200, 'at most 200 characters')
    .default('')
    .describe("The schedule's name: an interval without anchor or start date runs at a phase derived from it"),
});

/** `GET /dashboard/history`: per minute over an hour, or per 15 minutes over a day. */
export const dashboardHistoryQuerySchema = z.object({
  range: z.enum(Object.keys(HISTORY_RANGES) as [HistoryRange, ...HistoryRange[]], { error: 'range must be 1h or 24h' }).default('1h'),
});

/** `POST /workers/{id}/concurrency`. */
export const workerConcurrencyBodySchema = z
  .object({
    concurrency: z
      .number({ error: 'concurrency must be a number' })
      .int('concurrency must be a whole number')
      .min(1, 'concurrency must be 1 or more')
      .max(1000, 'concurrency must be 1000 or less'),
  })
  .strict();
