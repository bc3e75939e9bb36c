import { apiRoute } from '@/lib/http/api-route';
import { schedulePreviewQuerySchema } from '@/lib/http/request-schemas';
import { parseOrThrow } from '@/lib/validation';
import { previewTrigger } from '@/lib/scheduler/schedule-service';

export const dynamic = 'force-dynamic';

/**
 * Preview a trigger: `?trigger=<JSON>` (e.g. `{"type":"cron","expression":"3 17 * * 0","tz":"Europe/Paris"}`)
 * with optional `count` (1–20) and `schedule` (the name it will be saved under) → `{ words, runs: [ISO…] }`,
 * or 400 with the field (`trigger.expression`…).
 */
export const GET = apiRoute(async (req) => {
  const q = parseOrThrow(schedulePreviewQuerySchema, Object.fromEntries(new URL(req.url).searchParams));
  return previewTrigger(q.trigger, { schedule: q.schedule, count: q.count });
});
