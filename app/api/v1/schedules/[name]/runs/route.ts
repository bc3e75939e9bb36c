import { apiRoute, json, param } from '@/lib/http/api-route';
import { runScheduleNow } from '@/lib/scheduler/schedule-service';

export const dynamic = 'force-dynamic';

/** Run the schedule's task now → 201 `{ queue, id }` (a job attributed to the schedule). */
export const POST = apiRoute<{ name: string }>(async (_req, p) => json(await runScheduleNow(param(p, 'name')), 201));
