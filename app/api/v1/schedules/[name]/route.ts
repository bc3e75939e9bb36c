import { z } from 'zod';
import { apiRoute, param, readJson } from '@/lib/http/api-route';
import { deleteSchedule, patchSchedule, replaceSchedule } from '@/lib/scheduler/schedule-service';
import { getScheduleDetail } from '@/lib/data/schedule-dto';

export const dynamic = 'force-dynamic';

type P = { name: string };

/** One schedule with its history, upcoming runs and missed slots. */
export const GET = apiRoute<P>(async (_req, p) => getScheduleDetail(param(p, 'name')));

/** Replace the schedule (name fixed). An edit that fails validation leaves the old one running. */
export const PUT = apiRoute<P>(async (req, p) => replaceSchedule(param(p, 'name'), await readJson(req, z.unknown())));

/** Change `enabled`, `description` or `catchUp`. */
export const PATCH = apiRoute<P>(async (req, p) => patchSchedule(param(p, 'name'), await readJson(req, z.unknown())));

export const DELETE = apiRoute<P>(async (_req, p) => {
  await deleteSchedule(param(p, 'name'));
  return new Response(null, { status: 204 });
});
